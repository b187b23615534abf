package netstate

import (
	"context"
	"fmt"
	"net/netip"

	"golang.org/x/sys/windows"
)

// winsockEgress asks Windows which source address traffic to dst leaves
// with, as dialEgress does, with a Winsock UDP socket "connected" to dst
// (nothing is sent). It calls Winsock directly because Go's own UDP
// sockets first set SIO_UDP_NETRESET, which Wine 8.0 refuses (WSAEOPNOTSUPP,
// "winapi error #10045"): through Go's net package the kernel could not be
// asked under Wine at all.
type winsockEgress struct{}

func (winsockEgress) Egress(ctx context.Context, dst netip.Addr) (netip.Addr, error) {
	if err := ctx.Err(); err != nil {
		return netip.Addr{}, err
	}
	dst = dst.Unmap()
	family := windows.AF_INET
	// Port 9 (discard): any port would do, nothing is sent.
	var sa windows.Sockaddr = &windows.SockaddrInet4{Port: 9, Addr: dst.As4()}
	if dst.Is6() {
		family = windows.AF_INET6
		sa = &windows.SockaddrInet6{Port: 9, Addr: dst.As16()}
	}
	s, err := windows.Socket(family, windows.SOCK_DGRAM, windows.IPPROTO_UDP)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("socket: %w", err)
	}
	defer windows.Closesocket(s)
	if err := windows.Connect(s, sa); err != nil {
		return netip.Addr{}, fmt.Errorf("connect to %v: %w", dst, err)
	}
	local, err := windows.Getsockname(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("getsockname: %w", err)
	}
	switch a := local.(type) {
	case *windows.SockaddrInet4:
		return netip.AddrFrom4(a.Addr), nil
	case *windows.SockaddrInet6:
		return netip.AddrFrom16(a.Addr), nil
	}
	return netip.Addr{}, fmt.Errorf("unexpected local address %T", local)
}
