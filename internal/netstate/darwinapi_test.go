package netstate

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/internal/darwinnet"
)

const (
	macUp  = darwinnet.IFFUp | darwinnet.IFFRunning | darwinnet.IFFBroadcast | darwinnet.IFFMulticast
	macP2P = darwinnet.IFFUp | darwinnet.IFFRunning | darwinnet.IFFPointToPoint | darwinnet.IFFMulticast
)

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// mojaveLinks is the interface list of macos-ifconfig-1.txt (macOS 10.14)
// as the routing socket gives it; indexes are the link-local scopeids.
var mojaveLinks = []darwinnet.Link{
	{Index: 1, Name: "lo0", Type: darwinnet.IFTLoop, Flags: darwinnet.IFFUp | darwinnet.IFFRunning | darwinnet.IFFLoopback | darwinnet.IFFMulticast, MTU: 16384},
	{Index: 2, Name: "gif0", Type: darwinnet.IFTGIF, Flags: darwinnet.IFFPointToPoint | darwinnet.IFFMulticast, MTU: 1280},
	{Index: 3, Name: "stf0", Type: darwinnet.IFTSTF, MTU: 1280},
	{Index: 4, Name: "XHC1", Type: 0xd}, // USB debug: its type matters not
	{Index: 7, Name: "en5", Type: darwinnet.IFTEther, Flags: macUp, MTU: 1500, MAC: "ac:de:48:00:13:23"},
	{Index: 8, Name: "en0", Type: darwinnet.IFTEther, Flags: macUp, MTU: 1500, MAC: "f0:18:98:03:d9:30"},
	{Index: 9, Name: "p2p0", Type: darwinnet.IFTEther, Flags: macUp, MTU: 2304, MAC: "02:18:98:03:f8:49"},
	{Index: 10, Name: "awdl0", Type: darwinnet.IFTEther, Flags: macUp, MTU: 1484, MAC: "1e:06:52:da:9b:86"},
	{Index: 11, Name: "en1", Type: darwinnet.IFTEther, Flags: macUp, MTU: 1500, MAC: "02:00:31:81:83:05"},
	{Index: 15, Name: "bridge0", Type: darwinnet.IFTBridge, Flags: macUp, MTU: 1500, MAC: "02:00:31:81:94:02"},
	{Index: 16, Name: "utun0", Type: darwinnet.IFTOther, Flags: macP2P, MTU: 2000},
	{Index: 17, Name: "utun1", Type: darwinnet.IFTOther, Flags: macP2P, MTU: 1380},
	{Index: 21, Name: "llw0", Type: darwinnet.IFTEther, Flags: macUp, MTU: 1500, MAC: "1e:06:52:da:9b:87"},
}

