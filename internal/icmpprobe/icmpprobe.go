// Package icmpprobe sends ICMP echo requests and says what came back: the
// echo reply, a Time Exceeded from a router on the way, a Fragmentation
// Needed (Packet Too Big) with the next hop's MTU, another Destination
// Unreachable, or nothing.
//
// Three ways to use it:
//   - Conn.Probe sends one request with a chosen TTL, size and
//     don't-fragment bit and waits for its answer (the path-MTU search,
//     PathMTU);
//   - Conn.SendEcho and Conn.ReadEvents send many requests without waiting
//     and read the answers as they come, each matched by sequence number
//     (hop discovery: every TTL at once);
//   - Echoes runs echo series to many targets at once, at a fixed pace, on
//     one socket and one goroutine per address family: each probe leaves
//     at its own fixed time (no drift), each answer counts against its own
//     send time, taken from the kernel's receive timestamp, and late,
//     duplicate and strangers' answers are told apart.
//
// On Linux it uses unprivileged ping sockets (SOCK_DGRAM, IPPROTO_ICMP,
// allowed by net.ipv4.ping_group_range) or raw sockets (root or
// CAP_NET_RAW), and in both cases reads ICMP errors from the socket's error
// queue (IP_RECVERR / IPV6_RECVERR), which also carries the MTU the kernel
// learnt. Other systems get ErrUnsupported for now (the latency check sends
// its echoes there with pro-bing, which reports echo replies only).
//
// Routers rate-limit the ICMP errors they send (Linux: a burst of 6, then
// one a second per destination), so a silent probe means "no answer", never
// "lost": callers must not read silence as packet loss.
package icmpprobe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Mode is the kind of socket a Conn uses.
type Mode int

const (
	// Unprivileged is a ping socket: Linux allows it to the groups in
	// net.ipv4.ping_group_range, macOS to everyone.
	Unprivileged Mode = iota + 1
	// Privileged is a raw socket: root or CAP_NET_RAW on Linux.
	Privileged
)

func (m Mode) String() string {
	switch m {
	case Unprivileged:
		return "unprivileged"
	case Privileged:
		return "privileged"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Kind is what came back for one probe.
type Kind int

const (
	// Silent: nothing came back in time. Routers rate-limit ICMP errors,
	// so this is not evidence of loss.
	Silent Kind = iota
	// EchoReply: the destination answered.
	EchoReply
	// TimeExceeded: the TTL ran out at the router in From.
	TimeExceeded
	// TooBig: the packet was larger than a link on the path allows and had
	// the don't-fragment bit; MTU is the largest packet that link takes (0
	// when the message did not say). From is the router, or invalid when
	// the local machine refused to send it.
	TooBig
	// Unreachable: another Destination Unreachable (no route, port or
	// host unreachable, administratively prohibited); Code says which.
	Unreachable
)

func (k Kind) String() string {
	switch k {
	case Silent:
		return "silent"
	case EchoReply:
		return "echo_reply"
	case TimeExceeded:
		return "time_exceeded"
	case TooBig:
		return "too_big"
	case Unreachable:
		return "unreachable"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Reply is the outcome of one probe.
type Reply struct {
	Kind Kind
	// From is the address that answered: the destination for an echo
	// reply, the router for an error; invalid for Silent and local errors.
	From netip.Addr
	// RTT is the time from sending to the answer; 0 for Silent.
	RTT time.Duration
	// MTU is set for TooBig: the largest packet, IP header included.
	MTU int
	// Code is the ICMP code of an Unreachable.
	Code int
}

// Probe describes one echo request.
type Probe struct {
	// Dst is the destination address; its family must match the Conn's.
	Dst netip.Addr
	// TTL (hop limit for IPv6) of the packet; 0 means 64.
	TTL int
	// Size is the whole IP packet in bytes, header included; 0 means the
	// smallest echo (28 bytes for IPv4, 48 for IPv6 with 8 bytes of data).
	Size int
	// DontFragment sets the DF bit (IPv4) and forbids local fragmentation
	// (both families), so a packet too big for the path fails instead of
	// being split.
	DontFragment bool
	// Timeout bounds the wait for an answer; 0 means one second.
	Timeout time.Duration
}

// Header sizes: IP plus the 8-byte ICMP echo header.
const (
	ipv4Header = 20
	ipv6Header = 40
	echoHeader = 8
	// minData holds the probe's tag (see Conn.Probe); smaller sizes are raised.
	minData = 8
)

// MinSize is the smallest packet a probe sends for the family.
func MinSize(v6 bool) int {
	if v6 {
		return ipv6Header + echoHeader + minData
	}
	return ipv4Header + echoHeader + minData
}

// PacketSize is the IP packet of an echo request with payload bytes of
// data: the IP header, the 8-byte echo header and the data.
func PacketSize(payload int, v6 bool) int {
	if v6 {
		return ipv6Header + echoHeader + payload
	}
	return ipv4Header + echoHeader + payload
}

// dataLen is the echo payload that makes an IP packet of size bytes.
func dataLen(size int, v6 bool) int {
	if size < MinSize(v6) {
		size = MinSize(v6)
	}
	if v6 {
		return size - ipv6Header - echoHeader
	}
	return size - ipv4Header - echoHeader
}

// ErrUnsupported: this OS has no implementation yet.
var ErrUnsupported = errors.New("ICMP probes with TTL and don't-fragment are not supported on this system yet")

// ErrNotPermitted: the OS refused the socket (Linux: the user's group is
// outside net.ipv4.ping_group_range and it has no CAP_NET_RAW).
var ErrNotPermitted = errors.New("ICMP sockets are not permitted for this user")

// Prober sends one probe and waits for its answer. *Conn implements it;
// PathMTU takes it so its search is tested without a network.
type Prober interface {
	Probe(ctx context.Context, p Probe) (Reply, error)
}

// Detect returns the first mode whose socket this process may open for the
// family: Unprivileged, then Privileged. It opens and closes one socket.
func Detect(v6 bool) (Mode, error) {
	var last error
	for _, m := range []Mode{Unprivileged, Privileged} {
		c, err := Open(m, v6)
		if err == nil {
			c.Close()
			return m, nil
		}
		last = err
	}
	return 0, last
}
