package netstate

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
)

// Route flags of Linux's route tables (include/uapi/linux/route.h,
// include/uapi/linux/ipv6_route.h).
const (
	rtfUp      = 0x1
	rtfGateway = 0x2
	rtfReject  = 0x200
)

// ParseProcNetRoute reads Linux's /proc/net/route: a header line, then
// whitespace-separated fields with addresses in little-endian hex. It
// returns the routes that are up, in table order; it lists the main
// table only, so routes that policy rules select (wg-quick's table 51820)
// are not in it. The error is for unreadable input as a whole; malformed
// rows are skipped.
func ParseProcNetRoute(data string) ([]Route, error) {
	var out []Route
	sc := bufio.NewScanner(strings.NewReader(data))
	first := true
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if first {
			first = false
			if len(f) > 0 && f[0] == "Iface" {
				continue
			}
		}
		if len(f) < 8 {
			continue
		}
		dst, err1 := hexLE4(f[1])
		gw, err2 := hexLE4(f[2])
		flags, err3 := strconv.ParseUint(f[3], 16, 32)
		metric, err4 := strconv.Atoi(f[6])
		mask, err5 := hexLE4(f[7])
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil || flags&rtfUp == 0 {
			continue
		}
		ones, ok := maskBits(mask)
		if !ok {
			continue
		}
		p := netip.PrefixFrom(dst, ones)
		if p.Masked() != p {
			continue // host bits outside the mask: not a row the kernel writes
		}
		r := Route{Dst: p, Interface: f[0], Metric: metric}
		if flags&rtfGateway != 0 {
			r.Gateway = gw
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read route table: %w", err)
	}
	return out, nil
}

func hexLE4(s string) (netip.Addr, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 4 {
		return netip.Addr{}, fmt.Errorf("bad address %q", s)
	}
	var a [4]byte
	binary.BigEndian.PutUint32(a[:], binary.LittleEndian.Uint32(b))
	return netip.AddrFrom4(a), nil
}

// maskBits returns the prefix length of a contiguous IPv4 netmask.
func maskBits(mask netip.Addr) (int, bool) {
	m := binary.BigEndian.Uint32(mask.AsSlice())
	ones := bits.LeadingZeros32(^m)
	if ones < 32 && m<<ones != 0 {
		return 0, false
	}
	return ones, true
}

// ParseProcNetIPv6Route reads /proc/net/ipv6_route: destination and its
// length, source and its length, next hop (big-endian hex), metric,
// reference count, use count, flags, interface. It returns the routes
// that are up and not reject routes, in table order. The file lists the
// local table too: routes to the machine's own addresses on "lo".
func ParseProcNetIPv6Route(data string) []Route {
	var out []Route
	for _, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if len(f) < 10 {
			continue
		}
		dstBytes, err := hex.DecodeString(f[0])
		if err != nil || len(dstBytes) != 16 {
			continue
		}
		plen, err := strconv.ParseUint(f[1], 16, 8)
		if err != nil || plen > 128 {
			continue
		}
		flags, err := strconv.ParseUint(f[8], 16, 32)
		if err != nil || flags&rtfUp == 0 || flags&rtfReject != 0 {
			continue
		}
		p := netip.PrefixFrom(netip.AddrFrom16([16]byte(dstBytes)), int(plen))
		if p.Masked() != p {
			continue
		}
		metric, _ := strconv.ParseUint(f[5], 16, 32)
		r := Route{Dst: p, Interface: f[9], Metric: int(min(metric, 1<<31-1))}
		if b, err := hex.DecodeString(f[4]); err == nil && len(b) == 16 {
			if a := netip.AddrFrom16([16]byte(b)); !a.IsUnspecified() {
				r.Gateway = a
			}
		}
		out = append(out, r)
	}
	return out
}
