package netstate

import (
	"net/netip"
	"sort"
	"time"
)

// Snapshot is the machine's network state as one read found it. It is
// plain data: every slice is the snapshot's own, and nothing changes it
// after the read.
type Snapshot struct {
	// TakenAt is when the read started.
	TakenAt time.Time
	// Interfaces are every interface the OS lists, loopback included, in
	// the OS's order.
	Interfaces []Interface
	// Routes are the routing tables as far as they could be read.
	Routes Routes
	// Path is the way internet traffic leaves the machine.
	Path Path
	// DNS is the resolver configuration.
	DNS DNSConfig
	// Proxy is the proxy configuration (environment, then the OS).
	Proxy Proxy
	// Problems name the parts a source could not read, with the reason;
	// those parts are empty or partial.
	Problems []Problem
	// Origins say, for each part read from the OS's own API with its
	// tools' text as the fallback (Windows, macOS), which of the two
	// answered, and why the API did not when the text did.
	Origins []Origin
}

// Origin says which source answered for a part that has more than one.
type Origin struct {
	Part Part
	// Via names what answered ("GetAdaptersAddresses", "routing socket",
	// "route print", "ipconfig /all").
	Via string
	// Failed names the OS's interface that did not answer
	// ("GetAdaptersAddresses", "the routing socket"), "" when it did.
	Failed string
	// Detail is its error as the OS put it, in the OS's words and
	// language: for `wfh netstate` and --debug, never for a report.
	Detail string
}

// FellBack reports whether the part was read from a fallback source.
func (o Origin) FellBack() bool { return o.Failed != "" }

// Part names one part of a snapshot, as Problems and docs name it.
type Part string

const (
	PartInterfaces Part = "interfaces"
	PartRoutes     Part = "routes"
	PartPath       Part = "default path"
	PartDNS        Part = "DNS settings"
	PartProxy      Part = "proxy settings"
)

// Problem is a part that could not be read.
type Problem struct {
	Part Part
	// Reason says why, in words a person can act on ("netstat -rn did not
	// answer within 2 s").
	Reason string
}

// Kind is what a person calls a network connection.
type Kind string

const (
	KindWired    Kind = "wired"
	KindWiFi     Kind = "wifi"
	KindTunnel   Kind = "tunnel" // VPN-like: tun, wg, utun, ppp, ipsec
	KindLoopback Kind = "loopback"
	KindOther    Kind = "other"
)

// Interface is one network interface.
type Interface struct {
	// Index is the OS's interface index (net.Interface.Index), 0 when the
	// source did not give one.
	Index int
	// Name is the interface's name ("en0", "wlp2s0", Windows' connection
	// name "Wi-Fi").
	Name string
	// Description names the adapter's driver where the OS says (Windows:
	// "Intel(R) Wi-Fi 6 AX201"), "" elsewhere.
	Description string
	Kind        Kind
	// Up is true when the interface is administratively up and has a link
	// (running); an unplugged cable or a Wi-Fi adapter not associated is
	// down.
	Up           bool
	PointToPoint bool
	Loopback     bool
	MTU          int
	// MAC is the hardware address in net.HardwareAddr's form, "" when the
	// interface has none (tunnels, loopback).
	MAC string
	// Addrs are the interface's addresses with their prefix lengths;
	// IPv6 link-local ones without their zone.
	Addrs []netip.Prefix
}

// Usable reports whether the interface has an address a connection to the
// internet can use: not loopback, link-local, multicast or unspecified.
func (i Interface) Usable() bool {
	for _, p := range i.Addrs {
		if globalAddr(p.Addr()) {
			return true
		}
	}
	return false
}

// HasGlobal reports whether the interface has a usable address of the
// family (v6 true for IPv6).
func (i Interface) HasGlobal(v6 bool) bool {
	for _, p := range i.Addrs {
		a := p.Addr()
		if a.Is4() != v6 && globalAddr(a) {
			return true
		}
	}
	return false
}

// Has reports whether a is one of the interface's addresses.
func (i Interface) Has(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, p := range i.Addrs {
		if p.Addr().WithZone("") == a {
			return true
		}
	}
	return false
}

func globalAddr(a netip.Addr) bool {
	return a.IsValid() && !a.IsLoopback() && !a.IsLinkLocalUnicast() && !a.IsMulticast() && !a.IsUnspecified()
}

