package netstate

import (
	"bufio"
	"net/netip"
	"strconv"
	"strings"
)

// RoutePrint is what Windows' `route print` shows.
type RoutePrint struct {
	// Interfaces is the "Interface List" block.
	Interfaces []AdapterEntry
	// V4 and V6 are the active routes, in table order. An IPv4 route's
	// Interface is the interface's IPv4 address; an IPv6 route's is
	// "if<index>".
	V4, V6 []Route
}

// AdapterEntry is one row of route print's interface list.
type AdapterEntry struct {
	// Index is the interface index, as net.Interface.Index has it.
	Index int
	// MAC is the physical address in net.HardwareAddr's form, "" for
	// adapters without one (loopback, Wintun, OpenVPN DCO).
	MAC string
	// Description names the adapter's driver ("Cisco AnyConnect Secure
	// Mobility Client Virtual Miniport Adapter for Windows x64").
	Description string
}

// ParseRoutePrint reads Windows `route print`. Its labels are localised
// ("Active Routes", "Aktive Routen"), and so is the gateway of on-link
// routes, in one word or several ("On-link", "Auf Verbindung", "Sur le
// lien", "在链路上"), so rows are read by structure, never by column
// position:
//
//   - an interface-list row is "IDX...MAC ......DESCRIPTION", the MAC
//     written as hex bytes separated by spaces, or absent;
//   - an active IPv4 row starts with a destination and a netmask and ends
//     with the interface's IPv4 address and the metric; what lies between
//     is the gateway (persistent rows end with a gateway and a metric, and
//     are skipped: nothing follows their gateway);
//   - an IPv6 row starts with the interface index, the metric and the
//     destination prefix; the rest of the line is the gateway, or, when
//     nothing follows, the next line is; only the first block of IPv6 rows
//     (the active routes) counts.
//
// A gateway that is not an address means the route is on the link.
func ParseRoutePrint(out string) RoutePrint {
	var rp RoutePrint
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	v6Blocks := 0 // blocks of IPv6 rows seen; the first is the active one
	inV6Rows := false
	var pending *Route // an IPv6 row whose gateway wrapped
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		if strings.HasPrefix(line, "====") {
			if inV6Rows {
				v6Blocks++
				inV6Rows = false
			}
			pending = nil
			continue
		}
		if pending != nil {
			// The wrapped gateway, in however many words, unless the line
			// is already the next row.
			if len(f) > 0 && !(len(f) >= 3 && isUint(f[0]) && isUint(f[1])) {
				pending.Gateway = gatewayAddr(strings.Join(f, " "))
				if v6Blocks == 0 {
					rp.V6 = append(rp.V6, *pending)
				}
				pending = nil
				continue
			}
			pending = nil
		}
		if a, ok := adapterRow(line); ok {
			rp.Interfaces = append(rp.Interfaces, a)
			continue
		}
		switch {
		case len(f) >= 5 && strings.Count(f[0], ".") == 3 && strings.Count(f[1], ".") == 3:
			n := len(f)
			dst, err1 := netip.ParseAddr(f[0])
			mask, err2 := netip.ParseAddr(f[1])
			ifAddr, err3 := netip.ParseAddr(f[n-2])
			metric, err4 := strconv.Atoi(f[n-1])
			if err1 != nil || err2 != nil || err3 != nil || err4 != nil || !dst.Is4() || !mask.Is4() || !ifAddr.Is4() || metric < 0 {
				continue
			}
			ones, ok := maskBits(mask)
			if !ok {
				continue
			}
			p := netip.PrefixFrom(dst, ones)
			if p.Masked() != p {
				continue
			}
			rp.V4 = append(rp.V4, Route{Dst: p, Gateway: gatewayAddr(strings.Join(f[2:n-2], " ")), Interface: ifAddr.String(), Metric: metric})
		case len(f) >= 3 && isUint(f[0]) && isUint(f[1]) && strings.Contains(f[2], ":"):
			inV6Rows = true
			dst, err := netip.ParsePrefix(f[2])
			if err != nil || !dst.Addr().Is6() || dst.Masked() != dst {
				continue
			}
			metric, _ := strconv.Atoi(f[1])
			r := Route{Dst: dst, Interface: "if" + f[0], Metric: metric}
			if len(f) >= 4 {
				r.Gateway = gatewayAddr(strings.Join(f[3:], " "))
				if v6Blocks == 0 {
					rp.V6 = append(rp.V6, r)
				}
			} else {
				pending = &r
			}
		}
	}
	return rp
}

// adapterRow parses " 19...00 05 9a 3c 7a 00 ......Cisco AnyConnect ..." and
// "  1...........................Software Loopback Interface 1".
func adapterRow(line string) (AdapterEntry, bool) {
	line = strings.TrimSpace(line)
	i := 0
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i == 0 || i > 9 || !strings.HasPrefix(line[i:], "...") {
		return AdapterEntry{}, false
	}
	idx, err := strconv.Atoi(line[:i])
	if err != nil {
		return AdapterEntry{}, false
	}
	after := strings.TrimLeft(line[i:], ".")
	rest := after
	var macParts []string
	for len(rest) >= 3 && isHex(rest[0]) && isHex(rest[1]) && rest[2] == ' ' {
		macParts = append(macParts, strings.ToLower(rest[:2]))
		rest = rest[3:]
	}
	if !strings.HasPrefix(rest, ".") {
		// Not "MAC ......": a description that starts with hex-like words.
		rest, macParts = after, nil
	}
	desc := strings.TrimSpace(strings.TrimLeft(rest, ". "))
	if desc == "" {
		return AdapterEntry{}, false
	}
	a := AdapterEntry{Index: idx, Description: desc}
	if len(macParts) >= 6 {
		a.MAC = strings.Join(macParts, ":")
	}
	return a, true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// gatewayAddr parses a gateway column; "On-link" (localised) is no address.
func gatewayAddr(s string) netip.Addr {
	if i := strings.IndexByte(s, '%'); i >= 0 {
		s = s[:i] // a zone repeats the interface
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}

func isUint(s string) bool {
	_, err := strconv.ParseUint(s, 10, 32)
	return err == nil
}
