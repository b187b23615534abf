package netstate

import (
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/internal/winnet"
)

// winMachine is one winapi-*.json fixture: what internal/winnet's readers
// return on one machine (testdata/README.md says where each value comes
// from).
type winMachine struct {
	Adapters []winnet.Adapter  `json:"adapters"`
	Routes   []winnet.Route    `json:"routes"`
	NRPT     []winnet.NRPTRule `json:"nrpt"`
	Global   winnet.GlobalDNS  `json:"global_dns"`
}

func loadWin(t testing.TB, name string) winMachine {
	t.Helper()
	var m winMachine
	if err := json.Unmarshal([]byte(readFixture(t, name)), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// api serves the machine's values as the readers would.
func (m winMachine) api() winAPI {
	return winAPI{
		Adapters: func() ([]winnet.Adapter, error) { return slices.Clone(m.Adapters), nil },
		Routes:   func() ([]winnet.Route, error) { return slices.Clone(m.Routes), nil },
		NRPT:     func() ([]winnet.NRPTRule, error) { return slices.Clone(m.NRPT), nil },
		Global:   func() (winnet.GlobalDNS, error) { return m.Global, nil },
	}
}

func ifaceByName(t testing.TB, list []Interface, name string) Interface {
	t.Helper()
	i, ok := ByName(list, name)
	if !ok {
		t.Fatalf("no interface %q in %+v", name, list)
	}
	return i
}

// defaultsOf renders default routes as "interface gateway metric".
func defaultsOf(rs []Route) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Interface+" "+r.Gateway.String()+" "+strconv.Itoa(r.Metric))
	}
	return out
}

func checkKinds(t *testing.T, list []Interface, want map[string]Kind) {
	t.Helper()
	for name, k := range want {
		if got := ifaceByName(t, list, name); got.Kind != k {
			t.Errorf("%s (%s): %s, want %s", name, got.Description, got.Kind, k)
		}
	}
}

// A Windows 11 desktop on Wi-Fi, converted from its real ipconfig /all
// and route print: the Wi-Fi adapter with a ULA, a stable and a temporary
// IPv6 address; NordVPN's adapters disconnected; VMware's host-only
// adapters up.
func TestWinAPIWindows11WiFi(t *testing.T) {
	m := loadWin(t, "winapi-win11-wifi-ula-temporary.json")
	list := winInterfaces(m.Adapters, m.Routes)
	if len(list) != len(m.Adapters) {
		t.Fatalf("%d interfaces for %d adapters", len(list), len(m.Adapters))
	}
	checkKinds(t, list, map[string]Kind{
		"Ethernet": KindWired, "Ethernet 2": KindWired,
		"OpenVPN Data Channel Offload for NordVPN": KindTunnel, "Local Area Connection": KindTunnel,
		"Local Area Connection* 1": KindOther, "Local Area Connection* 2": KindOther,
		"VMware Network Adapter VMnet1": KindOther, "VMware Network Adapter VMnet8": KindOther,
		"Wi-Fi": KindWiFi, "Bluetooth Network Connection": KindOther, "Loopback Pseudo-Interface 1": KindLoopback,
	})
	wifi := ifaceByName(t, list, "Wi-Fi")
	if !wifi.Up || wifi.Index != 11 || wifi.MAC != "a8:7e:ea:55:26:b0" || wifi.Description != "Intel(R) Wi-Fi 6 AX200 160MHz" {
		t.Errorf("Wi-Fi: %+v", wifi)
	}
	// The temporary (privacy) address is one of the addresses like the
	// stable one: both are usable.
	if !slices.Contains(wifi.Addrs, pfx("fd63:cc9c:65eb:3f95:8928:348e:d692:b7ef/64")) || len(wifi.Addrs) != 4 || !wifi.HasGlobal(true) {
		t.Errorf("Wi-Fi addresses %v", wifi.Addrs)
	}
	if lo := ifaceByName(t, list, "Loopback Pseudo-Interface 1"); !lo.Loopback || lo.Up != true {
		t.Errorf("loopback %+v", lo)
	}
	if tap := ifaceByName(t, list, "Local Area Connection"); tap.Up {
		t.Errorf("the disconnected TAP adapter is down: %+v", tap)
	}

	rt := winRoutes(m.Routes, m.Adapters)
	if got := defaultsOf(rt.Defaults4()); !slices.Equal(got, []string{"Wi-Fi 192.168.1.1 35"}) || len(rt.Defaults6()) != 0 {
		t.Errorf("defaults %q %+v (route print shows 0.0.0.0 via 192.168.1.1 metric 35, and no IPv6 default)", got, rt.Defaults6())
	}
	cfg := winDNS(m.Adapters, m.NRPT, m.Global)
	if got := servers(cfg); !slices.Equal(got, []string{"192.168.1.1 adapter iface=Wi-Fi"}) || !slices.Equal(cfg.Search, []string{"localdomain"}) {
		t.Errorf("DNS %q search %q (the VMware adapters' and loopback's fec0 placeholders are not servers)", got, cfg.Search)
	}
}

