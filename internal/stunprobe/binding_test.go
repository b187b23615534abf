package stunprobe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pion/stun/v3"
	"github.com/wfh-cli/wfh/internal/netlab"
)

// shortProber waits less than ProbeTimeout so silent cases end quickly;
// the schedule of sends is the real one.
func shortProber() *Prober { return &Prober{Timeout: 800 * time.Millisecond} }

func udpTarget(ap netip.AddrPort) Target {
	return Target{Transport: UDP, Host: ap.Addr().String(), Port: int(ap.Port())}
}

func TestBindingUDPHostileServers(t *testing.T) {
	mapped := mustAP("203.0.113.9:41000")
	other := listenUDP(t, "127.0.0.1:0")
	t.Cleanup(func() { _ = other.Close() })
	for _, tc := range []struct {
		name    string
		answer  func(req []byte, tx txID, from netip.AddrPort) []out
		outcome Outcome
		ignored Ignored
		says    string
	}{
		{
			name: "answers",
			answer: func(_ []byte, tx txID, _ netip.AddrPort) []out {
				return []out{{b: successFor(t, tx, xorMapped(mapped))}}
			},
			outcome: Answered, says: "answered over udp",
		},
		{
			name: "garbage first, then the answer",
			answer: func(_ []byte, tx txID, _ netip.AddrPort) []out {
				return []out{{b: []byte("\x00\x01garbage")}, {b: successFor(t, txID{0xee}, xorMapped(mapped))}, {b: successFor(t, tx, xorMapped(mapped))}}
			},
			outcome: Answered, ignored: Ignored{Unparseable: 1, WrongTransaction: 1}, says: "answered",
		},
		{
			name: "only garbage",
			answer: func(_ []byte, _ txID, _ netip.AddrPort) []out {
				return []out{{b: []byte("HTTP/1.1 400 Bad Request\r\n\r\n")}}
			},
			outcome: Garbage, says: "not an answer came back (",
		},
		{
			name: "wrong transaction ID",
			answer: func(_ []byte, tx txID, _ netip.AddrPort) []out {
				tx[0] ^= 0xff
				return []out{{b: successFor(t, tx, xorMapped(mapped))}}
			},
			outcome: Garbage, says: "for another request",
		},
		{
			name: "truncated mapped address",
			answer: func(_ []byte, tx txID, _ netip.AddrPort) []out {
				return []out{{b: successFor(t, tx, rawAttrBytes(stun.AttrXORMappedAddress, []byte{0, 1, 0x10, 0x20, 0xa0}))}}
			},
			outcome: Garbage, says: "unreadable",
		},
		{
			name: "from another address",
			answer: func(_ []byte, tx txID, _ netip.AddrPort) []out {
				return []out{{via: other, b: successFor(t, tx, xorMapped(mapped))}}
			},
			// A connected socket never sees it: the kernel drops it.
			outcome: Silent, says: "no answer over UDP",
		},
		{
			name: "STUN error",
			answer: func(_ []byte, tx txID, _ netip.AddrPort) []out {
				return []out{{b: errorFor(t, tx, 400, "Bad Request")}}
			},
			outcome: Answered, says: "STUN error 400",
		},
		{
			name:    "silent",
			answer:  func([]byte, txID, netip.AddrPort) []out { return nil },
			outcome: Silent, says: "dropped on the way or the server is down",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveUDP(t, listenUDP(t, "127.0.0.1:0"), tc.answer)
			r := shortProber().Binding(t.Context(), udpTarget(srv.addr()))
			if r.Outcome != tc.outcome || !strings.Contains(r.Reason, tc.says) {
				t.Fatalf("%s %q; want %s saying %q", r.Outcome, r.Reason, tc.outcome, tc.says)
			}
			if tc.outcome != Garbage && r.Ignored != tc.ignored {
				t.Errorf("ignored %+v, want %+v", r.Ignored, tc.ignored)
			}
			if tc.outcome == Garbage && r.Ignored.Total() == 0 {
				t.Errorf("garbage without ignored counts: %+v", r)
			}
			if r.Outcome == Answered && r.ErrorCode == 0 && (r.Mapped != mapped || r.RTT <= 0 || r.RTT > r.Took) {
				t.Errorf("mapped %s rtt %v took %v", r.Mapped, r.RTT, r.Took)
			}
			if r.Outcome == Silent && (r.Sends < 3 || r.Took < 800*time.Millisecond || r.Took > 2*time.Second) {
				t.Errorf("silent after %d sends in %v", r.Sends, r.Took)
			}
			if strings.Contains(r.Reason, "\n") {
				t.Errorf("multi-line reason %q", r.Reason)
			}
		})
	}
}

