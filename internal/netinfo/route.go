// Package netinfo reads the machine's routing tables and tells what kind
// of link a network interface is, from each operating system's own tools:
// Linux's /proc/net/route and /proc/net/ipv6_route, macOS's netstat -rn and
// ifconfig, Windows' route print. The parsers are pure, so every OS's
// output is tested on any machine; the network and vpn checks share them.
package netinfo

import (
	"net/netip"
	"sort"
)

// Route is one row of a routing table.
type Route struct {
	// Dst is the destination prefix; 0.0.0.0/0 or ::/0 for a default route.
	Dst netip.Prefix
	// Gateway is the next hop, invalid for a route on the link itself
	// (a point-to-point tunnel, the local subnet).
	Gateway netip.Addr
	// Interface names the interface the route uses. Linux and macOS give
	// its name; Windows' route print gives the interface's own IPv4
	// address for IPv4 routes and "if<index>" for IPv6 ones, which callers
	// map to names with the interface list.
	Interface string
	// Metric orders routes to the same destination, lowest first. macOS
	// prints none: there it is the row's position in its table.
	Metric int
}

// Default reports whether r is a default route.
func (r Route) Default() bool { return r.Dst.IsValid() && r.Dst.Bits() == 0 }

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
