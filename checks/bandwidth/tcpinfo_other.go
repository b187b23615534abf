//go:build !linux

package bandwidth

import "net"

// kernelCounters: only Linux's TCP_INFO gives per-connection byte counts
// in a stable form; elsewhere wfh counts what it reads, and an upload
// counts only the bodies the server confirmed.
func kernelCounters(net.Conn) func() (counts, bool) { return nil }
