package services

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// RDP's connection sequence starts with an X.224 Connection Request that
// carries an RDP Negotiation Request, answered by an X.224 Connection
// Confirm that carries the server's RDP Negotiation Response (the security
// protocol it selected) or an RDP Negotiation Failure (why it will not
// go on). [MS-RDPBCGR] 2.2.1.1 and 2.2.1.2; both ride in a TPKT (RFC 1006,
// section 6): version 3, a reserved byte, the whole packet's length.

// Security protocols of requestedProtocols and selectedProtocol
// ([MS-RDPBCGR] 2.2.1.1.1).
const (
	protoRDP      uint32 = 0x00 // standard RDP security, RDP's own encryption
	protoSSL      uint32 = 0x01 // TLS
	protoHybrid   uint32 = 0x02 // CredSSP: Network Level Authentication
	protoRDSTLS   uint32 = 0x04 // RDSTLS (server redirection with a token)
	protoHybridEx uint32 = 0x08 // CredSSP with the Early User Authorization Result PDU
	protoRDSAAD   uint32 = 0x10 // RDS AAD authentication (Microsoft Entra ID sign-in)
)

// clientProtocols is what the probe asks for first: TLS, CredSSP and
// CredSSP with the early authorization result, as Windows' own client
// (mstsc) asks by default, so the server selects what it would select for
// a real client.
const clientProtocols = protoSSL | protoHybrid | protoHybridEx

// Types of the negotiation structures ([MS-RDPBCGR] 2.2.1.1.1, 2.2.1.2.1,
// 2.2.1.2.2).
const (
	typeNegReq     = 0x01
	typeNegRsp     = 0x02
	typeNegFailure = 0x03
)

// X.224 TPDU codes in the high nibble of the code byte (ITU-T X.224,
// section 13.1): the server confirms, or disconnects.
const (
	tpduConnectionConfirm = 0xD0
	tpduDisconnect        = 0x80
)

// Failure codes of the RDP Negotiation Failure ([MS-RDPBCGR] 2.2.1.2.2).
const (
	failSSLRequired            = 0x01
	failSSLNotAllowed          = 0x02
	failSSLCertNotOnServer     = 0x03
	failInconsistentFlags      = 0x04
	failHybridRequired         = 0x05
	failSSLWithUserAuthRequire = 0x06
)

// connectionRequest builds the TPKT-framed X.224 Connection Request with
// an RDP Negotiation Request for the given protocols; no cookie or routing
// token, which only a connection broker reads.
func connectionRequest(requested uint32) []byte {
	const size = 4 + 7 + 8 // TPKT, X.224 CR header, negotiation request
	b := make([]byte, size)
	b[0], b[1] = 3, 0 // TPKT version 3, reserved
	binary.BigEndian.PutUint16(b[2:], size)
	b[4] = size - 5 // X.224 length indicator: the header after this byte
	b[5] = 0xE0     // Connection Request, credit 0
	// DST-REF, SRC-REF and class option stay zero.
	b[11] = typeNegReq
	b[12] = 0 // flags
	binary.LittleEndian.PutUint16(b[13:], 8)
	binary.LittleEndian.PutUint32(b[15:], requested)
	return b
}

// maxTPKT bounds the confirm read: a Connection Confirm is 19 bytes; a
// TPKT may announce 65535, which no confirm needs.
const maxTPKT = 1024

// rdpConfirm is what the server's first packet said.
type rdpConfirm struct {
	// Disconnect: the server answered with an X.224 Disconnect Request.
	Disconnect bool
	// Negotiated: the confirm carried negotiation data; without it the
	// server is one that predates negotiation and uses standard RDP
	// security.
	Negotiated bool
	// Failure: the negotiation data is a failure, FailureCode says why.
	Failure     bool
	FailureCode uint32
	// Selected is the selected protocol when Negotiated && !Failure.
	Selected uint32
	// Flags are the response's flags (dynamic virtual channels, restricted
	// admin mode...).
	Flags byte
}

