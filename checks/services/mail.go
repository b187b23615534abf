package services

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
)

// Mail servers are proven the way a mail app starts: the server's banner
// or greeting, its capabilities, and the secure connection: STARTTLS on
// the submission and IMAP ports (587, 143; RFC 3207, RFC 9051 section
// 6.2.1), TLS from the first byte on 465 and 993 (RFC 8314). The
// certificate is verified for the server's name, since a mail app refuses
// it otherwise.

// mailConn is a mail session: the connection and a reader on it.
type mailConn struct {
	conn net.Conn
	br   *bufio.Reader
}

func newMailConn(c net.Conn) *mailConn {
	return &mailConn{conn: c, br: bufio.NewReaderSize(limit(c), 4096)}
}

// send writes one command line.
func (m *mailConn) send(ctx context.Context, line string) error {
	deadline(ctx, m.conn)
	_, err := io.WriteString(m.conn, line+"\r\n")
	return err
}

// startTLS upgrades the session for host; it fills r and returns false on
// failure.
func (p *prober) startTLS(ctx context.Context, r *result, m *mailConn, host string) bool {
	t := p.handshake(ctx, m.conn, host, true)
	if t.conn == nil || t.out != "" {
		r.Out, r.Detail = t.out, t.detail
		if t.out.certificate() {
			r.Expires = t.expires
		}
		return false
	}
	r.Expires = t.expires
	r.attr("tls_version", t.version)
	m.conn, m.br = t.conn, bufio.NewReaderSize(limit(t.conn), 4096)
	return true
}

// mailFailed words a read or protocol error of a mail session.
func (p *prober) mailFailed(ctx context.Context, r *result, err error, port int, proto string, first []byte) {
	what := fmt.Sprintf("something answers on port %d, but it is not an %s server", port, proto)
	switch {
	case first != nil && sniff(first) != "":
		r.Out, r.Detail = outNotService, what+" (it answered like "+sniff(first)+")"
	case first != nil:
		r.Out, r.Detail = outNotService, what+" (its answer is not "+proto+")"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		r.Out, r.Detail = outNotService, what+" (it closed the connection without a greeting)"
	default:
		out, detail := p.answerErr(ctx, err)
		switch out {
		case outStalled:
			r.Out, r.Detail = outNotService, what+" (it accepted the connection and sent no greeting)"
		case outClosed:
			r.Out, r.Detail = outNotService, what+" (it closed the connection without a greeting)"
		default:
			r.Out, r.Detail = out, detail
		}
	}
}

