package bandwidth

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"syscall"
	"testing"
)

// fakeRaw is a syscall.RawConn whose Control hands fd 7 to the function,
// or fails.
type fakeRaw struct{ err error }

func (f fakeRaw) Control(fn func(fd uintptr)) error {
	if f.err != nil {
		return f.err
	}
	fn(7)
	return nil
}
func (f fakeRaw) Read(func(fd uintptr) bool) error  { return errors.New("not used") }
func (f fakeRaw) Write(func(fd uintptr) bool) error { return errors.New("not used") }

var _ syscall.RawConn = fakeRaw{}

// tcpInfoBytes lays out a TCP_INFO_v0 as Windows does.
func tcpInfoBytes(inFlight uint32, out, in uint64, retrans uint32) []byte {
	b := make([]byte, tcpInfoV0)
	le := binary.LittleEndian
	le.PutUint32(b[0:], 4)     // State: ESTABLISHED
	le.PutUint32(b[4:], 1460)  // Mss
	le.PutUint64(b[8:], 12345) // ConnectionTimeMs
	b[16] = 1                  // TimestampsEnabled
	le.PutUint32(b[20:], 40000)
	le.PutUint32(b[24:], 39000)
	le.PutUint32(b[28:], inFlight)
	le.PutUint32(b[32:], 64000) // Cwnd
	le.PutUint32(b[36:], 65535)
	le.PutUint32(b[40:], 65535)
	le.PutUint32(b[44:], 131072)
	le.PutUint64(b[48:], out)
	le.PutUint64(b[56:], in)
	le.PutUint32(b[64:], 0)
	le.PutUint32(b[68:], retrans)
	le.PutUint32(b[72:], 3)
	le.PutUint32(b[76:], 9)
	le.PutUint32(b[80:], 1)
	b[84] = 0
	return b
}

func TestSIOTCPInfoConstant(t *testing.T) {
	// _WSAIORW(IOC_VENDOR, 39) from mstcpip.h.
	if sioTCPInfo != 0xD8000027 {
		t.Errorf("SIO_TCP_INFO = %#x, want 0xD8000027", uint32(sioTCPInfo))
	}
}

func TestParseTCPInfoV0(t *testing.T) {
	info, err := parseTCPInfoV0(tcpInfoBytes(30_000, 1_000_000, 2_000_000, 5_000))
	if err != nil {
		t.Fatal(err)
	}
	if info.bytesInFlight != 30_000 || info.bytesOut != 1_000_000 || info.bytesIn != 2_000_000 || info.bytesRetrans != 5_000 {
		t.Errorf("%+v", info)
	}
	if c := info.counts(); c.acked != 965_000 || c.received != 2_000_000 {
		t.Errorf("counts %+v, want acked 1,000,000 − 5,000 − 30,000 and received 2,000,000", c)
	}
	// A retransmitted byte still in flight is subtracted twice; never
	// below zero.
	info, _ = parseTCPInfoV0(tcpInfoBytes(900, 1000, 0, 500))
	if c := info.counts(); c.acked != 0 {
		t.Errorf("acked %d, want 0", c.acked)
	}
	if _, err := parseTCPInfoV0(make([]byte, tcpInfoV0-1)); !errors.Is(err, errShortTCPInfo) {
		t.Errorf("short buffer: %v", err)
	}
}

func FuzzParseTCPInfoV0(f *testing.F) {
	f.Add(tcpInfoBytes(30_000, 1_000_000, 2_000_000, 5_000))
	f.Add([]byte{})
	f.Add(make([]byte, tcpInfoV0+10))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := parseTCPInfoV0(b)
		if err != nil {
			if len(b) >= tcpInfoV0 {
				t.Fatalf("%d bytes refused: %v", len(b), err)
			}
			return
		}
		if c := info.counts(); c.acked < 0 || uint64(c.acked) > info.bytesOut {
			t.Fatalf("acked %d out of range for %+v", c.acked, info)
		}
	})
}

