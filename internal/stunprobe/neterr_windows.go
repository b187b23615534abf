package stunprobe

import (
	"errors"
	"net"
	"syscall"
	"unsafe"
)

// Winsock error numbers: Go's syscall.ECONNREFUSED and friends are
// invented values on Windows, so errors.Is never matches a real one.
const (
	wsaEACCES        = syscall.Errno(10013)
	wsaECONNABORTED  = syscall.Errno(10053)
	wsaECONNRESET    = syscall.Errno(10054)
	wsaETIMEDOUT     = syscall.Errno(10060)
	wsaECONNREFUSED  = syscall.Errno(10061)
	wsaENETUNREACH   = syscall.Errno(10051)
	wsaEHOSTUNREACH  = syscall.Errno(10065)
	wsaEADDRNOTAVAIL = syscall.Errno(10049)
)

func osOutcome(err error, udp bool) (Outcome, bool) {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return "", false
	}
	switch errno {
	case wsaECONNREFUSED:
		return Refused, true
	case wsaECONNRESET:
		// On a UDP socket this is the ICMP port unreachable of an earlier
		// send (once reporting is on, see reportPortUnreachable).
		if udp {
			return Refused, true
		}
		return Closed, true
	case wsaECONNABORTED:
		return Closed, true
	case wsaENETUNREACH, wsaEHOSTUNREACH, wsaEADDRNOTAVAIL:
		return Unreachable, true
	case wsaEACCES:
		return BlockedLocally, true
	case wsaETIMEDOUT:
		return Silent, true
	}
	return "", false
}

// sioUDPConnReset is SIO_UDP_CONNRESET (_WSAIOW(IOC_VENDOR, 12)).
const sioUDPConnReset = syscall.IOC_IN | syscall.IOC_VENDOR | 12

// reportPortUnreachable turns ICMP port-unreachable reporting back on for
// a dialled UDP socket. Go turns it off on every UDP socket on Windows
// (go.dev/issue/5834) so servers are not disturbed, which would make a
// rejected probe look silent; a probe wants the rejection. A failure
// leaves the socket as it was: the probe then reads silence, as before.
func reportPortUnreachable(c net.Conn) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) {
		flag := uint32(1)
		var ret uint32
		_ = syscall.WSAIoctl(syscall.Handle(fd), sioUDPConnReset, (*byte)(unsafe.Pointer(&flag)), uint32(unsafe.Sizeof(flag)), nil, 0, &ret, nil, 0)
	})
}
