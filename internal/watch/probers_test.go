package watch

import (
	"context"
	"net"
	"net/netip"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The real probers against real sockets on loopback.

func TestTCPProberOnLoopback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	open := ln.Addr().(*net.TCPAddr).Port
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	lo := netip.MustParseAddr("127.0.0.1")
	for _, port := range []int{open, closedPort} {
		res := TCPProber{}.Probe(context.Background(), Rung{Role: RoleAnchor, Addr: lo, Port: port}, time.Second)
		if res.Outcome != Answered || res.RTT <= 0 || res.Bytes == 0 {
			t.Errorf("port %d: %+v (a refusal is an answer too)", port, res)
		}
	}
}

func TestDNSProberOnLoopback(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc("ok.test.", func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(10, 0, 0, 1)})
		_ = w.WriteMsg(m)
	})
	mux.HandleFunc("fail.test.", func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeServerFailure)
		_ = w.WriteMsg(m)
	})
	mux.HandleFunc("missing.test.", func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeNameError)
		_ = w.WriteMsg(m)
	})
	mux.HandleFunc("silent.test.", func(dns.ResponseWriter, *dns.Msg) {})
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	go func() { _ = srv.ActivateAndServe() }()
	defer srv.Shutdown()
	port := pc.LocalAddr().(*net.UDPAddr).Port
	lo := netip.MustParseAddr("127.0.0.1")
	for name, want := range map[string]Outcome{"ok.test": Answered, "missing.test": Answered, "fail.test": Lost, "silent.test": Lost} {
		r := Rung{Role: RoleDNSLookup, Addr: lo, Port: port, Name: name}
		res := DNSProber{}.Probe(context.Background(), r, 300*time.Millisecond)
		if res.Outcome != want || res.Bytes == 0 {
			t.Errorf("%s: %+v, want %v", name, res, want)
		}
		if planned := (DNSProber{}).Cost(r); want == Answered && res.Bytes > planned+40 {
			t.Errorf("%s: %d bytes, planned %d", name, res.Bytes, planned)
		}
	}
}

func TestPingerOnLoopback(t *testing.T) {
	p, err := NewPinger()
	if err != nil {
		t.Skipf("no ICMP socket for this user: %v", err)
	}
	defer p.Close()
	done := make(chan Result, 20)
	for range 20 { // at once, on one socket
		go func() {
			done <- p.Probe(context.Background(), Rung{Addr: netip.MustParseAddr("127.0.0.1")}, time.Second)
		}()
	}
	for range 20 {
		if res := <-done; res.Outcome != Answered || res.Bytes != 56 {
			t.Errorf("%+v", res)
		}
	}
	t.Logf("method %s", p.Method())
}

// Over TCP (a system without UDP sockets, such as Wine): the same
// outcomes as over UDP, within the planned cost; a server that does not
// listen on TCP did not answer.
func TestDNSProberOverTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Handler: loopbackZone()}
	go func() { _ = srv.ActivateAndServe() }()
	defer srv.Shutdown()
	port := ln.Addr().(*net.TCPAddr).Port
	lo := netip.MustParseAddr("127.0.0.1")
	p := DNSProber{TCP: true}
	for name, want := range map[string]Outcome{"ok.test": Answered, "missing.test": Answered, "fail.test": Lost, "silent.test": Lost} {
		r := Rung{Role: RoleDNSLookup, Addr: lo, Port: port, Name: name}
		res := p.Probe(context.Background(), r, 300*time.Millisecond)
		if res.Outcome != want || res.Bytes == 0 {
			t.Errorf("%s: %+v, want %v", name, res, want)
		}
		if planned := p.Cost(r); want == Answered && (res.Bytes > planned+40 || res.RTT <= 0) {
			t.Errorf("%s: %d bytes in %v, planned %d", name, res.Bytes, res.RTT, planned)
		}
	}
	if c, udp := p.Cost(Rung{Addr: lo, Name: "ok.test"}), (DNSProber{}).Cost(Rung{Addr: lo, Name: "ok.test"}); c <= udp {
		t.Errorf("over TCP a lookup costs %d bytes, not more than over UDP (%d)", c, udp)
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	if res := p.Probe(context.Background(), Rung{Role: RoleDNSLookup, Addr: lo, Port: closedPort, Name: "ok.test"}, 300*time.Millisecond); res.Outcome != Lost {
		t.Errorf("no server on TCP: %+v, want lost", res)
	}
}

// A UDP socket the system cannot make (Wine's WSAEOPNOTSUPP) is not a
// server that did not answer: the probe asks over TCP.
func TestDNSProberFallsBackToTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Handler: loopbackZone()}
	go func() { _ = srv.ActivateAndServe() }()
	defer srv.Shutdown()
	var networks []string
	p := DNSProber{Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		networks = append(networks, network)
		if network == "udp" {
			return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("wsaioctl", errUnsupportedSocket)}
		}
		return (&net.Dialer{}).DialContext(ctx, network, address)
	}}
	r := Rung{Role: RoleDNSLookup, Addr: netip.MustParseAddr("127.0.0.1"), Port: ln.Addr().(*net.TCPAddr).Port, Name: "ok.test"}
	if res := p.Probe(context.Background(), r, time.Second); res.Outcome != Answered {
		t.Errorf("%+v, want answered over TCP", res)
	}
	if len(networks) != 2 || networks[0] != "udp" || networks[1] != "tcp" {
		t.Errorf("dialled %v, want udp then tcp", networks)
	}
}

func TestUDPUnavailable(t *testing.T) {
	// This system opens UDP sockets; Wine's answer is the case above.
	if err := UDPUnavailable(); err != nil {
		t.Errorf("UDPUnavailable on %s: %v", runtime.GOOS, err)
	}
}

// loopbackZone answers ok.test with an address, missing.test with
// NXDOMAIN, fail.test with SERVFAIL and silent.test not at all.
func loopbackZone() *dns.ServeMux {
	mux := dns.NewServeMux()
	mux.HandleFunc("ok.test.", func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(10, 0, 0, 1)})
		_ = w.WriteMsg(m)
	})
	mux.HandleFunc("fail.test.", func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeServerFailure)
		_ = w.WriteMsg(m)
	})
	mux.HandleFunc("missing.test.", func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeNameError)
		_ = w.WriteMsg(m)
	})
	mux.HandleFunc("silent.test.", func(dns.ResponseWriter, *dns.Msg) {})
	return mux
}
