package netstate

import (
	"net/netip"
	"strconv"
	"strings"
)

// ParseNetstatRN reads macOS (and BSD) `netstat -rn`: "Internet:" and
// "Internet6:" sections, each with a header naming its columns. The Netif
// column is found from the header because older releases add Refs and Use
// columns before it. Destinations are written the BSD way: "default",
// trailing zero bytes dropped ("10.8/16", "192.168.1", "127"), a zone in
// IPv6 link-local ones ("fe80::%utun0/64"); a gateway that is not an
// address ("link#6", a MAC) means the route is on the link. Routes come in
// table order, which is also their Metric: netstat prints no metric. A
// route whose Flags hold "I" is bound to its interface (RTF_IFSCOPE): macOS
// keeps one default route per service that way, and only the unscoped one
// is the machine's default, so those are marked Scoped.
func ParseNetstatRN(out string) (v4, v6 []Route) {
	var section *[]Route
	isV6 := false
	netif, gwCol, flagCol := -1, 1, -1
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case f[0] == "Internet:":
			section, isV6, netif = &v4, false, -1
			continue
		case f[0] == "Internet6:":
			section, isV6, netif = &v6, true, -1
			continue
		case f[0] == "Destination":
			for i, col := range f {
				switch col {
				case "Netif":
					netif = i
				case "Gateway":
					gwCol = i
				case "Flags":
					flagCol = i
				}
			}
			continue
		}
		if section == nil || netif < 0 || len(f) <= netif || len(f) <= gwCol {
			continue
		}
		dst, ok := bsdDestination(f[0], isV6)
		if !ok {
			continue
		}
		gw := f[gwCol]
		if i := strings.IndexByte(gw, '%'); i >= 0 {
			gw = gw[:i] // the zone repeats the interface
		}
		scoped := flagCol >= 0 && flagCol < len(f) && strings.Contains(f[flagCol], "I")
		*section = append(*section, Route{Dst: dst, Interface: f[netif], Gateway: gatewayAddr(gw), Metric: len(*section), Scoped: scoped})
	}
	return v4, v6
}

// bsdDestination parses a netstat destination column.
func bsdDestination(s string, v6 bool) (netip.Prefix, bool) {
	if s == "default" {
		if v6 {
			return netip.PrefixFrom(netip.IPv6Unspecified(), 0), true
		}
		return netip.PrefixFrom(netip.IPv4Unspecified(), 0), true
	}
	addr, bitsText, hasBits := strings.Cut(s, "/")
	if i := strings.IndexByte(addr, '%'); i >= 0 {
		addr = addr[:i]
	}
	var a netip.Addr
	bits := -1
	if hasBits {
		n, err := strconv.Atoi(bitsText)
		if err != nil || n < 0 {
			return netip.Prefix{}, false
		}
		bits = n
	}
	if v6 {
		var err error
		if a, err = netip.ParseAddr(addr); err != nil || !a.Is6() {
			return netip.Prefix{}, false
		}
		if bits < 0 {
			bits = 128
		}
	} else {
		octets := strings.Split(addr, ".")
		if len(octets) > 4 {
			return netip.Prefix{}, false
		}
		var b [4]byte
		for i, o := range octets {
			n, err := strconv.ParseUint(o, 10, 8)
			if err != nil {
				return netip.Prefix{}, false
			}
			b[i] = byte(n)
		}
		a = netip.AddrFrom4(b)
		if bits < 0 {
			bits = 32
			if n := len(octets); n < 4 {
				// Without a length the mask is the address's class mask,
				// or as long as the bytes written if that is longer.
				bits = max(classBits(b[0]), 8*n)
			}
		}
	}
	p := netip.PrefixFrom(a, bits)
	if !p.IsValid() {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// classBits is the pre-CIDR class mask of an IPv4 network's first byte
// (A: /8, B: /16, C: /24), which BSD netstat leaves unwritten.
func classBits(first byte) int {
	switch {
	case first < 128:
		return 8
	case first < 192:
		return 16
	case first < 224:
		return 24
	}
	return 4 // class D (multicast) and E are printed with their length
}
