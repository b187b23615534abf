package services

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/stun/v3"
)

// The servers of these tests speak each protocol as the real servers do,
// on listeners the tests open (loopback here, a lab namespace in the
// integration tests), one goroutine per connection, all closed when the
// test ends.

// serve accepts on l and runs h for each connection until the test ends.
func serve(t testing.TB, l net.Listener, h func(net.Conn)) string {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	// The accept loop holds a count of its own until it ends, so the
	// connections' Add never meets a zero counter while the cleanup waits
	// (a WaitGroup race the race detector reports).
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(20 * time.Second))
				h(c)
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String()
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// rdpMode is how the test's RDP server answers.
type rdpMode int

const (
	// rdpNLARequired answers as Windows does with "Require Network Level
	// Authentication": CredSSP (HYBRID_EX when asked, else HYBRID) when
	// the client offers it, then a TLS handshake; HYBRID_REQUIRED_BY_SERVER
	// when it does not.
	rdpNLARequired rdpMode = iota
	// rdpNLAOptional selects CredSSP when offered, TLS otherwise.
	rdpNLAOptional
	// rdpTLSOnly selects TLS, as xrdp does.
	rdpTLSOnly
	// rdpLegacy confirms without negotiation data (standard RDP security).
	rdpLegacy
	// rdpFailure answers every request with rdpServer.code.
	rdpFailure
	// rdpDisconnect answers with an X.224 Disconnect Request.
	rdpDisconnect
	// rdpNoTLS selects TLS, then never completes the handshake.
	rdpNoTLS
)

// rdpServer is a protocol-true RDP server for the negotiation: it parses
// the client's X.224 Connection Request ([MS-RDPBCGR] 2.2.1.1: TPKT,
// X.224 header, an optional cookie line, the RDP Negotiation Request) and
// answers with a Connection Confirm.
type rdpServer struct {
	mode rdpMode
	code uint32
	cert tls.Certificate
	// requests records the protocols each client asked for.
	mu       sync.Mutex
	requests []uint32
}

func (s *rdpServer) handle(c net.Conn) {
	requested, err := readConnectionRequest(c)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, requested)
	s.mu.Unlock()
	offers := func(p uint32) bool { return requested&p != 0 }
	var selected uint32
	switch s.mode {
	case rdpNLARequired:
		switch {
		case offers(protoHybridEx):
			selected = protoHybridEx
		case offers(protoHybrid):
			selected = protoHybrid
		default:
			_, _ = c.Write(confirm(typeNegFailure, failHybridRequired))
			return
		}
	case rdpNLAOptional:
		switch {
		case offers(protoHybrid):
			selected = protoHybrid
		case offers(protoSSL):
			selected = protoSSL
		}
	case rdpTLSOnly, rdpNoTLS:
		selected = protoSSL
	case rdpLegacy:
		_, _ = c.Write(confirm(0, 0))
		return
	case rdpFailure:
		_, _ = c.Write(confirm(typeNegFailure, s.code))
		return
	case rdpDisconnect:
		_, _ = c.Write([]byte{3, 0, 0, 11, 6, 0x80, 0, 0, 0, 0, 0})
		return
	}
	if _, err := c.Write(confirm(typeNegRsp, selected)); err != nil {
		return
	}
	if selected == protoRDP || s.mode == rdpNoTLS {
		_, _ = io.Copy(io.Discard, c)
		return
	}
	tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{s.cert}})
	if tc.Handshake() == nil {
		_, _ = io.Copy(io.Discard, tc)
	}
}

func (s *rdpServer) asked() []uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint32(nil), s.requests...)
}

// readConnectionRequest reads a TPKT with an X.224 Connection Request
// and returns the requested protocols (0 without a negotiation request).
func readConnectionRequest(r io.Reader) (uint32, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return 0, err
	}
	if head[0] != 3 {
		return 0, errors.New("not a TPKT")
	}
	body := make([]byte, int(binary.BigEndian.Uint16(head[2:]))-4)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, err
	}
	if len(body) < 7 || body[1]&0xF0 != 0xE0 {
		return 0, errors.New("not a connection request")
	}
	rest := body[7:]
	if strings.HasPrefix(string(rest), "Cookie:") {
		i := strings.Index(string(rest), "\r\n")
		if i < 0 {
			return 0, errors.New("cookie without end")
		}
		rest = rest[i+2:]
	}
	if len(rest) < 8 || rest[0] != typeNegReq {
		return 0, nil
	}
	return binary.LittleEndian.Uint32(rest[4:]), nil
}

// confirm builds a TPKT with an X.224 Connection Confirm carrying a
// negotiation response or failure (typ 0: none).
func confirm(typ byte, value uint32) []byte {
	size := 11
	if typ != 0 {
		size += 8
	}
	b := make([]byte, size)
	b[0] = 3
	binary.BigEndian.PutUint16(b[2:], uint16(size))
	b[4] = byte(size - 5)
	b[5] = 0xD0
	if typ != 0 {
		b[11] = typ
		binary.LittleEndian.PutUint16(b[13:], 8)
		binary.LittleEndian.PutUint32(b[15:], value)
	}
	return b
}

// lineServer sends lines, then reads until the client goes.
func lineServer(lines ...string) func(net.Conn) {
	return func(c net.Conn) {
		for _, l := range lines {
			if _, err := io.WriteString(c, l); err != nil {
				return
			}
		}
		_, _ = io.Copy(io.Discard, c)
	}
}

// silent accepts and never answers.
func silent(c net.Conn) { _, _ = io.Copy(io.Discard, c) }