// Tailscale on Windows 10 without an exit node: its tunnel has no MAC and
// only placeholder DNS servers; MagicDNS is an NRPT rule.
func TestWinAPITailscaleSplitDNS(t *testing.T) {
	m := loadWin(t, "winapi-win10-tailscale-usb-ethernet.json")
	list := winInterfaces(m.Adapters, m.Routes)
	checkKinds(t, list, map[string]Kind{"Tailscale": KindTunnel, "Ethernet 2": KindWired})
	if ts := ifaceByName(t, list, "Tailscale"); ts.MAC != "" || ts.MTU != 1280 || !ts.Up {
		t.Errorf("Tailscale: %+v", ts)
	}
	rt := winRoutes(m.Routes, m.Adapters)
	if got := defaultsOf(rt.Defaults4()); !slices.Equal(got, []string{"Ethernet 2 10.50.13.1 25"}) {
		t.Errorf("Tailscale without an exit node leaves the default route alone: %q", got)
	}
	cfg := winDNS(m.Adapters, m.NRPT, m.Global)
	want := []string{"100.100.100.100 nrpt domains=tailff123.ts.net", "10.50.13.1 adapter iface=Ethernet 2"}
	if got := servers(cfg); !slices.Equal(got, want) {
		t.Errorf("DNS %q, want %q", got, want)
	}
	if per := cfg.PerDomainServers(); len(per) != 1 || len(cfg.General()) != 1 || cfg.General()[0].Interface != "Ethernet 2" {
		t.Errorf("MagicDNS is per-domain, the adapter's server general: %+v", cfg)
	}
	if !slices.Equal(cfg.Search, []string{"tailff123.ts.net", "internal.companyname.com"}) {
		t.Errorf("search %q: the adapters' suffixes, lowest metric first", cfg.Search)
	}
}

// Cisco AnyConnect over Wi-Fi (route print's real interface list and
// default routes): the tunnel's default wins at metric 2, and its DNS
// servers come first.
func TestWinAPIAnyConnect(t *testing.T) {
	m := loadWin(t, "winapi-win11-anyconnect-wifi.json")
	list := winInterfaces(m.Adapters, m.Routes)
	checkKinds(t, list, map[string]Kind{"Ethernet 3": KindTunnel, "Wi-Fi": KindWiFi, "vEthernet (Default Switch)": KindOther})
	rt := winRoutes(m.Routes, m.Adapters)
	if got := defaultsOf(rt.Defaults4()); !slices.Equal(got, []string{"Ethernet 3 10.21.38.1 2", "Wi-Fi 192.168.100.1 50"}) {
		t.Errorf("route print shows the tunnel at metric 2 before Wi-Fi at 50: %q", got)
	}
	cfg := winDNS(m.Adapters, m.NRPT, m.Global)
	want := []string{"10.20.0.10 adapter iface=Ethernet 3", "10.20.0.11 adapter iface=Ethernet 3", "192.168.100.1 adapter iface=Wi-Fi"}
	if got := servers(cfg); !slices.Equal(got, want) {
		t.Errorf("DNS in metric order: %q, want %q", got, want)
	}
	if !slices.Equal(cfg.Search, []string{"corp.example", "eu.corp.example"}) {
		t.Errorf("search %q", cfg.Search)
	}
}

