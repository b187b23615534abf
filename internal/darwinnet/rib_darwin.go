package darwinnet

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/net/route"
)

// FetchLinks returns the interfaces and their addresses from the
// interface list (sysctl NET_RT_IFLIST).
func FetchLinks() ([]Link, []Addr, error) {
	b, err := route.FetchRIB(syscall.AF_UNSPEC, route.RIBTypeInterface, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("routing socket interface list: %w", err)
	}
	msgs, err := route.ParseRIB(route.RIBTypeInterface, b)
	if err != nil {
		return nil, nil, fmt.Errorf("routing socket interface list: %w", err)
	}
	links, addrs := convertLinks(msgs)
	return links, addrs, nil
}

func convertLinks(msgs []route.Message) ([]Link, []Addr) {
	var links []Link
	var addrs []Addr
	for _, m := range msgs {
		switch m := m.(type) {
		case *route.InterfaceMessage:
			l := Link{Index: m.Index, Name: m.Name, Flags: m.Flags}
			if la, ok := at(m.Addrs, syscall.RTAX_IFP).(*route.LinkAddr); ok && len(la.Addr) > 0 {
				l.MAC = net.HardwareAddr(la.Addr).String()
			}
			for _, s := range m.Sys() {
				if im, ok := s.(*route.InterfaceMetrics); ok {
					l.Type, l.MTU = im.Type, im.MTU
				}
			}
			links = append(links, l)
		case *route.InterfaceAddrMessage:
			a := Addr{Index: m.Index}
			a.Addr = inet(at(m.Addrs, syscall.RTAX_IFA))
			if !a.Addr.IsValid() {
				continue // a link-layer address, or none
			}
			a.Mask = inet(at(m.Addrs, syscall.RTAX_NETMASK))
			a.Peer = inet(at(m.Addrs, syscall.RTAX_BRD))
			addrs = append(addrs, a)
		}
	}
	return links, addrs
}

// FetchRoutes returns the IPv4 and IPv6 routing tables (sysctl
// NET_RT_DUMP), scoped routes included.
func FetchRoutes() ([]RouteMsg, error) {
	b, err := route.FetchRIB(syscall.AF_UNSPEC, route.RIBTypeRoute, 0)
	if err != nil {
		return nil, fmt.Errorf("routing socket route dump: %w", err)
	}
	msgs, err := route.ParseRIB(route.RIBTypeRoute, b)
	if err != nil {
		return nil, fmt.Errorf("routing socket route dump: %w", err)
	}
	return convertRoutes(msgs), nil
}

func convertRoutes(msgs []route.Message) []RouteMsg {
	var out []RouteMsg
	for _, m := range msgs {
		rm, ok := m.(*route.RouteMessage)
		if !ok || rm.Err != nil {
			continue
		}
		r := RouteMsg{Flags: rm.Flags, Index: rm.Index}
		r.Dst = inet(at(rm.Addrs, syscall.RTAX_DST))
		if !r.Dst.IsValid() {
			continue // an AF_LINK destination: not an IP route
		}
		r.Mask = inet(at(rm.Addrs, syscall.RTAX_NETMASK))
		switch g := at(rm.Addrs, syscall.RTAX_GATEWAY).(type) {
		case *route.Inet4Addr, *route.Inet6Addr:
			r.Gateway = inet(g)
		case *route.LinkAddr:
			if len(g.Addr) > 0 {
				r.GatewayMAC = net.HardwareAddr(g.Addr).String()
			}
		}
		out = append(out, r)
	}
	return out
}

func at(addrs []route.Addr, i int) route.Addr {
	if i < len(addrs) {
		return addrs[i]
	}
	return nil
}

// inet converts an IPv4 or IPv6 sockaddr; the zone (a link-local
// address's interface, which the route already names) is dropped.
func inet(a route.Addr) netip.Addr {
	switch a := a.(type) {
	case *route.Inet4Addr:
		return netip.AddrFrom4(a.IP)
	case *route.Inet6Addr:
		return netip.AddrFrom16(a.IP)
	}
	return netip.Addr{}
}
