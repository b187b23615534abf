package network

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
)

// The errors icmp.ListenPacket returns for each ICMP mode, as pro-bing
// passes them on: whether the next mode is worth trying is read from the
// errno, never from the words.
func TestIsPermission(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{os.NewSyscallError("socket", syscall.EACCES), true},                                                  // unprivileged, outside ping_group_range
		{&net.OpError{Op: "listen", Net: "ip4:icmp", Err: os.NewSyscallError("socket", syscall.EPERM)}, true}, // raw, no CAP_NET_RAW
		{os.NewSyscallError("socket", syscall.EPROTONOSUPPORT), true},
		{&net.OpError{Op: "write", Net: "ip4:icmp", Err: os.NewSyscallError("sendto", syscall.ENETUNREACH)}, false},
		{errors.New("lookup gw: no such host"), false},
	} {
		if got := isPermission(tc.err); got != tc.want {
			t.Errorf("isPermission(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
