package winnet

import (
	"errors"
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/windows"
)

// iphlpapi is loaded from system32 only. Its procedures are looked up
// before x/sys calls them, because x/sys panics on a missing one and Wine
// 8.0 has no GetIpInterfaceEntry.
var iphlpapi = windows.NewLazySystemDLL("iphlpapi.dll")

// have reports whether iphlpapi.dll exports the procedure.
func have(proc string) bool { return iphlpapi.NewProc(proc).Find() == nil }

// ReadRoutes returns the IPv4 and IPv6 routing tables (GetIpForwardTable2,
// one call per family: Wine answers AF_UNSPEC with the IPv4 table only),
// each route with its interface's metric (GetIpInterfaceEntry, asked once
// per interface and family; where Windows lacks it, NoInterfaceMetric is
// set). A family whose stack is off or has no route adds nothing.
func ReadRoutes() ([]Route, error) {
	if !have("GetIpForwardTable2") || !have("FreeMibTable") {
		return nil, errors.New("GetIpForwardTable2: iphlpapi.dll does not have it (Windows older than Vista)")
	}
	r := routeReader{withIfMetric: have("GetIpInterfaceEntry"), metrics: map[ifKey]ifMetric{}}
	var routes []Route
	for _, family := range []uint16{windows.AF_INET, windows.AF_INET6} {
		rs, err := r.table(family)
		if err != nil {
			return routes, err
		}
		routes = append(routes, rs...)
	}
	return routes, nil
}

type ifKey struct {
	family uint16
	luid   uint64
}

type ifMetric struct {
	metric uint32
	ok     bool
}

type routeReader struct {
	withIfMetric bool
	metrics      map[ifKey]ifMetric
}

func (rr routeReader) table(family uint16) ([]Route, error) {
	var table *windows.MibIpForwardTable2
	if err := windows.GetIpForwardTable2(family, &table); err != nil {
		if errors.Is(err, windows.ERROR_NOT_FOUND) || errors.Is(err, windows.ERROR_NOT_SUPPORTED) {
			return nil, nil
		}
		return nil, fmt.Errorf("GetIpForwardTable2 (family %d): %w", family, err)
	}
	defer windows.FreeMibTable(unsafe.Pointer(table))
	rows := table.Rows()
	routes := make([]Route, 0, len(rows))
	for i := range rows {
		row := &rows[i]
		dst, ok := inetAddr(&row.DestinationPrefix.Prefix)
		if !ok || int(row.DestinationPrefix.PrefixLength) > dst.BitLen() {
			continue
		}
		r := Route{
			Dst:         netip.PrefixFrom(dst, int(row.DestinationPrefix.PrefixLength)).Masked(),
			Index:       row.InterfaceIndex,
			LUID:        row.InterfaceLuid,
			RouteMetric: row.Metric,
			Protocol:    row.Protocol,
			Origin:      row.Origin,
			Loopback:    row.Loopback != 0,
		}
		if nh, ok := inetAddr(&row.NextHop); ok && !nh.IsUnspecified() {
			r.NextHop = nh
		}
		k := ifKey{row.DestinationPrefix.Prefix.Family, row.InterfaceLuid}
		m, seen := rr.metrics[k]
		if !seen && rr.withIfMetric {
			ifRow := windows.MibIpInterfaceRow{Family: k.family, InterfaceLuid: k.luid}
			if err := windows.GetIpInterfaceEntry(&ifRow); err == nil {
				m = ifMetric{metric: ifRow.Metric, ok: true}
			}
			rr.metrics[k] = m
		}
		r.InterfaceMetric, r.NoInterfaceMetric = m.metric, !m.ok
		routes = append(routes, r)
	}
	return routes, nil
}

// inetAddr reads a SOCKADDR_INET; a zone is dropped.
func inetAddr(sa *windows.RawSockaddrInet) (netip.Addr, bool) {
	switch sa.Family {
	case windows.AF_INET:
		p := (*windows.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrFrom4(p.Addr), true
	case windows.AF_INET6:
		p := (*windows.RawSockaddrInet6)(unsafe.Pointer(sa))
		return netip.AddrFrom16(p.Addr), true
	}
	return netip.Addr{}, false
}
