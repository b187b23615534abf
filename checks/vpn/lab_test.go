package vpn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/render"
)

// These tests build a real WireGuard VPN out of network namespaces and
// run the check inside the teleworker's namespace, in a process of its
// own (this test binary, started again with `ip netns exec`), so that it
// sees that namespace's interfaces, routes, /proc/net and resolv.conf and
// runs the real wg:
//
//	home ── router ── gw ══ company
//	  ╚══════ WireGuard ══════╝
//
// home reaches gw (the VPN gateway, 10.200.2.1:51820) over the router;
// the company network (10.201.0.0/24: a web server and the DNS server for
// corp.test) is behind gw and reachable only through the tunnel: the
// router answers "network unreachable" for it, as a provider does for
// private addresses.

const (
	helperProfileEnv = "WFH_VPN_HELPER_PROFILE"
	helperOutEnv     = "WFH_VPN_HELPER_OUT"
	companyIPv4      = "10.201.0.2"
	companyName      = "intranet.corp.test"
	// stateLimit bounds each run of the check's process: its budget, the
	// contract the runner enforces, plus a busy machine's slack for
	// starting a race-instrumented process. On a quiet machine the broken
	// state takes one connect timeout (3 s; DNS's 2 s run beside it) and
	// the rest well under a second.
	stateLimit = budget + busySlack
)

