package vpn

import (
	"net/netip"
	"strings"

	"github.com/wfh-cli/wfh/internal/netstate"
)

// iface is one network interface as this check sees it.
type iface struct {
	Index int
	Name  string
	// Description is the Windows adapter description ("WireGuard Tunnel"),
	// "" elsewhere.
	Description  string
	Kind         netstate.Kind
	Up           bool
	PointToPoint bool
	Loopback     bool
	MTU          int
	Addrs        []netip.Prefix
}

// usable reports whether the interface has an address a connection can
// use: not loopback, link-local or multicast. macOS keeps several utun
// interfaces with link-local IPv6 addresses only for its own services;
// a VPN's tunnel always has more.
func (i iface) usable() bool {
	for _, p := range i.Addrs {
		a := p.Addr()
		if !a.IsLoopback() && !a.IsLinkLocalUnicast() && !a.IsMulticast() && !a.IsUnspecified() {
			return true
		}
	}
	return false
}

// has reports whether a is one of the interface's addresses.
func (i iface) has(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, p := range i.Addrs {
		if p.Addr().WithZone("") == a {
			return true
		}
	}
	return false
}

// systemTunnelPrefixes and systemTunnelPhrases name tunnel devices the OS
// makes on its own, never a VPN: Linux's fallback devices of the sit, gre,
// ipip and vti modules; Windows' IPv6 transition adapters.
var (
	systemTunnelPrefixes = []string{"sit", "gre", "gretap", "erspan", "tunl", "ip6tnl", "ip6gre", "ip_vti", "ip6_vti"}
	systemTunnelPhrases  = []string{"teredo", "isatap", "6to4", "ip-https", "wan miniport"}
)

// vpnTunnel reports whether the interface is a VPN's tunnel that is up:
// a tunnel kind, up, with a usable address, and not one the OS makes.
func (i iface) vpnTunnel() bool {
	if i.Kind != netstate.KindTunnel || !i.Up || i.Loopback || !i.usable() {
		return false
	}
	lower := strings.ToLower(i.Name)
	for _, p := range systemTunnelPrefixes {
		if lower == p+"0" {
			return false
		}
	}
	desc := strings.ToLower(i.Description)
	for _, p := range systemTunnelPhrases {
		if strings.Contains(desc, p) || strings.Contains(lower, p) {
			return false
		}
	}
	return true
}

// fromState converts the run's interface list to this check's view.
func fromState(list []netstate.Interface) []iface {
	out := make([]iface, 0, len(list))
	for _, n := range list {
		out = append(out, iface{Index: n.Index, Name: n.Name, Description: n.Description, Kind: n.Kind, Up: n.Up,
			PointToPoint: n.PointToPoint, Loopback: n.Loopback, MTU: n.MTU, Addrs: n.Addrs})
	}
	return out
}

// byName finds an interface.
func byName(list []iface, name string) (iface, bool) {
	for _, i := range list {
		if i.Name == name {
			return i, true
		}
	}
	return iface{}, false
}

// owner returns the interface that has address a, "" when none does.
func owner(list []iface, a netip.Addr) string {
	for _, i := range list {
		if i.has(a) {
			return i.Name
		}
	}
	return ""
}
