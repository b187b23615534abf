package dns

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// These tests run the check against real DNS servers on loopback: servers
// of miekg/dns in this process, scripted to answer, be slow, fail, lie or
// stay silent, and a dnsmasq daemon started with its own configuration.
// Every server address is a loopback socket the test opened, the profile
// replaces every public default, and the system path is a Go resolver
// whose connections go to the test's own server, so no query leaves the
// machine.

// slowDelay is how long the slow server waits before each answer: above
// the 200 ms slow threshold, below the 1 s first try.
const slowDelay = 400 * time.Millisecond

// zoneHandler answers testNames' A records, an empty answer for their
// other types, and NXDOMAIN for every other name.
func zoneHandler(w mdns.ResponseWriter, q *mdns.Msg) {
	r := new(mdns.Msg)
	r.SetReply(q)
	// A recursive resolver says so; Go's resolver takes an empty answer
	// without it for a lame referral and asks again.
	r.RecursionAvailable = true
	name := strings.ToLower(strings.TrimSuffix(q.Question[0].Name, "."))
	addr, ok := testNames[name]
	switch {
	case !ok:
		r.Rcode = mdns.RcodeNameError
	case q.Question[0].Qtype == mdns.TypeA:
		r.Answer = []mdns.RR{&mdns.A{Hdr: mdns.RR_Header{Name: q.Question[0].Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 60},
			A: net.ParseIP(addr)}}
	}
	_ = w.WriteMsg(r)
}

// serveLoopback starts a miekg/dns server on a fresh loopback UDP port and
// returns its address; it is shut down when the test ends.
func serveLoopback(t *testing.T, h mdns.HandlerFunc) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, pc, h)
}

func serveOn(t *testing.T, pc net.PacketConn, h mdns.HandlerFunc) netip.AddrPort {
	t.Helper()
	started := make(chan struct{})
	srv := &mdns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: func() { close(started) }}
	done := make(chan error, 1)
	go func() { done <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("DNS server did not start: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("DNS server did not start within 5 s")
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.ShutdownContext(ctx)
	})
	return netip.MustParseAddrPort(pc.LocalAddr().String())
}

// silentLoopback opens a socket that reads queries and never answers: a
// server that is up but dead, or a router that drops DNS.
func silentLoopback(t *testing.T) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	return netip.MustParseAddrPort(pc.LocalAddr().String())
}

// closedLoopback returns a loopback address where no socket listens: the
// kernel answers with ICMP port unreachable.
func closedLoopback(t *testing.T) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(pc.LocalAddr().String())
	_ = pc.Close()
	return ap
}

// resolverVia is a Go resolver whose every connection goes to server,
// whatever the host's /etc/resolv.conf says: the system path of a
// machine configured with that server.
func resolverVia(d checks.Dialer, server netip.AddrPort) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, server.String())
	}}
}

// loopbackRun runs the check with servers as the machine's DNS servers,
// public as the comparison server and the system path through servers[0]
// (or through pathVia when set).
func loopbackRun(t *testing.T, servers []netip.AddrPort, public netip.AddrPort, pathVia netip.AddrPort, prof *profile.Profile) (checks.Result, time.Duration) {
	t.Helper()
	cfg := Config{Via: "test"}
	for _, s := range servers {
		cfg.Servers = append(cfg.Servers, Server{Addr: s, Source: SourceResolvConf})
	}
	if !pathVia.IsValid() && len(servers) > 0 {
		pathVia = servers[0]
	}
	if prof == nil {
		prof = &profile.Profile{}
	}
	prof.DNS.PublicResolver = public.String()
	if len(prof.DNS.Names) == 0 {
		prof.DNS.Names = []string{"one.wfh.test", "two.wfh.test"}
	}
	d := &net.Dialer{}
	env := &checks.Env{Dialer: d, Resolver: resolverVia(d, pathVia), Profile: prof, OS: "linux",
		Logf: func(f string, a ...any) { t.Logf(f, a...) }, Net: dnsState(cfg, nil)}
	c := &check{label: randomLabel}
	// Under the runner's deadline, as in a real run.
	ctx, cancel := context.WithTimeout(t.Context(), budget)
	defer cancel()
	start := time.Now()
	res := c.Run(ctx, env)
	took := time.Since(start)
	reportschema.CheckResults(t, "dns", "DNS (name lookups)", []report.Result{res})
	if took > budget+busySlack {
		t.Errorf("the check took %v, over its %v budget", took, budget)
	}
	return res, took
}