// TestBindingRetransmits: the first two requests are lost; the third is
// answered, and the round trip is that of the answered request alone.
func TestBindingRetransmits(t *testing.T) {
	var n int
	srv := serveUDP(t, listenUDP(t, "127.0.0.1:0"), func(_ []byte, tx txID, _ netip.AddrPort) []out {
		n++
		if n < 3 {
			return nil
		}
		return []out{{b: successFor(t, tx, xorMapped(mustAP("203.0.113.1:1")))}}
	})
	r := (&Prober{}).Binding(t.Context(), udpTarget(srv.addr()))
	if r.Outcome != Answered || r.Sends != 3 || srv.count() != 3 {
		t.Fatalf("%+v after %d requests", r, srv.count())
	}
	// Sends at 0, 250 and 750 ms: the answer came after 750 ms of
	// waiting, but its own round trip is loopback-short.
	if r.Took < 700*time.Millisecond || r.RTT > 200*time.Millisecond {
		t.Errorf("took %v, rtt %v", r.Took, r.RTT)
	}
}

func TestBindingUDPRefused(t *testing.T) {
	pc := listenUDP(t, "127.0.0.1:0")
	addr := addrPortOf(pc.LocalAddr())
	_ = pc.Close() // nothing listens now: the kernel answers port unreachable
	r := (&Prober{}).Binding(t.Context(), udpTarget(addr))
	if r.Outcome != Refused || r.Took > ProbeTimeout/2 || !strings.Contains(r.Reason, "ICMP port unreachable") {
		t.Fatalf("%s in %v: %s", r.Outcome, r.Took, r.Reason)
	}
}

// fakeDialer returns err, or conn.
type fakeDialer struct {
	err  error
	conn net.Conn
}

func (d fakeDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	return d.conn, d.err
}

// failingConn is a UDP socket whose writes or reads fail; without a read
// error, reads block until Close, as a real socket's do.
type failingConn struct {
	net.Conn
	writeErr, readErr error
	closed            chan struct{}
}

func newFailingConn(writeErr, readErr error) *failingConn {
	return &failingConn{writeErr: writeErr, readErr: readErr, closed: make(chan struct{})}
}

func (c *failingConn) Write(b []byte) (int, error) {
	if c.writeErr != nil {
		return 0, c.writeErr
	}
	return len(b), nil
}

func (c *failingConn) Read([]byte) (int, error) {
	if c.readErr != nil {
		return 0, c.readErr
	}
	<-c.closed
	return 0, net.ErrClosed
}

func (c *failingConn) Close() error {
	select {
	case <-c.closed:
	default:
		close(c.closed)
	}
	return nil
}

func (c *failingConn) LocalAddr() net.Addr {
	return &net.UDPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 5000}
}
func (c *failingConn) SetDeadline(time.Time) error      { return nil }
func (c *failingConn) SetReadDeadline(time.Time) error  { return nil }
func (c *failingConn) SetWriteDeadline(time.Time) error { return nil }