// Route is one row of a routing table.
type Route struct {
	// Dst is the destination prefix; 0.0.0.0/0 or ::/0 for a default route.
	Dst netip.Prefix
	// Gateway is the next hop, invalid for a route on the link itself
	// (a point-to-point tunnel, the local subnet).
	Gateway netip.Addr
	// Interface names the interface the route uses. In a Snapshot it is
	// always a name; the parsers of Windows' route print give the
	// interface's own IPv4 address for IPv4 routes and "if<index>" for
	// IPv6 ones, which the read maps to names.
	Interface string
	// Metric orders routes to the same destination, lowest first. macOS
	// prints none: there it is the row's position in its table.
	Metric int
	// Scoped marks a route bound to its interface (macOS's netstat flag
	// "I"): it is used only by traffic that is already bound to that
	// interface, so a scoped default route is not the machine's default.
	Scoped bool
}

// Default reports whether r is a default route the machine uses for
// traffic not bound to an interface: destination /0, not scoped.
func (r Route) Default() bool { return r.Dst.IsValid() && r.Dst.Bits() == 0 && !r.Scoped }

// Defaults returns the default routes of rs, lowest metric first (stable
// for equal metrics, so the table's own order breaks ties).
func Defaults(rs []Route) []Route {
	var out []Route
	for _, r := range rs {
		if r.Default() {
			out = append(out, r)
		}
	}
	SortByMetric(out)
	return out
}

// SortByMetric orders rs by metric, keeping the table order among equals.
func SortByMetric(rs []Route) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Metric < rs[j].Metric })
}

// Routes are the machine's IPv4 and IPv6 routes, in table order. On Linux
// they are the main table only: the tables policy rules select (wg-quick's
// 51820) are not readable from /proc; Path asks the kernel instead.
type Routes struct {
	V4, V6 []Route
}

// Defaults4 and Defaults6 return the default routes of each family, lowest
// metric first. Linux's loopback reject route is not a way out and is left
// out.
func (r Routes) Defaults4() []Route { return Defaults(r.V4) }
func (r Routes) Defaults6() []Route {
	var out []Route
	for _, d := range Defaults(r.V6) {
		if d.Interface != "lo" {
			out = append(out, d)
		}
	}
	return out
}

// Path is the way internet traffic leaves the machine: the interface the
// kernel picks for an internet address (with every policy rule applied,
// which a main-table lookup misses), and the home router behind it.
type Path struct {
	// Interface is where internet traffic leaves, "" when there is no route
	// to the internet. With a full-tunnel VPN up it is the tunnel.
	Interface string
	Kind      Kind
	// Gateway is the next hop on Interface, invalid when the route is on
	// the link (tunnels usually) or unknown.
	Gateway netip.Addr
	// Family is "ipv4" or "ipv6": which family Interface was found for
	// (IPv4 when both have a route).
	Family string
	// Link is the physical connection beneath: Interface itself, or, when
	// Interface is a tunnel, the interface of the best default route that
	// is not a tunnel (the connection the VPN's packets leave by). ""
	// when unknown.
	Link     string
	LinkKind Kind
	// Router is the home router: the gateway of Link (invalid when none).
	Router netip.Addr
	// Via4 and Via6 are the interfaces the kernel picks for an IPv4 and an
	// IPv6 internet address, "" when the family has no route or the kernel
	// could not be asked: a split-tunnel VPN may take one family and not
	// the other.
	Via4, Via6 string
	// FromKernel is true when the kernel named the interface; false when
	// the path was taken from the main route table because the kernel
	// could not be asked.
	FromKernel bool
}

// Known reports whether a way to the internet was found.
func (p Path) Known() bool { return p.Interface != "" }

// ViaTunnel reports whether internet traffic goes through a tunnel (a
// full-tunnel VPN).
func (p Path) ViaTunnel() bool { return p.Kind == KindTunnel }

// OnWiFi reports whether the connection beneath is Wi-Fi: only then does
// advice about Wi-Fi (move closer, use a cable) fit.
func (p Path) OnWiFi() bool { return p.LinkKind == KindWiFi }

// Wired reports whether the connection beneath is wired.
func (p Path) Wired() bool { return p.LinkKind == KindWired }