func TestLoopbackServers(t *testing.T) {
	okServer := serveLoopback(t, zoneHandler)
	handlers := map[string]mdns.HandlerFunc{
		"slow": func(w mdns.ResponseWriter, q *mdns.Msg) { time.Sleep(slowDelay); zoneHandler(w, q) },
		"servfail": func(w mdns.ResponseWriter, q *mdns.Msg) {
			r := new(mdns.Msg)
			_ = w.WriteMsg(r.SetRcode(q, mdns.RcodeServerFailure))
		},
		"refused": func(w mdns.ResponseWriter, q *mdns.Msg) {
			r := new(mdns.Msg)
			_ = w.WriteMsg(r.SetRcode(q, mdns.RcodeRefused))
		},
		// Answers real names right and made-up ones with its own address.
		"rewrites": func(w mdns.ResponseWriter, q *mdns.Msg) {
			if _, ok := testNames[strings.TrimSuffix(q.Question[0].Name, ".")]; ok {
				zoneHandler(w, q)
				return
			}
			r := new(mdns.Msg)
			r.SetReply(q)
			r.Answer = []mdns.RR{&mdns.A{Hdr: mdns.RR_Header{Name: q.Question[0].Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 60},
				A: net.ParseIP("34.77.0.1")}}
			_ = w.WriteMsg(r)
		},
		"bogon": func(w mdns.ResponseWriter, q *mdns.Msg) {
			r := new(mdns.Msg)
			r.SetReply(q)
			r.Answer = []mdns.RR{&mdns.A{Hdr: mdns.RR_Header{Name: q.Question[0].Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 60},
				A: net.ParseIP("192.168.100.100")}}
			_ = w.WriteMsg(r)
		},
		"wrong-id": func(w mdns.ResponseWriter, q *mdns.Msg) {
			r := new(mdns.Msg)
			r.SetReply(q)
			r.Id = q.Id + 1
			_ = w.WriteMsg(r)
		},
	}
	addrs := map[string]netip.AddrPort{"silent": silentLoopback(t), "closed": closedLoopback(t)}
	for name, h := range handlers {
		addrs[name] = serveLoopback(t, h)
	}

	for _, tc := range []struct {
		server  string
		outcome string
		status  report.Status // of the server's item
		diag    string
	}{
		{"slow", "slow", report.Warn, diagSlow},
		{"servfail", "servfail", report.Fail, diagServersDown},
		{"refused", "refused", report.Fail, diagServersDown},
		{"rewrites", "wrong", report.Warn, diagRewrites},
		{"bogon", "wrong", report.Fail, diagWrong},
		{"wrong-id", "wrong", report.Fail, diagWrong},
		{"silent", "timeout", report.Fail, diagServersDown},
		{"closed", "unreachable", report.Fail, diagServersDown},
	} {
		t.Run(tc.server, func(t *testing.T) {
			t.Parallel()
			srv := addrs[tc.server]
			res, took := loopbackRun(t, []netip.AddrPort{srv}, okServer, netip.AddrPort{}, nil)
			it, ok := item(res, label(srv))
			if !ok {
				t.Fatalf("no item for %s: %+v", srv, res.Items)
			}
			if it.Attributes["outcome"] != tc.outcome || it.Status != tc.status {
				t.Errorf("%s: outcome %q status %s (%s), want %q %s", tc.server, it.Attributes["outcome"], it.Status, it.Summary, tc.outcome, tc.status)
			}
			if res.Facts["diagnosis"] != tc.diag {
				t.Errorf("%s: diagnosis %q (%s), want %q", tc.server, res.Facts["diagnosis"], res.Summary, tc.diag)
			}
			if pub, _ := item(res, label(okServer)); pub.Attributes["outcome"] != "ok" {
				t.Errorf("the public server: %+v", pub)
			}
			t.Logf("%s: %s in %v: %s", tc.server, res.Status, took.Round(time.Millisecond), res.Summary)
			if tc.server == "slow" {
				m := it.Metrics[0]
				// The bound above the delay is generous: a loaded test
				// machine adds scheduling delay, not network delay.
				if m.Value == nil || *m.Value < float64(slowDelay.Milliseconds()) || *m.Value > float64(slowDelay.Milliseconds())+250 {
					t.Errorf("slow server median %+v, want %v plus a little", m, slowDelay)
				}
				t.Logf("MEASURED slow server: median %.1f ms against a set delay of %v", *m.Value, slowDelay)
			}
		})
	}
}

