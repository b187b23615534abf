package speedserver

import (
	"os"

	"golang.org/x/sys/unix"
)

// setCongestion sets the socket's TCP congestion control. Sockets accepted
// from a listener inherit it.
func setCongestion(fd uintptr, algo string) error {
	return unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, algo)
}

// congestionOf reads a socket's congestion control, for tests and logs.
func congestionOf(fd uintptr) (string, error) {
	return unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION)
}

// availableCongestion lists the algorithms the kernel has (built in or
// loaded); root may set any of them on a socket.
func availableCongestion() ([]string, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_available_congestion_control")
	if err != nil {
		return nil, err
	}
	return parseCongestionList(string(b)), nil
}

// allowedCongestion lists those any user may set.
func allowedCongestion() ([]string, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_allowed_congestion_control")
	if err != nil {
		return nil, err
	}
	return parseCongestionList(string(b)), nil
}
