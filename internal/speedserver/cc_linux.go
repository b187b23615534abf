package speedserver

import "golang.org/x/sys/unix"

// setCongestion sets the socket's TCP congestion control. Sockets accepted
// from a listener inherit it.
func setCongestion(fd uintptr, algo string) error {
	return unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, algo)
}

// congestionOf reads a socket's congestion control, for tests and logs.
func congestionOf(fd uintptr) (string, error) {
	return unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION)
}