// mailServer is the test's own SMTP or IMAP server.
type mailServer struct {
	imap        bool
	cert        tls.Certificate
	implicitTLS bool
	noSTARTTLS  bool
	banner      string // the SMTP banner line or IMAP greeting; a default when empty
	// sawTLS counts sessions that completed TLS.
	mu     sync.Mutex
	sawTLS int
}

func (s *mailServer) handle(c net.Conn) {
	conn := c
	if s.implicitTLS {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{s.cert}})
		if tc.Handshake() != nil {
			return
		}
		s.tlsDone()
		conn = tc
	}
	if s.imap {
		s.imapSession(conn)
	} else {
		s.smtpSession(conn)
	}
}

func (s *mailServer) tlsDone() {
	s.mu.Lock()
	s.sawTLS++
	s.mu.Unlock()
}

func (s *mailServer) tlsSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sawTLS
}

func (s *mailServer) smtpSession(conn net.Conn) {
	banner := s.banner
	if banner == "" {
		banner = "220 mail.corp.test ESMTP wfh-test ready"
	}
	if _, err := io.WriteString(conn, banner+"\r\n"); err != nil || !strings.HasPrefix(banner, "220") {
		return
	}
	secure := s.implicitTLS
	br := bufio.NewReader(conn)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO "):
			caps := "250-mail.corp.test greets you\r\n250-PIPELINING\r\n"
			if !secure && !s.noSTARTTLS {
				caps += "250-STARTTLS\r\n"
			}
			if secure {
				caps += "250-AUTH PLAIN LOGIN\r\n"
			}
			_, _ = io.WriteString(conn, caps+"250 8BITMIME\r\n")
		case cmd == "STARTTLS" && !secure && !s.noSTARTTLS:
			_, _ = io.WriteString(conn, "220 2.0.0 Ready to start TLS\r\n")
			tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{s.cert}})
			if tc.Handshake() != nil {
				return
			}
			s.tlsDone()
			conn, br, secure = tc, bufio.NewReader(tc), true
		case cmd == "QUIT":
			_, _ = io.WriteString(conn, "221 2.0.0 Bye\r\n")
			return
		default:
			_, _ = io.WriteString(conn, "502 5.5.2 Error: command not recognized\r\n")
		}
	}
}

func (s *mailServer) imapSession(conn net.Conn) {
	greeting := s.banner
	if greeting == "" {
		greeting = "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE STARTTLS LOGINDISABLED] wfh-test ready."
		if s.noSTARTTLS || s.implicitTLS {
			greeting = "* OK wfh-test ready."
		}
	}
	if _, err := io.WriteString(conn, greeting+"\r\n"); err != nil || strings.HasPrefix(greeting, "* BYE") {
		return
	}
	secure := s.implicitTLS
	br := bufio.NewReader(conn)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		tag, cmd, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch strings.ToUpper(cmd) {
		case "CAPABILITY":
			caps := "* CAPABILITY IMAP4rev1 IDLE"
			if !secure && !s.noSTARTTLS {
				caps += " STARTTLS"
			}
			_, _ = io.WriteString(conn, caps+"\r\n"+tag+" OK Capability completed.\r\n")
		case "STARTTLS":
			_, _ = io.WriteString(conn, tag+" OK Begin TLS negotiation now.\r\n")
			tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{s.cert}})
			if tc.Handshake() != nil {
				return
			}
			s.tlsDone()
			conn, br, secure = tc, bufio.NewReader(tc), true
		case "LOGOUT":
			_, _ = io.WriteString(conn, "* BYE Logging out\r\n"+tag+" OK Logout completed.\r\n")
			return
		default:
			_, _ = io.WriteString(conn, tag+" BAD Error in IMAP command.\r\n")
		}
	}
}

// gatewayHandler answers as a Remote Desktop Gateway does to a client
// that has not signed in: 401 with the Windows sign-in methods for the
// HTTP transport's request; 404 for anything else.
func gatewayHandler(w http.ResponseWriter, r *http.Request) {
	if (r.Method == "RDG_OUT_DATA" || r.Method == "RDG_IN_DATA") && strings.EqualFold(r.URL.Path, "/remoteDesktopGateway/") &&
		r.Header.Get("RDG-Connection-Id") != "" {
		w.Header().Add("WWW-Authenticate", "Negotiate")
		w.Header().Add("WWW-Authenticate", "NTLM")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.NotFound(w, r)
}

// serveHTTPS serves h over TLS with cert on l.
func serveHTTPS(t testing.TB, l net.Listener, cert tls.Certificate, h http.HandlerFunc) string {
	t.Helper()
	return serveHTTPSWith(t, l, &tls.Config{Certificates: []tls.Certificate{cert}}, h)
}

// serveHTTPSWith serves h over TLS with cfg on l.
func serveHTTPSWith(t testing.TB, l net.Listener, cfg *tls.Config, h http.HandlerFunc) string {
	t.Helper()
	srv := &http.Server{Handler: h, TLSConfig: cfg, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}

// stunServer answers STUN Binding requests on pc with the sender's
// address, as any STUN server does.
func stunServer(t testing.TB, pc net.PacketConn) string {
	t.Helper()
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			m := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
			if m.Decode() != nil || m.Type != stun.BindingRequest {
				continue
			}
			ua := from.(*net.UDPAddr)
			resp, err := stun.Build(stun.NewTransactionIDSetter(m.TransactionID), stun.BindingSuccess,
				&stun.XORMappedAddress{IP: ua.IP, Port: ua.Port}, stun.Fingerprint)
			if err == nil {
				_, _ = pc.WriteTo(resp.Raw, from)
			}
		}
	}()
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

// addrPort parses a listener's address.
func addrPort(t testing.TB, s string) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}
