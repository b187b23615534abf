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

func TestParseEchoReply(t *testing.T) {
	tag := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	reply := appendEcho(nil, false, 0x1234, 77, append(tag, 9, 10))
	reply[0] = icmpv4EchoReply
	withIP := append(append([]byte{0x45}, make([]byte, 19)...), reply...)
	for _, tc := range []struct {
		name   string
		b      []byte
		raw    bool
		ok     bool
		tagged bool
	}{
		{"ping socket", reply, false, true, true},
		{"raw socket", withIP, true, true, true},
		{"raw socket without its header", reply, true, false, false},
		{"data shorter than a tag", reply[:echoHeader+4], false, true, false},
		{"a request, not a reply", appendEcho(nil, false, 1, 2, tag), false, false, false},
		{"empty", nil, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, seq, got, tagged, ok := parseEchoReply(tc.b, icmpv4EchoReply, tc.raw)
			if ok != tc.ok || tagged != tc.tagged {
				t.Fatalf("ok %v tagged %v, want %v %v", ok, tagged, tc.ok, tc.tagged)
			}
			if ok && (id != 0x1234 || seq != 77) {
				t.Errorf("id %#x seq %d", id, seq)
			}
			if tagged && string(got[:]) != string(tag) {
				t.Errorf("tag %v", got)
			}
		})
	}
}

func TestTimespecTime(t *testing.T) {
	b := make([]byte, 16)
	binary.NativeEndian.PutUint64(b[0:8], 1_800_000_000)
	binary.NativeEndian.PutUint64(b[8:16], 123_456_789)
	if got, ok := timespecTime(b); !ok || got.UnixNano() != 1_800_000_000_123_456_789 {
		t.Errorf("64-bit: %v %v", got, ok)
	}
	b32 := make([]byte, 8)
	binary.NativeEndian.PutUint32(b32[0:4], 1_800_000_000)
	binary.NativeEndian.PutUint32(b32[4:8], 5)
	if got, ok := timespecTime(b32); !ok || got.UnixNano() != 1_800_000_000_000_000_005 {
		t.Errorf("32-bit: %v %v", got, ok)
	}
	binary.NativeEndian.PutUint64(b[8:16], 1e9)
	for _, bad := range [][]byte{nil, make([]byte, 12), make([]byte, 16), b} {
		if got, ok := timespecTime(bad); ok {
			t.Errorf("%v read as %v", bad, got)
		}
	}
}

// FuzzParseEchoReply: any packet a socket delivers parses without panic,
// and a tag is only read from data that holds one.
func FuzzParseEchoReply(f *testing.F) {
	r := appendEcho(nil, false, 1, 2, make([]byte, 16))
	r[0] = icmpv4EchoReply
	f.Add(r, false)
	f.Add(append(append([]byte{0x46}, make([]byte, 23)...), r...), true)
	f.Add([]byte{0x45}, true)
	f.Fuzz(func(t *testing.T, b []byte, raw bool) {
		_, _, _, tagged, ok := parseEchoReply(b, icmpv4EchoReply, raw)
		if tagged && (!ok || len(b) < echoHeader+8) {
			t.Errorf("tag from %d bytes (ok %v)", len(b), ok)
		}
	})
}

// FuzzTimespecTime: any control-message data gives a time after 1970 with
// a valid nanosecond field, or nothing.
func FuzzTimespecTime(f *testing.F) {
	f.Add(make([]byte, 16))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, ok := timespecTime(b); ok && (got.Unix() <= 0 || got.Nanosecond() >= 1e9) {
			t.Errorf("%v from %x", got, b)
		}
	})
}
