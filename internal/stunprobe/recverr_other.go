//go:build !linux

package stunprobe

import "net"

// reportICMPErrors: macOS never reports ICMP errors on an unconnected UDP
// socket and Go turns them off on Windows, so the NAT probe reads a
// rejecting firewall as silence there.
func reportICMPErrors(net.PacketConn) {}
