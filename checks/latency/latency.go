// Package latency implements the "latency" check: round-trip time, jitter
// and packet loss along a ladder of targets (the default gateway, the
// first router past it, the DNS server and internet anchors), where the
// loss starts, and what the figures mean for voice and video calls
// (ITU-T G.107 E-model).
//
// Echoes go out with pro-bing: unprivileged ping sockets where the OS
// allows them, raw sockets where needed, and TCP connect times when ICMP
// is not permitted at all. Hop discovery and the path-MTU search need the
// ICMP errors pro-bing does not report, and use internal/icmpprobe.
package latency

import (
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/icmpprobe"
	"github.com/wfh-cli/wfh/internal/profile"
)

const (
	// budget: name lookups (resolveTimeout) plus one series
	// (defaultCount × defaultInterval + replyWait ≈ 5 s) plus hop
	// discovery, with room for a slow machine.
	budget = 10 * time.Second
	// defaultCount and defaultInterval: 40 echoes 100 ms apart take 4 s,
	// resolve loss to 2.5 % and give jitter from 39 differences; ten a
	// second is far below what routers start limiting.
	defaultCount    = 40
	defaultInterval = 100 * time.Millisecond
	// replyWait: an answer later than a second is useless to a call (its
	// jitter buffer has long played on), so it counts as lost.
	replyWait = time.Second
	// resolveTimeout bounds looking up the anchors' names; the dns check
	// measures DNS itself.
	resolveTimeout = 2 * time.Second
	// hopTimeout bounds hop discovery: routers answer a TTL-limited probe
	// within a round trip, and many never answer (ICMP rate limits).
	hopTimeout = 700 * time.Millisecond
	// hopAttempts: with 10 % loss each way a single probe goes unanswered
	// one time in five; three tries make that one in a hundred, and cost
	// at most 2.1 s, inside the echo schedule.
	hopAttempts = 3
	// maxHopTTL: the provider's first router is 2 hops away, 3 or 4 behind
	// a second home router or a modem that routes.
	maxHopTTL = 4
	// pmtuLimit bounds the path-MTU search, which runs alongside the pings.
	pmtuLimit = 4 * time.Second
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
	// count and interval replace the defaults in tests (the localisation
	// tests send 200 echoes per target).
	count    int
	interval time.Duration
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

func (c *check) schedule() schedule {
	s := schedule{count: defaultCount, interval: defaultInterval, wait: replyWait}
	if c.count > 0 {
		s.count = c.count
	}
	if c.interval > 0 {
		s.interval = c.interval
	}
	return s
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
