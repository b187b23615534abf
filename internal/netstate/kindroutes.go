package netstate

import (
	"net/netip"
	"strings"
)

// routedLikeTunnel reports whether an interface whose type said neither
// Wi-Fi nor tunnel is a VPN's tunnel after all, by what the route table
// sends into it. Wine gives a Linux TUN device (wireguard-go, OpenVPN)
// the type "other"; a VPN client whose driver wfh does not know may
// install a layer-3 adapter of type "other" or "Ethernet". Such an
// adapter is recognised when all of these hold:
//
//   - it has no hardware address: a TUN device or a layer-3 virtual
//     adapter. Every network card, wired or Wi-Fi, has one, and so has
//     every virtual Ethernet adapter (Hyper-V, VMware, TAP), so a wired
//     port is never taken for a tunnel, whatever its routes;
//   - it is up with an address a connection can use, and it is not one
//     of Windows' IPv6 transition tunnels (Teredo, ISATAP, 6to4, which
//     Windows gives an 8-byte hardware address anyway);
//   - a route sends traffic beyond its own subnets into it with no next
//     hop (on the link, as a tunnel's routes are), and either that route
//     is a full tunnel's (a default route, or the 0/1 and 128/1 halves
//     OpenVPN and wg-quick install), or the interface has a
//     point-to-point-like address (a /32 or /128: the only host on its
//     "link") or is flagged point-to-point.
//
// An interface with a /24 address and only company routes on the link is
// left as the type said: a LAN adapter of a lab or a virtual machine
// host looks the same.
func routedLikeTunnel(i Interface, routes []Route) bool {
	if (i.Kind != KindOther && i.Kind != KindWired) || i.MAC != "" || i.Loopback || !i.Up || !i.Usable() {
		return false
	}
	for _, p := range winTransitionPhrases {
		if strings.Contains(strings.ToLower(i.Name), p) || strings.Contains(strings.ToLower(i.Description), p) {
			return false
		}
	}
	hostAddr := i.PointToPoint
	for _, p := range i.Addrs {
		if globalAddr(p.Addr()) && p.IsSingleIP() {
			hostAddr = true
		}
	}
	for _, r := range routes {
		if r.Interface != i.Name || r.Gateway.IsValid() || r.Scoped || !r.Dst.IsValid() || ownSubnet(i, r.Dst) {
			continue
		}
		a := r.Dst.Addr()
		if a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsLoopback() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			continue
		}
		if r.Dst.Bits() <= 1 || hostAddr {
			return true
		}
	}
	return false
}

// ownSubnet reports whether dst lies inside one of the interface's own
// address prefixes: its subnet's route, its broadcast address, the host
// route to its own address.
func ownSubnet(i Interface, dst netip.Prefix) bool {
	for _, p := range i.Addrs {
		if p.Bits() <= dst.Bits() && p.Masked().Contains(dst.Addr()) {
			return true
		}
	}
	return false
}

// tunnelsByRoutes applies routedLikeTunnel to every interface of list
// with routes rt (interfaces named).
func tunnelsByRoutes(list []Interface, rt Routes) {
	all := append(append([]Route(nil), rt.V4...), rt.V6...)
	for k := range list {
		if routedLikeTunnel(list[k], all) {
			list[k].Kind = KindTunnel
		}
	}
}
