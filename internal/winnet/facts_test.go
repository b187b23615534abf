package winnet

import (
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// machine is one fixture: what the Read functions return on one machine.
type machine struct {
	Adapters []Adapter  `json:"adapters"`
	Routes   []Route    `json:"routes"`
	NRPT     []NRPTRule `json:"nrpt"`
}

func load(t testing.TB, name string) machine {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m machine
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func byName(t testing.TB, ifs []Interface, name string) Interface {
	t.Helper()
	for _, i := range ifs {
		if i.Name == name {
			return i
		}
	}
	t.Fatalf("no interface %q in %+v", name, ifs)
	return Interface{}
}

func addr(s string) netip.Addr     { return netip.MustParseAddr(s) }
func prefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func TestInterfacesWindows11WiFi(t *testing.T) {
	m := load(t, "win11-wifi-ula-temporary.json")
	ifs := Interfaces(m.Adapters)
	if len(ifs) != len(m.Adapters) {
		t.Fatalf("%d interfaces for %d adapters", len(ifs), len(m.Adapters))
	}
	want := map[string]struct {
		kind Kind
		vpn  string
		up   bool
	}{
		"Ethernet":   {KindWired, "", false},
		"Ethernet 2": {KindWired, "", false},
		"OpenVPN Data Channel Offload for NordVPN": {KindTunnel, "OpenVPN", false},
		"Local Area Connection":                    {KindTunnel, "NordVPN", false},
		"Local Area Connection* 1":                 {KindOther, "", false},
		"Local Area Connection* 2":                 {KindOther, "", false},
		"VMware Network Adapter VMnet1":            {KindOther, "", true},
		"VMware Network Adapter VMnet8":            {KindOther, "", true},
		"Wi-Fi":                                    {KindWiFi, "", true},
		"Bluetooth Network Connection":             {KindOther, "", false},
		"Loopback Pseudo-Interface 1":              {KindLoopback, "", true},
	}
	for name, w := range want {
		got := byName(t, ifs, name)
		if got.Kind != w.kind || got.VPN != w.vpn || got.Up != w.up {
			t.Errorf("%s: kind %s (%s) vpn %q up %v, want %s %q %v", name, got.Kind, got.KindFrom, got.VPN, got.Up, w.kind, w.vpn, w.up)
		}
	}
	wifi := byName(t, ifs, "Wi-Fi")
	if wifi.KindFrom != "IfType 71" || wifi.Index != 11 || wifi.MAC != "a8:7e:ea:55:26:b0" {
		t.Errorf("Wi-Fi: %+v", wifi)
	}
	if len(wifi.Addrs) != 4 || !slices.Equal(wifi.Temporary, []netip.Prefix{prefix("fd63:cc9c:65eb:3f95:8928:348e:d692:b7ef/64")}) {
		t.Errorf("Wi-Fi addresses %v, temporary %v: only the privacy address is temporary", wifi.Addrs, wifi.Temporary)
	}

	d := DefaultRoutes(m.Routes, m.Adapters)
	if len(d) != 1 || d[0].Interface != "Wi-Fi" || d[0].Kind != KindWiFi || d[0].Gateway != addr("192.168.1.1") || d[0].Metric != 35 {
		t.Errorf("default routes: %+v (route print shows 0.0.0.0 via 192.168.1.1 metric 35, and no IPv6 default)", d)
	}

	dns := DNSServersOf(m.Adapters)
	if len(dns) != 1 || dns[0].Addr != addr("192.168.1.1") || dns[0].Interface != "Wi-Fi" || dns[0].Suffix != "localdomain" {
		t.Errorf("DNS: %+v (the VMware adapters' and loopback's fec0 placeholders are not servers)", dns)
	}
}

func TestWindows10TailscaleSplitDNS(t *testing.T) {
	m := load(t, "win10-tailscale-usb-ethernet.json")
	ifs := Interfaces(m.Adapters)
	ts := byName(t, ifs, "Tailscale")
	if ts.Kind != KindTunnel || ts.VPN != "Tailscale" || ts.MAC != "" || ts.MTU != 1280 {
		t.Errorf("Tailscale: %+v", ts)
	}
	if eth := byName(t, ifs, "Ethernet 2"); eth.Kind != KindWired || eth.VPN != "" {
		t.Errorf("USB Ethernet: %+v", eth)
	}
	d := DefaultRoutes(m.Routes, m.Adapters)
	if len(d) != 1 || d[0].Interface != "Ethernet 2" || d[0].Kind != KindWired {
		t.Errorf("Tailscale without an exit node leaves the default route alone: %+v", d)
	}
	dns := DNSServersOf(m.Adapters)
	if len(dns) != 1 || dns[0].Addr != addr("10.50.13.1") || dns[0].Interface != "Ethernet 2" {
		t.Errorf("DNS: %+v (Tailscale's adapter lists only fec0 placeholders)", dns)
	}
	split, problems := SplitDNS(m.NRPT)
	if len(problems) != 0 || len(split) != 1 {
		t.Fatalf("split %+v problems %v", split, problems)
	}
	if s := split[0]; s.Domain != "tailff123.ts.net" || s.Exact || !slices.Equal(s.Servers, []netip.Addr{addr("100.100.100.100")}) || s.Source != NRPTLocal {
		t.Errorf("MagicDNS rule: %+v", s)
	}
}

func TestAnyConnectDefaultRouteWins(t *testing.T) {
	m := load(t, "win11-anyconnect-wifi.json")
	d := DefaultRoutes(m.Routes, m.Adapters)
	if len(d) != 2 {
		t.Fatalf("defaults %+v", d)
	}
	if d[0].Index != 19 || d[0].Kind != KindTunnel || d[0].Metric != 2 || d[1].Interface != "Wi-Fi" || d[1].Metric != 50 {
		t.Errorf("route print shows the tunnel at metric 2 before Wi-Fi at 50: %+v", d)
	}
	ifs := Interfaces(m.Adapters)
	if ac := byName(t, ifs, "Ethernet 3"); ac.VPN != "Cisco AnyConnect" || ac.KindFrom != "description" {
		t.Errorf("AnyConnect says IfType 6 like a wired port; its description tells: %+v", ac)
	}
	if hv := byName(t, ifs, "vEthernet (Default Switch)"); hv.Kind != KindOther {
		t.Errorf("Hyper-V switch: %+v", hv)
	}
	dns := DNSServersOf(m.Adapters)
	var got []string
	for _, s := range dns {
		got = append(got, s.Interface+"="+s.Addr.String())
	}
	want := []string{"Ethernet 3=10.20.0.10", "Ethernet 3=10.20.0.11", "Wi-Fi=192.168.100.1"}
	if !slices.Equal(got, want) {
		t.Errorf("DNS in metric order: %v, want %v", got, want)
	}
	if dns[0].Suffix != "corp.example" || !slices.Equal(dns[0].Search, []string{"corp.example", "eu.corp.example"}) {
		t.Errorf("tunnel suffixes: %+v", dns[0])
	}
}

func TestVPNClientAdapters(t *testing.T) {
	m := load(t, "vpn-clients.json")
	ifs := Interfaces(m.Adapters)
	want := map[string]struct {
		kind Kind
		vpn  string
		from string
	}{
		"wg-office":                         {KindTunnel, "WireGuard", "description"},
		"OpenVPN TAP-Windows6":              {KindTunnel, "OpenVPN", "description"},
		"OpenVPN Data Channel Offload":      {KindTunnel, "OpenVPN", "description"},
		"Ethernet 3":                        {KindTunnel, "GlobalProtect", "description"},
		"Ethernet 4":                        {KindTunnel, "FortiClient", "description"},
		"Ethernet 5":                        {KindTunnel, "Zscaler", "description"},
		"Corp VPN":                          {KindTunnel, "Windows VPN", "description"},
		"Teredo Tunneling Pseudo-Interface": {KindOther, "", "IfType 131"},
		"Wi-Fi":                             {KindWiFi, "", "IfType 71"},
		"Ethernet":                          {KindWired, "", "IfType 6"},
		"Loopback Pseudo-Interface 1":       {KindLoopback, "", "IfType 24"},
	}
	for name, w := range want {
		got := byName(t, ifs, name)
		if got.Kind != w.kind || got.VPN != w.vpn || got.KindFrom != w.from {
			t.Errorf("%s (%s): %s %q from %s, want %s %q from %s", name, got.Description, got.Kind, got.VPN, got.KindFrom, w.kind, w.vpn, w.from)
		}
	}
	if tap := byName(t, ifs, "OpenVPN TAP-Windows6"); tap.Up {
		t.Error("the TAP adapter is disconnected")
	}
	wifi := byName(t, ifs, "Wi-Fi")
	if len(wifi.Temporary) != 2 || slices.Contains(wifi.Temporary, prefix("2001:db8:5:0:1c8e:3b4d:2a1f:9e77/64")) {
		t.Errorf("temporary (one preferred, one deprecated) %v", wifi.Temporary)
	}

	d := DefaultRoutes(m.Routes, m.Adapters)
	var got []string
	for _, r := range d {
		got = append(got, r.Dst.String()+" "+r.Interface+" "+r.Gateway.String())
	}
	want2 := []string{"0.0.0.0/0 wg-office invalid IP", "::/0 wg-office invalid IP", "0.0.0.0/0 Wi-Fi 192.168.178.1", "::/0 Wi-Fi fe80::3a10:d5ff:fe00:1"}
	if !slices.Equal(got, want2) {
		t.Errorf("WireGuard's full tunnel routes on-link at metric 5 first:\n got %q\nwant %q", got, want2)
	}
	dns := DNSServersOf(m.Adapters)
	if len(dns) != 3 || dns[0].Interface != "wg-office" || dns[0].Addr != addr("10.64.0.1") || !slices.Equal(dns[0].Search, []string{"office.example"}) {
		t.Errorf("the tunnel's DNS server comes first and is the tunnel's, although it has no gateway: %+v", dns)
	}
}

func TestClassifyByType(t *testing.T) {
	cases := []struct {
		a    Adapter
		kind Kind
		vpn  string
	}{
		{Adapter{IfType: IfTypePropVirtual, Description: "Some Userspace Tunnel Adapter"}, KindTunnel, "VPN"},
		{Adapter{IfType: IfTypePropVirtual, Description: "Acme Virtual Adapter"}, KindTunnel, ""},
		{Adapter{IfType: IfTypePPP, Description: "Dial-up"}, KindTunnel, "Windows VPN"},
		{Adapter{IfType: IfTypeTunnel, TunnelType: TunnelTypeIPHTTPS, Description: "iphttpsinterface"}, KindTunnel, "DirectAccess"},
		{Adapter{IfType: IfTypeTunnel, TunnelType: TunnelTypeISATAP, Description: "Microsoft ISATAP Adapter #2"}, KindOther, ""},
		{Adapter{IfType: IfTypeWWANPP, Description: "Qualcomm Snapdragon X55 5G"}, KindOther, ""},
		{Adapter{IfType: IfTypeEthernet, Description: "Hyper-V Network Adapter"}, KindWired, ""}, // a VM's own NIC
		{Adapter{IfType: IfTypeEthernet, Description: "Realtek RTL8188EU Wireless LAN 802.11n USB 2.0 Network Adapter"}, KindWiFi, ""},
		{Adapter{IfType: IfTypeEthernet, Description: "Npcap Loopback Adapter"}, KindOther, ""},
		{Adapter{IfType: IfTypeEthernet, Description: "TAP-ProtonVPN Windows Adapter V9"}, KindTunnel, "ProtonVPN"},
		{Adapter{IfType: IfTypeEthernet, Description: "Cisco Secure Client Virtual Miniport Adapter for Windows x64"}, KindTunnel, "Cisco AnyConnect"},
		{Adapter{IfType: IfTypePropVirtual, Description: "NordLynx Tunnel"}, KindTunnel, "NordVPN"},
		{Adapter{IfType: IfTypeEthernet, Description: "Juniper Networks Virtual Adapter"}, KindTunnel, "Ivanti Secure Access"},
		{Adapter{IfType: IfTypeEthernet, Description: "ZeroTier Virtual Port"}, KindTunnel, "ZeroTier"},
		{Adapter{IfType: IfTypeEthernet, Description: "Startech Gigabit"}, KindWired, ""},
		{Adapter{IfType: IfTypeIEEE1394, Description: "1394 Net Adapter"}, KindOther, ""},
		// Wine names adapters after Linux devices and says IfType 1 for TUN.
		{Adapter{IfType: IfTypeOther, FriendlyName: "wg0", Description: "wg0"}, KindTunnel, ""},
		{Adapter{IfType: IfTypeOther, FriendlyName: "tailscale0", Description: "tailscale0"}, KindTunnel, "Tailscale"},
		{Adapter{IfType: IfTypeOther, FriendlyName: "tunnelbroker", Description: "tunnelbroker"}, KindOther, ""},
		{Adapter{IfType: IfTypeOther, FriendlyName: "dummy0", Description: "dummy0"}, KindOther, ""},
	}
	for _, c := range cases {
		kind, vpn, from := Classify(c.a)
		if kind != c.kind || vpn != c.vpn {
			t.Errorf("%q IfType %d: %s %q (%s), want %s %q", c.a.Description, c.a.IfType, kind, vpn, from, c.kind, c.vpn)
		}
	}
}

// TestWineCapture runs the facts on what winnetdump printed under Wine 8.0
// in a namespace with a veth, a wireguard-go device holding an on-link
// default route at metric 5, and resolv.conf naming two servers.
func TestWineCapture(t *testing.T) {
	m := load(t, "wine-8.0-netns-wireguard-go.json")
	ifs := Interfaces(m.Adapters)
	if lo := byName(t, ifs, "lo"); lo.Kind != KindLoopback {
		t.Errorf("lo: %+v", lo)
	}
	if veth := byName(t, ifs, "i23w0"); veth.Kind != KindWired || !slices.Equal(veth.Gateways, []netip.Addr{addr("192.168.77.1")}) {
		t.Errorf("veth: %+v", veth)
	}
	if wg := byName(t, ifs, "wg9"); wg.Kind != KindTunnel || wg.KindFrom != "name" {
		t.Errorf("wireguard-go device: %+v", wg)
	}
	d := DefaultRoutes(m.Routes, m.Adapters)
	if len(d) != 2 || d[0].Interface != "wg9" || d[0].Gateway.IsValid() || d[1].Interface != "i23w0" || d[1].Gateway != addr("192.168.77.1") {
		t.Errorf("defaults: %+v", d)
	}
	dns := DNSServersOf(m.Adapters)
	for _, s := range dns {
		if s.Interface == "lo" {
			t.Errorf("loopback has no DNS server of its own: %+v", s)
		}
	}
	if len(dns) != 4 {
		t.Errorf("Wine gives resolv.conf's two servers to each adapter: %+v", dns)
	}
}

func TestGatewaysFromRoutes(t *testing.T) {
	adapters := []Adapter{
		{Index: 2, FriendlyName: "eth", NoGateways: true, Oper: OperUp},
		{Index: 3, FriendlyName: "wifi", Oper: OperUp, Gateways: []netip.Addr{addr("10.0.0.1")}},
	}
	routes := []Route{
		{Dst: prefix("0.0.0.0/0"), NextHop: addr("192.168.77.1"), Index: 2},
		{Dst: prefix("0.0.0.0/0"), NextHop: addr("192.168.77.1"), Index: 2},
		{Dst: prefix("10.8.0.0/16"), NextHop: addr("192.168.77.254"), Index: 2},
		{Dst: prefix("::/0"), NextHop: addr("fe80::1"), Index: 2},
		{Dst: prefix("0.0.0.0/0"), NextHop: addr("10.0.0.2"), Index: 3},
		{Dst: prefix("0.0.0.0/0"), Index: 9},
	}
	GatewaysFromRoutes(adapters, routes)
	if !slices.Equal(adapters[0].Gateways, []netip.Addr{addr("192.168.77.1"), addr("fe80::1")}) {
		t.Errorf("filled: %v", adapters[0].Gateways)
	}
	if !slices.Equal(adapters[1].Gateways, []netip.Addr{addr("10.0.0.1")}) {
		t.Errorf("an adapter with its own gateways is left alone: %v", adapters[1].Gateways)
	}
}

func TestDefaultRoutesEdges(t *testing.T) {
	adapters := []Adapter{
		{Index: 5, IPv6Index: 5, FriendlyName: "Ethernet", IfType: IfTypeEthernet, Oper: OperUp, IPv4Metric: 25, IPv6Metric: 30},
		{Index: 6, FriendlyName: "TAP", Description: "TAP-Windows Adapter V9", IfType: IfTypeEthernet, Oper: OperDown},
	}
	routes := []Route{
		{Dst: prefix("0.0.0.0/0"), NextHop: addr("192.0.2.1"), Index: 5, RouteMetric: 10, NoInterfaceMetric: true},
		{Dst: prefix("::/0"), NextHop: addr("fe80::1"), Index: 5, RouteMetric: 256, NoInterfaceMetric: true},
		{Dst: prefix("0.0.0.0/0"), Index: 6, RouteMetric: 0, InterfaceMetric: 1},
		{Dst: prefix("0.0.0.0/0"), NextHop: addr("198.51.100.1"), Index: 77, RouteMetric: 1, InterfaceMetric: 1},
	}
	d := DefaultRoutes(routes, adapters)
	if len(d) != 3 {
		t.Fatalf("the down adapter's route is left out: %+v", d)
	}
	if d[0].Index != 77 || d[0].Interface != "" || d[0].Metric != 2 {
		t.Errorf("a route of an unknown interface is kept: %+v", d[0])
	}
	if d[1].Metric != 35 || d[2].Metric != 286 {
		t.Errorf("the adapter's metric stands in where the route had none: %+v", d)
	}
}

func TestHalfDefaults(t *testing.T) {
	routes := []Route{
		{Dst: prefix("0.0.0.0/1"), Index: 7}, {Dst: prefix("128.0.0.0/1"), Index: 7},
		{Dst: prefix("::/1"), Index: 7}, {Dst: prefix("8000::/1"), Index: 7},
		{Dst: prefix("0.0.0.0/1"), Index: 8}, // one half only
		{Dst: prefix("128.0.0.0/1"), Index: 9},
	}
	got := HalfDefaults(routes)
	if len(got) != 1 || !slices.Equal(got[7], []string{"ipv4", "ipv6"}) {
		t.Errorf("%v", got)
	}
}

func TestSplitDNSTables(t *testing.T) {
	local := []NRPTRule{
		{Source: NRPTLocal, Key: "{ts}", Names: []string{".tailnet.ts.net", "host.Corp.Example."}, GenericDNSServers: "100.100.100.100", ConfigOptions: 8},
		{Source: NRPTLocal, Key: "{gp}", Names: []string{".corp.example", "."}, GenericDNSServers: "10.0.0.53; 10.0.0.54;10.0.0.53", ConfigOptions: 8, Comment: "GlobalProtect"},
		{Source: NRPTLocal, Key: "{da}", Names: []string{".da.example"}, ConfigOptions: 0x4}, // DirectAccess: not ours
		{Source: NRPTLocal, Key: "{bad}", Names: []string{".bad.example"}, GenericDNSServers: "dns.example", ConfigOptions: 8},
		{Source: NRPTLocal, Key: "{empty}", Names: []string{".empty.example"}, ConfigOptions: 8},
	}
	got, problems := SplitDNS(local)
	var names []string
	for _, d := range got {
		names = append(names, d.Domain)
	}
	if !slices.Equal(names, []string{"tailnet.ts.net", "host.corp.example", "corp.example", "."}) {
		t.Errorf("domains %q", names)
	}
	if !got[1].Exact || got[0].Exact || !slices.Equal(got[2].Servers, []netip.Addr{addr("10.0.0.53"), addr("10.0.0.54")}) || got[2].Comment != "GlobalProtect" {
		t.Errorf("%+v", got)
	}
	if len(problems) != 2 || !strings.Contains(problems[0], `"dns.example"`) || !strings.Contains(problems[1], "{empty}") {
		t.Errorf("problems %q", problems)
	}

	policy := append(slices.Clone(local), NRPTRule{Source: NRPTPolicy, Key: "{intune}", Names: []string{".intranet.example"}, GenericDNSServers: "172.16.0.10", ConfigOptions: 8})
	got, _ = SplitDNS(policy)
	if len(got) != 1 || got[0].Domain != "intranet.example" || got[0].Source != NRPTPolicy {
		t.Errorf("a policy rule makes Windows ignore the local table: %+v", got)
	}
}

func TestParseServerList(t *testing.T) {
	s, bad := ParseServerList(" 10.0.0.1;10.0.0.2 , fd00::53;;x ")
	if !slices.Equal(s, []netip.Addr{addr("10.0.0.1"), addr("10.0.0.2"), addr("fd00::53")}) || !slices.Equal(bad, []string{"x"}) {
		t.Errorf("%v %v", s, bad)
	}
	if s, bad := ParseServerList(""); s != nil || bad != nil {
		t.Errorf("empty: %v %v", s, bad)
	}
}

func TestParseSearchList(t *testing.T) {
	got := ParseSearchList("corp.example,EU.corp.example., corp.example,,lab.example")
	if !slices.Equal(got, []string{"corp.example", "eu.corp.example", "lab.example"}) {
		t.Errorf("%q", got)
	}
}

func TestOperStatusString(t *testing.T) {
	for s, want := range map[OperStatus]string{OperUp: "up", OperDown: "down", OperLowerLayerDown: "lower layer down", OperNotPresent: "not present", 42: "status 42", 0: "status 0"} {
		if got := s.String(); got != want {
			t.Errorf("%d: %q", s, got)
		}
	}
}

func TestReadOffWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("on Windows the readers are real")
	}
	_, err1 := ReadAdapters()
	_, err2 := ReadRoutes()
	_, err3 := ReadNRPT()
	_, err4 := ReadSearchList()
	for _, err := range []error{err1, err2, err3, err4} {
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("off Windows a reader must say it is unsupported: %v", err)
		}
	}
}

