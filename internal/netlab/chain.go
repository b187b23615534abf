package netlab

import (
	"fmt"
	"net/netip"
)

// Addresses of HomeAndInternet. They exist only inside the lab's
// namespaces, so every Lab uses the same ones without collisions.
const (
	HomeIPv4         = "10.200.1.2"    // home's address on the home LAN
	RouterHomeIPv4   = "10.200.1.1"    // the router on the home LAN: home's gateway
	RouterServerIPv4 = "10.200.2.2"    // the router on the server's link
	ServerIPv4       = "10.200.2.1"    // the server ("the internet")
	HomeIPv6         = "fd00:200:1::2" // home's address on the home LAN
	RouterHomeIPv6   = "fd00:200:1::1" // the router on the home LAN: home's gateway
	RouterServerIPv6 = "fd00:200:2::2" // the router on the server's link
	ServerIPv6       = "fd00:200:2::1" // the server ("the internet")
)

// Port is a namespace's end of one link of a Chain.
type Port struct {
	Iface string     // interface name inside the namespace
	IPv4  netip.Addr // address in 10.200.<link>.0/24
	IPv6  netip.Addr // address in fd00:200:<link>::/64
}

// Hop is one namespace of a Chain with its two ends: Prev toward the
// first namespace, Next toward the last. The first hop has no Prev and
// the last no Next (zero Ports).
type Hop struct {
	*NS
	Prev, Next Port
}

// maxChain keeps link numbers within one byte of the address plan.
const maxChain = 200

// Chain builds a line of namespaces, names[0] — names[1] — ... — names[n-1],
// like a client, its routers, and a server. Link k (from 1) between
// names[k-1] and names[k] is 10.200.k.0/24 and fd00:200:k::/64; the end
// nearer names[0] gets .2 (::2) and the far end .1 (::1), so each hop's
// gateway toward the server is the .1 of its Next link. Every middle hop
// forwards and has a default route toward the last hop plus routes back
// to the subnets behind it; the first hop's default route points to the
// second, the last hop's to the one before it. All routes carry
// congctl cubic (see Route).
//
// Impairments go on a middle hop's Port with Run("tc", ...), for example
// tbf on Next.Iface to shape the uplink of a home router.
func (l *Lab) Chain(names ...string) []Hop {
	l.t.Helper()
	if len(names) < 2 || len(names) > maxChain {
		l.t.Fatalf("netlab: chain of %d namespaces: want 2 to %d", len(names), maxChain)
	}
	hops := make([]Hop, len(names))
	for i, n := range names {
		hops[i].NS = l.Namespace(n)
	}
	for k := 1; k < len(hops); k++ {
		near, far := &hops[k-1], &hops[k]
		near.Next = Port{IPv4: linkAddr4(k, 2), IPv6: linkAddr6(k, 2)}
		far.Prev = Port{IPv4: linkAddr4(k, 1), IPv6: linkAddr6(k, 1)}
		near.Next.Iface, far.Prev.Iface = l.Link(
			near.NS, []string{cidr(near.Next.IPv4, 24), cidr(near.Next.IPv6, 64)},
			far.NS, []string{cidr(far.Prev.IPv4, 24), cidr(far.Prev.IPv6, 64)})
	}
	last := len(hops) - 1
	for i := range hops {
		h := &hops[i]
		if i == last {
			prev := hops[i-1].Next
			h.Route("default", prev.IPv4.String())
			h.Route("default", prev.IPv6.String())
			continue
		}
		next := hops[i+1].Prev
		h.Route("default", next.IPv4.String())
		h.Route("default", next.IPv6.String())
		if i == 0 {
			continue
		}
		h.Forwarding()
		// Links 1..i-1 lie behind the previous hop.
		prev := hops[i-1].Next
		for k := 1; k < i; k++ {
			h.Route(cidr(linkAddr4(k, 0), 24), prev.IPv4.String())
			h.Route(cidr(linkAddr6(k, 0), 64), prev.IPv6.String())
		}
	}
	return hops
}

// HomeAndInternet builds home — router — server: a teleworker's machine,
// its home router (forwarding, the default gateway) and a server standing
// in for the internet, with the addresses of the constants above.
func (l *Lab) HomeAndInternet() (home, router, server *NS) {
	l.t.Helper()
	h := l.Chain("home", "router", "server")
	return h[0].NS, h[1].NS, h[2].NS
}

func linkAddr4(link, host int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 200, byte(link), byte(host)})
}

// linkAddr6 writes the link number in decimal digits (fd00:200:10:: for
// link 10) so that it reads like the IPv4 plan.
func linkAddr6(link, host int) netip.Addr {
	return netip.MustParseAddr(fmt.Sprintf("fd00:200:%d::%d", link, host))
}

func cidr(a netip.Addr, bits int) string { return netip.PrefixFrom(a, bits).String() }