var mojaveAddrs = []darwinnet.Addr{
	{Index: 1, Addr: ip("127.0.0.1"), Mask: ip("255.0.0.0")},
	{Index: 1, Addr: ip("::1"), Mask: ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")},
	{Index: 8, Addr: ip("fe80::8b7:1281:7499:b504"), Mask: ip("ffff:ffff:ffff:ffff::")},
	{Index: 8, Addr: ip("192.168.1.72"), Mask: ip("255.255.255.0")},
	{Index: 8, Addr: ip("2600:1700:bab0:d40:bb:9ad:34c5:2e9a"), Mask: ip("ffff:ffff:ffff:ffff::")},
	{Index: 16, Addr: ip("fe80::cec:23d0:8cf7:c88e"), Mask: ip("ffff:ffff:ffff:ffff::")},
}

// getsummary answers `ipconfig getsummary` with the written samples: en0
// is Wi-Fi, en5 wired, en1 fails.
func getsummary(t *testing.T) *fakeCmds {
	return newCmds(t, map[string]reply{
		"ipconfig getsummary en0": {out: readFixture(t, "macos-ipconfig-getsummary-wifi-written.txt")},
		"ipconfig getsummary en5": {out: readFixture(t, "macos-ipconfig-getsummary-ethernet-written.txt")},
		"ipconfig getsummary en1": {err: errExit1},
	})
}

func TestMacInterfacesMojave(t *testing.T) {
	cmds := getsummary(t)
	tl := &tools{cfg: Config{Exec: cmds}, cmds: map[string]*cmdResult{}}
	sums := macSummaries(t.Context(), tl, mojaveLinks)
	if calls := cmds.Calls(); !slices.Equal(calls, []string{"ipconfig getsummary en5", "ipconfig getsummary en0", "ipconfig getsummary en1"}) {
		t.Errorf("asked %q: only the up Ethernet-type links no name decides", calls)
	}
	list := macInterfaces(mojaveLinks, mojaveAddrs, sums)
	checkKinds(t, list, map[string]Kind{
		"lo0": KindLoopback, "gif0": KindOther, "stf0": KindOther, "XHC1": KindOther,
		"en5": KindWired, "en0": KindWiFi, // as getsummary says
		"p2p0": KindOther, "awdl0": KindOther, "llw0": KindOther, // Apple's peer links are never Wi-Fi
		"en1":     KindOther, // getsummary failed: unknown, not guessed from the name
		"bridge0": KindOther, "utun0": KindTunnel, "utun1": KindTunnel,
	})
	en0 := ifaceByName(t, list, "en0")
	if !en0.Up || en0.PointToPoint || en0.Index != 8 || en0.MAC != "f0:18:98:03:d9:30" ||
		!slices.Equal(en0.Addrs, []netip.Prefix{pfx("fe80::8b7:1281:7499:b504/64"), pfx("192.168.1.72/24"), pfx("2600:1700:bab0:d40:bb:9ad:34c5:2e9a/64")}) {
		t.Errorf("en0: %+v", en0)
	}
	if lo := list[0]; !lo.Loopback || !slices.Equal(lo.Addrs, []netip.Prefix{pfx("127.0.0.1/8"), pfx("::1/128")}) {
		t.Errorf("lo0: %+v", lo)
	}
	if u := ifaceByName(t, list, "utun0"); !u.PointToPoint || u.Usable() {
		t.Errorf("the system's utun0 has a link-local address only: %+v", u)
	}
	// A cancelled read asks nothing.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if got := macSummaries(ctx, tl, mojaveLinks); len(got) != 0 {
		t.Errorf("%v", got)
	}
}

func TestMacKind(t *testing.T) {
	for _, c := range []struct {
		l    macLink
		want Kind
		ok   bool
	}{
		{macLink{Name: "ipsec0", IFT: darwinnet.IFTOther, PointToPoint: true}, KindTunnel, true},
		{macLink{Name: "ppp0", IFT: darwinnet.IFTPPP, PointToPoint: true}, KindTunnel, true},
		{macLink{Name: "ppp1", IFT: darwinnet.IFTOther}, KindTunnel, true},
		{macLink{Name: "tun0", IFT: darwinnet.IFTOther, PointToPoint: true}, KindTunnel, true},
		{macLink{Name: "zt0", IFT: darwinnet.IFTOther, PointToPoint: true}, KindTunnel, true}, // point-to-point: a tunnel whatever its name
		{macLink{Name: "tunnelbroker", IFT: darwinnet.IFTEther}, KindOther, false},
		{macLink{Name: "anpi0", IFT: darwinnet.IFTEther}, KindOther, true},
		{macLink{Name: "ap1", IFT: darwinnet.IFTEther, Type: "Wi-Fi"}, KindOther, true}, // the hotspot's access point
		{macLink{Name: "awdl0", IFT: darwinnet.IFTEther, Type: "WiFi"}, KindOther, true},
		{macLink{Name: "llw0", IFT: -1, Type: "Wi-Fi"}, KindOther, true},
		{macLink{Name: "vmenet0", IFT: darwinnet.IFTEther}, KindOther, true},
		{macLink{Name: "pdp_ip0", IFT: darwinnet.IFTCellular}, KindOther, true},
		{macLink{Name: "vlan0", IFT: darwinnet.IFTL2VLAN}, KindWired, true},
		{macLink{Name: "bond0", IFT: darwinnet.IFTBond}, KindWired, true},
		{macLink{Name: "en7", IFT: darwinnet.IFTIEEE80211}, KindWiFi, true},
		{macLink{Name: "en8", IFT: darwinnet.IFTEther, Type: "Cellular"}, KindOther, true},
		{macLink{Name: "en0", IFT: darwinnet.IFTEther}, KindOther, false},
		// ifconfig's blocks: the functional type, else the name.
		{macLink{Name: "en0", IFT: -1, Type: "Wi-Fi"}, KindWiFi, true},
		{macLink{Name: "en5", IFT: -1, Type: "Ethernet"}, KindWired, true},
		{macLink{Name: "en0", IFT: -1}, KindWired, false},
		{macLink{Name: "lo0", IFT: -1, Loopback: true}, KindLoopback, true},
	} {
		if got, ok := macKind(c.l); got != c.want || ok != c.ok {
			t.Errorf("%+v: %s %v, want %s %v", c.l, got, ok, c.want, c.ok)
		}
	}
}

