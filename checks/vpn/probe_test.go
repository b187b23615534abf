package vpn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// loopbackEnv is the environment of these tests: the probes dial loopback
// servers the tests start, and every route leaves by lo.
func loopbackEnv(t *testing.T) *checks.Env {
	env := withIfaces(newEnv(t, "linux", profile.VPN{}, nil, nil, routedFrom(a4("127.0.0.1"))), []sysIface{loopbackSys})
	env.Resolver = &checkstest.Resolver{Hosts: map[string][]string{"intranet.acme.test": {"127.0.0.1"}, "vpn.acme.test": {"127.0.0.1"}}}
	env.Roots = x509.NewCertPool()
	return env
}

func serveTLS(t *testing.T, ca *netlab.CA, names ...string) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { io.WriteString(rw, "ok") }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Issue(names...)}}
	// The repeated connects close without a handshake; the server's log of
	// that is noise here.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return port
}

func TestProbeTargetHTTP(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(rw http.ResponseWriter, _ *http.Request) { io.WriteString(rw, "intranet") })
	mux.HandleFunc("/sso", func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, "https://login.acme.test/adfs/ls?wa=signin&token=secret", http.StatusFound)
	})
	mux.HandleFunc("/local", func(rw http.ResponseWriter, r *http.Request) { http.Redirect(rw, r, "/login", http.StatusFound) })
	mux.HandleFunc("/broken", func(rw http.ResponseWriter, _ *http.Request) { http.Error(rw, "down", http.StatusServiceUnavailable) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	env := loopbackEnv(t)
	base := "http://intranet.acme.test:" + port

	p := probeTarget(context.Background(), env, parseTarget(base+"/ok", 0))
	if p.Out != outOK || p.HTTPStatus != 200 || p.Interface != "lo" || p.Tries != 3 || len(p.Connects) != 3 || p.Lost != 0 || p.Response <= 0 {
		t.Errorf("ok: %+v", p)
	}

	p = probeTarget(context.Background(), env, parseTarget(base+"/sso", 1))
	if p.Out != outRedirect || p.RedirectTo != "https://login.acme.test/adfs/ls" {
		t.Errorf("redirect: %+v", p)
	}
	it := (&builder{o: observations{}}).targetItem(p)
	if it.Status != report.Pass || !strings.Contains(it.Summary, "redirects to another site, https://login.acme.test/adfs/ls: often a sign-in page") || strings.Contains(it.Summary, "secret") {
		t.Errorf("redirect line: %+v", it)
	}
	p = probeTarget(context.Background(), env, parseTarget(base+"/local", 1))
	if it := (&builder{}).targetItem(p); p.Out != outRedirect || !strings.Contains(it.Summary, "sends you on to http://intranet.acme.test:"+port+"/login") {
		t.Errorf("same-site redirect: %+v", it)
	}

	p = probeTarget(context.Background(), env, parseTarget(base+"/broken", 2))
	if p.Out != outHTTPError || !strings.Contains(p.Detail, "503") {
		t.Errorf("5xx: %+v", p)
	}
}

func TestProbeTargetTLS(t *testing.T) {
	ca := netlab.NewCA(t)
	good := serveTLS(t, ca, "intranet.acme.test")
	other := serveTLS(t, ca, "portal.hotel.test")
	env := loopbackEnv(t)
	env.Roots = ca.Pool()

	p := probeTarget(context.Background(), env, parseTarget("https://intranet.acme.test:"+good+"/", 0))
	if p.Out != outOK {
		t.Errorf("verified: %+v", p)
	}
	p = probeTarget(context.Background(), env, parseTarget("https://intranet.acme.test:"+other+"/", 0))
	if p.Out != outWrongName || p.Detail != "its certificate is for portal.hotel.test, not intranet.acme.test" {
		t.Errorf("wrong name: %+v", p)
	}
	env.Roots = x509.NewCertPool()
	p = probeTarget(context.Background(), env, parseTarget("https://intranet.acme.test:"+good+"/", 0))
	if p.Out != outUntrusted || !strings.Contains(p.Detail, "wfh netlab test CA") {
		t.Errorf("untrusted: %+v", p)
	}
	env.Roots = ca.Pool()
	env.Now = func() time.Time { return time.Now().Add(30 * 24 * time.Hour) }
	p = probeTarget(context.Background(), env, parseTarget("https://intranet.acme.test:"+good+"/", 0))
	if p.Out != outExpired || !strings.Contains(p.Detail, "expired on") {
		t.Errorf("expired: %+v", p)
	}
}

func TestProbeGateway(t *testing.T) {
	ca := netlab.NewCA(t)
	good := serveTLS(t, ca, "vpn.acme.test")
	other := serveTLS(t, ca, "portal.hotel.test")
	env := loopbackEnv(t)
	env.Roots = ca.Pool()
	g := probeGateway(context.Background(), env, gatewayConfig{Raw: "vpn.acme.test", Type: gwTLS, Host: "vpn.acme.test", Port: good})
	if g.Out != outOK || g.Connect <= 0 || g.Interface != "lo" {
		t.Errorf("tls: %+v", g)
	}
	g = probeGateway(context.Background(), env, gatewayConfig{Raw: "vpn.acme.test", Type: gwTLS, Host: "vpn.acme.test", Port: other})
	if g.Out != outWrongName || !strings.Contains(g.Detail, "portal.hotel.test") {
		t.Errorf("wrong name: %+v", g)
	}
	g = probeGateway(context.Background(), env, gatewayConfig{Raw: "vpn.acme.test", Type: gwTCP, Host: "vpn.acme.test", Port: other})
	if g.Out != outOK {
		t.Errorf("tcp: %+v", g)
	}
	g = probeGateway(context.Background(), env, gatewayConfig{Raw: "vpn.acme.test", Type: gwSilent, Host: "vpn.acme.test"})
	if g.Out != outNotProbed || len(g.Addrs) != 1 {
		t.Errorf("udp-silent: %+v", g)
	}
	g = probeGateway(context.Background(), env, gatewayConfig{Raw: "nosuch.acme.test", Type: gwTLS, Host: "nosuch.acme.test", Port: "443"})
	if g.Out != outDNS {
		t.Errorf("unknown name: %+v", g)
	}
}

func TestProbeRefusedAndBlackholed(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := loopbackEnv(t)
	p := probeTarget(context.Background(), env, parseTarget(addr, 0))
	if p.Out != outRefused || !p.Out.reached() || p.Lost != 0 {
		t.Errorf("refused: %+v", p)
	}
	// A server that accepts and never answers: the request stalls.
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	start := time.Now()
	p = probeTarget(context.Background(), env, parseTarget("http://"+hang.Addr().String()+"/", 0))
	if took := time.Since(start); p.Out != outStalled || p.Detail != "connected, but no answer to the request in time" || took > requestTimeout+busySlack {
		t.Errorf("stalled: %+v after %s", p, took)
	}
	env.Dialer = &checkstest.Dialer{DefaultSource: a4("127.0.0.1"), Default: &checkstest.Route{Silent: true}}
	start = time.Now()
	p = probeTarget(context.Background(), env, parseTarget("10.9.9.9:443", 0))
	if took := time.Since(start); p.Out != outTimeout || took > connectTimeout+busySlack {
		t.Errorf("blackholed: %+v after %s", p, took)
	}
}

func TestParseTargetAndGateway(t *testing.T) {
	for raw, problem := range map[string]string{
		"https://intranet.acme.example/": "", "http://10.0.0.1:8080/x": "", "files.acme.example:445": "", "[fd00::1]:443": "",
		"intranet":        "is neither a web address (https://…) nor host:port",
		"ftp://files/":    "uses ftp://; only http:// and https:// addresses, or host:port, can be tested",
		"https://":        "has no valid host name",
		"https://a b/":    "is not a valid web address",
		"intra net:80":    "has no valid host name",
		"host:0":          "has a bad port (ports are 1 to 65535)",
		"https://x:99999": "has a bad port (ports are 1 to 65535)",
		"":                "is empty",
	} {
		tg := parseTarget(raw, 3)
		if tg.Problem != problem || tg.Key != "vpn.targets[3]" {
			t.Errorf("%q: problem %q, want %q", raw, tg.Problem, problem)
		}
	}
	if tg := parseTarget("https://intranet.acme.example/", 0); tg.Port != "443" || !tg.isHTTP() {
		t.Errorf("%+v", tg)
	}
	for _, tc := range []struct{ raw, typ, host, port, problem string }{
		{"vpn.acme.example", "", "vpn.acme.example", "443", ""},
		{"https://vpn.acme.example:10443/", "tls", "vpn.acme.example", "10443", ""},
		{"203.0.113.7:51820", "udp-silent", "203.0.113.7", "51820", ""},
		{"203.0.113.7", "udp-silent", "203.0.113.7", "", ""},
		{"vpn acme", "tls", "", "", "is not a host, host:port or https:// address"},
		{"vpn.acme.example", "ipsec", "vpn.acme.example", "", `has the type "ipsec"; write tls, tcp or udp-silent in vpn.gateway_type`},
	} {
		env := newEnv(t, "linux", profile.VPN{Gateway: tc.raw, GatewayType: tc.typ}, nil, nil, nil)
		g, ok := gateway(env)
		if !ok || g.Host != tc.host || g.Port != tc.port || g.Problem != tc.problem {
			t.Errorf("%q: %+v", tc.raw, g)
		}
	}
}

func TestTargetsForRedaction(t *testing.T) {
	p := profile.Default()
	p.VPN = profile.VPN{Gateway: "https://vpn.acme.example:10443/", Targets: []string{"https://intranet.acme.example/", "10.1.2.3:445", "bad entry"}}
	p.DNS.CompanyNames = []profile.CompanyName{{Name: "intranet.acme.example", VPNOnly: true}, {Name: "sso.acme.example"}}
	c := New().(checks.HostNamer)
	if got := strings.Join(c.NamedHosts(p), " "); got != "vpn.acme.example intranet.acme.example 10.1.2.3" {
		t.Errorf("NamedHosts: %q", got)
	}
	if got := vpnOnlyNames(&checks.Env{Profile: p}); len(got) != 1 || got[0] != "intranet.acme.example" {
		t.Errorf("vpnOnlyNames: %q", got)
	}
	if c.NamedHosts(nil) != nil {
		t.Error("nil profile")
	}
}

// TestBadInputNoHang runs the whole check with bad entries, a gateway
// whose certificate is for another name, a redirect to a sign-in page and
// a blackholed target: each gets its own clear line and the check ends
// within its timeouts.
func TestBadInputNoHang(t *testing.T) {
	t.Parallel()
	ca := netlab.NewCA(t)
	other := serveTLS(t, ca, "portal.hotel.test")
	login := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, "https://login.hotel.test/", http.StatusFound)
	}))
	defer login.Close()
	_, loginPort, _ := net.SplitHostPort(login.Listener.Addr().String())
	vpn := profile.VPN{
		Gateway: "vpn.acme.test:" + other, GatewayType: "tls",
		Targets: []string{"intranet", "http://intranet.acme.test:" + loginPort + "/", "10.9.9.9:443", "not a url at all", "mailto:it@acme.test"},
	}
	fsys := linuxFS(nil)
	env := newEnv(t, "linux", vpn, nil, fsys, &checkstest.Dialer{DefaultSource: a4("127.0.0.1"),
		Routes: map[string]checkstest.Route{"10.9.9.9": {Silent: true}}, Default: &checkstest.Route{Loopback: true}})
	env.Resolver = &checkstest.Resolver{Hosts: map[string][]string{"intranet.acme.test": {"127.0.0.1"}, "vpn.acme.test": {"127.0.0.1"}}}
	env.Roots = ca.Pool()
	withIfaces(env, []sysIface{loopbackSys})
	c := &check{}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	res := c.Run(ctx, env)
	if took := time.Since(start); took > connectTimeout+busySlack {
		t.Errorf("took %s", took)
	}
	reportschema.CheckResults(t, "vpn", "VPN", []report.Result{res})
	want := map[string]string{
		"intranet":            "not tested: the profile's entry is neither a web address (https://…) nor host:port",
		"not a url at all":    "not tested: the profile's entry is neither a web address (https://…) nor host:port",
		"mailto:it@acme.test": "not tested: the profile's entry is neither a web address (https://…) nor host:port",
		"10.9.9.9:443":        "no answer in time via lo",
	}
	for label, summary := range want {
		if it, ok := item(res, "vpn_target", label); !ok || it.Summary != summary {
			t.Errorf("%s: %+v", label, it)
		}
	}
	if it, _ := item(res, "vpn_target", "http://intranet.acme.test:"+loginPort+"/"); !strings.Contains(it.Summary, "redirects to another site, https://login.hotel.test/") {
		t.Errorf("login redirect: %+v", it)
	}
	gw, _ := item(res, "vpn_gateway", "vpn.acme.test:"+other)
	if gw.Status != report.Fail || gw.Summary != "its certificate is for portal.hotel.test, not vpn.acme.test" {
		t.Errorf("gateway: %+v", gw)
	}
	n := 0
	for _, f := range res.Findings {
		if strings.HasPrefix(f.Message, "vpn.targets[") && strings.Contains(f.Fix, "IT: write an http://") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("one finding per bad entry, got %d: %+v", n, res.Findings)
	}
	if res.Facts["vpn_state"] != stateDirect {
		// The redirecting target answers on loopback without any tunnel.
		t.Errorf("state %q", res.Facts["vpn_state"])
	}
}

// busySlack is how late a deadline may be met on a busy machine: two CPU
// hogs and the race detector hold goroutines back for up to a second; a
// real overrun (a missed cancel, a hang) is longer.
const busySlack = 2 * time.Second
