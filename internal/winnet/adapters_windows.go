package winnet

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"unsafe"

	"golang.org/x/sys/windows"
)

// gaaFlags asks for prefixes (on-link prefix lengths of the addresses) and
// gateways, and leaves out anycast and multicast addresses, which wfh
// never shows.
const gaaFlags = windows.GAA_FLAG_INCLUDE_PREFIX | windows.GAA_FLAG_INCLUDE_GATEWAYS |
	windows.GAA_FLAG_SKIP_ANYCAST | windows.GAA_FLAG_SKIP_MULTICAST

// gaaFirstSize is Microsoft's recommended first buffer (15 KB), enough for
// most machines in one call; gaaTries bounds the retries when adapters
// appear between two calls.
const (
	gaaFirstSize = 15000
	gaaTries     = 4
)

// ReadAdapters returns every adapter GetAdaptersAddresses lists, IPv4 and
// IPv6, in its order. Where the call fails with prefixes (Wine 8.0 answers
// ERROR_INVALID_DATA to GAA_FLAG_INCLUDE_PREFIX when a tunnel has an
// on-link IPv4 default route), it asks again without them: the addresses
// carry their prefix lengths either way. Where it fails with gateways
// too, it asks without them and marks the adapters NoGateways.
func ReadAdapters() ([]Adapter, error) {
	list, err := readAdapters(gaaFlags)
	if err == nil || errors.Is(err, errGrowing) {
		return list, err
	}
	if list, err2 := readAdapters(gaaFlags &^ windows.GAA_FLAG_INCLUDE_PREFIX); err2 == nil {
		return list, nil
	}
	list, err2 := readAdapters(gaaFlags &^ (windows.GAA_FLAG_INCLUDE_PREFIX | windows.GAA_FLAG_INCLUDE_GATEWAYS))
	if err2 != nil {
		return nil, err
	}
	for i := range list {
		list[i].NoGateways = true
	}
	return list, nil
}

var errGrowing = fmt.Errorf("the adapter list kept growing (%d tries)", gaaTries)

func readAdapters(flags uint32) ([]Adapter, error) {
	size := uint32(gaaFirstSize)
	for try := 0; try < gaaTries; try++ {
		buf := make([]byte, size)
		first := (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0]))
		err := windows.GetAdaptersAddresses(windows.AF_UNSPEC, flags, 0, first, &size)
		switch {
		case err == nil:
			list := convertAdapters(first)
			runtime.KeepAlive(buf)
			return list, nil
		case errors.Is(err, windows.ERROR_NO_DATA):
			return nil, nil
		case errors.Is(err, windows.ERROR_BUFFER_OVERFLOW):
			// size now holds what the list needs.
			if size <= uint32(len(buf)) {
				size = uint32(len(buf)) * 2
			}
			continue
		default:
			return nil, fmt.Errorf("GetAdaptersAddresses: %w", err)
		}
	}
	return nil, fmt.Errorf("GetAdaptersAddresses: %w", errGrowing)
}

// convertAdapters copies the linked list into plain structs. It reads only
// fields the structure's Length says Windows filled.
func convertAdapters(first *windows.IpAdapterAddresses) []Adapter {
	var list []Adapter
	for aa := first; aa != nil; aa = aa.Next {
		a := Adapter{
			Index:        aa.IfIndex,
			IPv6Index:    aa.Ipv6IfIndex,
			LUID:         aa.Luid,
			Name:         windows.BytePtrToString(aa.AdapterName),
			FriendlyName: windows.UTF16PtrToString(aa.FriendlyName),
			Description:  windows.UTF16PtrToString(aa.Description),
			IfType:       aa.IfType,
			TunnelType:   aa.TunnelType,
			Oper:         OperStatus(aa.OperStatus),
			MTU:          aa.Mtu,
			DNSSuffix:    windows.UTF16PtrToString(aa.DnsSuffix),
			IPv4Metric:   aa.Ipv4Metric,
			IPv6Metric:   aa.Ipv6Metric,

			TransmitBitsPerSecond: aa.TransmitLinkSpeed,
			ReceiveBitsPerSecond:  aa.ReceiveLinkSpeed,
		}
		if n := int(aa.PhysicalAddressLength); n > 0 && n <= len(aa.PhysicalAddress) {
			a.MAC = net.HardwareAddr(aa.PhysicalAddress[:n]).String()
		}
		for u := aa.FirstUnicastAddress; u != nil; u = u.Next {
			ip, ok := socketAddr(u.Address)
			if !ok {
				continue
			}
			bits := ip.BitLen()
			if u.Length >= uint32(unsafe.Offsetof(u.OnLinkPrefixLength)+1) && int(u.OnLinkPrefixLength) <= ip.BitLen() {
				bits = int(u.OnLinkPrefixLength)
			}
			a.Addresses = append(a.Addresses, Address{
				Prefix:       netip.PrefixFrom(ip, bits),
				PrefixOrigin: uint32(u.PrefixOrigin),
				SuffixOrigin: uint32(u.SuffixOrigin),
				DadState:     uint32(u.DadState),
			})
		}
		for g := aa.FirstGatewayAddress; g != nil; g = g.Next {
			// Wine lists a gateway once per route through it.
			if ip, ok := socketAddr(g.Address); ok && !ip.IsUnspecified() && !slices.Contains(a.Gateways, ip) {
				a.Gateways = append(a.Gateways, ip)
			}
		}
		for d := aa.FirstDnsServerAddress; d != nil; d = d.Next {
			if ip, ok := socketAddr(d.Address); ok {
				a.DNSServers = append(a.DNSServers, ip)
			}
		}
		if aa.Length >= uint32(unsafe.Offsetof(aa.FirstDnsSuffix)+unsafe.Sizeof(aa.FirstDnsSuffix)) {
			for s := aa.FirstDnsSuffix; s != nil; s = s.Next {
				if v := windows.UTF16ToString(s.String[:]); v != "" {
					a.SearchSuffixes = append(a.SearchSuffixes, v)
				}
			}
		}
		list = append(list, a)
	}
	return list
}

// socketAddr reads an IPv4 or IPv6 address from a SOCKET_ADDRESS; a zone
// is dropped (it repeats the adapter's index).
func socketAddr(sa windows.SocketAddress) (netip.Addr, bool) {
	if sa.Sockaddr == nil {
		return netip.Addr{}, false
	}
	switch sa.Sockaddr.Addr.Family {
	case windows.AF_INET:
		if uintptr(sa.SockaddrLength) < unsafe.Sizeof(windows.RawSockaddrInet4{}) {
			return netip.Addr{}, false
		}
		p := (*windows.RawSockaddrInet4)(unsafe.Pointer(sa.Sockaddr))
		return netip.AddrFrom4(p.Addr), true
	case windows.AF_INET6:
		if uintptr(sa.SockaddrLength) < unsafe.Sizeof(windows.RawSockaddrInet6{}) {
			return netip.Addr{}, false
		}
		p := (*windows.RawSockaddrInet6)(unsafe.Pointer(sa.Sockaddr))
		return netip.AddrFrom16(p.Addr), true
	}
	return netip.Addr{}, false
}
