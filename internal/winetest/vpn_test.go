package winetest_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/winetest"
	"github.com/wfh-cli/wfh/report"
)

// The vpn check of wfh.exe under Wine, with a real WireGuard VPN built out
// of namespaces, as checks/vpn's lab tests build it for the Linux binary:
//
//	home ── router ── gw ══ company
//	  ╚══════ WireGuard ══════╝
//
// home reaches the VPN gateway gw (10.200.2.1:51820) over the router; the
// company network (10.201.0.0/24: a web server and the DNS server of
// corp.test) is behind gw and reachable only through the tunnel (the
// router answers "unreachable" for it, as a provider does for private
// addresses). Wine sees home's wireguard-go device as an adapter of type
// "other" with no hardware address and a name that says nothing ("wfh"
// and hex digits): netstate recognises it by its routes (a /32 address,
// the company's prefix on the link). Wine's PATH has no wg, so the
// verdict rests on what came back through the tunnel.

const (
	vpnCompanyIPv4 = "10.201.0.2"
	vpnCompanyName = "intranet.corp.test"
	vpnGatewayPort = netlab.WireGuardPort
)

// wineVPNLab is the VPN network with a Wine prefix in home.
type wineVPNLab struct {
	home, gw     *netlab.NS
	homeWG, gwWG *netlab.WireGuard
	prefix       *winetest.Prefix
	dir          string
}

func newWineVPNLab(t *testing.T) *wineVPNLab {
	t.Helper()
	lab := netlab.New(t)
	winetest.Require(t)
	netlab.NeedWireGuard(t)
	hops := lab.Chain("home", "router", "gw")
	v := &wineVPNLab{home: hops[0].NS, gw: hops[2].NS, dir: t.TempDir()}
	router, corp := hops[1].NS, lab.Namespace("company")
	lab.Link(v.gw, []string{"10.201.0.1/24"}, corp, []string{vpnCompanyIPv4 + "/24"})
	corp.Route("default", "10.201.0.1")
	v.gw.Forwarding()
	router.Run("ip", "route", "add", "unreachable", "10.201.0.0/24")

	homeKey, gwKey := netlab.NewWireGuardKey(t), netlab.NewWireGuardKey(t)
	// Named "wfh" and hex digits: a name that says nothing about a VPN.
	v.homeWG = v.home.StartWireGuard(netlab.WireGuardName(t, "wfh"))
	v.gwWG = v.gw.StartWireGuard(netlab.WireGuardName(t, "wfh"))
	v.gwWG.Configure(netlab.WireGuardConfig{Key: gwKey, ListenPort: vpnGatewayPort, PeerPublic: homeKey.Public,
		AllowedIPs: "10.202.0.2/32", Address: "10.202.0.1/24"})
	v.homeWG.Configure(netlab.WireGuardConfig{Key: homeKey, ListenPort: vpnGatewayPort, PeerPublic: gwKey.Public,
		Endpoint:   netlab.ServerIPv4 + ":" + strconv.Itoa(vpnGatewayPort),
		AllowedIPs: "10.201.0.0/24,10.202.0.1/32", Address: "10.202.0.2/32", Routes: []string{"10.201.0.0/24"}})

	// The company's web server and DNS server; home asks the company's
	// DNS server, as a VPN client sets it.
	corp.ServeHTTP(vpnCompanyIPv4+":8080", http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(rw, "intranet")
	}))
	serveCompanyDNS(t, corp)
	v.home.ResolvConf("nameserver " + vpnCompanyIPv4 + "\n")

	profile := fmt.Sprintf("name: wine vpn lab\nvpn:\n  gateway: \"%s:%d\"\n  gateway_type: udp-silent\n  targets:\n    - http://%s:8080/\n    - \"%s:8080\"\n"+
		"dns:\n  company_names:\n    - name: %s\n      vpn_only: true\n", netlab.ServerIPv4, vpnGatewayPort, vpnCompanyName, vpnCompanyIPv4, vpnCompanyName)
	if err := os.WriteFile(filepath.Join(v.dir, "vpn.yaml"), []byte(profile), 0o644); err != nil {
		t.Fatal(err)
	}
	v.prefix = winetest.NewPrefix(t, v.home)
	return v
}

