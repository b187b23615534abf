// Package latency implements the "latency" check: round-trip time, jitter
// and packet loss along a ladder of targets (the default gateway, the
// first router past it, the DNS server and internet anchors), where the
// loss starts, and what the figures mean for voice and video calls
// (ITU-T G.107 E-model).
//
// Every target is probed at once, at a call's pace: 50 echoes a second
// the size of a G.711 packet for 2 s, on one socket per address family
// (internal/icmpprobe's echo session; pro-bing, one socket per target, on
// systems icmpprobe does not implement yet): unprivileged ping sockets
// where the OS allows them, raw sockets where needed, and TCP connect
// times at 10 a second when ICMP is not permitted at all. Hop discovery
// (TTL-limited echoes, all at once) and the path-MTU search read the ICMP
// errors from the socket's error queue, also with internal/icmpprobe.
package latency

import (
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/icmpprobe"
	"github.com/wfh-cli/wfh/internal/profile"
)

const (
	// budget: name lookups (resolveTimeout), then the slowest series, TCP
	// connects (tcpCount × tcpInterval + replyWait = 5 s), with room for
	// a slow machine. ICMP needs at most resolveTimeout + hopTimeout +
	// echo series (2 s) + replyWait = 5.7 s, 2–3 s on a clean line.
	budget = 8 * time.Second
	// echoCount and echoInterval: a call sends a packet every 20 ms (the
	// frame of G.711 and Opus), so probing at that pace shows what a call
	// would see; 100 echoes take 2 s and resolve loss to 1 %, enough to
	// tell 3 % loss a direction (5.9 % of round trips) on one link from a
	// clean one behind it.
	echoCount    = 100
	echoInterval = 20 * time.Millisecond
	// echoPayload makes each echo the size of a G.711 call's packet: 160
	// bytes of audio per 20 ms, 12 of RTP and 8 of UDP ride in an IP
	// packet of 200 bytes (220 over IPv6); ICMP's 8-byte header takes
	// UDP's place, leaving 172 bytes of data. G.711 is the largest common
	// voice frame (Opus sends 40–160 bytes of audio per 20 ms), so the
	// probe is never smaller than the voice it stands for.
	echoPayload = 172
	// tcpCount and tcpInterval: without ICMP, TCP connects to port 443
	// (or 53) keep their own lower pace: 50 connection attempts a second
	// to one server is what SYN-flood protections react to, 10 is not.
	// 40 of them take 4 s and resolve loss to 2.5 %.
	tcpCount    = 40
	tcpInterval = 100 * time.Millisecond
	// replyWait: an answer later than a second is useless to a call (its
	// jitter buffer has long played on), so it counts as lost.
	replyWait = time.Second
	// resolveTimeout bounds looking up the anchors' names; the dns check
	// measures DNS itself.
	resolveTimeout = 2 * time.Second
	// hopTimeout bounds hop discovery, which runs while the other targets
	// are probed (the first hop's series starts when it is found): routers
	// answer a TTL-limited probe within a round trip, and many never
	// answer (ICMP rate limits).
	hopTimeout = 700 * time.Millisecond
	// hopAttempts and hopRetry: every TTL is probed at once, and the ones
	// still silent again 200 ms and 400 ms later (the last try has 300 ms
	// to be answered). With 10 % loss each way a single probe goes
	// unanswered one time in five; three tries make that one in a hundred.
	hopAttempts = 3
	hopRetry    = 200 * time.Millisecond
	// maxHopTTL: the provider's first router is 2 hops away, 3 or 4 behind
	// a second home router or a modem that routes.
	maxHopTTL = 4
	// pmtuWarn: below 1400 bytes, tunnels (VPNs) and big UDP packets
	// (video) are fragmented or dropped on this path. 1500 is Ethernet;
	// PPPoE takes 8, a VPN 50-80 more, so a healthy path stays above 1400.
	pmtuWarn = 1400
)

// Defaults of the internet anchors: anycast addresses of three operators,
// pinged by address so that a DNS problem cannot hide the path's figures.
var defaultAnchors = []string{"1.1.1.1", "8.8.8.8", "9.9.9.9"}

// NamedHosts implements checks.HostNamer: the anchors this check pings,
// the profile's or the defaults.
func (*check) NamedHosts(p *profile.Profile) []string {
	out := append([]string(nil), defaultAnchors...)
	if p != nil {
		out = append(out, p.Latency.Anchors...)
	}
	return out
}

