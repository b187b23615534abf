package darwinnet

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func addr(s string) netip.Addr     { return netip.MustParseAddr(s) }
func prefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

const (
	upRunning  = IFFUp | IFFRunning | IFFBroadcast | IFFMulticast
	pointToPnt = IFFUp | IFFRunning | IFFPointToPoint | IFFMulticast
)

// mojaveLinks is the interface list of ifconfig-1.txt (macOS 10.14), as
// the routing socket gives it; indexes are the link-local scopeids.
var mojaveLinks = []Link{
	{Index: 1, Name: "lo0", Type: IFTLoop, Flags: IFFUp | IFFRunning | IFFLoopback | IFFMulticast, MTU: 16384},
	{Index: 2, Name: "gif0", Type: IFTGIF, Flags: IFFPointToPoint | IFFMulticast, MTU: 1280},
	{Index: 3, Name: "stf0", Type: IFTSTF, MTU: 1280},
	{Index: 4, Name: "XHC1", Type: 0xff - 0xf2}, // USB debug: its type matters not
	{Index: 7, Name: "en5", Type: IFTEther, Flags: upRunning, MTU: 1500, MAC: "ac:de:48:00:13:23"},
	{Index: 8, Name: "en0", Type: IFTEther, Flags: upRunning, MTU: 1500, MAC: "f0:18:98:03:d9:30"},
	{Index: 9, Name: "p2p0", Type: IFTEther, Flags: upRunning, MTU: 2304, MAC: "02:18:98:03:f8:49"},
	{Index: 10, Name: "awdl0", Type: IFTEther, Flags: upRunning, MTU: 1484, MAC: "1e:06:52:da:9b:86"},
	{Index: 11, Name: "en1", Type: IFTEther, Flags: upRunning, MTU: 1500, MAC: "02:00:31:81:83:05"},
	{Index: 15, Name: "bridge0", Type: IFTBridge, Flags: upRunning, MTU: 1500, MAC: "02:00:31:81:94:02"},
	{Index: 16, Name: "utun0", Type: IFTOther, Flags: pointToPnt, MTU: 2000},
	{Index: 17, Name: "utun1", Type: IFTOther, Flags: pointToPnt, MTU: 1380},
	{Index: 21, Name: "llw0", Type: IFTEther, Flags: upRunning, MTU: 1500, MAC: "1e:06:52:da:9b:87"},
}

