package darwinnet

import (
	"context"
	"math/bits"
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
	KindTunnel   Kind = "tunnel" // VPN-like: utun, ipsec, ppp
	KindLoopback Kind = "loopback"
	KindOther    Kind = "other" // Apple peer links, bridges, 6to4, cellular, and en* interfaces whose type was not asked
)

// Interface is a link as the network snapshot describes it.
type Interface struct {
	Index int
	Name  string
	// Kind is what kind of link it is; KindFrom says what decided
	// ("type", "name", "ipconfig getsummary", "not asked").
	Kind     Kind
	KindFrom string
	// Up is set when the interface is up and running.
	Up           bool
	PointToPoint bool
	MTU          int
	MAC          string
	// Addrs are the addresses with their prefix lengths.
	Addrs []netip.Prefix
}

// Interfaces describes the links, in the kernel's order. types maps an
// interface's name to what `ipconfig getsummary` called it (TypesOf);
// nil when it could not be asked.
func Interfaces(links []Link, addrs []Addr, types map[string]string) []Interface {
	out := make([]Interface, 0, len(links))
	for _, l := range links {
		kind, from := Classify(l, types)
		ifc := Interface{
			Index: l.Index, Name: l.Name, Kind: kind, KindFrom: from,
			Up:           l.Flags&IFFUp != 0 && l.Flags&IFFRunning != 0,
			PointToPoint: l.Flags&IFFPointToPoint != 0,
			MTU:          l.MTU, MAC: l.MAC,
		}
		for _, a := range addrs {
			if a.Index == l.Index {
				ifc.Addrs = append(ifc.Addrs, netip.PrefixFrom(a.Addr, maskBits(a.Addr, a.Mask)))
			}
		}
		out = append(out, ifc)
	}
	return out
}

// tunnelNames are the macOS interface names of VPN-like links: utun
// (every Network Extension VPN, WireGuard, Tailscale, OpenVPN Connect,
// and the system's own iCloud Private Relay and Continuity tunnels),
// ipsec (the built-in IKEv2 and Cisco IPSec clients), ppp (L2TP, PPTP),
// tun/tap (old kernel-extension VPNs such as Tunnelblick's).
var tunnelNames = []string{"utun", "ipsec", "ppp", "tun", "tap"}

// peerNames are Apple's peer-to-peer links: AWDL (AirDrop, Sidecar,
// Continuity) and its low-latency companion llw. They ride on the Wi-Fi
// radio but never carry the user's traffic to the internet.
var peerNames = []string{"awdl", "llw"}

// otherNames are interfaces that are never the user's connection: the
// T2 chip's and Apple silicon's internal links (anpi, and the iBridge
// NCM port appears as en), Wi-Fi Direct (p2p), the personal hotspot's
// access point (ap), bridges, virtualisation switches, packet taps, USB
// debug ports (XHC), 6to4 and gif.
var otherNames = []string{"anpi", "p2p", "ap", "bridge", "vmenet", "vmnet", "pktap", "xhc", "gif", "stf", "feth"}

// Classify tells what kind of link l is and what decided. Type and name
// decide for loopback, tunnels, Apple's peer links and the other
// never-user links; an Ethernet-type en* interface is Wi-Fi or wired as
// `ipconfig getsummary` says in types, and KindOther ("not asked") when
// types has no word for it.
func Classify(l Link, types map[string]string) (Kind, string) {
	name := strings.ToLower(l.Name)
	if l.Type == IFTLoop || l.Flags&IFFLoopback != 0 {
		return KindLoopback, "type"
	}
	for _, p := range peerNames {
		if hasNumberedPrefix(name, p) {
			return KindOther, "name"
		}
	}
	if l.Type == IFTPPP {
		return KindTunnel, "type"
	}
	for _, p := range tunnelNames {
		if hasNumberedPrefix(name, p) {
			return KindTunnel, "name"
		}
	}
	switch l.Type {
	case IFTGIF, IFTSTF, IFTBridge, IFTCellular:
		return KindOther, "type"
	case IFTIEEE80211:
		return KindWiFi, "type"
	}
	for _, p := range otherNames {
		if hasNumberedPrefix(name, p) {
			return KindOther, "name"
		}
	}
	if l.Type == IFTOther && l.Flags&IFFPointToPoint != 0 {
		return KindTunnel, "type" // a point-to-point link of another name
	}
	if t, ok := types[l.Name]; ok {
		switch strings.ToLower(t) {
		case "wifi":
			return KindWiFi, "ipconfig getsummary"
		case "ethernet":
			return KindWired, "ipconfig getsummary"
		}
		return KindOther, "ipconfig getsummary"
	}
	if l.Type == IFTL2VLAN || l.Type == IFTBond {
		return KindWired, "type"
	}
	return KindOther, "not asked"
}