// The VPN clients' adapters as their drivers describe themselves: a
// WireGuard full tunnel up (on-link defaults at metric 5, no gateway), a
// disconnected TAP and the other clients' adapters down, Teredo, and a
// Wi-Fi adapter with a stable, a temporary and a deprecated temporary
// IPv6 address.
func TestWinAPIVPNClients(t *testing.T) {
	m := loadWin(t, "winapi-vpn-clients.json")
	list := winInterfaces(m.Adapters, m.Routes)
	checkKinds(t, list, map[string]Kind{
		"wg-office": KindTunnel, "OpenVPN TAP-Windows6": KindTunnel, "OpenVPN Data Channel Offload": KindTunnel,
		"Ethernet 3": KindTunnel, "Ethernet 4": KindTunnel, "Ethernet 5": KindTunnel, // GlobalProtect, FortiClient, Zscaler
		"Corp VPN": KindTunnel, "Teredo Tunneling Pseudo-Interface": KindOther,
		"Wi-Fi": KindWiFi, "Ethernet": KindWired, "Loopback Pseudo-Interface 1": KindLoopback,
	})
	if tap := ifaceByName(t, list, "OpenVPN TAP-Windows6"); tap.Up {
		t.Error("the TAP adapter is disconnected")
	}
	if wg := ifaceByName(t, list, "wg-office"); !wg.Up || wg.MAC != "" || wg.PointToPoint {
		t.Errorf("WireGuardNT: %+v", wg)
	}
	if c := ifaceByName(t, list, "Corp VPN"); !c.PointToPoint {
		t.Errorf("a PPP adapter is point-to-point: %+v", c)
	}
	if wifi := ifaceByName(t, list, "Wi-Fi"); len(wifi.Addrs) != 5 {
		t.Errorf("Wi-Fi addresses %v: every unicast address, the temporary ones too", wifi.Addrs)
	}
	rt := winRoutes(m.Routes, m.Adapters)
	if got := defaultsOf(rt.Defaults4()); !slices.Equal(got, []string{"wg-office invalid IP 5", "Wi-Fi 192.168.178.1 35"}) {
		t.Errorf("IPv4 defaults %q", got)
	}
	if got := defaultsOf(rt.Defaults6()); !slices.Equal(got, []string{"wg-office invalid IP 5", "Wi-Fi fe80::3a10:d5ff:fe00:1 291"}) {
		t.Errorf("IPv6 defaults %q", got)
	}
	// No kernel to ask: the best default route is the tunnel's, and the
	// connection beneath it is the Wi-Fi.
	p := choosePath(list, rt, netip.Addr{}, netip.Addr{})
	if p.Interface != "wg-office" || !p.ViaTunnel() || p.Link != "Wi-Fi" || !p.OnWiFi() || p.Router != netip.MustParseAddr("192.168.178.1") {
		t.Errorf("path %+v", p)
	}
	cfg := winDNS(m.Adapters, m.NRPT, m.Global)
	want := []string{"10.64.0.1 adapter iface=wg-office", "192.168.178.1 adapter iface=Wi-Fi", "fd00::3a10:d5ff:fe00:1 adapter iface=Wi-Fi"}
	if got := servers(cfg); !slices.Equal(got, want) {
		t.Errorf("the tunnel's server first, although it has no gateway: %q, want %q", got, want)
	}
	if !slices.Equal(cfg.Search, []string{"office.example", "fritz.box"}) {
		t.Errorf("search %q", cfg.Search)
	}
}

