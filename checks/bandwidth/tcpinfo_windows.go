package bandwidth

import (
	"net"
	"unsafe"

	"golang.org/x/sys/windows"
)

// kernelCounters reads SIO_TCP_INFO's TCP_INFO_v0 (Windows 10 1703 and
// later; see counters.go). It returns nil when c is not a TCP socket or
// the system lacks SIO_TCP_INFO (older Windows, Wine).
func kernelCounters(c net.Conn) counterSource {
	raw := rawConnOf(c)
	if raw == nil {
		return nil
	}
	return windowsCounters(raw, wsaTCPInfo)
}

// wsaTCPInfo is the real socket call: TCP_INFO version 0.
func wsaTCPInfo(fd uintptr, out []byte) (uint32, error) {
	var version uint32 // TCP_INFO_v0
	var returned uint32
	err := windows.WSAIoctl(windows.Handle(fd), sioTCPInfo,
		(*byte)(unsafe.Pointer(&version)), uint32(unsafe.Sizeof(version)),
		&out[0], uint32(len(out)), &returned, nil, 0)
	return returned, err
}