func TestLoopbackWallTime(t *testing.T) {
	t.Run("all healthy", func(t *testing.T) {
		t.Parallel()
		a, b, pub := serveLoopback(t, zoneHandler), serveLoopback(t, zoneHandler), serveLoopback(t, zoneHandler)
		res, took := loopbackRun(t, []netip.AddrPort{a, b}, pub, netip.AddrPort{}, nil)
		if res.Status != report.Pass {
			t.Fatalf("got %s: %s\n%+v", res.Status, res.Summary, res.Findings)
		}
		t.Logf("MEASURED wall time, all servers healthy: %v (%s)", took.Round(time.Millisecond), res.Summary)
	})
	t.Run("all dead", func(t *testing.T) {
		t.Parallel()
		a, b, pub := silentLoopback(t), silentLoopback(t), silentLoopback(t)
		res, took := loopbackRun(t, []netip.AddrPort{a, b}, pub, netip.AddrPort{}, nil)
		if res.Status != report.Skipped || !strings.HasPrefix(res.Summary, "offline") {
			t.Fatalf("got %s: %s", res.Status, res.Summary)
		}
		// Both tries ran (no answer comes sooner); how little more they
		// take is a wall time for a quiet machine, logged below; the
		// contract is the budget, which loopbackRun checks.
		if took < firstTry+secondTry {
			t.Errorf("took %v, want the two tries (%v)", took, firstTry+secondTry)
		}
		t.Logf("MEASURED wall time, all servers dead: %v (%s)", took.Round(time.Millisecond), res.Summary)
	})
}

// TestDnsmasq runs the check against dnsmasq, a real resolver daemon (the
// one inside most home routers), started with its own configuration on a
// loopback port (see runDnsmasq). A second dnsmasq rewrites made-up names
// under "com", as providers' "search assist" servers do.
func TestDnsmasq(t *testing.T) {
	honest := startDnsmasq(t, "")
	rewriter := startDnsmasq(t, "address=/com/34.77.0.1\n")
	pub := serveLoopback(t, zoneHandler)

	res, took := loopbackRun(t, []netip.AddrPort{honest}, pub, netip.AddrPort{}, nil)
	if res.Status != report.Pass {
		t.Fatalf("honest dnsmasq: %s: %s\n%+v", res.Status, res.Summary, res.Findings)
	}
	if it, _ := item(res, label(honest)); it.Attributes["outcome"] != "ok" {
		t.Errorf("honest dnsmasq item: %+v", it)
	}
	t.Logf("dnsmasq healthy: %s in %v: %s", res.Status, took.Round(time.Millisecond), res.Summary)

	res, _ = loopbackRun(t, []netip.AddrPort{rewriter}, pub, netip.AddrPort{}, nil)
	if res.Status != report.Warn || res.Facts["diagnosis"] != diagRewrites {
		t.Fatalf("rewriting dnsmasq: %s %q: %s", res.Status, res.Facts["diagnosis"], res.Summary)
	}
	if it, _ := item(res, label(rewriter)); it.Attributes["outcome"] != "wrong" || !strings.Contains(it.Summary, "34.77.0.1") {
		t.Errorf("rewriting dnsmasq item: %+v", it)
	}

	// A name dnsmasq does not serve (outside its local domains) is REFUSED:
	// its "no upstream servers" answer, classified as such.
	prof := &profile.Profile{DNS: profile.DNS{Names: []string{"one.wfh.test", "www.wfh.example"}}}
	res, _ = loopbackRun(t, []netip.AddrPort{honest}, pub, netip.AddrPort{}, prof)
	if it, _ := item(res, label(honest)); it.Attributes["outcome"] != "refused" || it.Status != report.Warn {
		t.Errorf("dnsmasq refusing one name: %+v", it)
	}
}