var mojaveAddrs = []Addr{
	{Index: 1, Addr: addr("127.0.0.1"), Mask: addr("255.0.0.0")},
	{Index: 1, Addr: addr("::1"), Mask: addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")},
	{Index: 8, Addr: addr("fe80::8b7:1281:7499:b504"), Mask: addr("ffff:ffff:ffff:ffff::")},
	{Index: 8, Addr: addr("192.168.1.72"), Mask: addr("255.255.255.0")},
	{Index: 8, Addr: addr("2600:1700:bab0:d40:bb:9ad:34c5:2e9a"), Mask: addr("ffff:ffff:ffff:ffff::")},
	{Index: 16, Addr: addr("fe80::cec:23d0:8cf7:c88e"), Mask: addr("ffff:ffff:ffff:ffff::")},
}

func TestInterfacesMojave(t *testing.T) {
	types := map[string]string{"en0": "WiFi", "en5": "Ethernet"}
	ifs := Interfaces(mojaveLinks, mojaveAddrs, types)
	want := map[string]struct {
		kind Kind
		from string
	}{
		"lo0":     {KindLoopback, "type"},
		"gif0":    {KindOther, "type"},
		"stf0":    {KindOther, "type"},
		"XHC1":    {KindOther, "name"},
		"en5":     {KindWired, "ipconfig getsummary"},
		"en0":     {KindWiFi, "ipconfig getsummary"},
		"p2p0":    {KindOther, "name"},
		"awdl0":   {KindOther, "name"},
		"llw0":    {KindOther, "name"},
		"en1":     {KindOther, "not asked"},
		"bridge0": {KindOther, "type"},
		"utun0":   {KindTunnel, "name"},
		"utun1":   {KindTunnel, "name"},
	}
	for _, i := range ifs {
		w, ok := want[i.Name]
		if !ok {
			t.Errorf("unexpected interface %+v", i)
			continue
		}
		if i.Kind != w.kind || i.KindFrom != w.from {
			t.Errorf("%s: %s from %s, want %s from %s", i.Name, i.Kind, i.KindFrom, w.kind, w.from)
		}
	}
	en0 := ifs[slices.IndexFunc(ifs, func(i Interface) bool { return i.Name == "en0" })]
	if !en0.Up || en0.PointToPoint || !slices.Equal(en0.Addrs, []netip.Prefix{prefix("fe80::8b7:1281:7499:b504/64"), prefix("192.168.1.72/24"), prefix("2600:1700:bab0:d40:bb:9ad:34c5:2e9a/64")}) {
		t.Errorf("en0: %+v", en0)
	}
	lo := ifs[0]
	if !slices.Equal(lo.Addrs, []netip.Prefix{prefix("127.0.0.1/8"), prefix("::1/128")}) {
		t.Errorf("lo0 addresses %v", lo.Addrs)
	}
}

func TestAWDLNeverWiFi(t *testing.T) {
	// Even where something calls awdl0 Wi-Fi, it is a peer link.
	types := map[string]string{"awdl0": "WiFi", "llw0": "WiFi"}
	for _, name := range []string{"awdl0", "llw0"} {
		if k, _ := Classify(Link{Name: name, Type: IFTEther, Flags: upRunning}, types); k == KindWiFi {
			t.Errorf("%s classified as Wi-Fi", name)
		}
	}
}

func TestClassifyTunnelsAndOthers(t *testing.T) {
	cases := []struct {
		l    Link
		kind Kind
	}{
		{Link{Name: "ipsec0", Type: IFTOther, Flags: pointToPnt}, KindTunnel},
		{Link{Name: "ppp0", Type: IFTPPP, Flags: pointToPnt}, KindTunnel},
		{Link{Name: "ppp1", Type: IFTOther}, KindTunnel},
		{Link{Name: "tun0", Type: IFTOther, Flags: pointToPnt}, KindTunnel},
		{Link{Name: "zt0", Type: IFTOther, Flags: pointToPnt}, KindTunnel}, // point-to-point: a tunnel whatever its name
		{Link{Name: "tunnelbroker", Type: IFTEther, Flags: upRunning}, KindOther},
		{Link{Name: "anpi0", Type: IFTEther, Flags: upRunning}, KindOther},
		{Link{Name: "ap1", Type: IFTEther, Flags: upRunning}, KindOther},
		{Link{Name: "vmenet0", Type: IFTEther, Flags: upRunning}, KindOther},
		{Link{Name: "pdp_ip0", Type: IFTCellular, Flags: upRunning}, KindOther},
		{Link{Name: "vlan0", Type: IFTL2VLAN, Flags: upRunning}, KindWired},
		{Link{Name: "bond0", Type: IFTBond, Flags: upRunning}, KindWired},
		{Link{Name: "en7", Type: IFTIEEE80211, Flags: upRunning}, KindWiFi},
	}
	for _, c := range cases {
		if k, from := Classify(c.l, nil); k != c.kind {
			t.Errorf("%s type %#x: %s (%s), want %s", c.l.Name, c.l.Type, k, from, c.kind)
		}
	}
	if k, from := Classify(Link{Name: "en8", Type: IFTEther, Flags: upRunning}, map[string]string{"en8": "Cellular"}); k != KindOther || from != "ipconfig getsummary" {
		t.Errorf("a type the table does not know: %s %s", k, from)
	}
}

func TestNeedsTypeAndTypesOf(t *testing.T) {
	var asked []string
	run := func(ctx context.Context, name string, args ...string) ([]byte, error) {
		if name != "ipconfig" || len(args) != 2 || args[0] != "getsummary" {
			t.Errorf("ran %s %v", name, args)
		}
		asked = append(asked, args[1])
		switch args[1] {
		case "en0":
			return os.ReadFile("testdata/ipconfig-getsummary-wifi-written.txt")
		case "en5":
			return os.ReadFile("testdata/ipconfig-getsummary-ethernet-written.txt")
		}
		return nil, errors.New("exit status 1")
	}
	types := TypesOf(context.Background(), run, mojaveLinks)
	if !slices.Equal(asked, []string{"en5", "en0", "en1"}) {
		t.Errorf("asked %v: only up Ethernet-type en* links need asking", asked)
	}
	if len(types) != 2 || types["en0"] != "WiFi" || types["en5"] != "Ethernet" {
		t.Errorf("types %v", types)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	asked = nil
	if got := TypesOf(ctx, run, mojaveLinks); len(got) != 0 || len(asked) != 0 {
		t.Errorf("a cancelled run asks nothing: %v %v", got, asked)
	}
	if NeedsType(Link{Name: "en3", Type: IFTEther}) {
		t.Error("a down link needs no asking")
	}
}

func TestParseSummaryType(t *testing.T) {
	nested := "<dictionary> {\n  IPv4 : <array> {\n    0 : <dictionary> {\n      InterfaceType : Ethernet\n    }\n  }\n  InterfaceType : WiFi\n}\n"
	for in, want := range map[string]string{
		nested: "WiFi",
		"<dictionary> {\r\n  InterfaceType : Ethernet\r\n}\r\n": "Ethernet",
		"":                                      "",
		"ipconfig: getsummary en9 failed\n":     "",
		"<dictionary> {\n  InterfaceType : \n}": "",
		"InterfaceType : WiFi\n":                "", // outside any dictionary
		"<dictionary> {\n  InterfaceType : <array> {\n  }\n}": "",
	} {
		if got := ParseSummaryType(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// vpnRoutes is an IPv4 and IPv6 table of a Mac on Wi-Fi (en0, index 8)
// with an OpenVPN-style full tunnel on utun3 (index 19), as
// macos-netstat-rn-*.txt show them: a primary default and a scoped one
// per service, a scoped IPv6 default via the system's utun0, neighbour
// entries, the tunnel's halves and its server's host route.
var vpnRoutes = []RouteMsg{
	{Flags: RTFUp | RTFGateway | RTFStatic | RTFGlobal, Index: 8, Dst: addr("0.0.0.0"), Mask: addr("0.0.0.0"), Gateway: addr("192.168.1.1")},
	{Flags: RTFUp | RTFGateway | RTFStatic | RTFIfScope | RTFGlobal, Index: 8, Dst: addr("0.0.0.0"), Mask: addr("0.0.0.0"), Gateway: addr("192.168.1.1")},
	{Flags: RTFUp | RTFGateway | RTFStatic | RTFIfScope, Index: 19, Dst: addr("0.0.0.0"), Mask: addr("0.0.0.0"), Gateway: addr("10.8.0.1")},
	{Flags: RTFUp | RTFGateway | RTFStatic, Index: 19, Dst: addr("0.0.0.0"), Mask: addr("128.0.0.0"), Gateway: addr("10.8.0.1")},
	{Flags: RTFUp | RTFGateway | RTFStatic, Index: 19, Dst: addr("128.0.0.0"), Mask: addr("128.0.0.0"), Gateway: addr("10.8.0.1")},
	{Flags: RTFUp | RTFGateway | RTFStatic | RTFHost, Index: 8, Dst: addr("198.51.100.7"), Gateway: addr("192.168.1.1")},
	{Flags: RTFUp | RTFStatic, Index: 8, Dst: addr("192.168.1.0"), Mask: addr("255.255.255.0")},
	{Flags: RTFUp | RTFHost | RTFLLInfo | RTFWasCloned, Index: 8, Dst: addr("192.168.1.1"), GatewayMAC: "a4:91:b1:2e:7f:10"},
	{Flags: RTFUp | RTFHost, Index: 1, Dst: addr("127.0.0.1"), Gateway: addr("127.0.0.1")},
	{Flags: RTFUp | RTFGateway | RTFIfScope, Index: 16, Dst: addr("::"), Mask: addr("::"), Gateway: addr("fe80::")},
	{Flags: RTFUp | RTFGateway, Index: 8, Dst: addr("::"), Mask: addr("::"), Gateway: addr("fe80::a691:b1ff:fe2e:7f10")},
	{Flags: RTFUp | RTFStatic, Index: 19, Dst: addr("fd00:8::"), Mask: addr("ffff:ffff:ffff:ffff::")},
	{Flags: RTFUp | RTFReject, Index: 1, Dst: addr("0.0.0.0"), Mask: addr("0.0.0.0")},
}

var vpnLinks = append(slices.Clone(mojaveLinks), Link{Index: 19, Name: "utun3", Type: IFTOther, Flags: pointToPnt, MTU: 1500})

func TestRoutesScopedNeverDefault(t *testing.T) {
	rs := Routes(vpnRoutes, vpnLinks)
	if len(rs) != len(vpnRoutes)-1 {
		t.Fatalf("only the ARP entry is dropped: %+v", rs)
	}
	d := Defaults(rs)
	var got []string
	for _, r := range d {
		got = append(got, r.Dst.String()+" "+r.Interface+" "+r.Gateway.String())
	}
	want := []string{"0.0.0.0/0 en0 192.168.1.1", "::/0 en0 fe80::a691:b1ff:fe2e:7f10"}
	if !slices.Equal(got, want) {
		t.Errorf("defaults %q, want %q: scoped, reject and utun0's scoped IPv6 default are not the machine's", got, want)
	}
	scoped := ScopedDefaults(rs)
	if len(scoped) != 3 || !scoped[0].Scoped || scoped[2].Interface != "utun0" {
		t.Errorf("scoped defaults %+v", scoped)
	}
	if h := HalfDefaults(rs); len(h) != 1 || !slices.Equal(h["utun3"], []string{"ipv4"}) {
		t.Errorf("half defaults %v", h)
	}
	host := rs[slices.IndexFunc(rs, func(r Route) bool { return r.Dst == prefix("198.51.100.7/32") })]
	if host.Interface != "en0" || host.Gateway != addr("192.168.1.1") {
		t.Errorf("the VPN server's host route: %+v", host)
	}
	onLink := rs[slices.IndexFunc(rs, func(r Route) bool { return r.Dst == prefix("192.168.1.0/24") })]
	if onLink.Gateway.IsValid() {
		t.Errorf("an on-link route has no gateway: %+v", onLink)
	}
	if r := rs[slices.IndexFunc(rs, func(r Route) bool { return r.Dst == prefix("fd00:8::/64") })]; r.Interface != "utun3" {
		t.Errorf("IPv6 route into the tunnel: %+v", r)
	}
}

func TestMaskBits(t *testing.T) {
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
		if got := maskBits(addr(c.addr), addr(c.mask)); got != c.want {
			t.Errorf("%s/%s: %d, want %d", c.addr, c.mask, got, c.want)
		}
	}
	if got := maskBits(addr("10.0.0.1"), netip.Addr{}); got != 32 {
		t.Errorf("no mask: %d", got)
	}
}

func TestFetchOffDarwin(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("on macOS the routing socket is real")
	}
	_, _, err1 := FetchLinks()
	_, err2 := FetchRoutes()
	if !errors.Is(err1, ErrUnsupported) || !errors.Is(err2, ErrUnsupported) {
		t.Errorf("%v %v", err1, err2)
	}
}

func FuzzParseSummaryType(f *testing.F) {
	for _, name := range []string{"ipconfig-getsummary-wifi-written.txt", "ipconfig-getsummary-ethernet-written.txt"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("<dictionary> {\n}\n}\n}\n  InterfaceType : WiFi\n")
	f.Fuzz(func(t *testing.T, s string) {
		got := ParseSummaryType(s)
		if strings.ContainsAny(got, " {}<>\n") || len(got) > 32 {
			t.Fatalf("%q from %q", got, s)
		}
	})
}

func FuzzRoutes(f *testing.F) {
	f.Add(uint32(RTFUp|RTFGateway), []byte{10, 0, 0, 0}, []byte{255, 0, 0, 0}, []byte{10, 0, 0, 1})
	f.Add(uint32(RTFUp|RTFIfScope), make([]byte, 16), make([]byte, 16), []byte{0xfe, 0x80, 15: 1})
	f.Fuzz(func(t *testing.T, flags uint32, dst, mask, gw []byte) {
		m := RouteMsg{Flags: int(flags), Index: 8}
		m.Dst, _ = netip.AddrFromSlice(dst)
		m.Mask, _ = netip.AddrFromSlice(mask)
		m.Gateway, _ = netip.AddrFromSlice(gw)
		for _, r := range Routes([]RouteMsg{m}, mojaveLinks) {
			if !r.Dst.IsValid() || r.Dst.Masked() != r.Dst {
				t.Fatalf("bad prefix %v from %+v", r.Dst, m)
			}
			if r.Scoped && len(Defaults([]Route{r})) != 0 {
				t.Fatalf("a scoped route taken as default: %+v", r)
			}
		}
	})
}