type check struct {
	net probeNet
	// count and interval replace the echo schedule in tests.
	count    int
	interval time.Duration
	// now is hop discovery's clock; nil means time.Now. Tests move a fake
	// one from their fake sockets.
	now func() time.Time
}

// New returns the latency check for the running OS.
func New() checks.Check {
	return &check{net: systemNet{}}
}

func (*check) ID() string            { return "latency" }
func (*check) Title() string         { return "Latency, jitter and loss" }
func (*check) Budget() time.Duration { return budget }
func (*check) Needs() checks.Needs {
	return checks.Needs{Requires: []checks.Need{checks.NeedInternet},
		Privileges: "ICMP: ping_group_range, root or CAP_NET_RAW; TCP connect times without"}
}

// echoOptions is the ICMP schedule: every target at once, a call's pace.
func (c *check) echoOptions() icmpprobe.EchoOptions {
	o := icmpprobe.EchoOptions{Count: echoCount, Interval: echoInterval, Wait: replyWait, Payload: echoPayload}
	if c.count > 0 {
		o.Count = c.count
	}
	if c.interval > 0 {
		o.Interval = c.interval
	}
	return o
}

// tcpSchedule is the pace of TCP connects, for when ICMP is not permitted.
func (c *check) tcpSchedule() schedule {
	s := schedule{count: tcpCount, interval: tcpInterval, wait: replyWait}
	if c.count > 0 {
		s.count = c.count
	}
	if c.interval > 0 {
		s.interval = c.interval
	}
	return s
}

func (c *check) clock() func() time.Time {
	if c.now != nil {
		return c.now
	}
	return time.Now
}

// limits are the warn and fail levels for the internet path.
type limits struct {
	rttWarn, rttFail   float64 // ms
	jitWarn, jitFail   float64 // ms
	lossWarn, lossFail float64 // percent
}

// Default limits; docs/checks.md gives their sources.
var defaultLimits = limits{
	rttWarn: 100, rttFail: 300, // Microsoft Teams: RTT < 100 ms; ITU-T G.114: 150 ms one way
	jitWarn: 30, jitFail: 50, // Microsoft Teams: < 30 ms; ITU-T Y.1541 classes 0 and 1: IPDV 50 ms
	lossWarn: 1, lossFail: 5, // Microsoft Teams: < 1 %; at 5 % G.711+PLC alone drops R below 80
}

func limitsOf(p *profile.Profile) limits {
	l := defaultLimits
	if p == nil {
		return l
	}
	pl := p.Latency
	set := func(dst *float64, v float64) {
		if v > 0 {
			*dst = v
		}
	}
	set(&l.rttWarn, pl.RTTWarnMS)
	set(&l.rttFail, pl.RTTFailMS)
	set(&l.jitWarn, pl.JitterWarnMS)
	set(&l.jitFail, pl.JitterFailMS)
	set(&l.lossWarn, pl.LossWarnPercent)
	set(&l.lossFail, pl.LossFailPercent)
	// A warn level set above the default fail level raises the fail level
	// with it, rather than making every warning a failure.
	l.rttFail = max(l.rttFail, l.rttWarn)
	l.jitFail = max(l.jitFail, l.jitWarn)
	l.lossFail = max(l.lossFail, l.lossWarn)
	return l
}

// method is how round trips were measured.
type method string

const (
	methodICMP    method = "icmp"     // unprivileged ping sockets
	methodICMPRaw method = "icmp_raw" // raw sockets
	methodTCP     method = "tcp"      // TCP connect times
)

func methodOf(m icmpprobe.Mode) method {
	if m == icmpprobe.Privileged {
		return methodICMPRaw
	}
	return methodICMP
}

func (m method) mode() icmpprobe.Mode {
	if m == methodICMPRaw {
		return icmpprobe.Privileged
	}
	return icmpprobe.Unprivileged
}

// describe names the method for people.
func (m method) describe() string {
	switch m {
	case methodICMP:
		return "ICMP echo (ping), without admin rights"
	case methodICMPRaw:
		return "ICMP echo (ping) over a raw socket"
	}
	return "TCP connect times (ICMP is not permitted for this user)"
}