// TestHelperRunCheck is not a test: it is the check's process inside a
// lab namespace, started by runInNamespace.
func TestHelperRunCheck(t *testing.T) {
	path := os.Getenv(helperProfileEnv)
	if path == "" {
		t.Skip("helper process for the lab tests; runs only when started by them")
	}
	p, err := profile.Load(path, profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env, err := checks.SystemEnv(p)
	if err != nil {
		t.Fatal(err)
	}
	out := (&checks.Runner{Env: *env, Timeout: 40 * time.Second}).Run(context.Background(), []checks.Check{New()})
	data, err := json.Marshal(out.Results[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(os.Getenv(helperOutEnv), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// vpnLab is the VPN network of these tests.
type vpnLab struct {
	lab                    *netlab.Lab
	home, router, gw, corp *netlab.NS
	homeWG, gwWG           *netlab.WireGuard
	profile                string
}

func newVPNLab(t *testing.T) *vpnLab {
	lab := netlab.New(t)
	netlab.NeedWireGuard(t)
	hops := lab.Chain("home", "router", "gw")
	v := &vpnLab{lab: lab, home: hops[0].NS, router: hops[1].NS, gw: hops[2].NS, corp: lab.Namespace("company")}
	lab.Link(v.gw, []string{"10.201.0.1/24"}, v.corp, []string{companyIPv4 + "/24"})
	v.corp.Route("default", "10.201.0.1")
	v.gw.Forwarding()
	v.router.Run("ip", "route", "add", "unreachable", "10.201.0.0/24")

	homeKey, gwKey := netlab.NewWireGuardKey(t), netlab.NewWireGuardKey(t)
	v.homeWG = v.home.StartWireGuard(netlab.WireGuardName(t, "wfh"))
	v.gwWG = v.gw.StartWireGuard(netlab.WireGuardName(t, "wfh"))
	v.gwWG.Configure(netlab.WireGuardConfig{Key: gwKey, PeerPublic: homeKey.Public, AllowedIPs: "10.202.0.2/32", Address: "10.202.0.1/24"})
	v.homeWG.Configure(netlab.WireGuardConfig{Key: homeKey, PeerPublic: gwKey.Public, Endpoint: netlab.ServerIPv4 + ":51820",
		AllowedIPs: "10.201.0.0/24,10.202.0.1/32", Address: "10.202.0.2/32", Routes: []string{"10.201.0.0/24"}})

	// The company's web server and its DNS server, on the company network.
	v.corp.ServeHTTP(companyIPv4+":8080", http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		io.WriteString(rw, "intranet")
	}))
	serveCompanyDNS(t, v.corp)
	v.home.ResolvConf("nameserver " + companyIPv4 + "\n")

	v.profile = filepath.Join(t.TempDir(), "vpn.yaml")
	body := fmt.Sprintf("name: vpn lab\nvpn:\n  gateway: \"%s:51820\"\n  gateway_type: udp-silent\n  targets:\n    - http://%s:8080/\n    - \"%s:8080\"\n"+
		"dns:\n  company_names:\n    - name: %s\n      vpn_only: true\n", netlab.ServerIPv4, companyName, companyIPv4, companyName)
	if err := os.WriteFile(v.profile, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return v
}

// serveCompanyDNS answers corp.test names with the web server's address.
func serveCompanyDNS(t *testing.T, ns *netlab.NS) {
	pc, err := ns.ListenPacket("udp", net.JoinHostPort(companyIPv4, "53"))
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc("corp.test.", func(rw dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			if question.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.ParseIP(companyIPv4)})
			}
		}
		_ = rw.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
}

// unrelatedTunnel runs a second WireGuard tunnel between two namespaces
// of its own, with traffic through it, and returns its interface names.
// Its control sockets sit next to the VPN's in /var/run/wireguard.
func unrelatedTunnel(t *testing.T, lab *netlab.Lab) []string {
	a, b := lab.Namespace("othera"), lab.Namespace("otherb")
	lab.Link(a, []string{"10.210.0.1/24"}, b, []string{"10.210.0.2/24"})
	ka, kb := netlab.NewWireGuardKey(t), netlab.NewWireGuardKey(t)
	da, db := a.StartWireGuard(netlab.WireGuardName(t, "wfh")), b.StartWireGuard(netlab.WireGuardName(t, "wfh"))
	da.Configure(netlab.WireGuardConfig{Key: ka, PeerPublic: kb.Public, Endpoint: "10.210.0.2:51820", AllowedIPs: "10.211.0.2/32", Address: "10.211.0.1/24"})
	db.Configure(netlab.WireGuardConfig{Key: kb, PeerPublic: ka.Public, Endpoint: "10.210.0.1:51820", AllowedIPs: "10.211.0.1/32", Address: "10.211.0.2/24"})
	poke(t, a, "10.211.0.2:9")
	return []string{da.Name, db.Name}
}

// poke opens a TCP connection from ns to addr, which sends traffic
// through a tunnel and so starts its handshake; a refusal is an answer
// too.
func poke(t *testing.T, ns *netlab.NS, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := ns.DialContext(ctx, "tcp", addr)
	if err == nil {
		conn.Close()
		return
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("%s from %s: %v", addr, ns, err)
	}
}

type labRun struct {
	res  report.Result
	raw  []byte
	took time.Duration
}

// runInNamespace runs the check in ns, in this test binary started again
// there, and returns its result.
func runInNamespace(t *testing.T, ns *netlab.NS, profilePath string) labRun {
	t.Helper()
	out := filepath.Join(t.TempDir(), "result.json")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := ns.Command(ctx, os.Args[0], "-test.run=^TestHelperRunCheck$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperProfileEnv+"="+profilePath, helperOutEnv+"="+out,
		"HTTPS_PROXY=", "HTTP_PROXY=", "ALL_PROXY=", "https_proxy=", "http_proxy=", "all_proxy=")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("check process: %v\n%s", err, logs.String())
	}
	r := labRun{took: time.Since(start)}
	var err error
	if r.raw, err = os.ReadFile(out); err != nil {
		t.Fatalf("no result: %v\n%s", err, logs.String())
	}
	if err := json.Unmarshal(r.raw, &r.res); err != nil {
		t.Fatalf("result: %v\n%s", err, r.raw)
	}
	reportschema.CheckResults(t, "vpn", "VPN", []report.Result{r.res})
	return r
}

func (r labRun) expect(t *testing.T, state string, status report.Status) {
	t.Helper()
	if r.res.Status != status || r.res.Facts["vpn_state"] != state {
		b, _ := json.MarshalIndent(r.res, "", "  ")
		t.Fatalf("vpn = %s / %q, want %s / %q\n%s", r.res.Status, r.res.Facts["vpn_state"], status, state, b)
	}
	if r.took > stateLimit {
		t.Errorf("the check process took %s, limit %s", r.took, stateLimit)
	}
	t.Logf("%s: check %.2f s (process %s): %s", state, r.res.DurationSeconds, r.took.Round(time.Millisecond), r.res.Summary)
	if testing.Verbose() && os.Getenv("WFH_VPN_SHOW") != "" {
		var buf bytes.Buffer
		if err := render.Render(&buf, report.Report{SchemaVersion: report.SchemaVersion, Results: []report.Result{r.res}, Overall: r.res.Status}, render.FormatText, render.Options{Verbose: true}); err != nil {
			t.Errorf("render the %s result: %v", state, err)
		}
		t.Logf("report:\n%s", buf.String())
	}
}

func item(res report.Result, kind, label string) (report.Item, bool) {
	for _, it := range res.Items {
		if it.Kind == kind && it.Label == label {
			return it, true
		}
	}
	return report.Item{}, false
}

// TestLabWireGuardStates drives one tunnel through the three states the
// issue names: up, broken (the far end stopped, the interface and route
// still here), down (no interface).
func TestLabWireGuardStates(t *testing.T) {
	v := newVPNLab(t)
	others := unrelatedTunnel(t, v.lab)
	// The tunnel carries traffic before the check runs, as after a
	// connect.
	poke(t, v.home, companyIPv4+":8080")

	up := runInNamespace(t, v.home, v.profile)
	up.expect(t, stateConnected, report.Pass)
	f := up.res.Facts
	if f["tunnel_interface"] != v.homeWG.Name || f["tunnel_mode"] != "split" || f["tunnel_client"] != "WireGuard" {
		t.Errorf("facts %v", f)
	}
	if !strings.Contains(f["tunnel_dns"], companyIPv4) || !strings.Contains(f["tunnel_routes"], "10.201.0.0/24") {
		t.Errorf("the tunnel's DNS server and route: %v", f)
	}
	if m, _ := up.res.Metric("tunnel_mtu_bytes"); m.Value == nil || *m.Value != 1420 {
		t.Errorf("tunnel MTU (wireguard-go's default 1420): %+v", m)
	} else {
		t.Logf("tunnel MTU %v bytes (source: %s)", *m.Value, f["tunnel_mtu_source"])
	}
	if m, _ := up.res.Metric("targets_answered"); m.Value == nil || *m.Value != 2 {
		t.Errorf("targets answered: %+v", m)
	}
	for _, label := range []string{"http://" + companyName + ":8080/", companyIPv4 + ":8080"} {
		if it, ok := item(up.res, "vpn_target", label); !ok || it.Status != report.Pass || it.Attributes["interface"] != v.homeWG.Name {
			t.Errorf("target %s: %+v", label, it)
		}
	}
	tun, ok := item(up.res, "tunnel", v.homeWG.Name)
	if !ok || tun.Attributes["role"] != "company" || tun.Attributes["peer_endpoint"] != netlab.ServerIPv4+":51820" {
		t.Errorf("tunnel item: %+v", tun)
	}
	if m := metricOf(tun.Metrics, "handshake_age_seconds"); m.Value == nil || *m.Value > 60 {
		t.Errorf("a fresh handshake: %+v", m)
	}
	if m := metricOf(tun.Metrics, "received_during_check_bytes"); m.Value == nil || *m.Value == 0 {
		t.Errorf("the gateway's answers during the check: %+v", m)
	}
	// wg lists the gateway's and the unrelated tunnels too (one socket
	// directory for every namespace): none of them may appear.
	for _, name := range append(others, v.gwWG.Name) {
		if bytes.Contains(up.raw, []byte(name)) {
			t.Errorf("another namespace's tunnel %s is in the result:\n%s", name, up.raw)
		}
	}

	// Broken: the gateway's WireGuard stops; home keeps its interface and
	// route, and its traffic now goes nowhere.
	v.gwWG.Stop()
	broken := runInNamespace(t, v.home, v.profile)
	broken.expect(t, stateNoTraffic, report.Fail)
	if broken.res.Facts["tunnel_interface"] != v.homeWG.Name {
		t.Errorf("facts %v", broken.res.Facts)
	}
	if !hasFix(broken.res, "Disconnect the VPN and connect again") || !findingWith(broken.res, "went into the tunnel to the VPN gateway and nothing came back") {
		t.Errorf("findings %+v", broken.res.Findings)
	}

	// Down: no tunnel at all.
	v.homeWG.Stop()
	down := runInNamespace(t, v.home, v.profile)
	down.expect(t, stateNotConnected, report.Fail)
	if !strings.Contains(down.res.Summary, "Not connected") || !hasFix(down.res, "connect") {
		t.Errorf("down: %q %+v", down.res.Summary, down.res.Findings)
	}
	if _, ok := item(down.res, "tunnel", v.homeWG.Name); ok {
		t.Error("the stopped tunnel is still listed")
	}
}

func hasFix(res report.Result, s string) bool {
	for _, f := range res.Findings {
		if strings.Contains(f.Fix, s) {
			return true
		}
	}
	return false
}

func metricOf(ms []report.Metric, name string) report.Metric {
	for _, m := range ms {
		if m.Name == name {
			return m
		}
	}
	return report.Metric{Name: name}
}