func FuzzParseServerList(f *testing.F) {
	for _, s := range []string{"10.0.0.1;10.0.0.2", "fd00::53, 1.1.1.1", "", ";;", "x;1.2.3.4%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		servers, bad := ParseServerList(s)
		for _, a := range servers {
			if !a.IsValid() {
				t.Fatalf("invalid address from %q", s)
			}
		}
		for _, b := range bad {
			if b == "" {
				t.Fatalf("empty bad item from %q", s)
			}
		}
		_, problems := SplitDNS([]NRPTRule{{Source: NRPTLocal, Key: "k", Names: []string{s, "." + s}, GenericDNSServers: s, ConfigOptions: 8}})
		for _, p := range problems {
			if strings.ContainsAny(p, "\n\r") {
				t.Fatalf("problem with a line break: %q", p)
			}
		}
	})
}

func FuzzParseSearchList(f *testing.F) {
	for _, s := range []string{"a.example,b.example", " ,.,", "", "X.Example."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := ParseSearchList(s)
		for i, v := range out {
			if v == "" || strings.HasSuffix(v, ".") || slices.Contains(out[:i], v) {
				t.Fatalf("%q gave %q", s, out)
			}
		}
	})
}

func FuzzClassify(f *testing.F) {
	f.Add(uint32(6), uint32(0), "Intel(R) Ethernet Connection (7) I219-V", "Ethernet")
	f.Add(uint32(53), uint32(0), "WireGuard Tunnel", "wg0")
	f.Add(uint32(1), uint32(0), "tun0", "tun0")
	f.Fuzz(func(t *testing.T, ifType, tunnelType uint32, desc, name string) {
		kind, vpn, from := Classify(Adapter{IfType: ifType, TunnelType: tunnelType, Description: desc, FriendlyName: name})
		switch kind {
		case KindWired, KindWiFi, KindTunnel, KindLoopback, KindOther:
		default:
			t.Fatalf("kind %q", kind)
		}
		if from == "" || (vpn != "" && kind != KindTunnel) {
			t.Fatalf("%q %q %q", kind, vpn, from)
		}
	})
}