func (v *wineVPNLab) profile() string { return winetest.WinPath(filepath.Join(v.dir, "vpn.yaml")) }

// serveCompanyDNS answers corp.test names with the web server's address,
// over UDP and TCP.
func serveCompanyDNS(t *testing.T, ns *netlab.NS) {
	t.Helper()
	mux := dns.NewServeMux()
	mux.HandleFunc("corp.test.", func(rw dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			if question.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A: net.ParseIP(vpnCompanyIPv4)})
			}
		}
		_ = rw.WriteMsg(m)
	})
	pc, err := ns.ListenPacket("udp", net.JoinHostPort(vpnCompanyIPv4, "53"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := ns.Listen("tcp", net.JoinHostPort(vpnCompanyIPv4, "53"))
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: mux}, {Listener: ln, Handler: mux}} {
		go func() { _ = srv.ActivateAndServe() }()
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
}

// The verdict words of the vpn_state fact (docs/checks.md).
const (
	vpnConnected = "connected"
	vpnNoTraffic = "connected, not passing traffic"
)

// TestWfhExeVPN: wfh.exe's vpn check sees the live tunnel as connected,
// with the company services answering through it, then, once the far
// end's wireguard-go is stopped (home keeps its interface and route), as
// connected but not passing traffic.
func TestWfhExeVPN(t *testing.T) {
	v := newWineVPNLab(t)

	rep, _ := doctor(t, v.prefix, 2*time.Minute, "--only", "vpn", "--profile", v.profile(), "--no-redact")
	live := result(t, rep, "vpn")
	t.Logf("live tunnel: %s: %s", live.Status, live.Summary)
	if live.Status != report.Pass || live.Facts["vpn_state"] != vpnConnected || live.Facts["tunnel_interface"] != v.homeWG.Name {
		t.Errorf("live tunnel: %s, vpn_state %q, tunnel %q: %s\nfindings %+v", live.Status, live.Facts["vpn_state"], live.Facts["tunnel_interface"], live.Summary, live.Findings)
	}
	if live.Facts["tunnel_mode"] != "split" || !strings.Contains(live.Facts["tunnel_routes"], "10.201.0.0/24") {
		t.Errorf("live tunnel: facts %v", live.Facts)
	}
	for _, label := range []string{"http://" + vpnCompanyName + ":8080/", vpnCompanyIPv4 + ":8080"} {
		it, ok := vpnItem(live, "vpn_target", label)
		if !ok || it.Status != report.Pass || it.Attributes["interface"] != v.homeWG.Name {
			t.Errorf("target %s through the tunnel: %+v", label, it)
		}
	}
	if it, ok := vpnItem(live, "vpn_only_name", vpnCompanyName); !ok || it.Status != report.Pass {
		t.Errorf("the company name on the VPN: %+v", it)
	}

	// Dead: the gateway's WireGuard stops; home keeps its interface and
	// route, and what it sends into the tunnel goes nowhere.
	v.gwWG.Stop()
	rep, _ = doctor(t, v.prefix, 2*time.Minute, "--only", "vpn", "--profile", v.profile(), "--no-redact")
	dead := result(t, rep, "vpn")
	t.Logf("dead tunnel: %s: %s", dead.Status, dead.Summary)
	if dead.Status != report.Fail || dead.Facts["vpn_state"] != vpnNoTraffic || dead.Facts["tunnel_interface"] != v.homeWG.Name {
		t.Errorf("dead tunnel: %s, vpn_state %q, tunnel %q: %s\nfindings %+v", dead.Status, dead.Facts["vpn_state"], dead.Facts["tunnel_interface"], dead.Summary, dead.Findings)
	}
	if !hasFix(dead, "Disconnect the VPN and connect again") {
		t.Errorf("dead tunnel: findings %+v", dead.Findings)
	}
}

func vpnItem(res report.Result, kind, label string) (report.Item, bool) {
	for _, it := range res.Items {
		if it.Kind == kind && it.Label == label {
			return it, true
		}
	}
	return report.Item{}, false
}

func hasFix(res report.Result, s string) bool {
	for _, f := range res.Findings {
		if strings.Contains(f.Fix, s) {
			return true
		}
	}
	return false
}
