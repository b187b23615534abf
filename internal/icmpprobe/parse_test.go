package icmpprobe

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// extErrBytes builds the control-message data the kernel writes: struct
// sock_extended_err, then the offender's sockaddr.
func extErrBytes(errno uint32, origin, typ, code uint8, info uint32, from netip.Addr) []byte {
	b := make([]byte, 16)
	binary.NativeEndian.PutUint32(b[0:4], errno)
	b[4], b[5], b[6] = origin, typ, code
	binary.NativeEndian.PutUint32(b[8:12], info)
	switch {
	case from.Is4():
		sa := make([]byte, 16)
		binary.NativeEndian.PutUint16(sa[0:2], afInet)
		a := from.As4()
		copy(sa[4:8], a[:])
		b = append(b, sa...)
	case from.Is6():
		sa := make([]byte, 28)
		binary.NativeEndian.PutUint16(sa[0:2], afInet6)
		a := from.As16()
		copy(sa[8:24], a[:])
		b = append(b, sa...)
	default:
		b = append(b, make([]byte, 16)...) // local errors: AF_UNSPEC
	}
	return b
}

func TestClassifyExtErr(t *testing.T) {
	r4 := netip.MustParseAddr("10.200.1.1")
	r6 := netip.MustParseAddr("fd00:200:1::1")
	for _, tc := range []struct {
		name string
		data []byte
		v6   bool
		want Reply
		ok   bool
	}{
		{"time exceeded v4", extErrBytes(113, originICMP, icmpv4TimeExceeded, 0, 0, r4), false, Reply{Kind: TimeExceeded, From: r4}, true},
		{"frag needed v4", extErrBytes(90, originICMP, icmpv4Unreachable, icmpv4CodeFragNeeded, 1380, r4), false, Reply{Kind: TooBig, From: r4, MTU: 1380}, true},
		{"port unreachable v4", extErrBytes(111, originICMP, icmpv4Unreachable, 3, 0, r4), false, Reply{Kind: Unreachable, From: r4, Code: 3}, true},
		{"local emsgsize", extErrBytes(90, originLocal, 0, 0, 1380, netip.Addr{}), false, Reply{Kind: TooBig, MTU: 1380}, true},
		{"local other", extErrBytes(13, originLocal, 0, 0, 0, netip.Addr{}), false, Reply{}, false},
		{"time exceeded v6", extErrBytes(113, originICMP6, icmpv6TimeExceeded, 0, 0, r6), true, Reply{Kind: TimeExceeded, From: r6}, true},
		{"packet too big v6", extErrBytes(90, originICMP6, icmpv6PacketTooBig, 0, 1400, r6), true, Reply{Kind: TooBig, From: r6, MTU: 1400}, true},
		{"v6 origin on a v4 socket", extErrBytes(90, originICMP6, icmpv6PacketTooBig, 0, 1400, r6), false, Reply{}, false},
		{"unknown type", extErrBytes(0, originICMP, 5, 0, 0, r4), false, Reply{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := parseExtErr(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := e.classify(tc.v6)
			if ok != tc.ok || got != tc.want {
				t.Errorf("got %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	if _, err := parseExtErr(make([]byte, 15)); err == nil {
		t.Error("a short extended error must be refused")
	}
	// A truncated address leaves the sender unknown rather than wrong.
	e, err := parseExtErr(extErrBytes(113, originICMP, icmpv4TimeExceeded, 0, 0, r4)[:22])
	if err != nil || e.From.IsValid() {
		t.Errorf("truncated offender: %+v, %v", e, err)
	}
}

func TestEchoRoundTrip(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		b := echoRequest(v6, 0x1234, 7, 20)
		want := uint8(icmpv4Echo)
		if v6 {
			want = icmpv6Echo
		}
		id, seq, ok := echoFields(b, want)
		if !ok || id != 0x1234 || seq != 7 || len(b) != 28 {
			t.Errorf("v6=%v: id %x seq %d ok %v len %d", v6, id, seq, ok, len(b))
		}
		if !v6 && checksum(b) != 0 {
			t.Error("an IPv4 echo must carry a valid checksum")
		}
	}
	if _, _, ok := echoFields([]byte{0, 0, 0}, 0); ok {
		t.Error("short message accepted")
	}
}

func TestStripIPv4(t *testing.T) {
	pkt := append([]byte{0x45}, make([]byte, 19)...)
	pkt = append(pkt, echoRequest(false, 1, 2, 8)...)
	b, ok := stripIPv4(pkt)
	if !ok || b[0] != icmpv4Echo {
		t.Fatalf("got %v %v", b, ok)
	}
	for _, bad := range [][]byte{nil, {0x45}, append([]byte{0x4f}, make([]byte, 19)...), append([]byte{0x65}, make([]byte, 19)...)} {
		if _, ok := stripIPv4(bad); ok {
			t.Errorf("accepted %x", bad)
		}
	}
}

func TestSizes(t *testing.T) {
	if got := dataLen(1500, false); got != 1472 {
		t.Errorf("IPv4 1500: data %d, want 1472", got)
	}
	if got := dataLen(1500, true); got != 1452 {
		t.Errorf("IPv6 1500: data %d, want 1452", got)
	}
	if got := dataLen(0, false); got != minData {
		t.Errorf("size 0: data %d", got)
	}
}

// FuzzParseExtErr: whatever the kernel (or a corrupt buffer) hands over,
// parsing never panics and a classified reply is one of the known kinds.
func FuzzParseExtErr(f *testing.F) {
	f.Add(extErrBytes(90, originICMP, icmpv4Unreachable, icmpv4CodeFragNeeded, 1380, netip.MustParseAddr("10.0.0.1")))
	f.Add(extErrBytes(113, originICMP6, icmpv6TimeExceeded, 0, 0, netip.MustParseAddr("fd00::1")))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parseExtErr(b)
		if err != nil {
			return
		}
		for _, v6 := range []bool{false, true} {
			if r, ok := e.classify(v6); ok && (r.Kind < TimeExceeded && r.Kind != EchoReply || r.Kind > Unreachable) {
				t.Errorf("classified as %v", r.Kind)
			}
		}
	})
}

// FuzzEchoFields covers the reply parser with what a raw socket may read.
func FuzzEchoFields(f *testing.F) {
	f.Add(append(append([]byte{0x45}, make([]byte, 19)...), echoRequest(false, 1, 2, 8)...))
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, ok := stripIPv4(b); ok {
			echoFields(s, icmpv4EchoReply)
		}
		echoFields(b, icmpv6EchoReply)
	})
}