func TestParseIpconfigSummary(t *testing.T) {
	nested := "<dictionary> {\n  IPv4 : <array> {\n    0 : <dictionary> {\n      InterfaceType : Ethernet\n    }\n  }\n  InterfaceType : WiFi\n  LinkStatusActive : FALSE\n}\n"
	for in, want := range map[string]macSummary{
		nested: {Type: "WiFi", Inactive: true},
		readFixture(t, "macos-ipconfig-getsummary-wifi-written.txt"):     {Type: "WiFi"},
		readFixture(t, "macos-ipconfig-getsummary-ethernet-written.txt"): {Type: "Ethernet"},
		"<dictionary> {\r\n  InterfaceType : Ethernet\r\n}\r\n":          {Type: "Ethernet"},
		"":                                      {},
		"ipconfig: getsummary en9 failed\n":     {},
		"<dictionary> {\n  InterfaceType : \n}": {},
		"InterfaceType : WiFi\n":                {}, // outside any dictionary
		"<dictionary> {\n  InterfaceType : <array> {\n  }\n}": {},
	} {
		if got := parseIpconfigSummary(in); got != want {
			t.Errorf("%q: %+v, want %+v", in, got, want)
		}
	}
}

func FuzzParseIpconfigSummary(f *testing.F) {
	f.Add(readFixture(f, "macos-ipconfig-getsummary-wifi-written.txt"))
	f.Add(readFixture(f, "macos-ipconfig-getsummary-ethernet-written.txt"))
	f.Add("<dictionary> {\n}\n}\n}\n  InterfaceType : WiFi\n")
	f.Fuzz(func(t *testing.T, s string) {
		got := parseIpconfigSummary(s)
		if strings.ContainsAny(got.Type, " {}<>\n\x1b") || len(got.Type) > 32 {
			t.Fatalf("%q from %q", got.Type, s)
		}
	})
}

