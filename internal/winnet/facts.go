package winnet

import (
	"net/netip"
	"slices"
	"strings"
)

// Kind is what a person calls a network connection. The values are the
// network snapshot's.
type Kind string

const (
	KindWired    Kind = "wired"
	KindWiFi     Kind = "wifi"
	KindTunnel   Kind = "tunnel" // VPN-like
	KindLoopback Kind = "loopback"
	KindOther    Kind = "other" // virtual machines' switches, Bluetooth, mobile broadband, IPv6 transition tunnels
)

// Interface is an adapter as the network snapshot describes it.
type Interface struct {
	// Index is the interface index (the IPv4 one, else the IPv6 one).
	Index uint32
	// Name is the connection's name as the user sees it (FriendlyName,
	// localised: "Wi-Fi", "WLAN", "以太网").
	Name string
	// Description names the driver.
	Description string
	// Kind is what kind of link the adapter is; KindFrom says what decided
	// it ("IfType 71", "description").
	Kind     Kind
	KindFrom string
	// VPN names the VPN client the adapter belongs to ("WireGuard",
	// "Cisco AnyConnect"), "" when none was recognised.
	VPN string
	// Up reports whether the adapter is operational.
	Up  bool
	MTU uint32
	// MAC is "" for adapters without one.
	MAC string
	// Addrs are the unicast addresses with their prefix lengths;
	// Temporary lists those of them that are IPv6 privacy addresses.
	Addrs, Temporary []netip.Prefix
	// Gateways are the adapter's default gateways.
	Gateways []netip.Addr
}

// Interfaces describes every adapter, in the API's order.
func Interfaces(adapters []Adapter) []Interface {
	out := make([]Interface, 0, len(adapters))
	for _, a := range adapters {
		kind, vpn, from := Classify(a)
		ifc := Interface{
			Index:       a.Index,
			Name:        a.FriendlyName,
			Description: a.Description,
			Kind:        kind,
			KindFrom:    from,
			VPN:         vpn,
			Up:          a.Up(),
			MTU:         a.MTU,
			MAC:         a.MAC,
			Gateways:    slices.Clone(a.Gateways),
		}
		if ifc.Index == 0 {
			ifc.Index = a.IPv6Index
		}
		for _, ad := range a.Addresses {
			ifc.Addrs = append(ifc.Addrs, ad.Prefix)
			if ad.Temporary() {
				ifc.Temporary = append(ifc.Temporary, ad.Prefix)
			}
		}
		out = append(out, ifc)
	}
	return out
}

// GatewaysFromRoutes fills the Gateways of the adapters marked NoGateways
// with the next hops of their default routes, as Windows itself would
// list them.
func GatewaysFromRoutes(adapters []Adapter, routes []Route) {
	byIndex := adapterIndex(adapters)
	for _, r := range routes {
		a, ok := byIndex[r.Index]
		if !ok || !a.NoGateways || !r.Default() || !r.NextHop.IsValid() || slices.Contains(a.Gateways, r.NextHop) {
			continue
		}
		a.Gateways = append(a.Gateways, r.NextHop)
	}
}

// vpnRule recognises a VPN client's adapter by words of its description.
// Phrases match anywhere in the lower-cased description; words match whole
// words only, because short ones ("tap", "tun") are parts of longer words.
type vpnRule struct {
	vpn     string
	phrases []string
	words   []string
}

// vpnRules are tried in order. The descriptions are those the clients'
// drivers install (see testdata/README.md): most VPN clients bring a
// virtual Ethernet adapter (IfType 6), so the type alone cannot tell
// them from a wired port.
var vpnRules = []vpnRule{
	{vpn: "WireGuard", phrases: []string{"wireguard"}},         // "WireGuard Tunnel" (WireGuardNT)
	{vpn: "Tailscale", phrases: []string{"tailscale"}},         // "Tailscale Tunnel" (Wintun)
	{vpn: "NordVPN", phrases: []string{"nordlynx", "nordvpn"}}, // "NordLynx Tunnel", "TAP-NordVPN Windows Adapter V9"
	{vpn: "ProtonVPN", phrases: []string{"protonvpn"}},         // "TAP-ProtonVPN Windows Adapter V9"
	{vpn: "OpenVPN", phrases: []string{"openvpn", "tap-windows"}, words: []string{"tap0901"}},
	{vpn: "Cisco AnyConnect", phrases: []string{"anyconnect", "cisco secure client"}},
	{vpn: "GlobalProtect", phrases: []string{"pangp", "globalprotect"}},
	{vpn: "FortiClient", phrases: []string{"fortinet", "forticlient"}},
	{vpn: "Zscaler", phrases: []string{"zscaler"}},
	{vpn: "Ivanti Secure Access", phrases: []string{"juniper", "pulse secure", "ivanti"}},
	{vpn: "Check Point", phrases: []string{"check point", "checkpoint"}},
	{vpn: "SonicWall", phrases: []string{"sonicwall", "netextender"}},
	{vpn: "ZeroTier", phrases: []string{"zerotier"}},
	{vpn: "Windows VPN", phrases: []string{"wan miniport"}}, // the built-in client's PPP adapter
	// A Wintun adapter is a VPN client's whatever its name; "tap" and
	// "tun" alone are the generic TAP/TUN drivers.
	{vpn: "Wintun", phrases: []string{"wintun"}},
	{vpn: "VPN", phrases: []string{"vpn", "virtual miniport"}, words: []string{"tap", "tun", "tunnel"}},
}