// hasNumberedPrefix reports whether name is prefix followed by a number
// (or nothing): "utun3", "ppp0", "awdl0", not "tunnelbroker".
func hasNumberedPrefix(name, prefix string) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return false
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// NeedsType reports whether Classify needs `ipconfig getsummary` to tell
// l's kind: an Ethernet-type interface that is up, of no name that
// already decides.
func NeedsType(l Link) bool {
	if l.Type != IFTEther || l.Flags&IFFUp == 0 {
		return false
	}
	k, from := Classify(l, nil)
	return k == KindOther && from == "not asked"
}

// Runner runs a program and returns its standard output, as
// checks.Commander's Run does.
type Runner func(ctx context.Context, name string, args ...string) ([]byte, error)

// TypesOf asks `ipconfig getsummary NAME` for each link that NeedsType and
// returns the InterfaceType each answered ("WiFi", "Ethernet"). A link
// whose command fails or names no type is left out, so Classify says
// "not asked" for it.
func TypesOf(ctx context.Context, run Runner, links []Link) map[string]string {
	types := map[string]string{}
	for _, l := range links {
		if !NeedsType(l) || ctx.Err() != nil {
			continue
		}
		out, err := run(ctx, "ipconfig", "getsummary", l.Name)
		if err != nil {
			continue
		}
		if t := ParseSummaryType(string(out)); t != "" {
			types[l.Name] = t
		}
	}
	return types
}

// ParseSummaryType returns the InterfaceType of `ipconfig getsummary`'s
// output, a dictionary printed as
//
//	<dictionary> {
//	  InterfaceType : WiFi
//	  LinkStatusActive : TRUE
//	  ...
//	}
//
// or "" when it has none. Only the outer dictionary's key counts: nested
// dictionaries are indented further.
func ParseSummaryType(out string) string {
	depth := 0
	for _, raw := range strings.Split(out, "\n") {
		line := strings.TrimSpace(strings.TrimRight(raw, "\r"))
		if depth == 1 {
			if k, v, ok := strings.Cut(line, " : "); ok && strings.TrimSpace(k) == "InterfaceType" {
				v = strings.TrimSpace(v)
				if v != "" && !strings.ContainsAny(v, "{}<> ") && len(v) <= 32 {
					return v
				}
			}
		}
		if strings.HasSuffix(line, "{") {
			depth++
		} else if line == "}" && depth > 0 {
			depth--
		}
	}
	return ""
}

// Route is a route as the network snapshot shows it.
type Route struct {
	// Dst is the destination prefix; 0.0.0.0/0 or ::/0 for a default.
	Dst netip.Prefix
	// Gateway is the next hop, invalid for an on-link route.
	Gateway netip.Addr
	// Index and Interface name the interface ("" when the link list does
	// not know the index).
	Index     int
	Interface string
	// Scoped marks an interface-scoped route (RTF_IFSCOPE, "I" in netstat
	// -rn): macOS keeps one per network service so that traffic bound to
	// that interface can leave, and uses it for nothing else. A scoped
	// default is never the machine's default route.
	Scoped bool
	// Flags are the RTF_* flags.
	Flags int
}

// Default reports whether r is a default route, scoped or not.
func (r Route) Default() bool { return r.Dst.IsValid() && r.Dst.Bits() == 0 }

