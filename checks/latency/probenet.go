package latency

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"

	probing "github.com/prometheus-community/pro-bing"

	"github.com/wfh-cli/wfh/internal/icmpprobe"
	"github.com/wfh-cli/wfh/internal/rttstats"
)

// schedule is how one target is probed.
type schedule struct {
	count    int
	interval time.Duration
	// wait is how long an answer may take after the last probe; a later
	// one counts as lost, as it would in a call's jitter buffer.
	wait time.Duration
	// offset delays the first probe, so targets probed together do not
	// send in one burst.
	offset time.Duration
}

// duration is how long a series takes at most.
func (s schedule) duration() time.Duration {
	return s.offset + time.Duration(max(s.count-1, 0))*s.interval + s.wait
}

// icmpConn is a socket for hop and path-MTU probes.
type icmpConn interface {
	icmpprobe.Prober
	Close() error
}

// probeNet is everything the check sends and receives except TCP (which
// goes through env.Dialer). The system one uses pro-bing and icmpprobe;
// tests wrap it so its sockets are opened inside a network namespace.
type probeNet interface {
	// icmpMode is the kind of ICMP socket this process may use for the
	// family, or 0 with the reason when none.
	icmpMode(v6 bool) (icmpprobe.Mode, error)
	// ping sends a series of echo requests with pro-bing.
	ping(ctx context.Context, addr netip.Addr, mode icmpprobe.Mode, s schedule) (series, error)
	// openICMP opens a socket for TTL-limited and don't-fragment probes.
	openICMP(mode icmpprobe.Mode, v6 bool) (icmpConn, error)
}

type systemNet struct{}

var _ probeNet = systemNet{}

// icmpMode tries the sockets on Linux. pro-bing needs raw sockets on
// Windows (which work there without elevation) and uses ping sockets on
// macOS, which every user may open.
func (systemNet) icmpMode(v6 bool) (icmpprobe.Mode, error) {
	switch runtime.GOOS {
	case "windows":
		return icmpprobe.Privileged, nil
	case "linux":
		return icmpprobe.Detect(v6)
	}
	return icmpprobe.Unprivileged, nil
}

func (systemNet) openICMP(mode icmpprobe.Mode, v6 bool) (icmpConn, error) {
	c, err := icmpprobe.Open(mode, v6)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ping runs one pro-bing series. Its Timeout is always set: pro-bing's
// default is effectively infinite and, with a probe lost, Run would only
// end with ctx.
func (systemNet) ping(ctx context.Context, addr netip.Addr, mode icmpprobe.Mode, s schedule) (series, error) {
	if s.offset > 0 {
		select {
		case <-ctx.Done():
			return series{}, ctx.Err()
		case <-time.After(s.offset):
		}
	}
	p := probing.New(addr.String())
	p.SetIPAddr(&net.IPAddr{IP: addr.AsSlice(), Zone: addr.Zone()})
	if addr.Is4() {
		p.SetNetwork("ip4")
	} else {
		p.SetNetwork("ip6")
	}
	p.SetPrivileged(mode == icmpprobe.Privileged)
	p.SetLogger(probing.NoopLogger{}) // its default logger writes to stderr, over the report
	p.Count, p.Interval = s.count, s.interval
	p.Timeout = s.duration() - s.offset
	p.RecordRtts, p.RecordTTLs = false, false

	var mu sync.Mutex
	rtt := make([]time.Duration, s.count)
	for i := range rtt {
		rtt[i] = rttstats.Lost
	}
	p.OnRecv = func(pk *probing.Packet) {
		mu.Lock()
		defer mu.Unlock()
		if pk.Seq >= 0 && pk.Seq < len(rtt) && pk.Rtt <= s.wait {
			rtt[pk.Seq] = pk.Rtt
		}
	}
	err := p.RunWithContext(ctx)
	sent := min(p.Statistics().PacketsSent, s.count)
	mu.Lock()
	defer mu.Unlock()
	out := series{rtt: append([]time.Duration(nil), rtt[:sent]...)}
	if err != nil && sent > 0 && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		// Stopped by the check's deadline: what was sent still counts,
		// but the last probes had no time to come back.
		return trimUnanswered(out), nil
	}
	return out, err
}

// trimUnanswered drops the trailing lost probes of a series cut short:
// the last ones had no chance to be answered, and counting them as lost
// would invent loss.
func trimUnanswered(s series) series {
	for len(s.rtt) > 0 && s.rtt[len(s.rtt)-1] < 0 {
		s.rtt = s.rtt[:len(s.rtt)-1]
	}
	return s
}

// notPermitted recognises the OS refusing an ICMP socket to this user, in
// pro-bing's and icmpprobe's wording.
func notPermitted(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, icmpprobe.ErrNotPermitted) {
		return true
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "permission denied") || strings.Contains(s, "operation not permitted") ||
		strings.Contains(s, "protocol not supported") || strings.Contains(s, "access is denied") ||
		strings.Contains(s, "requested protocol has not been configured")
}