// What winnetdump read under Wine 8.0 in a namespace with a veth, a
// wireguard-go device holding an on-link default at metric 5, and
// resolv.conf naming two servers (docs/testing.md).
func TestWinAPIWineCapture(t *testing.T) {
	m := loadWin(t, "winapi-wine-8.0-netns-wireguard-go.json")
	list := winInterfaces(m.Adapters, m.Routes)
	checkKinds(t, list, map[string]Kind{"lo": KindLoopback, "i23w0": KindWired, "wg9": KindTunnel})
	rt := winRoutes(m.Routes, m.Adapters)
	if got := defaultsOf(rt.Defaults4()); !slices.Equal(got, []string{"wg9 invalid IP 5", "i23w0 192.168.77.1 256"}) {
		t.Errorf("defaults %q", got)
	}
	cfg := winDNS(m.Adapters, m.NRPT, m.Global)
	// Wine gives resolv.conf's servers to every adapter: each is listed
	// once, with the first adapter that is not the loopback.
	if got := servers(cfg); !slices.Equal(got, []string{"192.168.77.1 adapter iface=i23w0", "2001:db8:77::53 adapter iface=i23w0"}) {
		t.Errorf("DNS %q", got)
	}
}

func TestWinRoutesEdges(t *testing.T) {
	adapters := []winnet.Adapter{
		{Index: 5, IPv6Index: 5, FriendlyName: "Ethernet", IfType: winnet.IfTypeEthernet, Oper: winnet.OperUp, IPv4Metric: 25, IPv6Metric: 30},
		{Index: 6, FriendlyName: "TAP", Description: "TAP-Windows Adapter V9", IfType: winnet.IfTypeEthernet, Oper: winnet.OperDown},
	}
	routes := []winnet.Route{
		{Dst: pfx("0.0.0.0/0"), NextHop: netip.MustParseAddr("192.0.2.1"), Index: 5, RouteMetric: 10, NoInterfaceMetric: true},
		{Dst: pfx("::/0"), NextHop: netip.MustParseAddr("fe80::1"), Index: 5, RouteMetric: 256, NoInterfaceMetric: true},
		{Dst: pfx("0.0.0.0/0"), Index: 6, RouteMetric: 0, InterfaceMetric: 1},
		{Dst: pfx("0.0.0.0/0"), NextHop: netip.MustParseAddr("198.51.100.1"), Index: 77, RouteMetric: 1, InterfaceMetric: 1},
		{Dst: pfx("10.0.0.0/8"), NextHop: netip.MustParseAddr("0.0.0.0"), Index: 5, RouteMetric: 1, InterfaceMetric: 25},
		{}, // an entry the reader could not convert
	}
	rt := winRoutes(routes, adapters)
	if got := defaultsOf(rt.Defaults4()); !slices.Equal(got, []string{"if77 198.51.100.1 2", "Ethernet 192.0.2.1 35"}) {
		t.Errorf("the down adapter's route is left out, an unknown interface's kept, the adapter's metric stands in: %q", got)
	}
	if got := defaultsOf(rt.Defaults6()); !slices.Equal(got, []string{"Ethernet fe80::1 286"}) {
		t.Errorf("IPv6 %q", got)
	}
	if r, ok := find(rt.V4, "10.0.0.0/8"); !ok || r.Gateway.IsValid() {
		t.Errorf("a 0.0.0.0 next hop is on the link: %+v", r)
	}
	// The read names "if77" from the interface list when it knows it.
	named := nameRoutes(rt, []Interface{{Index: 77, Name: "Ethernet 9"}})
	if named.Defaults4()[0].Interface != "Ethernet 9" {
		t.Errorf("%+v", named.Defaults4())
	}
}

func TestWinInterfacesEdges(t *testing.T) {
	list := winInterfaces([]winnet.Adapter{
		{IPv6Index: 9, FriendlyName: "v6 only\x1b[31m", IfType: winnet.IfTypeEthernet, Oper: winnet.OperUp, MTU: 1500},
		{Index: 1, FriendlyName: "Loopback Pseudo-Interface 1", IfType: winnet.IfTypeLoopback, Oper: winnet.OperUp, MTU: ^uint32(0)},
		{Index: 3, FriendlyName: "isatap", IfType: winnet.IfTypeTunnel, TunnelType: 13, Oper: winnet.OperDown},
	}, nil)
	if list[0].Index != 9 || strings.ContainsRune(list[0].Name, 0x1b) || list[0].Kind != KindWired {
		t.Errorf("an adapter with IPv4 off takes its IPv6 index; control characters go: %+v", list[0])
	}
	if list[1].MTU != 0 || !list[1].Loopback {
		t.Errorf("loopback %+v", list[1])
	}
	if list[2].Kind != KindOther || !list[2].PointToPoint || list[2].Up {
		t.Errorf("ISATAP %+v", list[2])
	}
}