// virtualPhrases mark adapters that are neither the user's connection nor
// a VPN: hypervisors' switches and host-only networks, Bluetooth PAN, the
// virtual companions of a Wi-Fi adapter, packet-capture loopbacks.
var virtualPhrases = []string{
	"hyper-v virtual", "vmware", "virtualbox", "host-only", "bluetooth", "kernel debug",
	"npcap", "wi-fi direct", "hosted network", "loopback",
}

// Classify tells what kind of link an adapter is, the VPN client it
// belongs to ("" if none), and what decided ("IfType 71", "description").
// The interface type decides where it can (loopback, Wi-Fi, PPP, Windows'
// layer-3 virtual adapters); the description decides for the virtual
// Ethernet adapters VPN clients and hypervisors install, which say
// IfTypeEthernet like a real port.
func Classify(a Adapter) (kind Kind, vpn, from string) {
	desc := strings.ToLower(a.Description)
	if a.IfType == IfTypeLoopback {
		return KindLoopback, "", "IfType 24"
	}
	for _, p := range virtualPhrases {
		// "Hyper-V Network Adapter" (no "virtual") is a guest's own NIC:
		// wired, as its VM sees it.
		if strings.Contains(desc, p) {
			return KindOther, "", "description"
		}
	}
	if v := recogniseVPN(desc); v != "" {
		return KindTunnel, v, "description"
	}
	switch a.IfType {
	case IfTypeIEEE80211:
		return KindWiFi, "", "IfType 71"
	case IfTypePPP:
		// Dial-up and the built-in VPN client's connections; a PPPoE
		// broadband link also says PPP, but runs on a machine's router,
		// not on a home worker's laptop.
		return KindTunnel, "Windows VPN", "IfType 23"
	case IfTypeTunnel:
		if a.TunnelType == TunnelTypeIPHTTPS {
			return KindTunnel, "DirectAccess", "IfType 131"
		}
		// Teredo, ISATAP and 6to4 carry IPv6 over IPv4: never a VPN.
		return KindOther, "", "IfType 131"
	case IfTypePropVirtual:
		// A layer-3 virtual adapter (Wintun, WireGuardNT, OpenVPN DCO)
		// whose description named no client: still a tunnel.
		return KindTunnel, "", "IfType 53"
	case IfTypeWWANPP, IfTypeWWANPP2:
		return KindOther, "", "IfType " + itoa(uint64(a.IfType))
	case IfTypeEthernet:
		// A USB Wi-Fi stick with an old driver may say Ethernet.
		if strings.Contains(desc, "wireless") || strings.Contains(desc, "wi-fi") || strings.Contains(desc, "802.11") {
			return KindWiFi, "", "description"
		}
		return KindWired, "", "IfType 6"
	case IfTypeOther:
		// Wine names adapters after their Linux devices and gives a TUN
		// device (WireGuard, OpenVPN) IfType 1.
		if tunnelName(a.FriendlyName) || tunnelName(a.Description) {
			return KindTunnel, "", "name"
		}
	}
	return KindOther, "", "IfType " + itoa(uint64(a.IfType))
}

// tunnelNamePrefixes are Linux device names of tunnels, as Wine shows
// them.
var tunnelNamePrefixes = []string{"wg", "tun", "tap", "ppp", "tailscale", "nordlynx", "cscotun", "gpd", "vpn"}

func tunnelName(name string) bool {
	lower := strings.ToLower(name)
	for _, p := range tunnelNamePrefixes {
		if rest, ok := strings.CutPrefix(lower, p); ok && (rest == "" || rest[0] >= '0' && rest[0] <= '9' || p == "tailscale" || p == "nordlynx") {
			return true
		}
	}
	return false
}

