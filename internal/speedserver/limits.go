package speedserver

import (
	"fmt"
	"time"
)

// The rules for the limits a user sets (wfh serve's flags); New refuses a
// Config outside them, and the command states them in --help.
const (
	// MinMaxClients, MaxMaxClients: at least one test must fit; beyond
	// 100 simultaneous tests no uplink gives each a meaningful figure, and
	// the connection cap (40 a client) would pass common file limits.
	MinMaxClients, MaxMaxClients = 1, 100
	// MinMaxTest: wfh's own test takes up to 15 s, so a shorter limit
	// would cut every wfh run. MaxMaxTest: speedtest-go's CLI needs about
	// 30 s; ten minutes is already a free download source.
	MinMaxTest, MaxMaxTest = 15 * time.Second, 10 * time.Minute
	// MinMaxBody: speedtest-go posts bodies of about 1 MB, so a smaller
	// limit fails its uploads. MaxMaxBody: a bigger body only lets one
	// request run longer, never measures better.
	MinMaxBody, MaxMaxBody = 1_000_000, 1_000_000_000
	// MaxTokenLen: a token travels in a URL and a header; 256 characters
	// is far more than a random token needs.
	MaxTokenLen = 256
)

// limits are the fixed limits below the ones a user sets. They are fields
// rather than constants only so that tests can shorten the times.
type limits struct {
	// connsPerAddr caps the connections one address holds open: its 32
	// simultaneous requests plus 8 for keep-alive leftovers between a
	// test's phases and speedtest-go's TCP ping.
	connsPerAddr int
	// reserveEach: the last quarter of the connection cap stays open
	// only to addresses holding fewer than this many, so addresses not
	// yet seen can still start a test while others hold the rest. 16 is
	// what the busiest client (speedtest-go with 16 threads) opens.
	reserveEach int
	// headerTimeout: a connection must have sent a whole request header
	// this long after it was accepted (the protocol sniffing included);
	// real clients send it with their first packet.
	headerTimeout time.Duration
	// idleTimeout closes a keep-alive connection between requests, and
	// textIdle a text-protocol connection between lines.
	idleTimeout, textIdle time.Duration
	// pressureTimeout replaces the three timeouts above once half the
	// connection cap is in use: a client between requests pauses for
	// milliseconds, and one that finds its connection closed opens
	// another.
	pressureTimeout time.Duration
	// block and blockTimeout set the minimum transfer rate (4 kB/s):
	// every block bytes of an upload body, and every block-sized write
	// of a download, must go through within blockTimeout. A 256 kbit/s
	// line shared by 8 connections still gives each 4 kB/s; a client
	// slower than that is holding the server, not measuring.
	block        int64
	blockTimeout time.Duration
	// busyBytes over busyWindow (64 kB/s) is what makes a test hold one
	// of the MaxClients places: a test that is only pinging latency.txt,
	// pausing, or trickling bytes does not keep others out.
	busyBytes  int64
	busyWindow time.Duration
	// perMinute requests an address may make a minute on average, with
	// a burst of as many: a whole wfh or speedtest-go run makes a few
	// dozen small requests (its large downloads and uploads are given
	// back, see refundBytes), a scanner or a token guesser thousands.
	perMinute float64
	// refundBytes: a request that moved at least this much is given back
	// to the rate limit; its cost is bandwidth, which the tests bound.
	refundBytes int64
	// wrongTokenCost: a wrong token uses this many requests, so an
	// address can try at most perMinute/10 tokens a minute.
	wrongTokenCost float64
	// maxAddrs caps the addresses remembered for rate limits and log
	// pacing (about 100 bytes each); the least recently seen goes first.
	maxAddrs int
	// logPerMinute caps the refusal lines in the log, whatever the number
	// of addresses; the rest are counted in one line a minute.
	logPerMinute int
	// shutdownGrace lets running requests finish on SIGTERM: a test's
	// requests last about a second, and a service manager waits 5 s.
	shutdownGrace time.Duration
	// sweepEvery paces the timeouts above and the ending of idle tests.
	sweepEvery time.Duration
}

func defaultLimits() limits {
	return limits{
		connsPerAddr:    maxRequestsPerClient + 8,
		reserveEach:     16,
		headerTimeout:   5 * time.Second,
		idleTimeout:     30 * time.Second,
		textIdle:        30 * time.Second,
		pressureTimeout: 2 * time.Second,
		block:           32 << 10,
		blockTimeout:    8 * time.Second,
		busyBytes:       192 << 10,
		busyWindow:      3 * time.Second,
		perMinute:       600,
		refundBytes:     256 << 10,
		wrongTokenCost:  10,
		maxAddrs:        4096,
		logPerMinute:    30,
		shutdownGrace:   3 * time.Second,
		sweepEvery:      250 * time.Millisecond,
	}
}

// LimitsHelp describes the fixed limits in a few lines, for --help; it is
// written from the values in force, so it cannot drift from them.
func LimitsHelp() string {
	l := defaultLimits()
	return fmt.Sprintf(`Per address (an IPv4 address, or an IPv6 /64): %d open connections, one
test, %d requests at once, %.0f requests a minute. A quarter of the
connections (%d for each --max-clients) is kept for addresses holding
fewer than %d. A request header must arrive within %s; uploads and
downloads must move %d kB within %s; idle connections close after %s
(%s once half the connections are in use). A test holds one of the
--max-clients places only while it moves data (%d kB in %s).`,
		l.connsPerAddr, maxRequestsPerClient, l.perMinute, l.connsPerAddr, l.reserveEach,
		l.headerTimeout, l.block>>10, l.blockTimeout, l.idleTimeout, l.pressureTimeout,
		l.busyBytes>>10, l.busyWindow)
}
