package bandwidth

import (
	"net"

	"golang.org/x/sys/unix"
)

// kernelCounters reads TCP_CONNECTION_INFO (macOS 10.11 and later; see
// counters.go). It returns nil when c is not a TCP socket.
func kernelCounters(c net.Conn) counterSource {
	raw := rawConnOf(c)
	if raw == nil {
		return nil
	}
	return darwinCounters(raw, func(fd uintptr) (connInfo, error) {
		info, err := unix.GetsockoptTCPConnectionInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_CONNECTION_INFO)
		if err != nil {
			return connInfo{}, err
		}
		return connInfo{sndSbBytes: info.Snd_sbbytes, rxBytes: info.Rxbytes}, nil
	})
}