func TestWinDNSEdges(t *testing.T) {
	adapters := []winnet.Adapter{
		{Index: 7, FriendlyName: "Wi-Fi", IfType: winnet.IfTypeIEEE80211, Oper: winnet.OperUp, IPv4Metric: 35,
			Addresses:  []winnet.Address{{Prefix: pfx("192.168.1.20/24")}},
			DNSServers: []netip.Addr{netip.MustParseAddr("fe80::1"), netip.MustParseAddr("::ffff:192.168.1.1"), netip.MustParseAddr("fec0:0:0:ffff::1"), {}},
			DNSSuffix:  "home.example"},
		{Index: 8, FriendlyName: "Down", Oper: winnet.OperDown, DNSServers: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
	}
	rules := []winnet.NRPTRule{
		{Source: winnet.NRPTLocal, Key: "{all}", Names: []string{"."}, GenericDNSServers: "10.9.9.9", ConfigOptions: 8},
		{Source: winnet.NRPTLocal, Key: "{corp}", Names: []string{".Corp.Example.", "host.lab.example"}, GenericDNSServers: "10.0.0.53;10.0.0.54", ConfigOptions: 8},
	}
	cfg := winDNS(adapters, rules, winnet.GlobalDNS{PrimarySuffix: "ad.example"})
	want := []string{
		"10.9.9.9 nrpt", // "." takes every name: asked first
		"10.0.0.53 nrpt domains=corp.example", "10.0.0.54 nrpt domains=corp.example",
		"10.0.0.53 nrpt domains=host.lab.example", "10.0.0.54 nrpt domains=host.lab.example",
		"fe80::1%7 adapter iface=Wi-Fi", "192.168.1.1 adapter iface=Wi-Fi",
	}
	if got := servers(cfg); !slices.Equal(got, want) {
		t.Errorf("DNS:\n got %q\nwant %q", got, want)
	}
	if !slices.Equal(cfg.Search, []string{"ad.example", "home.example"}) {
		t.Errorf("without a search list Windows devolves the primary and connection suffixes: %q", cfg.Search)
	}
	cfg = winDNS(adapters, nil, winnet.GlobalDNS{PrimarySuffix: "ad.example", SearchList: []string{"corp.example"}})
	if !slices.Equal(cfg.Search, []string{"corp.example"}) {
		t.Errorf("a set search list is the only one: %q", cfg.Search)
	}
	if first, ok := cfg.FirstNonLoopback(); !ok || first.Interface != "Wi-Fi" {
		t.Errorf("%+v", cfg)
	}
}

func TestSplitDNSTables(t *testing.T) {
	local := []winnet.NRPTRule{
		{Source: winnet.NRPTLocal, Key: "{ts}", Names: []string{".tailnet.ts.net", "host.Corp.Example."}, GenericDNSServers: "100.100.100.100", ConfigOptions: 8},
		{Source: winnet.NRPTLocal, Key: "{gp}", Names: []string{".corp.example", "."}, GenericDNSServers: "10.0.0.53; 10.0.0.54;10.0.0.53", ConfigOptions: 8, Comment: "GlobalProtect"},
		{Source: winnet.NRPTLocal, Key: "{da}", Names: []string{".da.example"}, ConfigOptions: 0x4}, // DirectAccess: not ours
		{Source: winnet.NRPTLocal, Key: "{bad}", Names: []string{".bad.example"}, GenericDNSServers: "dns.example", ConfigOptions: 8},
		{Source: winnet.NRPTLocal, Key: "{empty}", Names: []string{".empty.example", " ", "."[:0]}, ConfigOptions: 8},
	}
	got, problems := splitDNS(local)
	var names []string
	for _, d := range got {
		names = append(names, d.Domain)
	}
	if !slices.Equal(names, []string{"tailnet.ts.net", "host.corp.example", "corp.example", "."}) {
		t.Errorf("domains %q", names)
	}
	if !slices.Equal(got[2].Servers, []netip.Addr{netip.MustParseAddr("10.0.0.53"), netip.MustParseAddr("10.0.0.54")}) {
		t.Errorf("%+v", got)
	}
	if len(problems) != 2 || !strings.Contains(problems[0], `"dns.example"`) || !strings.Contains(problems[1], "{empty}") {
		t.Errorf("problems %q", problems)
	}
	policy := append(slices.Clone(local), winnet.NRPTRule{Source: winnet.NRPTPolicy, Key: "{intune}", Names: []string{".intranet.example"}, GenericDNSServers: "172.16.0.10", ConfigOptions: 8})
	got, _ = splitDNS(policy)
	if len(got) != 1 || got[0].Domain != "intranet.example" {
		t.Errorf("a policy rule makes Windows ignore the local table: %+v", got)
	}
}

func TestParseNRPTServers(t *testing.T) {
	s, bad := parseNRPTServers(" 10.0.0.1;10.0.0.2 , fd00::53;;x;fe80::1%eth0;::ffff:10.0.0.1 ")
	if !slices.Equal(s, []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("fd00::53")}) || !slices.Equal(bad, []string{"x", "fe80::1%eth0"}) {
		t.Errorf("%v %q", s, bad)
	}
}

