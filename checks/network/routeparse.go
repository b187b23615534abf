package network

import (
	"bufio"
	"net/netip"
	"strconv"
	"strings"
)

// parseRoutePrint reads Windows `route print` output. Its labels are
// localised ("Active Routes", "Aktive Routen"), so it is parsed by structure:
// an IPv4 default route is a five-column row "0.0.0.0 0.0.0.0 GATEWAY
// INTERFACE-ADDRESS METRIC" (persistent rows have four columns); an IPv6
// default route is a row "IF METRIC ::/0 GATEWAY", possibly wrapped onto the
// next line, counted only in the first (active) block of IPv6 rows.
func parseRoutePrint(out string) (v4, v6 []defaultRoute) {
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	v6Blocks := 0 // blocks of IPv6 rows seen; the first is the active one
	inV6Rows := false
	var pending *defaultRoute // an IPv6 row whose gateway wrapped
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
			if len(f) == 1 {
				pending.Gateway = gatewayAddr(f[0])
				if v6Blocks == 0 {
					v6 = append(v6, *pending)
				}
			}
			pending = nil
			continue
		}
		switch {
		case len(f) == 5 && f[0] == "0.0.0.0" && f[1] == "0.0.0.0":
			ifAddr, err := netip.ParseAddr(f[3])
			metric, err2 := strconv.Atoi(f[4])
			if err != nil || err2 != nil {
				continue
			}
			v4 = append(v4, defaultRoute{Gateway: gatewayAddr(f[2]), Interface: ifAddr.String(), Metric: metric})
		case len(f) >= 3 && isUint(f[0]) && isUint(f[1]) && strings.Contains(f[2], ":"):
			inV6Rows = true
			if f[2] != "::/0" {
				continue
			}
			metric, _ := strconv.Atoi(f[1])
			r := defaultRoute{Interface: "if" + f[0], Metric: metric}
			if len(f) >= 4 {
				r.Gateway = gatewayAddr(f[3])
				if v6Blocks == 0 {
					v6 = append(v6, r)
				}
			} else {
				pending = &r
			}
		}
	}
	sortRoutes(v4)
	sortRoutes(v6)
	return v4, v6
}

// gatewayAddr parses a gateway column; "On-link" (localised) is no address.
func gatewayAddr(s string) netip.Addr {
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

// parseNetstatRN reads macOS `netstat -rn`: "Internet:" and "Internet6:"
// sections, each with a header naming its columns. Default routes are rows
// whose destination is "default"; the Netif column is found from the header
// because older releases add Refs and Use columns before it.
func parseNetstatRN(out string) (v4, v6 []defaultRoute) {
	var section *[]defaultRoute
	netif, gwCol := -1, 1
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case f[0] == "Internet:":
			section, netif = &v4, -1
			continue
		case f[0] == "Internet6:":
			section, netif = &v6, -1
			continue
		case f[0] == "Destination":
			for i, col := range f {
				switch col {
				case "Netif":
					netif = i
				case "Gateway":
					gwCol = i
				}
			}
			continue
		}
		if section == nil || f[0] != "default" || netif < 0 || len(f) <= netif || len(f) <= gwCol {
			continue
		}
		gw := f[gwCol]
		if i := strings.IndexByte(gw, '%'); i >= 0 {
			gw = gw[:i] // the zone repeats the interface
		}
		r := defaultRoute{Interface: f[netif], Gateway: gatewayAddr(gw), Metric: len(*section)}
		*section = append(*section, r)
	}
	return v4, v6
}