func TestBindingSocketErrors(t *testing.T) {
	opErr := func(err error) error { return &net.OpError{Op: "dial", Net: "udp", Err: &netErrno{err}} }
	for _, tc := range []struct {
		name    string
		tr      Transport
		dialer  Dialer
		res     Resolver
		host    string
		outcome Outcome
		says    string
	}{
		{"no route", UDP, fakeDialer{err: opErr(syscall.ENETUNREACH)}, nil, "192.0.2.1", Unreachable, "could not open a UDP socket"},
		{"local firewall on send", UDP, fakeDialer{conn: newFailingConn(opErr(syscall.EPERM), nil)}, nil, "192.0.2.1", BlockedLocally, "a firewall on this computer"},
		{"ICMP host unreachable on read", UDP, fakeDialer{conn: newFailingConn(nil, opErr(syscall.EHOSTUNREACH))}, nil, "192.0.2.1", Unreachable, "UDP to 192.0.2.1:3478"},
		{"TCP refused", TCP, fakeDialer{err: opErr(syscall.ECONNREFUSED)}, nil, "192.0.2.1", Refused, "was refused"},
		{"TCP connect timeout", TCP, fakeDialer{err: &net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}}, nil, "192.0.2.1", Silent, "timed out"},
		{"TCP local firewall", TCP, fakeDialer{err: opErr(syscall.EACCES)}, nil, "192.0.2.1", BlockedLocally, "a firewall on this computer"},
		{"name not found", UDP, nil, fakeResolver{err: &net.DNSError{Err: "no such host", Name: "relay.test", IsNotFound: true}}, "relay.test", NoAddress, "looking up relay.test failed"},
		{"name without addresses", UDP, nil, fakeResolver{}, "relay.test", NoAddress, "no address"},
	} {
		p := &Prober{Dialer: tc.dialer, Resolver: tc.res, Timeout: 500 * time.Millisecond}
		r := p.Binding(t.Context(), Target{Transport: tc.tr, Host: tc.host, Port: 3478})
		if r.Outcome != tc.outcome || !strings.Contains(r.Reason, tc.says) || r.Err == nil {
			t.Errorf("%s: %s %q (%v); want %s saying %q", tc.name, r.Outcome, r.Reason, r.Err, tc.outcome, tc.says)
		}
	}
}

// netErrno wraps an errno the way os.SyscallError does.
type netErrno struct{ err error }

func (e *netErrno) Error() string { return "syscall: " + e.err.Error() }
func (e *netErrno) Unwrap() error { return e.err }

type fakeResolver struct {
	addrs []net.IPAddr
	err   error
}

func (r fakeResolver) LookupIPAddr(context.Context, string) ([]net.IPAddr, error) {
	return r.addrs, r.err
}

func TestResolvePrefersIPv4(t *testing.T) {
	p := &Prober{Resolver: fakeResolver{addrs: []net.IPAddr{{IP: net.ParseIP("2001:db8::1")}, {IP: net.ParseIP("192.0.2.7")}}}}
	a, err := p.resolve(t.Context(), "relay.test")
	if err != nil || a.String() != "192.0.2.7" {
		t.Errorf("%v %v", a, err)
	}
	p.Resolver = fakeResolver{addrs: []net.IPAddr{{IP: net.ParseIP("2001:db8::1")}}}
	if a, _ := p.resolve(t.Context(), "relay.test"); a.String() != "2001:db8::1" {
		t.Errorf("%v", a)
	}
}

// tcpServer serves each connection with handle until the test ends.
func tcpServer(t *testing.T, cfg *tls.Config, handle func(c net.Conn)) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); <-done })
	return addrPortOf(ln.Addr())
}

// readRequest reads one framed STUN request from a stream.
func readRequest(c net.Conn) (txID, bool) {
	hdr := make([]byte, headerSize)
	if _, err := io.ReadFull(c, hdr); err != nil {
		return txID{}, false
	}
	body := make([]byte, int(hdr[2])<<8|int(hdr[3]))
	if _, err := io.ReadFull(c, body); err != nil {
		return txID{}, false
	}
	return requestTx(hdr)
}