// protocolError returns the first line of a not-SMTP/IMAP error.
func protocolError(err error) ([]byte, bool) {
	var ns *notSMTPError
	var ni *notIMAPError
	switch {
	case errors.As(err, &ns):
		return nonNil(ns.First), true
	case errors.As(err, &ni):
		return nonNil(ni.First), true
	}
	return nil, false
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// ehloName is the client's name in EHLO: its own address as an address
// literal (RFC 5321, section 4.1.3), which every server accepts and which
// says nothing the server does not already see.
func ehloName(local net.Addr) string {
	if ap, err := netip.ParseAddrPort(local.String()); err == nil {
		a := ap.Addr().Unmap().WithZone("")
		if a.Is4() {
			return "[" + a.String() + "]"
		}
		return "[IPv6:" + a.String() + "]"
	}
	return "[127.0.0.1]"
}

// probeSMTP proves a mail submission server: banner, EHLO, STARTTLS (or
// TLS first on 465), then QUIT.
func (p *prober) probeSMTP(ctx context.Context, r *result) {
	port, host := r.Svc.End.Port, r.Svc.End.Host
	d, ok := p.connect(ctx, r, port)
	if !ok {
		return
	}
	defer d.conn.Close()
	defer closeOnDone(ctx, d.conn)()
	m := newMailConn(d.conn)
	if r.Svc.End.ImplicitTLS && !p.startTLS(ctx, r, m, host) {
		return
	}
	deadline(ctx, m.conn)
	banner, err := readSMTPReply(m.br)
	if err != nil {
		p.env.Debugf("%s: SMTP banner: %v", r.Svc.Name, err)
		first, _ := protocolError(err)
		p.mailFailed(ctx, r, err, port, "SMTP", first)
		return
	}
	text := cleanWord(banner.text(), 80)
	r.attr("banner", text)
	if banner.Code != 220 {
		r.Out, r.Answer = outRejected, "mail server (SMTP), not accepting connections"
		r.Detail = fmt.Sprintf("the mail server answered %d %s: it does not accept connections from here now", banner.Code, text)
		return
	}
	if err := m.send(ctx, "EHLO "+ehloName(d.conn.LocalAddr())); err != nil {
		out, detail := p.answerErr(ctx, err)
		r.Out, r.Detail = out, detail
		return
	}
	ehlo, err := readSMTPReply(m.br)
	if err != nil {
		first, _ := protocolError(err)
		p.mailFailed(ctx, r, err, port, "SMTP", first)
		return
	}
	if ehlo.Code != 250 {
		r.Out, r.Answer = outRejected, "mail server (SMTP): "+text
		r.Detail = fmt.Sprintf("the mail server refused EHLO (%d %s)", ehlo.Code, cleanWord(ehlo.text(), 60))
		return
	}
	secure := "TLS"
	if !r.Svc.End.ImplicitTLS {
		if !ehlo.has("STARTTLS") {
			r.Out, r.Answer = outNoSTARTTLS, "mail server (SMTP): "+text
			r.Detail = "the mail server does not offer STARTTLS on this port, so a mail app cannot send securely"
			return
		}
		if err := m.send(ctx, "STARTTLS"); err != nil {
			r.Out, r.Detail = p.answerErr(ctx, err)
			return
		}
		rep, err := readSMTPReply(m.br)
		if err != nil {
			first, _ := protocolError(err)
			p.mailFailed(ctx, r, err, port, "SMTP", first)
			return
		}
		if rep.Code != 220 {
			r.Out, r.Answer = outRejected, "mail server (SMTP): "+text
			r.Detail = fmt.Sprintf("the mail server offers STARTTLS but refused it (%d %s)", rep.Code, cleanWord(rep.text(), 60))
			return
		}
		if !p.startTLS(ctx, r, m, host) {
			r.Answer = "mail server (SMTP): " + text
			return
		}
		secure = "STARTTLS"
	}
	_ = m.send(ctx, "QUIT")
	r.Out, r.Answer = outOK, "mail server (SMTP), "+secure+" works: "+text
}

// probeIMAP proves an IMAP server: greeting, capabilities, STARTTLS (or
// TLS first on 993), then LOGOUT.
func (p *prober) probeIMAP(ctx context.Context, r *result) {
	port, host := r.Svc.End.Port, r.Svc.End.Host
	d, ok := p.connect(ctx, r, port)
	if !ok {
		return
	}
	defer d.conn.Close()
	defer closeOnDone(ctx, d.conn)()
	m := newMailConn(d.conn)
	if r.Svc.End.ImplicitTLS && !p.startTLS(ctx, r, m, host) {
		return
	}
	deadline(ctx, m.conn)
	line, err := readLine(m.br, maxIMAPLine)
	if err != nil {
		p.env.Debugf("%s: IMAP greeting: %v", r.Svc.Name, err)
		var first []byte
		if errors.Is(err, errLongLine) {
			first = []byte{}
		}
		p.mailFailed(ctx, r, err, port, "IMAP", first)
		return
	}
	g, err := parseIMAPGreeting(line)
	if err != nil {
		p.mailFailed(ctx, r, err, port, "IMAP", []byte(line))
		return
	}
	text := cleanWord(g.Text, 80)
	r.attr("banner", text)
	if g.Status == "BYE" {
		r.Out, r.Answer = outRejected, "mail server (IMAP), not accepting connections"
		r.Detail = "the mail server said goodbye at once (" + text + "): it does not accept connections from here now"
		return
	}
	secure := "TLS"
	if !r.Svc.End.ImplicitTLS {
		caps := g.Caps
		if len(caps) == 0 {
			if err := m.send(ctx, "a1 CAPABILITY"); err != nil {
				r.Out, r.Detail = p.answerErr(ctx, err)
				return
			}
			res, err := readIMAPResult(m.br, "a1")
			if err != nil {
				first, _ := protocolError(err)
				p.mailFailed(ctx, r, err, port, "IMAP", first)
				return
			}
			caps = res.Caps
		}
		if !hasCap(caps, "STARTTLS") {
			r.Out, r.Answer = outNoSTARTTLS, "mail server (IMAP): "+text
			r.Detail = "the mail server does not offer STARTTLS on this port, so a mail app cannot connect securely"
			return
		}
		if err := m.send(ctx, "a2 STARTTLS"); err != nil {
			r.Out, r.Detail = p.answerErr(ctx, err)
			return
		}
		res, err := readIMAPResult(m.br, "a2")
		if err != nil {
			first, _ := protocolError(err)
			p.mailFailed(ctx, r, err, port, "IMAP", first)
			return
		}
		if res.Status != "OK" {
			r.Out, r.Answer = outRejected, "mail server (IMAP): "+text
			r.Detail = fmt.Sprintf("the mail server offers STARTTLS but refused it (%s %s)", res.Status, cleanWord(res.Text, 60))
			return
		}
		if !p.startTLS(ctx, r, m, host) {
			r.Answer = "mail server (IMAP): " + text
			return
		}
		secure = "STARTTLS"
	}
	_ = m.send(ctx, "a3 LOGOUT")
	r.Out, r.Answer = outOK, "mail server (IMAP), "+secure+" works: "+text
}
