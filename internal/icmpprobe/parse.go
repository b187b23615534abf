package icmpprobe

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"
)

// ICMP types and codes the package reads (RFC 792, RFC 4443).
const (
	icmpv4EchoReply      = 0
	icmpv4Unreachable    = 3
	icmpv4Echo           = 8
	icmpv4TimeExceeded   = 11
	icmpv4CodeFragNeeded = 4

	icmpv6Unreachable  = 1
	icmpv6PacketTooBig = 2
	icmpv6TimeExceeded = 3
	icmpv6Echo         = 128
	icmpv6EchoReply    = 129
)

// Origins of a sock_extended_err (linux/errqueue.h).
const (
	originLocal = 1
	originICMP  = 2
	originICMP6 = 3
)

// Address families in a sockaddr, as Linux numbers them.
const (
	afInet  = 2
	afInet6 = 10
)

// extErr is a struct sock_extended_err with the offender's address that
// follows it (SO_EE_OFFENDER).
type extErr struct {
	Errno  uint32
	Origin uint8
	Type   uint8
	Code   uint8
	Info   uint32 // the MTU for Fragmentation Needed / Packet Too Big and for local EMSGSIZE
	From   netip.Addr
}

var errShortExtErr = errors.New("extended error shorter than struct sock_extended_err")

// parseExtErr reads the data of an IP_RECVERR or IPV6_RECVERR control
// message: 16 bytes of sock_extended_err in host byte order, then a
// sockaddr_in or sockaddr_in6 naming the sender of the ICMP error (zero for
// local errors). A missing or malformed address leaves From invalid.
func parseExtErr(b []byte) (extErr, error) {
	if len(b) < 16 {
		return extErr{}, errShortExtErr
	}
	e := extErr{
		Errno:  binary.NativeEndian.Uint32(b[0:4]),
		Origin: b[4],
		Type:   b[5],
		Code:   b[6],
		Info:   binary.NativeEndian.Uint32(b[8:12]),
	}
	sa := b[16:]
	if len(sa) < 2 {
		return e, nil
	}
	switch binary.NativeEndian.Uint16(sa[0:2]) {
	case afInet:
		if len(sa) >= 8 {
			e.From = netip.AddrFrom4([4]byte(sa[4:8]))
		}
	case afInet6:
		if len(sa) >= 24 {
			e.From = netip.AddrFrom16([16]byte(sa[8:24]))
		}
	}
	return e, nil
}

// classify turns an extended error into a Reply kind; ok is false for
// errors that are not about the path (a local error other than EMSGSIZE).
func (e extErr) classify(v6 bool) (r Reply, ok bool) {
	const emsgsize = 90 // EMSGSIZE on Linux
	switch e.Origin {
	case originLocal:
		if e.Errno == emsgsize {
			return Reply{Kind: TooBig, MTU: int(e.Info)}, true
		}
		return Reply{}, false
	case originICMP:
		if v6 {
			return Reply{}, false
		}
		switch e.Type {
		case icmpv4TimeExceeded:
			return Reply{Kind: TimeExceeded, From: e.From}, true
		case icmpv4Unreachable:
			if e.Code == icmpv4CodeFragNeeded {
				return Reply{Kind: TooBig, From: e.From, MTU: int(e.Info)}, true
			}
			return Reply{Kind: Unreachable, From: e.From, Code: int(e.Code)}, true
		}
	case originICMP6:
		if !v6 {
			return Reply{}, false
		}
		switch e.Type {
		case icmpv6TimeExceeded:
			return Reply{Kind: TimeExceeded, From: e.From}, true
		case icmpv6PacketTooBig:
			return Reply{Kind: TooBig, From: e.From, MTU: int(e.Info)}, true
		case icmpv6Unreachable:
			return Reply{Kind: Unreachable, From: e.From, Code: int(e.Code)}, true
		}
	}
	return Reply{}, false
}

// echoFields reads the identifier and sequence number of an ICMP echo
// message of type want at the start of b.
func echoFields(b []byte, want uint8) (id, seq uint16, ok bool) {
	if len(b) < echoHeader || b[0] != want || b[1] != 0 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(b[4:6]), binary.BigEndian.Uint16(b[6:8]), true
}

// stripIPv4 drops the IPv4 header a raw IPv4 socket delivers in front of
// the ICMP message; ok is false when b is not a whole IPv4 header.
func stripIPv4(b []byte) ([]byte, bool) {
	if len(b) < ipv4Header || b[0]>>4 != 4 {
		return nil, false
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < ipv4Header || ihl > len(b) {
		return nil, false
	}
	return b[ihl:], true
}

// echoRequest builds an ICMP echo request with data bytes of payload. The
// IPv4 checksum is filled in (a ping socket recomputes it, a raw socket
// sends it as is); for ICMPv6 the kernel always computes it, because it
// covers the IPv6 pseudo-header.
func echoRequest(v6 bool, id, seq uint16, data int) []byte {
	d := make([]byte, data)
	for i := range d {
		d[i] = byte(echoHeader + i) // a pattern, so a truncated packet is recognisable in a capture
	}
	return appendEcho(nil, v6, id, seq, d)
}

// appendEcho appends an echo request carrying data to b, checksummed as
// echoRequest's.
func appendEcho(b []byte, v6 bool, id, seq uint16, data []byte) []byte {
	start := len(b)
	typ := byte(icmpv4Echo)
	if v6 {
		typ = icmpv6Echo
	}
	b = append(b, typ, 0, 0, 0, byte(id>>8), byte(id), byte(seq>>8), byte(seq))
	b = append(b, data...)
	if !v6 {
		binary.BigEndian.PutUint16(b[start+2:start+4], checksum(b[start:]))
	}
	return b
}

// parseEchoReply reads an echo reply of type want as a socket delivered
// it (withIPv4: a raw IPv4 socket, which keeps the IP header): its
// identifier, sequence number and the first bytes of its data.
func parseEchoReply(b []byte, want uint8, withIPv4 bool) (id, seq uint16, tag [8]byte, tagged, ok bool) {
	if withIPv4 {
		if b, ok = stripIPv4(b); !ok {
			return 0, 0, tag, false, false
		}
	}
	if id, seq, ok = echoFields(b, want); !ok {
		return 0, 0, tag, false, false
	}
	data := b[echoHeader:]
	if len(data) >= len(tag) {
		copy(tag[:], data)
		tagged = true
	}
	return id, seq, tag, tagged, true
}

// timespecTime reads the struct timespec of an SCM_TIMESTAMPNS control
// message: two 64-bit fields on 64-bit systems, two 32-bit ones on the
// 32-bit systems' old layout. ok is false for any other length or a
// nanosecond field outside [0, 1e9).
func timespecTime(b []byte) (time.Time, bool) {
	var sec, nsec int64
	switch len(b) {
	case 16:
		sec, nsec = int64(binary.NativeEndian.Uint64(b[0:8])), int64(binary.NativeEndian.Uint64(b[8:16]))
	case 8:
		sec, nsec = int64(int32(binary.NativeEndian.Uint32(b[0:4]))), int64(int32(binary.NativeEndian.Uint32(b[4:8])))
	default:
		return time.Time{}, false
	}
	if nsec < 0 || nsec >= 1e9 || sec <= 0 {
		return time.Time{}, false
	}
	return time.Unix(sec, nsec), true
}

// checksum is the Internet checksum of RFC 1071.
func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}
