package system

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/wfh-cli/wfh/checks"
)

// A minimal SNTP client (RFC 4330 / RFC 5905 client mode). wfh needs one
// request and one answer through the injected dialer, honouring the context,
// which is simpler to own than to adapt a library to.

const (
	ntpPacketSize = 48
	// ntpEpochOffset is the number of seconds from 1900-01-01 (NTP era 0)
	// to 1970-01-01 (Unix).
	ntpEpochOffset = 2208988800
	// maxNegativeDelay is how far below zero a computed round trip may be
	// and still count as zero: NTP servers' timestamp precision is at worst
	// a few milliseconds (the precision field, typically 2^-20 s or better).
	maxNegativeDelay = 5 * time.Millisecond
)

// sntpSample is the outcome of one exchange.
type sntpSample struct {
	Offset  time.Duration // server clock minus local clock
	RTT     time.Duration // round trip, without the server's processing time
	Stratum uint8
}

var (
	errNTPKissOfDeath = errors.New("the server refused to answer (kiss-o'-death)")
	errNTPUnsynced    = errors.New("the server's own clock is not synchronised")
)

// querySNTP sends one client request to addr ("host:port") and validates the
// answer the way RFC 5905 section 8 asks a client to, so that a server that
// lies or answers garbage gives an error rather than a false offset.
func querySNTP(ctx context.Context, d checks.Dialer, now func() time.Time, addr string) (sntpSample, error) {
	conn, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return sntpSample{}, fmt.Errorf("reach %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Close the socket when ctx ends so a blocked Read returns at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	req := make([]byte, ntpPacketSize)
	req[0] = 0<<6 | 4<<3 | 3 // leap 0, version 4, mode 3 (client)
	// A random transmit timestamp (as RFC 9109 recommends) both hides the
	// local clock from the network and lets us match the answer to it.
	if _, err := rand.Read(req[40:48]); err != nil {
		return sntpSample{}, fmt.Errorf("make an NTP request: %w", err)
	}
	t1 := now()
	if _, err := conn.Write(req); err != nil {
		return sntpSample{}, fmt.Errorf("send to %s: %w", addr, err)
	}
	buf := make([]byte, 512)
	for {
		n, err := conn.Read(buf)
		t4 := now()
		if err != nil {
			if ctx.Err() != nil {
				return sntpSample{}, fmt.Errorf("no answer from %s: %w", addr, ctx.Err())
			}
			return sntpSample{}, fmt.Errorf("no answer from %s: %w", addr, err)
		}
		s, err := parseSNTPResponse(buf[:n], req[40:48], t1, t4)
		if errors.Is(err, errNTPStray) {
			continue // an old or forged packet: keep waiting for ours
		}
		if err != nil {
			return sntpSample{}, fmt.Errorf("bad answer from %s: %w", addr, err)
		}
		return s, nil
	}
}

var errNTPStray = errors.New("answer to another request")

// parseSNTPResponse validates a server packet and computes offset and delay
// from the four timestamps (RFC 5905 section 8): t1 and t4 are local send and
// receive times, t2 and t3 the server's receive and transmit times.
func parseSNTPResponse(p, origin []byte, t1, t4 time.Time) (sntpSample, error) {
	if len(p) < ntpPacketSize {
		return sntpSample{}, fmt.Errorf("packet of %d bytes, want at least %d", len(p), ntpPacketSize)
	}
	leap, version, mode := p[0]>>6, (p[0]>>3)&7, p[0]&7
	if mode != 4 {
		return sntpSample{}, fmt.Errorf("mode %d, want 4 (server)", mode)
	}
	if version < 1 || version > 4 {
		return sntpSample{}, fmt.Errorf("NTP version %d", version)
	}
	if string(p[24:32]) != string(origin) {
		return sntpSample{}, errNTPStray
	}
	stratum := p[1]
	if stratum == 0 {
		return sntpSample{}, fmt.Errorf("%w: code %q", errNTPKissOfDeath, printableCode(p[12:16]))
	}
	if stratum > 15 || leap == 3 {
		return sntpSample{}, errNTPUnsynced
	}
	rx, tx := binary.BigEndian.Uint64(p[32:40]), binary.BigEndian.Uint64(p[40:48])
	if rx == 0 || tx == 0 {
		return sntpSample{}, errors.New("zero timestamps")
	}
	t2, t3 := ntpTime(rx, t1), ntpTime(tx, t1)
	// Durations between the local readings use the monotonic clock; the
	// server's are wall-clock differences, which is what the formula wants.
	local := t4.Sub(t1)
	server := t3.Sub(t2)
	rtt := local - server
	// Timestamp precision differs between hosts, so on a fast link the
	// computed delay can come out a little below zero; far below is a lie.
	if rtt < 0 && rtt > -maxNegativeDelay {
		rtt = 0
	}
	if server < 0 || rtt < 0 {
		return sntpSample{}, fmt.Errorf("impossible timestamps (round trip %s, server time %s)", rtt, server)
	}
	offset := (t2.Sub(t1) + t3.Sub(t1.Add(local))) / 2
	return sntpSample{Offset: offset, RTT: rtt, Stratum: stratum}, nil
}

// ntpTime converts a 64-bit NTP timestamp to time, choosing the NTP era
// (136 years each) closest to ref so the 2036 rollover is handled.
func ntpTime(ts uint64, ref time.Time) time.Time {
	secs, frac := int64(ts>>32), int64(ts&0xffffffff)
	const era = int64(1) << 32
	refSecs := ref.Unix() + ntpEpochOffset
	// Pick the era that puts secs nearest to the reference.
	base := refSecs - refSecs%era
	cands := []int64{base - era + secs, base + secs, base + era + secs}
	best := cands[0]
	for _, c := range cands[1:] {
		if abs64(c-refSecs) < abs64(best-refSecs) {
			best = c
		}
	}
	nanos := (frac * 1e9) >> 32
	return time.Unix(best-ntpEpochOffset, nanos)
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// printableCode renders a kiss code ("RATE", "DENY") without letting binary
// junk into the report.
func printableCode(b []byte) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			out = append(out, c)
		}
	}
	return string(out)
}

// ntpAddress adds the NTP port to a host that has none.
func ntpAddress(server string) string {
	if _, _, err := net.SplitHostPort(server); err == nil {
		return server
	}
	return net.JoinHostPort(server, "123")
}
