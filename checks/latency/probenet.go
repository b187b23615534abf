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

// icmpConn is a socket for hop discovery (batches of TTL-limited echoes)
// and the path-MTU search (one probe at a time).
type icmpConn interface {
	icmpprobe.Prober
	icmpprobe.EchoConn
}

// echoSession is a set of echo series running at once; targets may join
// until Close. *icmpprobe.Echoes is one.
type echoSession interface {
	// Add starts a series to dst, its probes phase into each interval.
	Add(dst netip.Addr, phase time.Duration)
	// Close says no more targets will come.
	Close()
	// Results waits for every series and returns them in the order added.
	Results() []icmpprobe.EchoResult
}

// probeNet is everything the check sends and receives except TCP (which
// goes through env.Dialer). Tests give fakes, or the system's with its
// sockets opened inside a network namespace.
type probeNet interface {
	// icmpMode is the kind of ICMP socket this process may use for the
	// family, or 0 with the reason when none.
	icmpMode(v6 bool) (icmpprobe.Mode, error)
	// echoes starts an echo session.
	echoes(ctx context.Context, mode icmpprobe.Mode, o icmpprobe.EchoOptions) echoSession
	// openICMP opens a socket for TTL-limited and don't-fragment probes.
	openICMP(mode icmpprobe.Mode, v6 bool) (icmpConn, error)
}

// systemNet is the machine's network.
type systemNet struct {
	// within runs fn where the sockets are to be made (tests: inside a
	// network namespace); nil means right here.
	within func(fn func() error) error
}

var _ probeNet = systemNet{}

func (n systemNet) do(fn func() error) error {
	if n.within == nil {
		return fn()
	}
	return n.within(fn)
}

// icmpMode tries the sockets on Linux. pro-bing needs raw sockets on
// Windows (which work there without elevation) and uses ping sockets on
// macOS, which every user may open.
func (n systemNet) icmpMode(v6 bool) (m icmpprobe.Mode, err error) {
	switch runtime.GOOS {
	case "windows":
		return icmpprobe.Privileged, nil
	case "linux":
		if derr := n.do(func() error { m, err = icmpprobe.Detect(v6); return nil }); derr != nil {
			return 0, derr
		}
		return m, err
	}
	return icmpprobe.Unprivileged, nil
}

func (n systemNet) open(mode icmpprobe.Mode, v6 bool) (c *icmpprobe.Conn, err error) {
	if derr := n.do(func() error { c, err = icmpprobe.Open(mode, v6); return nil }); derr != nil {
		return nil, derr
	}
	return c, err
}

func (n systemNet) openICMP(mode icmpprobe.Mode, v6 bool) (icmpConn, error) {
	c, err := n.open(mode, v6)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// echoes uses icmpprobe's session where it is implemented (Linux): one
// socket per family for every target. Elsewhere pro-bing sends each
// target's series on its own socket, on the same schedule.
func (n systemNet) echoes(ctx context.Context, mode icmpprobe.Mode, o icmpprobe.EchoOptions) echoSession {
	if runtime.GOOS != "linux" {
		return newProbingSession(ctx, mode, o)
	}
	return icmpprobe.StartEchoes(ctx, o, func(v6 bool) (icmpprobe.EchoConn, error) {
		c, err := n.open(mode, v6)
		if err != nil {
			return nil, err
		}
		return c, nil
	})
}

// probingSession runs one pro-bing series per target, each from its own
// goroutine, starting at origin + phase like icmpprobe's session.
type probingSession struct {
	ctx    context.Context
	mode   icmpprobe.Mode
	o      icmpprobe.EchoOptions
	origin time.Time

	mu     sync.Mutex
	closed bool
	order  []netip.Addr
	res    map[netip.Addr]*icmpprobe.EchoResult
	wg     sync.WaitGroup
}

func newProbingSession(ctx context.Context, mode icmpprobe.Mode, o icmpprobe.EchoOptions) *probingSession {
	return &probingSession{ctx: ctx, mode: mode, o: o, origin: time.Now(), res: map[netip.Addr]*icmpprobe.EchoResult{}}
}

func (s *probingSession) Add(dst netip.Addr, phase time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.res[dst] != nil {
		return
	}
	r := &icmpprobe.EchoResult{Dst: dst}
	s.res[dst] = r
	s.order = append(s.order, dst)
	start := s.origin.Add(phase)
	for now := time.Now(); start.Before(now); {
		start = start.Add(s.o.Interval)
	}
	s.wg.Go(func() {
		rtt, err := probingSeries(s.ctx, dst, s.mode, s.o, start)
		s.mu.Lock()
		r.RTT, r.Err = rtt, err
		s.mu.Unlock()
	})
}

func (s *probingSession) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

func (s *probingSession) Results() []icmpprobe.EchoResult {
	s.Close()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]icmpprobe.EchoResult, len(s.order))
	for i, d := range s.order {
		out[i] = *s.res[d]
	}
	return out
}

// probingSeries runs one pro-bing series starting at start. Its Timeout
// is always set: pro-bing's default is effectively infinite and, with a
// probe lost, Run would only end with ctx.
func probingSeries(ctx context.Context, addr netip.Addr, mode icmpprobe.Mode, o icmpprobe.EchoOptions, start time.Time) ([]time.Duration, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(time.Until(start)):
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
	p.Count, p.Interval, p.Size = o.Count, o.Interval, o.Payload
	p.Timeout = o.Duration()
	p.RecordRtts, p.RecordTTLs = false, false

	var mu sync.Mutex
	rtt := make([]time.Duration, o.Count)
	for i := range rtt {
		rtt[i] = rttstats.Lost
	}
	p.OnRecv = func(pk *probing.Packet) {
		mu.Lock()
		defer mu.Unlock()
		if pk.Seq >= 0 && pk.Seq < len(rtt) && pk.Rtt <= o.Wait {
			rtt[pk.Seq] = pk.Rtt
		}
	}
	err := p.RunWithContext(ctx)
	sent := min(p.Statistics().PacketsSent, o.Count)
	mu.Lock()
	defer mu.Unlock()
	out := append([]time.Duration(nil), rtt[:sent]...)
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
func trimUnanswered(rtt []time.Duration) []time.Duration {
	for len(rtt) > 0 && rtt[len(rtt)-1] < 0 {
		rtt = rtt[:len(rtt)-1]
	}
	return rtt
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
