package network

import (
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/wfh-cli/wfh/checks/checkstest"

	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/report"
)

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

var (
	wifiV4   = iface{Name: "wlan0", Kind: netstate.KindWiFi, Up: true, Addrs: []netip.Prefix{mustPrefix("192.168.1.20/24")}}
	dualWifi = iface{Name: "wlan0", Kind: netstate.KindWiFi, Up: true, Addrs: []netip.Prefix{mustPrefix("192.168.1.20/24"), mustPrefix("2001:db8:1::20/64")}}
	lo       = iface{Name: "lo", Up: true, Loopback: true, Addrs: []netip.Prefix{mustPrefix("127.0.0.1/8")}}
	gw4      = routes{V4: []defaultRoute{{Gateway: netip.MustParseAddr("192.168.1.1"), Interface: "wlan0"}}}
	gwDual   = routes{V4: gw4.V4, V6: []defaultRoute{{Gateway: netip.MustParseAddr("fe80::1"), Interface: "wlan0"}}}
	wifiPath = netstate.Path{Interface: "wlan0", Kind: netstate.KindWiFi, Link: "wlan0", LinkKind: netstate.KindWiFi, Gateway: netip.MustParseAddr("192.168.1.1"), Router: netip.MustParseAddr("192.168.1.1")}
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
		{"only a network port, down", observations{Interfaces: []iface{lo, {Name: "eth0", Kind: netstate.KindWired, MAC: "00:11:22:33:44:55"}}},
			report.Fail, stateOffline, "no network connection is active", "network cable"},
		{"no default route", observations{Interfaces: []iface{wifiV4}},
			report.Fail, stateOffline, "no route", "connect again"},
		{"gateway silent", observations{Interfaces: []iface{wifiV4}, Routes: gw4, Anchors: anchors(outTimeout, ""), Path: wifiPath,
			Gateway: gatewayProbe{Addr: gw4.V4[0].Gateway, Tried: true}, Portal: portalProbe{Tried: true, Out: outTimeout}},
			report.Fail, stateOffline, "router does not answer", "move closer to it"},
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

// TestAdviceFitsTheConnection: Wi-Fi is named in a fix only when the
// default path is Wi-Fi, and a wired user is never told to use a cable.
func TestAdviceFitsTheConnection(t *testing.T) {
	wired := iface{Name: "eth0", Kind: netstate.KindWired, Up: true, MAC: "00:11:22:33:44:55", Addrs: []netip.Prefix{mustPrefix("192.168.1.20/24")}}
	wiredPath := netstate.Path{Interface: "eth0", Kind: netstate.KindWired, Link: "eth0", LinkKind: netstate.KindWired, Gateway: netip.MustParseAddr("192.168.1.1"), Router: netip.MustParseAddr("192.168.1.1")}
	base := observations{Interfaces: []iface{wired}, Routes: routes{V4: []defaultRoute{{Gateway: netip.MustParseAddr("192.168.1.1"), Interface: "eth0"}}},
		Anchors: anchors(outTimeout, ""), Gateway: gatewayProbe{Addr: netip.MustParseAddr("192.168.1.1"), Tried: true}, Portal: portalProbe{Tried: true, Out: outTimeout}, Path: wiredPath}
	for _, o := range []observations{base, func() observations { o := base; o.Gateway.Answered = true; return o }()} {
		r := verdict(o)
		for _, f := range r.Findings {
			for _, word := range []string{"Wi-Fi", "cable", "closer"} {
				if strings.Contains(f.Message+f.Fix, word) {
					t.Errorf("a wired user is told about %q: %+v", word, f)
				}
			}
		}
		if r.Facts[report.KeyConnectionType] != "wired" || r.Facts["default_interface"] != "eth0" {
			t.Errorf("facts %v", r.Facts)
		}
	}
}

// TestProblemsAreShown: a part of the network state no source could read
// is named, with why, in this check's section.
func TestProblemsAreShown(t *testing.T) {
	o := observations{Interfaces: []iface{wifiV4}, Routes: gw4, Anchors: anchors(outOK, ""), Portal: ok204,
		Problems: []netstate.Problem{{Part: netstate.PartDNS, Reason: "the system did not list the DNS settings within 2s"}}}
	r := verdict(o)
	found := false
	for _, f := range r.Findings {
		found = found || strings.Contains(f.Message, "Could not read the DNS settings of this computer: the system did not list the DNS settings within 2s.")
	}
	if !found {
		t.Errorf("findings %+v", r.Findings)
	}
}

// TestFallbackSourcesAreShown: a part read from the OS's tools because
// its API failed says so; one read from the API says nothing.
func TestFallbackSourcesAreShown(t *testing.T) {
	o := observations{Interfaces: []iface{wifiV4}, Routes: gw4, Anchors: anchors(outOK, ""), Portal: ok204,
		Origins: []netstate.Origin{
			{Part: netstate.PartInterfaces, Via: "net.Interfaces, route print and ipconfig /all", Failed: "GetAdaptersAddresses", Detail: "GetAdaptersAddresses: The data is invalid."},
			{Part: netstate.PartRoutes, Via: "GetIpForwardTable2"},
		}}
	r := verdict(o)
	var notes []string
	for _, f := range r.Findings {
		if strings.HasPrefix(f.Message, "Read the ") {
			notes = append(notes, f.Message)
		}
	}
	want := "Read the interfaces of this computer from net.Interfaces, route print and ipconfig /all, because GetAdaptersAddresses did not answer."
	if len(notes) != 1 || notes[0] != want {
		t.Errorf("notes %q, want %q", notes, want)
	}
}

// TestProfileTemplateDefaults: the defaults `wfh profile init` writes are
// the ones this check uses.
func TestProfileTemplateDefaults(t *testing.T) {
	if got := checkstest.ProfileDefault(t, "network.anchors"); !slices.Equal(got, defaultAnchors) {
		t.Errorf("network.anchors: the template says %q, the check uses %q", got, defaultAnchors)
	}
	if got := checkstest.ProfileDefault(t, "network.portal_url"); !slices.Equal(got, []string{defaultPortalURL}) {
		t.Errorf("network.portal_url: the template says %q, the check uses %q", got, defaultPortalURL)
	}
}

// TestGatewayPingErrorWorded: why the router could not be pinged is said
// in words, never with the socket call's text (the platform's, in the
// user's language on Windows).
func TestGatewayPingErrorWorded(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&net.OpError{Op: "listen", Net: "ip4:icmp", Err: os.NewSyscallError("socket", syscall.EPERM)}, "not allowed for this user"},
		{&net.OpError{Op: "listen", Net: "ip4:icmp", Err: os.NewSyscallError("socket", syscall.Errno(10013))}, "not allowed for this user"},
		{&net.OpError{Op: "listen", Net: "ip4:icmp", Err: os.NewSyscallError("socket", syscall.EPROTONOSUPPORT)}, "could not send ping"},
		{&net.OpError{Op: "listen", Net: "ip4:icmp", Err: os.NewSyscallError("wsaioctl", syscall.Errno(10045))}, "lacks an operation"},
	} {
		o := observations{Interfaces: []iface{wifiV4}, Routes: gw4, Anchors: anchors(outOK, ""), Portal: ok204,
			Gateway: gatewayProbe{Addr: gw4.V4[0].Gateway, Tried: true, Err: c.err}}
		r := verdict(o)
		var it report.Item
		for _, i := range r.Items {
			if i.Kind == "gateway" {
				it = i
			}
		}
		if it.Status != report.Skipped || !strings.Contains(it.Summary, c.want) || strings.Contains(it.Summary, "socket:") || strings.Contains(it.Summary, "errno") {
			t.Errorf("%v: %+v", c.err, it)
		}
	}
}