// startDnsmasq starts dnsmasq on a free loopback port with the test's own
// configuration plus extra lines (see runDnsmasq).
func startDnsmasq(t *testing.T, extra string) netip.AddrPort {
	t.Helper()
	for range 3 { // a free port may be taken before dnsmasq binds it
		port := freePort(t)
		if addr, _, ok := runDnsmasq(t, "127.0.0.1", port, extra, exec.Command, &net.Dialer{}); ok {
			return addr
		}
	}
	t.Fatal("dnsmasq did not start")
	return netip.AddrPort{}
}

// dnsmasqBinary finds dnsmasq, which Debian installs in /usr/sbin (not on a
// user's PATH), or skips the test.
func dnsmasqBinary(t *testing.T) string {
	t.Helper()
	if bin, err := exec.LookPath("dnsmasq"); err == nil {
		return bin
	}
	for _, p := range []string{"/usr/sbin/dnsmasq", "/sbin/dnsmasq"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("dnsmasq not installed (Debian package dnsmasq-base)")
	return ""
}

// runDnsmasq starts dnsmasq through command (exec.Command, or a netlab
// namespace's), listening on listen:port with the test's configuration:
// the test names from host-record lines, and "com", "invalid" and "test"
// answered locally so made-up names get NXDOMAIN, as from a recursive
// resolver; no upstream, no /etc/hosts. It waits until the daemon answers
// through d, and kills it when the test ends (also on failure). ok is
// false when it did not come up.
func runDnsmasq(t *testing.T, listen string, port int, extra string,
	command func(string, ...string) *exec.Cmd, d checks.Dialer) (netip.AddrPort, *exec.Cmd, bool) {
	t.Helper()
	bin := dnsmasqBinary(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "dnsmasq.conf")
	body := fmt.Sprintf(`port=%d
listen-address=%s
bind-interfaces
no-resolv
no-hosts
host-record=one.wfh.test,34.1.1.1
host-record=two.wfh.test,34.2.2.2
local=/com/
local=/invalid/
local=/test/
pid-file=%s
log-facility=-
%s`, port, listen, filepath.Join(dir, "dnsmasq.pid"), extra)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := command(bin, "--keep-in-foreground", "--conf-file="+conf)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // an error means it already ended
		<-exited
		if t.Failed() {
			t.Logf("dnsmasq on %s:%d said:\n%s", listen, port, out.String())
		}
	})
	addr := netip.AddrPortFrom(netip.MustParseAddr(listen), uint16(port))
	if !waitAnswers(t, d, addr, exited) {
		t.Logf("dnsmasq on %s did not start: %s", addr, out.String())
		return addr, cmd, false
	}
	return addr, cmd, true
}

// waitAnswers polls addr with a query until it answers (true) or the
// daemon exits or 5 s pass (false).
func waitAnswers(t *testing.T, d checks.Dialer, addr netip.AddrPort, exited <-chan error) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		r := ask(t.Context(), d, addr, "one.wfh.test", mdns.TypeA)
		if r.err == nil {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// freePort returns a port that is free on loopback for UDP and TCP now.
func freePort(t *testing.T) int {
	t.Helper()
	for range 10 {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		_ = pc.Close()
		if err == nil {
			_ = ln.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