// The Windows counter path against a fake of WSAIoctl(SIO_TCP_INFO).
func TestWindowsCountersThroughTheSocketCall(t *testing.T) {
	var calls int
	var fail bool
	out := uint64(0)
	call := func(fd uintptr, buf []byte) (uint32, error) {
		calls++
		if fd != 7 || len(buf) != tcpInfoV0 {
			t.Errorf("call(fd %d, %d bytes)", fd, len(buf))
		}
		if fail {
			return 0, syscall.Errno(10045) // WSAEOPNOTSUPP, as on Wine
		}
		out += 100_000
		return uint32(copy(buf, tcpInfoBytes(10_000, out, 500, 0))), nil
	}
	src := windowsCounters(fakeRaw{}, call)
	if src == nil {
		t.Fatal("no counters although the call works")
	}
	c, ok := src(0)
	if !ok || c.acked != 190_000 || c.received != 500 {
		t.Errorf("reading %+v %v, want acked 200,000 − 10,000", c, ok)
	}
	fail = true
	if _, ok := src(0); ok {
		t.Error("a failed call read as a reading")
	}

	// Without SIO_TCP_INFO (Wine, Windows before 10 1703): no counters.
	if windowsCounters(fakeRaw{}, call) != nil {
		t.Error("counters although the first call fails")
	}
	if windowsCounters(fakeRaw{err: errors.New("closed")}, call) != nil {
		t.Error("counters although the socket is gone")
	}
	// A reply shorter than TCP_INFO_v0 is no reading.
	short := func(fd uintptr, buf []byte) (uint32, error) { return 40, nil }
	if windowsCounters(fakeRaw{}, short) != nil {
		t.Error("counters from a short reply")
	}
}

// The macOS counter path against a fake of TCP_CONNECTION_INFO.
func TestDarwinCountersThroughTheSocketCall(t *testing.T) {
	sb := uint32(0)
	var fail bool
	call := func(fd uintptr) (connInfo, error) {
		if fd != 7 {
			t.Errorf("fd %d", fd)
		}
		if fail {
			return connInfo{}, syscall.ENOPROTOOPT
		}
		return connInfo{sndSbBytes: sb, rxBytes: 777}, nil
	}
	src := darwinCounters(fakeRaw{}, call)
	if src == nil {
		t.Fatal("no counters although the call works")
	}
	sb = 300_000
	if c, ok := src(1_000_000); !ok || c.acked != 700_000 || c.received != 777 {
		t.Errorf("reading %+v %v, want acked 1,000,000 written − 300,000 in the send buffer", c, ok)
	}
	// A write counted only after it returned: the buffer may briefly
	// hold more than the count; never below zero.
	if c, _ := src(200_000); c.acked != 0 {
		t.Errorf("acked %d, want 0", c.acked)
	}
	fail = true
	if _, ok := src(0); ok {
		t.Error("a failed call read as a reading")
	}
	if darwinCounters(fakeRaw{}, call) != nil {
		t.Error("counters although the first call fails")
	}
}

// The meter hands each source what wfh wrote, keeps counts from going
// backwards, and puts connections without counters on the fallback.
func TestMeterWithFakeCounters(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	go func() {
		buf := make([]byte, 1024)
		for {
			if _, err := b.Read(buf); err != nil {
				return
			}
		}
	}()
	acked := []int64{0, 600, 400} // the second reading dips
	var written []int64
	src := func(w int64) (counts, bool) {
		written = append(written, w)
		a := acked[min(len(written)-1, len(acked)-1)]
		return counts{acked: a, received: 10}, true
	}
	m := newMeter(func(context.Context, string, string) (net.Conn, error) { return a, nil })
	m.counters = func(net.Conn) counterSource { return src }
	c, err := m.DialContext(t.Context(), "tcp", "pipe")
	if err != nil {
		t.Fatal(err)
	}
	mc := c.(*meteredConn)
	if _, err := mc.Write(make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	if tot := m.totals(); tot.acked != 0 {
		t.Errorf("first reading %+v", tot)
	}
	if tot := m.totals(); tot.acked != 600 {
		t.Errorf("second reading %+v", tot)
	}
	if tot := m.totals(); tot.acked != 600 {
		t.Errorf("a dip went backwards: %+v", tot)
	}
	if len(written) == 0 || written[len(written)-1] != 1000 {
		t.Errorf("the source saw written %v, want 1000", written)
	}
	_ = mc.Close()
	if tot := m.totals(); tot.acked != 600 {
		t.Errorf("after close %+v", tot)
	}
	if !m.exact() {
		t.Error("inexact with counters")
	}

	// Without counters: the meter says so, and counts what was read.
	p, q := net.Pipe()
	defer q.Close()
	go func() { _, _ = q.Write([]byte("hello")) }()
	m = newMeter(func(context.Context, string, string) (net.Conn, error) { return p, nil })
	m.counters = noCounters
	c, err = m.DialContext(t.Context(), "tcp", "pipe")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, _ := c.Read(buf)
	if tot := m.totals(); m.exact() || tot.received != int64(n) || tot.acked != 0 || n == 0 {
		t.Errorf("exact %v, totals %+v after reading %d", m.exact(), tot, n)
	}
	_ = c.Close()
}