// notRDPError is an answer that is not RDP's; Sniff names what it looks
// like ("a web server"), "" when unknown.
type notRDPError struct{ Sniff string }

func (e *notRDPError) Error() string {
	if e.Sniff != "" {
		return "not an RDP answer (it looks like " + e.Sniff + ")"
	}
	return "not an RDP answer"
}

// readConfirm reads one TPKT from r and parses the Connection Confirm in
// it. A reply that is not a TPKT, or a TPKT that is not an X.224 confirm
// or disconnect, is a *notRDPError; a short read is io.ErrUnexpectedEOF
// (io.EOF when the server closed without a byte).
func readConfirm(r io.Reader) (rdpConfirm, error) {
	var head [4]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil {
		if n > 0 && head[0] != 3 {
			return rdpConfirm{}, &notRDPError{Sniff: sniff(head[:n])}
		}
		return rdpConfirm{}, err
	}
	if head[0] != 3 || head[1] != 0 {
		// Read a little more to name what answered.
		more := make([]byte, 60)
		m, _ := io.ReadAtLeast(r, more, 1)
		return rdpConfirm{}, &notRDPError{Sniff: sniff(append(head[:], more[:m]...))}
	}
	size := int(binary.BigEndian.Uint16(head[2:]))
	if size < 4+7 || size > maxTPKT {
		return rdpConfirm{}, &notRDPError{}
	}
	body := make([]byte, size-4)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return rdpConfirm{}, err
	}
	return parseConfirm(body)
}

// parseConfirm parses the X.224 part of a TPKT (the bytes after its
// 4-byte header).
func parseConfirm(body []byte) (rdpConfirm, error) {
	if len(body) < 7 {
		return rdpConfirm{}, &notRDPError{}
	}
	li := int(body[0])
	if li < 6 || li+1 > len(body) {
		return rdpConfirm{}, &notRDPError{}
	}
	var c rdpConfirm
	switch body[1] & 0xF0 {
	case tpduConnectionConfirm:
	case tpduDisconnect:
		c.Disconnect = true
		return c, nil
	default:
		return rdpConfirm{}, &notRDPError{}
	}
	neg := body[7 : li+1]
	if len(neg) == 0 {
		return c, nil // a server older than negotiation: standard RDP security
	}
	if len(neg) < 8 || binary.LittleEndian.Uint16(neg[2:]) != 8 {
		return rdpConfirm{}, &notRDPError{}
	}
	c.Negotiated, c.Flags = true, neg[1]
	value := binary.LittleEndian.Uint32(neg[4:])
	switch neg[0] {
	case typeNegRsp:
		c.Selected = value
	case typeNegFailure:
		c.Failure, c.FailureCode = true, value
	default:
		return rdpConfirm{}, &notRDPError{}
	}
	return c, nil
}

// protocolName names a selected protocol for people.
func protocolName(p uint32) string {
	switch p {
	case protoRDP:
		return "standard RDP security"
	case protoSSL:
		return "TLS"
	case protoHybrid:
		return "CredSSP (Network Level Authentication)"
	case protoRDSTLS:
		return "RDSTLS"
	case protoHybridEx:
		return "CredSSP with early authorization (Network Level Authentication)"
	case protoRDSAAD:
		return "Microsoft Entra ID sign-in (RDSAAD)"
	}
	return fmt.Sprintf("an unknown protocol (0x%x)", p)
}

// protocolKey names a selected protocol for scripts (attribute
// rdp_security).
func protocolKey(p uint32) string {
	switch p {
	case protoRDP:
		return "rdp"
	case protoSSL:
		return "tls"
	case protoHybrid:
		return "hybrid"
	case protoRDSTLS:
		return "rdstls"
	case protoHybridEx:
		return "hybrid_ex"
	case protoRDSAAD:
		return "rdsaad"
	}
	return "unknown"
}

