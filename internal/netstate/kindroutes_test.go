package netstate

import (
	"net/netip"
	"testing"

	"github.com/wfh-cli/wfh/internal/winnet"
)

// The routes recognise a tunnel the type does not name, and never turn an
// adapter with a hardware address into one.
func TestRoutedLikeTunnel(t *testing.T) {
	tun := func(addrs ...string) Interface {
		i := Interface{Name: "tun", Kind: KindOther, Up: true}
		for _, a := range addrs {
			i.Addrs = append(i.Addrs, pfx(a))
		}
		return i
	}
	onLink := func(dst string) Route { return Route{Dst: pfx(dst), Interface: "tun"} }
	via := func(dst, gw string) Route {
		return Route{Dst: pfx(dst), Gateway: netip.MustParseAddr(gw), Interface: "tun"}
	}
	withMAC := func(i Interface, kind Kind) Interface { i.MAC, i.Kind = "00:15:5d:01:02:03", kind; return i }
	down := tun("10.202.0.2/32")
	down.Up = false
	p2p := tun("10.202.0.2/24")
	p2p.PointToPoint = true
	teredo := tun("2001:0:4136:e378::1/128")
	teredo.Description = "Teredo Tunneling Pseudo-Interface"
	wifi := tun("10.202.0.2/32")
	wifi.Kind = KindWiFi
	wired := tun("10.202.0.2/32")
	wired.Kind = KindWired
	for _, c := range []struct {
		name   string
		i      Interface
		routes []Route
		want   bool
	}{
		{"split tunnel, /32 address (wireguard-go under Wine)", tun("10.202.0.2/32", "fe80::1/64"), []Route{onLink("10.201.0.0/24")}, true},
		{"full tunnel, /24 address", tun("10.9.0.2/24"), []Route{onLink("10.9.0.0/24"), onLink("0.0.0.0/0")}, true},
		{"full tunnel in halves", tun("10.9.0.2/24"), []Route{onLink("0.0.0.0/1"), onLink("128.0.0.0/1")}, true},
		{"IPv6 full tunnel", tun("fd00:9::2/64"), []Route{onLink("::/0")}, true},
		{"flagged point-to-point", p2p, []Route{onLink("10.201.0.0/24")}, true},
		{"no hardware address, Ethernet type", wired, []Route{onLink("10.201.0.0/24")}, true},
		{"company routes, /24 address: a LAN looks the same", tun("10.202.0.2/24"), []Route{onLink("10.202.0.0/24"), onLink("10.201.0.0/24")}, false},
		{"own subnet, host and broadcast routes only", tun("10.202.0.2/32"), []Route{onLink("10.202.0.2/32"), onLink("255.255.255.255/32"), onLink("224.0.0.0/4"), onLink("fe80::/64")}, false},
		{"routes through a next hop", tun("10.202.0.2/32"), []Route{via("0.0.0.0/0", "10.202.0.1"), via("10.201.0.0/24", "10.202.0.1")}, false},
		{"another interface's routes", tun("10.202.0.2/32"), []Route{{Dst: pfx("0.0.0.0/0"), Interface: "eth0"}}, false},
		{"scoped default (macOS)", tun("10.202.0.2/32"), []Route{{Dst: pfx("0.0.0.0/0"), Interface: "tun", Scoped: true}}, false},
		{"down", down, []Route{onLink("0.0.0.0/0")}, false},
		{"link-local only", tun("fe80::1/64"), []Route{onLink("0.0.0.0/0")}, false},
		{"Teredo", teredo, []Route{onLink("2001::/32")}, false},
		{"already Wi-Fi", wifi, []Route{onLink("0.0.0.0/0")}, false},
		{"wired port with a gateway-less default", withMAC(tun("203.0.113.5/32"), KindWired), []Route{onLink("0.0.0.0/0"), onLink("10.0.0.0/8")}, false},
		{"virtual Ethernet adapter (Hyper-V) with routes", withMAC(tun("172.20.0.1/32"), KindOther), []Route{onLink("0.0.0.0/0")}, false},
	} {
		if got := routedLikeTunnel(c.i, c.routes); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// On the real captures, the routes change no kind: every tunnel there is
// typed or described as one, and every other adapter has a hardware
// address or no route beyond its subnet. Under Wine, a TUN device whose
// name says nothing is recognised by its full tunnel's routes.
func TestWinInterfacesRouteEvidence(t *testing.T) {
	for _, name := range []string{"winapi-vpn-clients.json", "winapi-win10-tailscale-usb-ethernet.json", "winapi-win11-anyconnect-wifi.json",
		"winapi-win11-wifi-ula-temporary.json", "winapi-wine-8.0-netns-wireguard-go.json"} {
		m := loadWin(t, name)
		with, without := winInterfaces(m.Adapters, m.Routes), winInterfaces(m.Adapters, nil)
		for k := range with {
			if with[k].Kind != without[k].Kind {
				t.Errorf("%s: %s (%s) is %s by its routes, %s by its type", name, with[k].Name, with[k].Description, with[k].Kind, without[k].Kind)
			}
		}
	}

	m := loadWin(t, "winapi-wine-8.0-netns-wireguard-go.json")
	for i := range m.Adapters {
		if m.Adapters[i].FriendlyName == "wg9" {
			m.Adapters[i].FriendlyName, m.Adapters[i].Description = "office", "office"
		}
	}
	checkKinds(t, winInterfaces(m.Adapters, nil), map[string]Kind{"office": KindOther, "i23w0": KindWired})
	checkKinds(t, winInterfaces(m.Adapters, m.Routes), map[string]Kind{"office": KindTunnel, "i23w0": KindWired, "lo": KindLoopback})

	// Through the native sources, as a read does: the path is the tunnel,
	// the wired adapter the link beneath.
	cfg := Config{OS: "windows", Native: true, Exec: newCmds(t, map[string]reply{"reg": notInstalled}), FS: mapFS(nil),
		Dialer: &egressDialer{src4: netip.MustParseAddr("10.9.0.2")},
		native: func(tl *tools, text Sources) Sources { return windowsAPISources(tl, m.api(), text) }}
	snap := Start(t.Context(), cfg).Snapshot(t.Context())
	if p := snap.Path; p.Interface != "office" || !p.ViaTunnel() || p.Link != "i23w0" || !p.Wired() {
		t.Errorf("path %+v (problems %+v)", p, snap.Problems)
	}

	// A failed route read leaves the types to decide.
	var calls int
	api := m.api()
	api.Routes = func() ([]winnet.Route, error) { calls++; return nil, winnet.ErrUnsupported }
	r := &winRead{api: api}
	if _, err := r.readRoutes(); err == nil {
		t.Fatal("no error")
	}
	r.readRoutes()
	if calls != 1 {
		t.Errorf("GetIpForwardTable2 called %d times in one read", calls)
	}
}
