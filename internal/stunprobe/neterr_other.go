//go:build !windows

package stunprobe

import "net"

// osOutcome: on Unix the syscall constants are the real errno values, so
// netOutcome's own cases cover everything.
func osOutcome(error, bool) (Outcome, bool) { return "", false }

// reportPortUnreachable: Linux and macOS deliver ICMP port unreachable to a
// connected UDP socket as ECONNREFUSED on the next read already.
func reportPortUnreachable(net.Conn) {}