// vpnRoutes is the IPv4 and IPv6 table of a Mac on Wi-Fi (en0, index 8)
// with an OpenVPN-style full tunnel on utun3 (index 19), as
// macos-netstat-rn-*.txt show them: a primary default and a scoped one
// per service, a scoped IPv6 default via the system's utun0, neighbour
// entries, the tunnel's halves and its server's host route.
var vpnRoutes = []darwinnet.RouteMsg{
	{Flags: darwinnet.RTFUp | darwinnet.RTFGateway | darwinnet.RTFStatic | darwinnet.RTFGlobal, Index: 8, Dst: ip("0.0.0.0"), Mask: ip("0.0.0.0"), Gateway: ip("192.168.1.1")},
	{Flags: darwinnet.RTFUp | darwinnet.RTFGateway | darwinnet.RTFStatic | darwinnet.RTFIfScope | darwinnet.RTFGlobal, Index: 8, Dst: ip("0.0.0.0"), Mask: ip("0.0.0.0"), Gateway: ip("192.168.1.1")},
	{Flags: darwinnet.RTFUp | darwinnet.RTFGateway | darwinnet.RTFStatic | darwinnet.RTFIfScope, Index: 19, Dst: ip("0.0.0.0"), Mask: ip("0.0.0.0"), Gateway: ip("10.8.0.1")},
	{Flags: darwinnet.RTFUp | darwinnet.RTFGateway | darwinnet.RTFStatic, Index: 19, Dst: ip("0.0.0.0"), Mask: ip("128.0.0.0"), Gateway: ip("10.8.0.1")},
	{Flags: darwinnet.RTFUp | darwinnet.RTFGateway | darwinnet.RTFStatic, Index: 19, Dst: ip("128.0.0.0"), Mask: ip("128.0.0.0"), Gateway: ip("10.8.0.1")},
	{Flags: darwinnet.RTFUp | darwinnet.RTFGateway | darwinnet.RTFStatic | darwinnet.RTFHost, Index: 8, Dst: ip("198.51.100.7"), Gateway: ip("192.168.1.1")},
	{Flags: darwinnet.RTFUp | darwinnet.RTFStatic, Index: 8, Dst: ip("192.168.1.0"), Mask: ip("255.255.255.0")},
	{Flags: darwinnet.RTFUp | darwinnet.RTFHost | darwinnet.RTFLLInfo | darwinnet.RTFWasCloned, Index: 8, Dst: ip("192.168.1.1"), GatewayMAC: "a4:91:b1:2e:7f:10"},
	{Flags: darwinnet.RTFUp | darwinnet.RTFHost, Index: 1, Dst: ip("127.0.0.1"), Gateway: ip("127.0.0.1")},
	{Flags: darwinnet.RTFUp | darwinnet.RTFGateway | darwinnet.RTFIfScope, Index: 16, Dst: ip("::"), Mask: ip("::"), Gateway: ip("fe80::")},
	{Flags: darwinnet.RTFUp | darwinnet.RTFGateway, Index: 8, Dst: ip("::"), Mask: ip("::"), Gateway: ip("fe80::a691:b1ff:fe2e:7f10")},
	{Flags: darwinnet.RTFUp | darwinnet.RTFStatic, Index: 19, Dst: ip("fd00:8::"), Mask: ip("ffff:ffff:ffff:ffff::")},
	{Flags: darwinnet.RTFUp | darwinnet.RTFReject, Index: 1, Dst: ip("0.0.0.0"), Mask: ip("0.0.0.0")},
	{Flags: darwinnet.RTFGateway, Index: 8, Dst: ip("10.99.0.0"), Mask: ip("255.255.0.0"), Gateway: ip("192.168.1.1")}, // not up
	{Flags: darwinnet.RTFUp, Index: 77, Dst: ip("172.16.0.0"), Mask: ip("255.240.0.0")},
}

var vpnLinks = append(slices.Clone(mojaveLinks), darwinnet.Link{Index: 19, Name: "utun3", Type: darwinnet.IFTOther, Flags: macP2P, MTU: 1500})

