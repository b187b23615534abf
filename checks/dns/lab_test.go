package dns

import (
	"context"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// TestLab builds a home, its router and "the internet" in network
// namespaces (internal/netlab). The router runs dnsmasq as the home's DNS
// server, as most home routers do; the internet hosts the public
// comparison server (miekg/dns, in the server namespace). The check runs
// in the home with its real discovery reading a resolv.conf that names the
// router, and real sockets through the router. Each step breaks something
// the way it breaks in homes.
func TestLab(t *testing.T) {
	lab := netlab.New(t)
	dnsmasqBinary(t) // skip before building anything when it is missing
	home, router, server := lab.HomeAndInternet()
	dialer := &netlab.Dialer{NS: home}
	// Linux rate-limits port-unreachable messages (one a second after a
	// short burst); the check's queries and the system path's would share
	// that, so which of them learn "nothing listens" would be chance. The
	// mixed case is a unit test (TestSilentServers).
	router.Sysctl("net.ipv4.icmp_ratelimit", "0")

	pc, err := server.ListenPacket("udp", netlab.ServerIPv4+":53")
	if err != nil {
		t.Fatal(err)
	}
	public := serveOn(t, pc, zoneHandler)
	inRouter := func(name string, args ...string) *exec.Cmd { return router.Command(t.Context(), name, args...) }
	honest, honestCmd, ok := runDnsmasq(t, netlab.RouterHomeIPv4, 53, "", inRouter, dialer)
	if !ok {
		t.Fatal("dnsmasq did not start in the router")
	}
	// A second dnsmasq on the router's other address rewrites made-up
	// names, as providers' "search assist" servers do.
	rewriter, _, ok := runDnsmasq(t, netlab.RouterServerIPv4, 53, "address=/com/34.77.0.1\n", inRouter, dialer)
	if !ok {
		t.Fatal("the rewriting dnsmasq did not start in the router")
	}

	run := func(t *testing.T, nameserver netip.AddrPort) (checks.Result, time.Duration) {
		t.Helper()
		env := &checks.Env{
			OS:       "linux",
			FS:       fstest.MapFS{"etc/resolv.conf": {Data: []byte("# written by the test\nnameserver " + nameserver.Addr().String() + "\n")}},
			Dialer:   dialer,
			Resolver: resolverVia(dialer, nameserver),
			Profile:  &profile.Profile{DNS: profile.DNS{PublicResolver: public.String(), Names: []string{"one.wfh.test", "two.wfh.test"}}},
		}
		// The real Linux sources read that resolv.conf, as in a run.
		env.Net = netstate.New(env.NetConfig())
		ctx, cancel := context.WithTimeout(t.Context(), budget)
		defer cancel()
		start := time.Now()
		res := New().Run(ctx, env)
		took := time.Since(start)
		reportschema.CheckResults(t, "dns", "DNS (name lookups)", []report.Result{res})
		if took > budget+busySlack {
			t.Errorf("took %v, over the %v budget", took, budget)
		}
		t.Logf("%s in %v: %s", res.Status, took.Round(time.Millisecond), res.Summary)
		return res, took
	}
	expect := func(t *testing.T, res checks.Result, status report.Status, diag, server, outcome string) {
		t.Helper()
		if res.Status != status || res.Facts["diagnosis"] != diag {
			t.Errorf("got %s %q (%s), want %s %q\n%+v", res.Status, res.Facts["diagnosis"], res.Summary, status, diag, res.Findings)
		}
		if server != "" {
			if it, _ := item(res, server); it.Attributes["outcome"] != outcome {
				t.Errorf("item %s: %+v, want outcome %q", server, it, outcome)
			}
		}
	}
	routerDNS := netlab.RouterHomeIPv4

	// Steps run in order on the test's goroutine: netlab's builders (Nft)
	// belong there, and each step undoes what it broke.
	t.Log("step: healthy")
	{
		res, took := run(t, honest)
		expect(t, res, report.Pass, diagOK, routerDNS, "ok")
		if res.Facts["dns_source"] != "/etc/resolv.conf" {
			t.Errorf("dns_source %q", res.Facts["dns_source"])
		}
		t.Logf("MEASURED wall time in the lab, all healthy: %v", took.Round(time.Millisecond))
	}
	t.Log("step: the router rewrites made-up names")
	{
		res, _ := run(t, rewriter)
		expect(t, res, report.Warn, diagRewrites, netlab.RouterServerIPv4, "wrong")
	}
	t.Log("step: the router drops DNS")
	{
		router.Nft(dropDNS)
		res, _ := run(t, honest)
		router.Run("nft", "delete", "table", "inet", "wfhdns")
		expect(t, res, report.Fail, diagServersDown, routerDNS, "timeout")
		if f, _ := findingWith(res, "usually the router"); !strings.Contains(f.Fix, "Restart your router") {
			t.Errorf("finding: %+v", f)
		}
	}
	t.Log("step: offline (the router's DNS is silent and nothing gets past it)")
	{
		router.Nft(dropDNS + dropForward)
		res, took := run(t, honest)
		router.Run("nft", "delete", "table", "inet", "wfhdns")
		expect(t, res, report.Skipped, diagOffline, routerDNS, "timeout")
		t.Logf("MEASURED wall time in the lab, all dead: %v", took.Round(time.Millisecond))
	}
	t.Log("step: dnsmasq stopped")
	{
		_ = honestCmd.Process.Kill()
		// The kernel answers port unreachable once the socket is gone.
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if r := ask(t.Context(), dialer, honest, "one.wfh.test", 1); r.err != nil && !probeutil.IsTimeout(r.err) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		res, _ := run(t, honest)
		expect(t, res, report.Fail, diagServersDown, routerDNS, "unreachable")
	}
}

// nftables rulesets for the router: drop DNS to the router itself, and
// forward nothing.
const (
	dropDNS = `table inet wfhdns {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 53 drop
		tcp dport 53 drop
	}
}
`
	dropForward = `table inet wfhdns {
	chain forward {
		type filter hook forward priority 0; policy drop;
	}
}
`
)
