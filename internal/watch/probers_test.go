package watch

import (
	"context"
	"net"
	"net/netip"
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
