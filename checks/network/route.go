package network

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// parseProcNetRoute reads Linux's /proc/net/route: a header line, then
// whitespace-separated fields with addresses in little-endian hex. Only
// default routes (destination 0, mask 0, flag RTF_UP) are kept.
func parseProcNetRoute(data string) ([]defaultRoute, error) {
	var out []defaultRoute
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
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil {
			continue
		}
		const rtfUp, rtfGateway = 0x1, 0x2
		if flags&rtfUp == 0 || !dst.IsUnspecified() || !mask.IsUnspecified() {
			continue
		}
		r := defaultRoute{Interface: f[0], Metric: metric}
		if flags&rtfGateway != 0 {
			r.Gateway = gw
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read route table: %w", err)
	}
	sortRoutes(out)
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

// parseProcNetIPv6Route reads /proc/net/ipv6_route: dst, dst_len, src,
// src_len, next hop (big-endian hex), metric, refcnt, use, flags, interface.
func parseProcNetIPv6Route(data string) []defaultRoute {
	var out []defaultRoute
	for _, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if len(f) < 10 || f[1] != "00" || strings.Trim(f[0], "0") != "" {
			continue
		}
		flags, err := strconv.ParseUint(f[8], 16, 32)
		if err != nil || flags&0x1 == 0 || f[9] == "lo" {
			continue
		}
		const rtfReject = 0x200
		if flags&rtfReject != 0 {
			continue
		}
		metric, _ := strconv.ParseUint(f[5], 16, 32)
		r := defaultRoute{Interface: f[9], Metric: int(min(metric, 1<<31-1))}
		if b, err := hex.DecodeString(f[4]); err == nil && len(b) == 16 {
			if a := netip.AddrFrom16([16]byte(b)); !a.IsUnspecified() {
				r.Gateway = a
			}
		}
		out = append(out, r)
	}
	sortRoutes(out)
	return out
}

func sortRoutes(r []defaultRoute) {
	sort.SliceStable(r, func(i, j int) bool { return r[i].Metric < r[j].Metric })
}