func TestBindingStream(t *testing.T) {
	mapped := mustAP("203.0.113.9:41000")
	ca := netlab.NewCA(t)
	cert := ca.Issue("stun.wfh.test", "127.0.0.1")
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	for _, tc := range []struct {
		name    string
		tr      Transport
		roots   bool // trust the test CA
		handle  func(c net.Conn)
		outcome Outcome
		says    string
	}{
		{"TCP answer after a foreign frame", TCP, true, func(c net.Conn) {
			tx, _ := readRequest(c)
			_, _ = c.Write(successFor(t, txID{7}, xorMapped(mapped)))
			_, _ = c.Write(successFor(t, tx, xorMapped(mapped)))
		}, Answered, "answered over tcp"},
		{"TLS answer", TLS, true, func(c net.Conn) {
			tx, _ := readRequest(c)
			_, _ = c.Write(successFor(t, tx, xorMapped(mapped)))
		}, Answered, "answered over tls"},
		{"TCP garbage", TCP, true, func(c net.Conn) {
			readRequest(c)
			_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
		}, Garbage, "not STUN"},
		{"TCP closed", TCP, true, func(c net.Conn) { readRequest(c) }, Closed, "closed the tcp connection"},
		{"TCP half a frame, then close", TCP, true, func(c net.Conn) {
			tx, _ := readRequest(c)
			_, _ = c.Write(successFor(t, tx, xorMapped(mapped))[:24])
		}, Closed, "closed"},
		{"TCP huge frame", TCP, true, func(c net.Conn) {
			tx, _ := readRequest(c)
			b := successFor(t, tx, xorMapped(mapped))
			b[2], b[3] = 0xff, 0xfc
			_, _ = c.Write(b)
		}, Garbage, "not STUN"},
		{"TCP silent", TCP, true, func(c net.Conn) { readRequest(c); time.Sleep(2 * time.Second) }, Silent, "no STUN answer over tcp"},
		{"TLS untrusted certificate", TLS, false, func(c net.Conn) { readRequest(c) }, TLSFailed, "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cfg *tls.Config
			if tc.tr == TLS {
				cfg = tlsCfg
			}
			addr := tcpServer(t, cfg, tc.handle)
			p := &Prober{Timeout: 800 * time.Millisecond}
			if tc.roots {
				p.TLS = &tls.Config{RootCAs: ca.Pool()}
			} else {
				p.TLS = &tls.Config{RootCAs: x509.NewCertPool()}
			}
			r := p.Binding(t.Context(), Target{Transport: tc.tr, Host: "127.0.0.1", Port: int(addr.Port())})
			if r.Outcome != tc.outcome || !strings.Contains(r.Reason, tc.says) {
				t.Fatalf("%s %q; want %s saying %q", r.Outcome, r.Reason, tc.outcome, tc.says)
			}
			if r.Outcome == Answered && (r.Mapped != mapped || r.Connect <= 0 || r.Sends != 1) {
				t.Errorf("%+v", r)
			}
			if r.Took > time.Second+500*time.Millisecond {
				t.Errorf("took %v with an 800ms timeout", r.Took)
			}
		})
	}
}

func TestNetOutcome(t *testing.T) {
	wrap := func(e error) error { return &net.OpError{Op: "read", Err: &netErrno{e}} }
	for _, tc := range []struct {
		err  error
		udp  bool
		want Outcome
	}{
		{wrap(syscall.ECONNREFUSED), true, Refused},
		{wrap(syscall.ECONNRESET), false, Closed},
		{io.EOF, false, Closed},
		{wrap(syscall.ENETUNREACH), true, Unreachable},
		{wrap(syscall.EHOSTUNREACH), false, Unreachable},
		{wrap(syscall.EPERM), true, BlockedLocally},
		{context.DeadlineExceeded, false, Silent},
		{&net.DNSError{Err: "x", Name: "y"}, false, NoAddress},
		{errors.New("odd"), false, Failed},
		{nil, false, Failed},
	} {
		if got := netOutcome(tc.err, tc.udp); got != tc.want {
			t.Errorf("netOutcome(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

// TestStoppedIsNotSilence: a run the user interrupts says "stopped", never
// that the network dropped the packets.
func TestStoppedIsNotSilence(t *testing.T) {
	silent := listenUDP(t, "127.0.0.1:0")
	t.Cleanup(func() { _ = silent.Close() })
	target := udpTarget(addrPortOf(silent.LocalAddr()))
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	p := &Prober{}
	res := p.RunSet(ctx, Set{Bindings: []Target{target}, NATServers: []Target{target}, TURN: []TURNServer{{target, NewCredentials(testUser, testPass)}}})
	if r := res.Bindings[0]; r.Outcome != Stopped || !strings.Contains(r.Reason, "stopped") {
		t.Errorf("binding: %s %q", r.Outcome, r.Reason)
	}
	if res.NAT.First != Stopped {
		t.Errorf("NAT: %+v", res.NAT)
	}
	if r := res.TURN[0]; r.Outcome != TURNStopped || r.Path != Stopped {
		t.Errorf("TURN: %+v", r)
	}
	if res.Took > ProbeTimeout/2 {
		t.Errorf("a cancelled set took %v", res.Took)
	}
}
