package network

import (
	"sort"

	"github.com/wfh-cli/wfh/internal/netinfo"
)

// The route tables are parsed by internal/netinfo, which the vpn check
// shares; this check keeps only the default routes.

// parseProcNetRoute reads Linux's /proc/net/route and keeps its default
// routes, lowest metric first.
func parseProcNetRoute(data string) ([]defaultRoute, error) {
	rs, err := netinfo.ParseProcNetRoute(data)
	if err != nil {
		return nil, err
	}
	return defaults(rs, nil), nil
}

// parseProcNetIPv6Route keeps the default routes of /proc/net/ipv6_route,
// except the loopback device's.
func parseProcNetIPv6Route(data string) []defaultRoute {
	return defaults(netinfo.ParseProcNetIPv6Route(data), func(r netinfo.Route) bool { return r.Interface == "lo" })
}

// parseRoutePrint keeps the default routes of Windows `route print`.
func parseRoutePrint(out string) (v4, v6 []defaultRoute) {
	rp := netinfo.ParseRoutePrint(out)
	return defaults(rp.V4, nil), defaults(rp.V6, nil)
}

// parseNetstatRN keeps the default routes of macOS `netstat -rn`.
func parseNetstatRN(out string) (v4, v6 []defaultRoute) {
	r4, r6 := netinfo.ParseNetstatRN(out)
	return defaults(r4, nil), defaults(r6, nil)
}

// defaults converts the default routes of rs, minus those skip names,
// lowest metric first.
func defaults(rs []netinfo.Route, skip func(netinfo.Route) bool) []defaultRoute {
	var out []defaultRoute
	for _, r := range netinfo.Defaults(rs) {
		if skip != nil && skip(r) {
			continue
		}
		out = append(out, defaultRoute{Gateway: r.Gateway, Interface: r.Interface, Metric: r.Metric})
	}
	sortRoutes(out)
	return out
}

func sortRoutes(r []defaultRoute) {
	sort.SliceStable(r, func(i, j int) bool { return r[i].Metric < r[j].Metric })
}
