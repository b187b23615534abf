package network

import (
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/internal/netinfo"
	"github.com/wfh-cli/wfh/report"
)

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

var (
	wifiV4   = iface{Name: "wlan0", Kind: netinfo.KindWiFi, Up: true, Addrs: []netip.Prefix{mustPrefix("192.168.1.20/24")}}
	dualWifi = iface{Name: "wlan0", Kind: netinfo.KindWiFi, Up: true, Addrs: []netip.Prefix{mustPrefix("192.168.1.20/24"), mustPrefix("2001:db8:1::20/64")}}
	lo       = iface{Name: "lo", Up: true, Loopback: true, Addrs: []netip.Prefix{mustPrefix("127.0.0.1/8")}}
	gw4      = routes{V4: []defaultRoute{{Gateway: netip.MustParseAddr("192.168.1.1"), Interface: "wlan0"}}}
	gwDual   = routes{V4: gw4.V4, V6: []defaultRoute{{Gateway: netip.MustParseAddr("fe80::1"), Interface: "wlan0"}}}
	ok204    = portalProbe{URL: "http://portal.test/generate_204", Tried: true, Status: 204, Out: outOK}
)

func anchors(out4, out6 outcome) []anchorProbe {
	var l []anchorProbe
	for _, h := range []string{"a.test", "b.test"} {
		l = append(l, anchorProbe{URL: "https://" + h + "/", Host: h, Family: "ipv4", Out: out4})
		if out6 != "" {
			l = append(l, anchorProbe{URL: "https://" + h + "/", Host: h, Family: "ipv6", Out: out6})
		}
	}
	return l
}

func TestVerdicts(t *testing.T) {
	for _, tc := range []struct {
		name        string
		o           observations
		status      report.Status
		state       string
		msgContains string
		fixContains string
	}{
		{"online", observations{Interfaces: []iface{lo, wifiV4}, Routes: gw4, Anchors: anchors(outOK, ""), Portal: ok204},
			report.Pass, stateOnline, "", ""},
		{"online dual stack", observations{Interfaces: []iface{dualWifi}, Routes: gwDual, Anchors: anchors(outOK, outOK), Portal: ok204},
			report.Pass, stateOnline, "", ""},
		{"broken IPv6", observations{Interfaces: []iface{dualWifi}, Routes: gwDual, Anchors: anchors(outOK, outTimeout), Portal: ok204},
			report.Warn, stateOnline, "IPv6", "Restart your router"},
		{"IPv6 anchors without AAAA is not broken", observations{Interfaces: []iface{dualWifi}, Routes: gwDual, Anchors: anchors(outOK, outNoAddress), Portal: ok204},
			report.Pass, stateOnline, "", ""},
		{"company proxy", observations{Interfaces: []iface{wifiV4}, Routes: gw4, Anchors: anchors(outCompanyCA, ""), Portal: ok204},
			report.Pass, stateOnline, "company", ""},
		{"only through proxy", observations{Interfaces: []iface{wifiV4}, Routes: gw4, Anchors: anchors(outTimeout, ""),
			ViaProxy: []anchorProbe{{Host: "a.test", Family: "proxy", Out: outOK}}, Proxy: proxyConfig{HTTPS: "http://proxy.test:3128", Source: "environment"}},
			report.Pass, stateViaProxy, "proxy", ""},
		{"captive portal", observations{Interfaces: []iface{wifiV4}, Routes: gw4, Anchors: anchors(outReset, ""),
			Portal: portalProbe{Tried: true, Status: 302, Location: "http://login.hotel.test/", Out: outOK}},
			report.Fail, stateCaptive, "sign in", "Open a web browser"},
		{"intercepted", observations{Interfaces: []iface{wifiV4}, Routes: gw4, Anchors: anchors(outWrongName, ""),
			Portal: portalProbe{Tried: true, Status: 404, BodyLen: 20, Out: outOK}},
			report.Fail, stateIntercepted, "certificate", "Contact IT"},
		{"no interface", observations{Interfaces: []iface{lo}},
			report.Fail, stateOffline, "no network connection is active", "Wi-Fi"},
		{"no default route", observations{Interfaces: []iface{wifiV4}},
			report.Fail, stateOffline, "no route", "connect again"},
		{"gateway silent", observations{Interfaces: []iface{wifiV4}, Routes: gw4, Anchors: anchors(outTimeout, ""),
			Gateway: gatewayProbe{Addr: gw4.V4[0].Gateway, Tried: true}, Portal: portalProbe{Tried: true, Out: outTimeout}},
			report.Fail, stateOffline, "router does not answer", "Restart your router"},
		{"DNS dead", observations{Interfaces: []iface{wifiV4}, Routes: gw4, Anchors: anchors(outDNS, ""),
			Gateway: gatewayProbe{Addr: gw4.V4[0].Gateway, Tried: true, Answered: true}, Portal: portalProbe{Tried: true, Out: outDNS}},
			report.Fail, stateOffline, "DNS", "DNS"},
		{"beyond the router", observations{Interfaces: []iface{wifiV4}, Routes: gw4, Anchors: anchors(outTimeout, ""),
			Gateway: gatewayProbe{Addr: gw4.V4[0].Gateway, Tried: true, Answered: true}, Portal: portalProbe{Tried: true, Out: outTimeout}},
			report.Fail, stateOffline, "nothing beyond it", "internet provider"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := verdict(tc.o)
			if r.Status != tc.status || r.Facts["connectivity"] != tc.state {
				t.Fatalf("status %s state %s, want %s %s: %+v", r.Status, r.Facts["connectivity"], tc.status, tc.state, r)
			}
			all := r.Summary
			fixes := ""
			for _, f := range r.Findings {
				all += " " + f.Message
				fixes += " " + f.Fix
				if (f.Severity == report.Fail || f.Severity == report.Warn) && f.Fix == "" {
					t.Errorf("problem without a fix: %+v", f)
				}
			}
			if !strings.Contains(all, tc.msgContains) || !strings.Contains(fixes, tc.fixContains) {
				t.Errorf("messages %q / fixes %q, want %q / %q", all, fixes, tc.msgContains, tc.fixContains)
			}
		})
	}
}