func TestMacRoutesScopedNeverDefault(t *testing.T) {
	rt := macRoutes(vpnRoutes, vpnLinks)
	if n := len(rt.V4) + len(rt.V6); n != len(vpnRoutes)-3 {
		t.Fatalf("the neighbour entry, the reject route and the route that is down are left out: %+v", rt)
	}
	if got := defaultsOf(rt.Defaults4()); !slices.Equal(got, []string{"en0 192.168.1.1 0"}) {
		t.Errorf("IPv4 defaults %q: the scoped ones are not the machine's", got)
	}
	if got := defaultsOf(rt.Defaults6()); !slices.Equal(got, []string{"en0 fe80::a691:b1ff:fe2e:7f10 1"}) {
		t.Errorf("IPv6 defaults %q: utun0's scoped default is not the machine's", got)
	}
	var scoped []string
	for _, r := range append(slices.Clone(rt.V4), rt.V6...) {
		if r.Scoped {
			scoped = append(scoped, r.Dst.String()+" "+r.Interface)
		}
	}
	if !slices.Equal(scoped, []string{"0.0.0.0/0 en0", "0.0.0.0/0 utun3", "::/0 utun0"}) {
		t.Errorf("scoped %q", scoped)
	}
	for dst, want := range map[string]string{
		"0.0.0.0/1": "utun3 10.8.0.1", "128.0.0.0/1": "utun3 10.8.0.1", "198.51.100.7/32": "en0 192.168.1.1",
		"192.168.1.0/24": "en0 invalid IP", "fd00:8::/64": "utun3 invalid IP", "172.16.0.0/12": "if77 invalid IP",
	} {
		rs := rt.V4
		if strings.Contains(dst, ":") {
			rs = rt.V6
		}
		if r, ok := find(rs, dst); !ok || r.Interface+" "+r.Gateway.String() != want {
			t.Errorf("%s: %+v, want %s", dst, r, want)
		}
	}
	// Without a kernel to ask, the half routes are not the default path:
	// the unscoped default is (the kernel's answer wins on a real Mac).
	p := choosePath(macInterfaces(vpnLinks, mojaveAddrs, map[string]macSummary{"en0": {Type: "WiFi"}}), rt, netip.Addr{}, netip.Addr{})
	if p.Interface != "en0" || !p.OnWiFi() || p.Router != ip("192.168.1.1") {
		t.Errorf("path %+v", p)
	}
}

func TestMacPrefixLen(t *testing.T) {
	for _, c := range []struct {
		addr, mask string
		want       int
	}{
		{"10.0.0.1", "255.0.0.0", 8},
		{"10.0.0.1", "255.255.255.255", 32},
		{"10.0.0.1", "0.0.0.0", 0},
		{"10.0.0.1", "255.0.255.0", 32},   // not contiguous
		{"10.0.0.1", "255.255.254.0", 23}, // a partial byte
		{"10.0.0.1", "255.254.1.0", 32},   // a stray bit after the cut
		{"fe80::1", "ffff:ffff:ffff:ffff::", 64},
		{"fe80::1", "255.255.0.0", 128}, // the other family
		{"2001:db8::1", "::", 0},
	} {
		if got := macPrefixLen(ip(c.addr), ip(c.mask)); got != c.want {
			t.Errorf("%s/%s: %d, want %d", c.addr, c.mask, got, c.want)
		}
	}
	if got := macPrefixLen(ip("10.0.0.1"), netip.Addr{}); got != 32 {
		t.Errorf("no mask: %d", got)
	}
}

func FuzzMacRoutes(f *testing.F) {
	f.Add(uint32(darwinnet.RTFUp|darwinnet.RTFGateway), []byte{10, 0, 0, 0}, []byte{255, 0, 0, 0}, []byte{10, 0, 0, 1})
	f.Add(uint32(darwinnet.RTFUp|darwinnet.RTFIfScope), make([]byte, 16), make([]byte, 16), []byte{0xfe, 0x80, 15: 1})
	f.Fuzz(func(t *testing.T, flags uint32, dst, mask, gw []byte) {
		m := darwinnet.RouteMsg{Flags: int(flags), Index: 8}
		m.Dst, _ = netip.AddrFromSlice(dst)
		m.Mask, _ = netip.AddrFromSlice(mask)
		m.Gateway, _ = netip.AddrFromSlice(gw)
		rt := macRoutes([]darwinnet.RouteMsg{m}, mojaveLinks)
		for _, r := range append(rt.V4, rt.V6...) {
			if !r.Dst.IsValid() || r.Dst.Masked() != r.Dst || r.Interface == "" {
				t.Fatalf("bad route %+v from %+v", r, m)
			}
			if r.Scoped && r.Default() {
				t.Fatalf("a scoped route taken as default: %+v", r)
			}
		}
	})
}

