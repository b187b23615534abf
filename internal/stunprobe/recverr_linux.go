package stunprobe

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// reportICMPErrors asks Linux to report ICMP errors (port unreachable) on an
// unconnected UDP socket too (IP_RECVERR, IPV6_RECVERR): the next read then
// fails with ECONNREFUSED, so the NAT probe learns of a rejecting firewall
// at once instead of waiting out its deadline. Sockets that are not the
// kernel's (test fakes) are left alone, as is one where the option fails:
// the probe then reads silence, as on other systems.
func reportICMPErrors(pc net.PacketConn) {
	sc, ok := pc.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) {
		// One of the two applies, depending on the socket's family; the
		// other fails harmlessly.
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_RECVERR, 1)
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVERR, 1)
	})
}