func FuzzParseNRPTServers(f *testing.F) {
	for _, s := range []string{"10.0.0.1;10.0.0.2", "fd00::53, 1.1.1.1", "", ";;", "x;1.2.3.4%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		servers, bad := parseNRPTServers(s)
		for _, a := range servers {
			if !a.IsValid() || a.Zone() != "" || a.Is4In6() {
				t.Fatalf("address %v from %q", a, s)
			}
		}
		for _, b := range bad {
			if b == "" {
				t.Fatalf("empty bad item from %q", s)
			}
		}
		cfg := winDNS(nil, []winnet.NRPTRule{{Source: winnet.NRPTLocal, Key: s, Names: []string{s, "." + s}, GenericDNSServers: s, ConfigOptions: 8}}, winnet.GlobalDNS{})
		checkConfig(t, cfg)
	})
}

// TestWindowsNativeSources reads a whole snapshot the way Windows does, on
// any OS: the API's values (AnyConnect over Wi-Fi) in front of the text
// sources, which are never run; the kernel names the tunnel's address.
func TestWindowsNativeSources(t *testing.T) {
	m := loadWin(t, "winapi-win11-anyconnect-wifi.json")
	cmds := newCmds(t, map[string]reply{"reg": {out: readFixture(t, "windows-reg-internet-settings-disabled-synthetic.txt")}})
	cfg := Config{OS: "windows", FS: mapFS(nil), Exec: cmds, Native: true,
		Dialer: &egressDialer{src4: netip.MustParseAddr("10.21.38.97")},
		native: func(t *tools, text Sources) Sources { return windowsAPISources(t, m.api(), text) },
	}
	snap := Start(t.Context(), cfg).Snapshot(t.Context())
	if len(snap.Problems) != 0 {
		t.Fatalf("problems %+v", snap.Problems)
	}
	if calls := cmds.Calls(); !slices.Equal(calls, []string{"reg query " + internetSettingsKey}) {
		t.Errorf("ran %q: only reg, the API answered the rest", calls)
	}
	if p := snap.Path; p.Interface != "Ethernet 3" || !p.ViaTunnel() || p.Link != "Wi-Fi" || !p.OnWiFi() || p.Router != netip.MustParseAddr("192.168.100.1") || !p.FromKernel {
		t.Errorf("path %+v", p)
	}
	if len(snap.DNS.Servers) != 3 || snap.DNS.Via != "GetAdaptersAddresses" {
		t.Errorf("DNS %+v", snap.DNS)
	}
	want := []Origin{{Part: PartInterfaces, Via: "GetAdaptersAddresses"}, {Part: PartRoutes, Via: "GetIpForwardTable2"}, {Part: PartDNS, Via: "GetAdaptersAddresses"}}
	if !slices.Equal(snap.Origins, want) {
		t.Errorf("origins %+v", snap.Origins)
	}
}

