package netstate

import (
	"math/bits"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// IfconfigInterface is one interface block of BSD/macOS `ifconfig -a`.
type IfconfigInterface struct {
	Name string
	// Index is the interface index `ifconfig -v` prints on the first line,
	// 0 without -v.
	Index int
	// Flags are the words between < and > on the first line ("UP",
	// "POINTOPOINT", "RUNNING").
	Flags []string
	MTU   int
	// Addrs are the inet and inet6 addresses with their prefix lengths;
	// link-local IPv6 addresses lose their zone.
	Addrs []netip.Prefix
	// Peer is the far end of a point-to-point link ("inet A --> B").
	Peer netip.Addr
	// Status is the media status line ("active", "inactive"), "" when
	// the interface has none (tunnels, loopback).
	Status string
	// MAC is the "ether" line's address, "" when there is none.
	MAC string
	// Type is the interface's functional type `ifconfig -v` prints
	// ("Wi-Fi", "Ethernet", "cellular"), "" without -v. It comes from the
	// kernel (SIOCGIFFUNCTIONALTYPE), so it is not localised and tells a
	// MacBook's Wi-Fi en0 from a Mac mini's wired en0, which the name
	// cannot.
	Type string
}

// Has reports whether the interface has the flag (case-insensitive).
func (i IfconfigInterface) Has(flag string) bool {
	for _, f := range i.Flags {
		if strings.EqualFold(f, flag) {
			return true
		}
	}
	return false
}

// ParseIfconfig reads macOS's `ifconfig -a` or `ifconfig -a -v` (the BSD format): a block
// per interface, opened at column 0 by "NAME: flags=HEX<WORDS> mtu N",
// with indented "inet", "inet6" and "status:" lines. Unknown lines are
// ignored, so new fields in later releases do not break it.
func ParseIfconfig(out string) []IfconfigInterface {
	var list []IfconfigInterface
	var cur *IfconfigInterface
	for _, raw := range strings.Split(out, "\n") {
		line := strings.TrimRight(raw, "\r \t")
		if line == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			name, rest, ok := strings.Cut(line, ": ")
			if !ok || name == "" || strings.ContainsAny(name, " \t") || !strings.HasPrefix(rest, "flags=") {
				cur = nil
				continue
			}
			list = append(list, IfconfigInterface{Name: name})
			cur = &list[len(list)-1]
			if lt, gt := strings.IndexByte(rest, '<'), strings.IndexByte(rest, '>'); lt >= 0 && gt > lt {
				for _, w := range strings.Split(rest[lt+1:gt], ",") {
					if w = strings.TrimSpace(w); w != "" {
						cur.Flags = append(cur.Flags, w)
					}
				}
			}
			if f := strings.Fields(rest); len(f) >= 3 {
				for k := 0; k+1 < len(f); k++ {
					switch f[k] {
					case "mtu":
						cur.MTU, _ = strconv.Atoi(f[k+1])
					case "index":
						cur.Index, _ = strconv.Atoi(f[k+1])
					}
				}
			}
			continue
		}
		if cur == nil {
			continue
		}
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "inet":
			a, err := netip.ParseAddr(f[1])
			if err != nil || !a.Is4() {
				continue
			}
			ones := 32
			for k := 2; k+1 < len(f); k++ {
				switch f[k] {
				case "netmask":
					if n, ok := hexMaskBits(f[k+1]); ok {
						ones = n
					}
				case "-->":
					if p, err := netip.ParseAddr(f[k+1]); err == nil {
						cur.Peer = p
					}
				}
			}
			cur.Addrs = append(cur.Addrs, netip.PrefixFrom(a, ones))
		case len(f) >= 2 && f[0] == "inet6":
			text := f[1]
			if i := strings.IndexByte(text, '%'); i >= 0 {
				text = text[:i]
			}
			a, err := netip.ParseAddr(text)
			if err != nil || !a.Is6() {
				continue
			}
			ones := 128
			for k := 2; k+1 < len(f); k++ {
				if f[k] == "prefixlen" {
					if n, err := strconv.Atoi(f[k+1]); err == nil && n >= 0 && n <= 128 {
						ones = n
					}
				}
			}
			cur.Addrs = append(cur.Addrs, netip.PrefixFrom(a, ones))
		case len(f) >= 2 && f[0] == "status:":
			cur.Status = f[1]
		case len(f) >= 2 && f[0] == "ether":
			if hw, err := net.ParseMAC(f[1]); err == nil {
				cur.MAC = hw.String()
			}
		case len(f) >= 2 && f[0] == "type:":
			cur.Type = strings.Join(f[1:], " ")
		}
	}
	return list
}

// hexMaskBits reads ifconfig's "0xffffff00" netmask.
func hexMaskBits(s string) (int, bool) {
	v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(s), "0x"), 16, 32)
	if err != nil || !strings.HasPrefix(strings.ToLower(s), "0x") {
		return 0, false
	}
	m := uint32(v)
	ones := bits.LeadingZeros32(^m)
	if ones < 32 && m<<ones != 0 {
		return 0, false
	}
	return ones, true
}