// Routes converts the kernel's route messages, in table order. Neighbour
// entries (ARP and NDP rows with a link-layer gateway) are left out: they
// are the kernel's cache, not routes anyone installed.
func Routes(msgs []RouteMsg, links []Link) []Route {
	names := make(map[int]string, len(links))
	for _, l := range links {
		names[l.Index] = l.Name
	}
	out := make([]Route, 0, len(msgs))
	for _, m := range msgs {
		if !m.Dst.IsValid() || m.GatewayMAC != "" || m.Flags&RTFLLInfo != 0 && m.Flags&RTFWasCloned != 0 {
			continue
		}
		bits := m.Dst.BitLen()
		if m.Flags&RTFHost == 0 && m.Mask.IsValid() {
			bits = maskBits(m.Dst, m.Mask)
		}
		dst := netip.PrefixFrom(m.Dst.WithZone(""), bits).Masked()
		r := Route{Dst: dst, Index: m.Index, Interface: names[m.Index], Scoped: m.Flags&RTFIfScope != 0, Flags: m.Flags}
		if m.Gateway.IsValid() && !m.Gateway.IsUnspecified() && m.Flags&RTFGateway != 0 {
			r.Gateway = m.Gateway.WithZone("")
		}
		out = append(out, r)
	}
	return out
}

// Defaults returns the machine's default routes: unscoped, up, and
// neither reject nor blackhole, IPv4 before IPv6, each family in table
// order. macOS keeps one unscoped default per family, the primary
// service's; a VPN that takes all traffic installs its own (or the
// 0/1 and 128/1 halves, see HalfDefaults).
func Defaults(routes []Route) []Route {
	var v4, v6 []Route
	for _, r := range routes {
		if !r.Default() || r.Scoped || r.Flags&RTFUp == 0 || r.Flags&(RTFReject|RTFBlackhole) != 0 {
			continue
		}
		if r.Dst.Addr().Is4() {
			v4 = append(v4, r)
		} else {
			v6 = append(v6, r)
		}
	}
	return append(v4, v6...)
}

// ScopedDefaults returns the interface-scoped default routes: one per
// connected network service (Wi-Fi and Ethernet both have one when both
// are connected), shown so, never taken as the machine's.
func ScopedDefaults(routes []Route) []Route {
	var out []Route
	for _, r := range routes {
		if r.Default() && r.Scoped {
			out = append(out, r)
		}
	}
	return out
}

// HalfDefaults returns the interfaces that hold both halves of an address
// family's space (0.0.0.0/1 and 128.0.0.0/1, or ::/1 and 8000::/1)
// unscoped: the full tunnel OpenVPN ("def1") and other VPNs install to
// override the default route without replacing it. The result maps an
// interface name to the families it covers ("ipv4", "ipv6").
func HalfDefaults(routes []Route) map[string][]string {
	halves := map[string]map[netip.Prefix]bool{}
	for _, r := range routes {
		if r.Scoped || r.Dst.Bits() != 1 {
			continue
		}
		if halves[r.Interface] == nil {
			halves[r.Interface] = map[netip.Prefix]bool{}
		}
		halves[r.Interface][r.Dst] = true
	}
	out := map[string][]string{}
	for name, h := range halves {
		if h[netip.MustParsePrefix("0.0.0.0/1")] && h[netip.MustParsePrefix("128.0.0.0/1")] {
			out[name] = append(out[name], "ipv4")
		}
		if h[netip.MustParsePrefix("::/1")] && h[netip.MustParsePrefix("8000::/1")] {
			out[name] = append(out[name], "ipv6")
		}
		if len(out[name]) == 0 {
			delete(out, name)
		}
	}
	return out
}

// maskBits is the prefix length of a netmask for addr: the leading ones
// of a contiguous mask of addr's family. A mask of the other family (the
// kernel's short form can look like one) or a non-contiguous mask gives
// the full length, a host.
func maskBits(addr, mask netip.Addr) int {
	full := addr.BitLen()
	if !mask.IsValid() || mask.BitLen() != full {
		return full
	}
	b := mask.AsSlice()
	ones := 0
	for i, v := range b {
		if v == 0xff {
			ones += 8
			continue
		}
		n := bits.LeadingZeros8(^v)
		if v<<n != 0 {
			return full
		}
		ones += n
		if slices.ContainsFunc(b[i+1:], func(x byte) bool { return x != 0 }) {
			return full
		}
		break
	}
	return ones
}