// nla reports whether a selected protocol is Network Level Authentication.
func nla(p uint32) bool { return p == protoHybrid || p == protoHybridEx }

// failureWords says what a negotiation failure means, and whether it still
// lets a real client in (it retries with what the server wants).
func failureWords(code uint32) (words string, clientRetries bool) {
	switch code {
	case failSSLRequired:
		return "the server requires TLS", true
	case failSSLNotAllowed:
		return "the server allows only standard RDP security (no TLS): an old or weakened configuration", true
	case failSSLCertNotOnServer:
		return "the server has no certificate, so TLS cannot be used", true
	case failInconsistentFlags:
		return "the server found the request inconsistent", false
	case failHybridRequired:
		return "the server requires Network Level Authentication", true
	case failSSLWithUserAuthRequire:
		return "the server requires TLS with a client certificate", false
	}
	return fmt.Sprintf("the server refused the connection with an unknown reason (code %d)", code), false
}

// failureKey names a failure code for scripts (attribute rdp_failure).
func failureKey(code uint32) string {
	switch code {
	case failSSLRequired:
		return "ssl_required_by_server"
	case failSSLNotAllowed:
		return "ssl_not_allowed_by_server"
	case failSSLCertNotOnServer:
		return "ssl_cert_not_on_server"
	case failInconsistentFlags:
		return "inconsistent_flags"
	case failHybridRequired:
		return "hybrid_required_by_server"
	case failSSLWithUserAuthRequire:
		return "ssl_with_user_auth_required_by_server"
	}
	return "unknown"
}

// sniff names a protocol from the first bytes a server sent, for "it is
// not an RDP server (it looks like a web server)".
func sniff(b []byte) string {
	s := string(b)
	switch {
	case len(b) == 0:
		return ""
	case strings.HasPrefix(s, "HTTP/"):
		return "a web server"
	case strings.HasPrefix(s, "SSH-"):
		return "an SSH server"
	case len(b) >= 3 && (b[0] == 0x15 || b[0] == 0x16) && b[1] == 3:
		return "a TLS server"
	case strings.HasPrefix(s, "220"):
		return "a mail or FTP server"
	case strings.HasPrefix(s, "* OK"):
		return "a mail (IMAP) server"
	case strings.HasPrefix(s, "RFB "):
		return "a VNC server"
	}
	return ""
}

// secondProbeMin is the least time left for the second RDP connection,
// which asks whether Network Level Authentication is required: a connect,
// one exchange, and a margin.
const secondProbeMin = 1500 * time.Millisecond

// negotiate sends a Connection Request for protocols on conn and reads the
// confirm.
func negotiate(ctx context.Context, conn net.Conn, protocols uint32) (rdpConfirm, error) {
	defer closeOnDone(ctx, conn)()
	deadline(ctx, conn)
	if _, err := conn.Write(connectionRequest(protocols)); err != nil {
		return rdpConfirm{}, err
	}
	return readConfirm(conn)
}