// TestDarwinNativeSources reads a whole snapshot the way a Mac does, on any
// OS: the routing socket's values in front of the text sources, getsummary
// asked for the en* links, scutil for DNS and the proxy; then the routing
// socket fails and ifconfig and netstat answer, and the snapshot says so.
func TestDarwinNativeSources(t *testing.T) {
	api := macAPI{
		Links: func() ([]darwinnet.Link, []darwinnet.Addr, error) {
			return slices.Clone(vpnLinks), slices.Clone(mojaveAddrs), nil
		},
		Routes: func() ([]darwinnet.RouteMsg, error) { return slices.Clone(vpnRoutes), nil },
	}
	cmds := getsummary(t)
	cmds.replies["scutil --dns"] = reply{out: readFixture(t, "macos-scutil-dns-vpn-synthetic.txt")}
	cmds.replies["scutil --proxy"] = reply{out: readFixture(t, "macos-scutil-proxy-none-synthetic.txt")}
	cfg := Config{OS: "darwin", FS: mapFS(nil), Exec: cmds, Native: true,
		Dialer: &egressDialer{src4: ip("192.168.1.72")},
		native: func(t *tools, text Sources) Sources { return darwinAPISources(t, api, text) }}
	snap := Start(t.Context(), cfg).Snapshot(t.Context())
	if len(snap.Problems) != 0 {
		t.Fatalf("problems %+v", snap.Problems)
	}
	if p := snap.Path; p.Interface != "en0" || !p.OnWiFi() || p.Router != ip("192.168.1.1") || !p.FromKernel {
		t.Errorf("path %+v", p)
	}
	for _, c := range cmds.Calls() {
		if strings.HasPrefix(c, "ifconfig -a") || strings.HasPrefix(c, "netstat") {
			t.Errorf("ran %q although the routing socket answered", c)
		}
	}
	want := []Origin{{Part: PartInterfaces, Via: "routing socket and ipconfig getsummary"}, {Part: PartRoutes, Via: "routing socket"}}
	if !slices.Equal(snap.Origins, want) {
		t.Errorf("origins %+v", snap.Origins)
	}

	api.Links = func() ([]darwinnet.Link, []darwinnet.Addr, error) {
		return nil, nil, errors.New("routing socket interface list: operation not permitted")
	}
	api.Routes = func() ([]darwinnet.RouteMsg, error) {
		return nil, errors.New("routing socket route dump: operation not permitted")
	}
	cmds.replies["ifconfig -a -v"] = reply{out: readFixture(t, "macos-ifconfig-v-synthetic.txt")}
	cmds.replies["netstat -rn"] = reply{out: readFixture(t, "macos-netstat-rn-synthetic.txt")}
	snap = Start(t.Context(), cfg).Snapshot(t.Context())
	if len(snap.Problems) != 0 {
		t.Fatalf("problems %+v", snap.Problems)
	}
	if p := snap.Path; p.Interface != "en0" || !p.OnWiFi() {
		t.Errorf("path from the text sources %+v", p)
	}
	var fell []string
	for _, o := range snap.Origins {
		if o.FellBack() && o.Failed == "the routing socket" && strings.Contains(o.Detail, "operation not permitted") {
			fell = append(fell, string(o.Part)+" from "+o.Via)
		}
	}
	if !slices.Equal(fell, []string{"interfaces from ifconfig -a -v", "routes from netstat -rn"}) {
		t.Errorf("origins %+v", snap.Origins)
	}
}