// TestWindowsNativeFallback: where the API fails (GetAdaptersAddresses
// under Wine with a tunnel's on-link default, say), the interfaces and DNS
// servers come from the text sources and the snapshot says so; the routes
// still come from the API, named from the text list by index.
func TestWindowsNativeFallback(t *testing.T) {
	m := loadWin(t, "winapi-win11-anyconnect-wifi.json")
	api := m.api()
	api.Adapters = func() ([]winnet.Adapter, error) {
		return nil, errors.New("GetAdaptersAddresses: The data is invalid.")
	}
	cmds := newCmds(t, map[string]reply{
		"route print":   {out: readFixture(t, "windows-route-print-4.txt")},
		"ipconfig /all": {out: readFixture(t, "windows-ipconfig-all-2.txt")},
		"reg":           {out: readFixture(t, "windows-reg-internet-settings-disabled-synthetic.txt")},
	})
	cfg := Config{OS: "windows", FS: mapFS(nil), Exec: cmds, Native: true,
		ListInterfaces: func() ([]SysInterface, error) {
			return []SysInterface{
				{Index: 1, Name: "Loopback Pseudo-Interface 1", Flags: net.FlagUp | net.FlagRunning | net.FlagLoopback, Addrs: []netip.Prefix{pfx("127.0.0.1/8")}},
				{Index: 6, Name: "Wi-Fi", MTU: 1500, Flags: net.FlagUp | net.FlagRunning, Addrs: []netip.Prefix{pfx("192.168.100.74/24")}},
				{Index: 19, Name: "Ethernet 3", MTU: 1300, Flags: net.FlagUp | net.FlagRunning, Addrs: []netip.Prefix{pfx("10.21.38.97/22")}},
			}, nil
		},
		native: func(t *tools, text Sources) Sources { return windowsAPISources(t, api, text) },
	}
	snap := Start(t.Context(), cfg).Snapshot(t.Context())
	if len(snap.Problems) != 0 {
		t.Fatalf("problems %+v", snap.Problems)
	}
	if e3 := ifaceByName(t, snap.Interfaces, "Ethernet 3"); e3.Kind != KindTunnel {
		t.Errorf("AnyConnect from route print's description: %+v", e3)
	}
	if got := defaultsOf(snap.Routes.Defaults4()); !slices.Equal(got, []string{"Ethernet 3 10.21.38.1 2", "Wi-Fi 192.168.100.1 50"}) {
		t.Errorf("routes from the API, named by index from the text list: %q", got)
	}
	if snap.DNS.Via != "ipconfig /all" {
		t.Errorf("DNS %+v", snap.DNS)
	}
	var fell []string
	for _, o := range snap.Origins {
		if o.FellBack() {
			fell = append(fell, string(o.Part)+" from "+o.Via)
			if o.Failed != "GetAdaptersAddresses" || !strings.Contains(o.Detail, "The data is invalid") {
				t.Errorf("origin %+v does not say why", o)
			}
		}
	}
	if !slices.Equal(fell, []string{"interfaces from net.Interfaces, route print and ipconfig /all", "DNS settings from ipconfig /all"}) {
		t.Errorf("fell back: %q (origins %+v)", fell, snap.Origins)
	}
	// Both fail: one problem naming both.
	api.Routes = func() ([]winnet.Route, error) {
		return nil, errors.New("GetIpForwardTable2 (family 2): Access is denied.")
	}
	cmds = newCmds(t, map[string]reply{"route": {err: errExit1}, "ipconfig": {err: errExit1}, "powershell": notInstalled, "reg": notInstalled})
	cfg.Exec = cmds
	snap = Start(t.Context(), cfg).Snapshot(t.Context())
	problems := map[Part]string{}
	for _, p := range snap.Problems {
		problems[p.Part] = p.Reason
	}
	// The API's error is the OS's text (localised on a real Windows): the
	// problem names the API, not its message.
	if r := problems[PartRoutes]; !strings.HasPrefix(r, "GetIpForwardTable2 failed, and route") || strings.Contains(r, "Access is denied") {
		t.Errorf("problems %+v", snap.Problems)
	}
}