func recogniseVPN(desc string) string {
	words := strings.FieldsFunc(desc, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	for _, r := range vpnRules {
		for _, p := range r.phrases {
			if strings.Contains(desc, p) {
				return r.vpn
			}
		}
		for _, w := range r.words {
			if slices.Contains(words, w) {
				return r.vpn
			}
		}
	}
	return ""
}

// DefaultRoute is a default route with the names the snapshot shows.
type DefaultRoute struct {
	// Dst is 0.0.0.0/0 or ::/0.
	Dst netip.Prefix
	// Gateway is the next hop, invalid for an on-link default (a
	// WireGuard or Wintun tunnel routes 0.0.0.0/0 to itself).
	Gateway netip.Addr
	// Index is the interface's; Interface its FriendlyName, "" when no
	// adapter has the index.
	Index     uint32
	Interface string
	Kind      Kind
	// Metric is the effective metric (route plus interface), lowest first.
	Metric uint64
}

// DefaultRoutes returns the default routes of adapters that are up,
// lowest effective metric first (stable, so the table's order breaks
// ties), IPv4 and IPv6 together. A route of an adapter the list does not
// know is kept: the route table is the kernel's truth. Where Windows did
// not give a route's interface metric, the adapter's is used.
func DefaultRoutes(routes []Route, adapters []Adapter) []DefaultRoute {
	byIndex := adapterIndex(adapters)
	var out []DefaultRoute
	for _, r := range routes {
		if !r.Default() {
			continue
		}
		d := DefaultRoute{Dst: r.Dst, Gateway: r.NextHop, Index: r.Index, Metric: r.Metric()}
		if a, ok := byIndex[r.Index]; ok {
			if !a.Up() {
				continue
			}
			d.Interface = a.FriendlyName
			d.Kind, _, _ = Classify(*a)
			if r.NoInterfaceMetric {
				m := a.IPv4Metric
				if r.Dst.Addr().Is6() {
					m = a.IPv6Metric
				}
				d.Metric = uint64(r.RouteMetric) + uint64(m)
			}
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b DefaultRoute) int {
		switch {
		case a.Metric < b.Metric:
			return -1
		case a.Metric > b.Metric:
			return 1
		}
		return 0
	})
	return out
}

// HalfDefaults returns the interfaces that hold both halves of an address
// family's space (0.0.0.0/1 and 128.0.0.0/1, or ::/1 and 8000::/1): the
// full tunnel OpenVPN ("def1") and other clients install to override the
// default route without replacing it. The result maps an interface index
// to the families it covers ("ipv4", "ipv6").
func HalfDefaults(routes []Route) map[uint32][]string {
	low4, high4 := netip.MustParsePrefix("0.0.0.0/1"), netip.MustParsePrefix("128.0.0.0/1")
	low6, high6 := netip.MustParsePrefix("::/1"), netip.MustParsePrefix("8000::/1")
	type key struct {
		index uint32
		half  netip.Prefix
	}
	have := map[key]bool{}
	for _, r := range routes {
		have[key{r.Index, r.Dst}] = true
	}
	out := map[uint32][]string{}
	for k := range have {
		switch k.half {
		case low4:
			if have[key{k.index, high4}] {
				out[k.index] = append(out[k.index], "ipv4")
			}
		case low6:
			if have[key{k.index, high6}] {
				out[k.index] = append(out[k.index], "ipv6")
			}
		}
	}
	for i := range out {
		slices.Sort(out[i])
	}
	return out
}

// DNSServer is a DNS server of an adapter.
type DNSServer struct {
	Addr netip.Addr
	// Index, Interface (FriendlyName) and Kind are the adapter's.
	Index     uint32
	Interface string
	Kind      Kind
	// Suffix is the adapter's connection-specific DNS suffix; Search its
	// own search list.
	Suffix string
	Search []string
}

// DNSServersOf lists the DNS servers of the adapters that are up, in the
// order Windows asks them: adapters by interface metric, lowest first
// (Windows 10 and later order them so), each adapter's servers in its own
// order. Unlike Go's resolver, adapters without a gateway count: a
// WireGuard or Tailscale tunnel has none, and its server is the one that
// answers the tunnel's names. The fec0:0:0:ffff::1-3 placeholders Windows
// lists on adapters without IPv6 DNS (the whole deprecated site-local
// fec0::/10, as Go skips it) are left out.
func DNSServersOf(adapters []Adapter) []DNSServer {
	order := make([]int, 0, len(adapters))
	for i := range adapters {
		if adapters[i].Up() && adapters[i].IfType != IfTypeLoopback {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(i, j int) int {
		mi, mj := adapterMetric(adapters[i]), adapterMetric(adapters[j])
		switch {
		case mi < mj:
			return -1
		case mi > mj:
			return 1
		}
		return 0
	})
	var out []DNSServer
	for _, i := range order {
		a := adapters[i]
		kind, _, _ := Classify(a)
		index := a.Index
		if index == 0 {
			index = a.IPv6Index
		}
		for _, s := range a.DNSServers {
			if !s.IsValid() || siteLocal(s) {
				continue
			}
			out = append(out, DNSServer{
				Addr: s.WithZone(""), Index: index, Interface: a.FriendlyName, Kind: kind,
				Suffix: a.DNSSuffix, Search: slices.Clone(a.SearchSuffixes),
			})
		}
	}
	return out
}

// adapterMetric is the lower of an adapter's interface metrics among the
// families it has addresses in.
func adapterMetric(a Adapter) uint32 {
	m := ^uint32(0)
	for _, ad := range a.Addresses {
		v := a.IPv6Metric
		if ad.Prefix.Addr().Is4() {
			v = a.IPv4Metric
		}
		m = min(m, v)
	}
	return m
}

// siteLocal reports whether a is in fec0::/10.
func siteLocal(a netip.Addr) bool {
	if !a.Is6() || a.Is4In6() {
		return false
	}
	b := a.As16()
	return b[0] == 0xfe && b[1]&0xc0 == 0xc0
}

func adapterIndex(adapters []Adapter) map[uint32]*Adapter {
	m := make(map[uint32]*Adapter, 2*len(adapters))
	for i := range adapters {
		a := &adapters[i]
		if a.Index != 0 {
			m[a.Index] = a
		}
		if a.IPv6Index != 0 {
			m[a.IPv6Index] = a
		}
	}
	return m
}

// SplitDomain is a namespace an NRPT rule sends to its own DNS servers.
type SplitDomain struct {
	// Domain is the namespace without a leading dot ("corp.example"), or
	// "." for every name (a rule that takes over all DNS).
	Domain string
	// Exact is set when the rule names one host ("host.corp.example"
	// without a leading dot), not a suffix.
	Exact bool
	// Servers answer the domain's names.
	Servers []netip.Addr
	// Source, Key and Comment are the rule's.
	Source, Key, Comment string
}

// SplitDNS returns the split-DNS domains of the NRPT rules Windows uses:
// the policy table's when it holds any rule (Windows then ignores the
// local table), else the local table's. Only rules that send their names
// to servers of their own count (ConfigOptions with NRPTGenericServers);
// DirectAccess and DNSSEC-only rules do not. Problems name rules that
// could not be used, in words.
func SplitDNS(rules []NRPTRule) (domains []SplitDomain, problems []string) {
	source := NRPTLocal
	for _, r := range rules {
		if r.Source == NRPTPolicy {
			source = NRPTPolicy
			break
		}
	}
	for _, r := range rules {
		if r.Source != source || r.ConfigOptions&NRPTGenericServers == 0 {
			continue
		}
		servers, bad := ParseServerList(r.GenericDNSServers)
		for _, b := range bad {
			problems = append(problems, "NRPT rule "+r.Key+" names the DNS server "+quote(b)+", which is not an IP address")
		}
		if len(servers) == 0 {
			if len(bad) == 0 {
				problems = append(problems, "NRPT rule "+r.Key+" names no DNS server")
			}
			continue
		}
		for _, n := range r.Names {
			n = strings.TrimSpace(n)
			if n == "" {
				continue
			}
			d := SplitDomain{Servers: servers, Source: r.Source, Key: r.Key, Comment: r.Comment}
			switch {
			case n == ".":
				d.Domain = "."
			case strings.HasPrefix(n, "."):
				d.Domain = strings.ToLower(strings.TrimRight(n[1:], "."))
			default:
				d.Domain, d.Exact = strings.ToLower(strings.TrimRight(n, ".")), true
			}
			if d.Domain == "" {
				continue
			}
			domains = append(domains, d)
		}
	}
	return domains, problems
}

// ParseServerList reads an NRPT GenericDNSServers value: addresses
// separated by ";" (Windows' own tools) or "," and spaces (some clients).
// bad holds the items that are not addresses.
func ParseServerList(s string) (servers []netip.Addr, bad []string) {
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '\t' }) {
		a, err := netip.ParseAddr(item)
		if err != nil {
			bad = append(bad, item)
			continue
		}
		if !slices.Contains(servers, a) {
			servers = append(servers, a)
		}
	}
	return servers, bad
}

// ParseSearchList reads a registry SearchList value: suffixes separated
// by "," (Windows' own form) or spaces, without empty items, duplicates
// or trailing dots, in order.
func ParseSearchList(s string) []string {
	var out []string
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == ';' }) {
		item = strings.ToLower(strings.TrimRight(item, "."))
		if item != "" && !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out
}

// GlobalDNS is the machine-wide DNS naming of Windows.
type GlobalDNS struct {
	// PrimarySuffix is the computer's primary DNS suffix (a domain-joined
	// machine's domain).
	PrimarySuffix string
	// SearchList is the suffix search list when one is set (by policy or
	// by hand); empty means Windows devolves the primary and the
	// connection-specific suffixes instead.
	SearchList []string
}

// quote writes s in double quotes, cut short and without control
// characters, for a problem line.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	n := 0
	for _, r := range s {
		if n == 60 {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	b.WriteByte('"')
	return b.String()
}