// probeRDP proves an RDP server: the Connection Request a client sends
// first, the server's Connection Confirm with its selected security
// protocol or its negotiation failure; when it selects a TLS-based
// protocol, the TLS handshake that follows; when it selects Network Level
// Authentication, a second request without it tells "requires NLA" from
// "offers NLA".
func (p *prober) probeRDP(ctx context.Context, r *result) {
	port := r.Svc.End.Port
	d, ok := p.connect(ctx, r, port)
	if !ok {
		return
	}
	defer d.conn.Close()
	c, err := negotiate(ctx, d.conn, clientProtocols)
	if err != nil {
		p.env.Debugf("%s: RDP negotiation: %v", r.Svc.Name, err)
		r.Out, r.Detail = p.notRDP(ctx, port, err)
		return
	}
	switch {
	case c.Disconnect:
		r.Out, r.Answer = outRejected, "an RDP server answered, and disconnected at once"
		r.Detail = "the RDP server refused to go on (an X.224 disconnect)"
		return
	case !c.Negotiated:
		r.Out, r.Answer = outOK, "RDP server, standard RDP security only (no TLS, no NLA)"
		r.attr("rdp_security", protocolKey(protoRDP))
		r.attr("nla", "not_offered")
		return
	case c.Failure:
		words, retries := failureWords(c.FailureCode)
		r.attr("rdp_failure", failureKey(c.FailureCode))
		if c.FailureCode == failHybridRequired {
			r.Out, r.Answer = outOK, "RDP server, requires NLA (Network Level Authentication)"
			r.attr("nla", "required")
			return
		}
		if retries {
			r.Out, r.Answer = outOK, "RDP server; "+words
			return
		}
		r.Out, r.Answer, r.Detail = outRejected, "an RDP server answered and refused: "+words, words
		return
	}
	r.attr("rdp_security", protocolKey(c.Selected))
	r.Out = outOK
	selected := protocolName(c.Selected)
	// Every protocol but standard RDP security continues with TLS.
	if c.Selected != protoRDP {
		t := p.handshake(ctx, d.conn, r.Svc.End.Host, false)
		switch t.out {
		case "":
			r.Expires = t.expires
			r.attr("tls_version", t.version)
		case outStopped:
			r.Out, r.Detail = outStopped, t.detail
			return
		default:
			r.Out, r.Answer = outTLSError, "RDP server (it selected "+selected+")"
			r.Detail = t.detail
			if t.out == outStalled {
				r.Detail = "the RDP server selected " + selected + ", but the secure connection did not complete in time: large packets may be lost on the way (a VPN or link with too large an MTU)"
			}
			return
		}
	}
	if !nla(c.Selected) {
		r.attr("nla", "not_offered")
		r.Answer = "RDP server, " + selected + " (no NLA)"
		if c.Selected == protoRDP {
			r.Answer = "RDP server, standard RDP security only (no TLS, no NLA)"
		}
		return
	}
	r.Answer = "RDP server, NLA (Network Level Authentication)"
	r.attr("nla", "offered")
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < secondProbeMin {
		return
	}
	// Asked without CredSSP, a server that requires NLA says so; one that
	// merely prefers it selects TLS.
	d2, out, _ := p.dial(ctx, r.Addr, port)
	if out != "" {
		return
	}
	defer d2.conn.Close()
	c2, err := negotiate(ctx, d2.conn, protoSSL)
	switch {
	case err != nil:
		p.env.Debugf("%s: second RDP negotiation: %v", r.Svc.Name, err)
	case c2.Failure && c2.FailureCode == failHybridRequired:
		r.Answer = "RDP server, requires NLA (Network Level Authentication)"
		r.attr("nla", "required")
	case c2.Negotiated && !c2.Failure && c2.Selected == protoSSL:
		r.Answer = "RDP server, NLA (Network Level Authentication) offered, not required"
		r.attr("nla", "supported")
	}
}

// notRDP words what answered instead of an RDP server.
func (p *prober) notRDP(ctx context.Context, port int, err error) (outcome, string) {
	what := fmt.Sprintf("something answers on port %d, but it is not an RDP server", port)
	var nr *notRDPError
	switch {
	case errors.As(err, &nr) && nr.Sniff != "":
		return outNotService, what + " (it answered like " + nr.Sniff + ")"
	case errors.As(err, &nr):
		return outNotService, what + " (its answer is not RDP's)"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return outNotService, what + " (it closed the connection without an RDP answer)"
	}
	out, detail := p.answerErr(ctx, err)
	switch out {
	case outStalled:
		return outNotService, what + " (it accepted the connection and sent no RDP answer)"
	case outClosed:
		return outNotService, what + " (it closed the connection without an RDP answer)"
	}
	return out, detail
}
