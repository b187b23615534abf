package bandwidth

import (
	"net"

	"golang.org/x/sys/unix"
)

// kernelCounters reads TCP_INFO's byte counters (Linux 4.1 and later):
// tcpi_bytes_received and tcpi_bytes_acked, payload bytes as RFC 4898's
// HCThruOctetsReceived and HCThruOctetsAcked define them. It returns nil
// when c is not a TCP socket. (A kernel older than 4.1 leaves both at zero;
// the upload then falls back to the bodies the server confirmed.)
func kernelCounters(c net.Conn) counterSource {
	raw := rawConnOf(c)
	if raw == nil {
		return nil
	}
	read := func(int64) (counts, bool) {
		var info *unix.TCPInfo
		var gerr error
		if err := raw.Control(func(fd uintptr) {
			info, gerr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		}); err != nil || gerr != nil {
			return counts{}, false
		}
		return counts{received: int64(info.Bytes_received), acked: int64(info.Bytes_acked)}, true
	}
	return firstReadingWorks(read)
}
