package bandwidth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
)

// counterSource reads one connection's kernel byte counters. written is
// what wfh has written to the connection so far, which macOS needs (its
// kernel says how much of that is still in the send buffer, not how much
// was acknowledged). ok is false when the reading failed; the meter then
// keeps the last good one.
type counterSource func(written int64) (c counts, ok bool)

// Windows: WSAIoctl(SIO_TCP_INFO) fills a TCP_INFO_v0 (Windows 10 1703 and
// later). golang.org/x/sys/windows has WSAIoctl but neither the control
// code nor the structure, so both are defined here from Microsoft's
// headers (mstcpip.h):
//
//	#define SIO_TCP_INFO _WSAIORW(IOC_VENDOR, 39)
//	typedef struct _TCP_INFO_v0 {
//	    TCPSTATE State;             //  0  (a 4-byte enum)
//	    ULONG    Mss;               //  4
//	    ULONG64  ConnectionTimeMs;  //  8
//	    BOOLEAN  TimestampsEnabled; // 16  (then 3 bytes of padding)
//	    ULONG    RttUs;             // 20
//	    ULONG    MinRttUs;          // 24
//	    ULONG    BytesInFlight;     // 28
//	    ULONG    Cwnd;              // 32
//	    ULONG    SndWnd;            // 36
//	    ULONG    RcvWnd;            // 40
//	    ULONG    RcvBuf;            // 44
//	    ULONG64  BytesOut;          // 48
//	    ULONG64  BytesIn;           // 56
//	    ULONG    BytesReordered;    // 64
//	    ULONG    BytesRetrans;      // 68
//	    ULONG    FastRetrans;       // 72
//	    ULONG    DupAcksIn;         // 76
//	    ULONG    TimeoutEpisodes;   // 80
//	    UCHAR    SynRetrans;        // 84  (then padding to 88)
//	} TCP_INFO_v0;
//
// The structure is decoded from bytes at these offsets rather than
// overlaid on a Go struct, so the decoding is the same on every
// architecture and is tested on every OS.
const (
	iocVendor  = 0x18000000
	iocInOut   = 0xC0000000 // IOC_IN | IOC_OUT
	sioTCPInfo = iocInOut | iocVendor | 39
	tcpInfoV0  = 88 // sizeof(TCP_INFO_v0) on 32- and 64-bit Windows
)

// tcpInfoV0Counts is what wfh reads from a TCP_INFO_v0.
type tcpInfoV0Counts struct {
	bytesInFlight uint32
	bytesOut      uint64
	bytesIn       uint64
	bytesRetrans  uint32
}

var errShortTCPInfo = errors.New("SIO_TCP_INFO returned a short TCP_INFO_v0")

// parseTCPInfoV0 decodes the fields wfh uses from a TCP_INFO_v0 (Windows
// is little-endian on every architecture it runs on).
func parseTCPInfoV0(b []byte) (tcpInfoV0Counts, error) {
	if len(b) < tcpInfoV0 {
		return tcpInfoV0Counts{}, fmt.Errorf("%w (%d of %d bytes)", errShortTCPInfo, len(b), tcpInfoV0)
	}
	le := binary.LittleEndian
	return tcpInfoV0Counts{
		bytesInFlight: le.Uint32(b[28:]),
		bytesOut:      le.Uint64(b[48:]),
		bytesIn:       le.Uint64(b[56:]),
		bytesRetrans:  le.Uint32(b[68:]),
	}, nil
}

// counts turns a TCP_INFO_v0 into wfh's counters. Windows has no
// acknowledged-bytes counter: BytesOut counts every byte sent,
// retransmissions included, and BytesInFlight those sent but not yet
// acknowledged, so acknowledged ≈ BytesOut − BytesRetrans − BytesInFlight.
// Clamped at zero: the three are read at one instant, but a retransmitted
// byte still in flight is subtracted twice.
func (i tcpInfoV0Counts) counts() counts {
	acked := int64(i.bytesOut) - int64(i.bytesRetrans) - int64(i.bytesInFlight)
	return counts{received: int64(i.bytesIn), acked: max(acked, 0)}
}

// tcpInfoCall is the socket call behind the Windows counters:
// WSAIoctl(fd, SIO_TCP_INFO, &version, sizeof version, out, len(out),
// &returned, nil, nil) with version 0. Tests pass a fake.
type tcpInfoCall func(fd uintptr, out []byte) (returned uint32, err error)

// windowsCounters reads a connection's counters through SIO_TCP_INFO, or
// returns nil when the first reading fails (Windows before 10 1703, and
// Wine, which lacks SIO_TCP_INFO): the meter then counts what wfh reads
// and the upload falls back to the bodies the server confirmed.
func windowsCounters(raw syscall.RawConn, call tcpInfoCall) counterSource {
	read := func(int64) (counts, bool) {
		buf := make([]byte, tcpInfoV0)
		var n uint32
		var cerr error
		if err := raw.Control(func(fd uintptr) { n, cerr = call(fd, buf) }); err != nil || cerr != nil {
			return counts{}, false
		}
		info, err := parseTCPInfoV0(buf[:min(int(n), len(buf))])
		if err != nil {
			return counts{}, false
		}
		return info.counts(), true
	}
	return firstReadingWorks(read)
}

// connInfo is what wfh reads from macOS's TCP_CONNECTION_INFO
// (struct tcp_connection_info, unix.TCPConnectionInfo).
type connInfo struct {
	sndSbBytes uint32 // bytes in the send buffer: written, not yet acknowledged
	rxBytes    uint64 // payload bytes received
}

// counts turns a TCP_CONNECTION_INFO into wfh's counters. macOS has no
// acknowledged-bytes counter either; its Txbytes counts what TCP sent, not
// what arrived. But the send buffer holds every written byte until it is
// acknowledged (the in-flight ones included), so acknowledged = written −
// tcpi_snd_sbbytes exactly, written being what wfh wrote to the socket.
// Clamped at zero: wfh adds a write to its count only once the write has
// returned, so for a moment the buffer may hold bytes not yet counted.
func (i connInfo) counts(written int64) counts {
	return counts{received: int64(i.rxBytes), acked: max(written-int64(i.sndSbBytes), 0)}
}

// connInfoCall is the socket call behind the macOS counters:
// getsockopt(fd, IPPROTO_TCP, TCP_CONNECTION_INFO). Tests pass a fake.
type connInfoCall func(fd uintptr) (connInfo, error)

// darwinCounters reads a connection's counters through
// TCP_CONNECTION_INFO (macOS 10.11 and later), or returns nil when the
// first reading fails.
func darwinCounters(raw syscall.RawConn, call connInfoCall) counterSource {
	read := func(written int64) (counts, bool) {
		var info connInfo
		var cerr error
		if err := raw.Control(func(fd uintptr) { info, cerr = call(fd) }); err != nil || cerr != nil {
			return counts{}, false
		}
		return info.counts(written), true
	}
	return firstReadingWorks(read)
}

// firstReadingWorks returns read if one reading succeeds now, else nil:
// a platform without the counters is found out at the first connection.
func firstReadingWorks(read counterSource) counterSource {
	if _, ok := read(0); !ok {
		return nil
	}
	return read
}

// rawConnOf is the connection's raw socket, or nil for a connection that
// is not a socket (a test's pipe).
func rawConnOf(c any) syscall.RawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}