func TestUnmetNamesTheCause(t *testing.T) {
	c := New().(*check)
	for state, want := range map[string]string{stateOffline: "offline (see network)", stateCaptive: "captive portal", stateIntercepted: "intercepts"} {
		reason, unmet := c.Unmet(verdictWith(report.Fail, state))
		if !unmet || !strings.Contains(reason, want) {
			t.Errorf("%s: %q %v", state, reason, unmet)
		}
	}
	if _, unmet := c.Unmet(verdictWith(report.Warn, stateOnline)); unmet {
		t.Error("a warning (broken IPv6) still lets dependants run")
	}
}

func verdictWith(s report.Status, state string) report.Result {
	return report.Result{Status: s, Facts: map[string]string{"connectivity": state}}
}

func TestParseProcNetRoute(t *testing.T) {
	data, err := os.ReadFile("testdata/proc-net-route-synthetic.txt")
	if err != nil {
		t.Fatal(err)
	}
	r, err := parseProcNetRoute(string(data))
	if err != nil || len(r) != 2 {
		t.Fatalf("%+v %v", r, err)
	}
	if r[0].Interface != "eth0" || r[0].Gateway.String() != "192.168.254.1" || r[1].Gateway.String() != "192.168.1.1" {
		t.Errorf("routes %+v, want the lower metric first", r)
	}
	data, _ = os.ReadFile("testdata/proc-net-ipv6_route-synthetic.txt")
	r6 := parseProcNetIPv6Route(string(data))
	if len(r6) != 1 || r6[0].Gateway.String() != "fe80::1" || r6[0].Interface != "wlp2s0" {
		t.Errorf("ipv6 routes %+v", r6)
	}
}

func FuzzParseProcNetRoute(f *testing.F) {
	for _, p := range []string{"testdata/proc-net-route-synthetic.txt", "testdata/proc-net-ipv6_route-synthetic.txt"} {
		data, _ := os.ReadFile(p)
		f.Add(string(data))
	}
	f.Add("Iface\nx 0 0 0 0 0 0 0\n")
	f.Fuzz(func(t *testing.T, s string) {
		r, _ := parseProcNetRoute(s)
		for _, d := range r {
			if d.Interface == "" {
				t.Fatal("route without interface")
			}
		}
		parseProcNetIPv6Route(s)
	})
}

func TestProxyFromEnv(t *testing.T) {
	env := map[string]string{"https_proxy": "proxy.acme.test:3128", "NO_PROXY": ".acme.test"}
	p := proxyFromEnv(func(k string) string { return env[k] })
	if p.HTTPS != "http://proxy.acme.test:3128" || p.NoProxy != ".acme.test" || p.Source != "environment" {
		t.Errorf("%+v", p)
	}
	if proxyFromEnv(func(string) string { return "" }).set() {
		t.Error("no proxy set")
	}
}

func TestClassifyByName(t *testing.T) {
	for name, want := range map[string]netinfo.Kind{"wg0": netinfo.KindTunnel, "utun3": netinfo.KindTunnel, "wlp2s0": netinfo.KindWiFi, "en0": netinfo.KindWired, "Wi-Fi": netinfo.KindWiFi, "Ethernet 2": netinfo.KindWired, "docker0": netinfo.KindOther} {
		if got := classifyByName(name, 0); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
}
