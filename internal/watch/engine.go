package watch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// Timing of the probes and of the clocks.
const (
	// echoTimeout: an answer later than a second is useless to a call (its
	// jitter buffer has long played on), so it counts as lost, as in the
	// latency check.
	echoTimeout = time.Second
	// dnsTimeout: resolvers retry after one to five seconds; a lookup
	// that takes two is one an app already felt as a failure.
	dnsTimeout = 2 * time.Second
	// drainWait bounds the wait for the last probes when the watch ends:
	// the longest timeout and a little.
	drainWait = dnsTimeout + 500*time.Millisecond
	// startupLimit bounds the first read of the network and the ladder
	// (name lookups of the anchors, finding the provider's router).
	startupLimit = 10 * time.Second
	// replanLimit bounds a new ladder after the path changed; the ticks
	// wait for it, since the old rungs no longer mean anything.
	replanLimit = 3 * time.Second
	// sleepGap: when the wall clock moved this much further than the
	// monotonic clock between two readings, the computer slept (Go's
	// monotonic clock stops during suspend on Linux and macOS). Time
	// servers step the clock by far less.
	sleepGap = 3 * time.Second
	// lateGap: a tick this late means the process did not run: asleep on a
	// system whose monotonic clock counts suspend, or stopped (Ctrl-Z).
	lateGap = 10 * time.Second
	// settleAfterWake: after a wake, Wi-Fi associates again and DHCP
	// renews, seconds of silence that belong to the sleep, not the line.
	settleAfterWake = 20 * time.Second
	// vpnOverhead estimates a VPN's own headers on each packet of a probe
	// through it: WireGuard adds 60 bytes (and pads to 16), IPsec ESP and
	// SSL VPNs 50 to 80.
	vpnOverhead = 64
)

// Config is one watch.
type Config struct {
	// Every is the time between ticks; For how long to watch.
	Every, For time.Duration
	// Budget is the most the probes may send and receive, in bytes.
	Budget int64
	// ExpectVPN: the profile names a VPN, so its target is a rung.
	ExpectVPN bool
	// Echo measures round trips (ICMP, or TCP connects); DNS looks names up.
	Echo, DNS Prober
	State     NetState
	Ladder    Ladder
	Clock     Clock
	Sink      Sink
	// Logf, when set, receives diagnostic lines (--debug).
	Logf func(format string, args ...any)
	// Notes go into the report as they are (what the sources could not do).
	Notes []string
}

// Sink receives what the watch finds as it goes: the live view on a
// terminal, JSON lines on a pipe.
type Sink interface {
	// Event is called once for each event when it is known: at its end,
	// or at once for a change at one moment. An error (a closed output)
	// stops the watch.
	Event(ev report.WatchEvent) error
	// Update is called about once a tick with what is going on now.
	Update(s Status)
}

// Status is the watch's present, for the live view.
type Status struct {
	Elapsed, Planned time.Duration
	Connection       string
	Rungs            []RungStatus
	Ongoing          []string
	Counts           map[string]int
	Recent           []report.WatchEvent
	DataUsed, Budget int64
	WiFi             string
	Notes            []string
}

// RungStatus is one rung's present.
type RungStatus struct {
	Label, Address, Where string
	// LastRTT of the last answer; Answering whether the last probe was
	// answered; SilentFor how long it has not answered.
	LastRTT   time.Duration
	Answering bool
	Probed    bool
	SilentFor time.Duration
	// Sent and Lost over the last minute.
	Sent, Lost int
}

// Record is a finished watch.
type Record struct {
	Started, Finished time.Time
	Watch             report.Watch
	Result            report.Result
	// Interrupted: ctx ended before the time was up.
	Interrupted bool
	// OutputErr is the sink's error that stopped the watch, if any.
	OutputErr error
}

// sendTimeKey carries a probe's scheduled send time on its context.
type sendTimeKey struct{}

// SendTime is the monotonic time the engine sent the probe whose context
// this is: fake probers in tests answer by it, whatever the goroutines'
// order.
func SendTime(ctx context.Context) (time.Duration, bool) {
	t, ok := ctx.Value(sendTimeKey{}).(time.Duration)
	return t, ok
}

type tick struct {
	k       int
	at      time.Duration
	state   State
	stateOK bool
	mu      sync.Mutex
	samples []sample
	pending atomic.Int32
	wg      sync.WaitGroup
	void    atomic.Bool
}

type wallAnchor struct {
	mono time.Duration
	wall time.Time
}

type engine struct {
	cfg    Config
	reg    *registry
	ring   *ring
	det    *detector
	plan   Plan
	ladder []int // registry indexes of the current ladder
	notes  []string

	anchors []wallAnchor
	last    Instant
	start   Instant
	asleep  time.Duration

	ticks []*tick
	used  atomic.Int64
	// estimated and actual are the planned and real bytes of the probes
	// that came back, to correct the plan's estimates (scaled).
	estimated, actual atomic.Int64
	events            []report.WatchEvent
	counts            map[string]int
	recent            []report.WatchEvent
	outErr            error

	// the state the ladder was made for
	planned    State
	conn       string
	minute     time.Time
	minutes    []report.WatchMinute
	minAsleep  float64
	stopBudget bool
}

func (c *Config) check() error {
	switch {
	case c.Every <= 0 || c.For <= 0:
		return errors.New("watch: Every and For must be positive")
	case c.Echo == nil || c.State == nil || c.Ladder == nil || c.Clock == nil:
		return errors.New("watch: Echo, State, Ladder and Clock are required")
	}
	return nil
}

func (e *engine) logf(format string, args ...any) {
	if e.cfg.Logf != nil {
		e.cfg.Logf(format, args...)
	}
}

// Run watches until cfg.For has passed (on either clock, so the time a
// laptop slept counts), ctx ends (Ctrl-C: the record is still complete,
// marked interrupted), the data budget is used up, or the sink fails.
// The error is for a watch that could not start (ErrBudget).
func Run(ctx context.Context, cfg Config) (*Record, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	e := &engine{cfg: cfg, reg: newRegistry(), ring: newRing(), counts: map[string]int{}}
	e.start = cfg.Clock.Now()
	e.last = e.start
	e.anchors = []wallAnchor{{mono: e.start.Mono, wall: e.start.Wall}}
	e.det = newDetector(e.reg, e.ring, e.start.Mono, e.toWall, e.emit, cfg.ExpectVPN)
	for _, n := range cfg.Notes {
		e.note(n)
	}

	sctx, cancel := context.WithTimeout(ctx, startupLimit)
	st, stErr := cfg.State.Read(sctx)
	if stErr != nil {
		e.note("the network settings could not be read: " + stErr.Error())
	}
	lp, lErr := cfg.Ladder.Plan(sctx, st)
	cancel()
	if lErr != nil {
		e.note("the targets could not be worked out: " + lErr.Error())
	}
	e.useLadder(st, lp)
	plan, err := MakePlan(cfg.Budget, cfg.For, cfg.Every, e.costs())
	if err != nil {
		return nil, err
	}
	e.plan = plan
	e.logf("watch: plan %+v", plan)
	e.conn = ""
	if st.HasDefault {
		e.conn = pathWords(st)
	}
	ended := e.loop(ctx, st, stErr == nil)
	rec := e.finish(ctx, ended)
	return rec, nil
}

func (e *engine) note(s string) {
	if !slices.Contains(e.notes, s) {
		e.notes = append(e.notes, s)
	}
}

// costs are the bytes of one probe of each role of the current ladder.
func (e *engine) costs() Costs {
	c := Costs{}
	for _, i := range e.ladder {
		r := e.reg.list[i].Rung
		var n int
		switch r.Role {
		case RoleDNSLookup:
			if e.cfg.DNS == nil {
				continue
			}
			n = e.cfg.DNS.Cost(r)
		case RoleVPN:
			n = e.cfg.Echo.Cost(r) + 2*vpnOverhead
		default:
			n = e.cfg.Echo.Cost(r)
		}
		c[r.Role] = max(c[r.Role], n)
	}
	return c
}

// useLadder makes lp the rungs probed from now on.
func (e *engine) useLadder(st State, lp LadderPlan) {
	rungs := lp.Rungs
	if e.cfg.DNS == nil {
		rungs = slices.DeleteFunc(slices.Clone(rungs), func(r Rung) bool { return r.Role == RoleDNSLookup })
	}
	e.ladder = e.reg.use(rungs)
	for _, n := range lp.Notes {
		e.note(n)
	}
	e.planned = st
	e.det.setLadder()
}

// pathChanged says whether s needs another ladder than the one planned.
func (e *engine) pathChanged(s State) bool {
	p := e.planned
	if !s.HasDefault {
		return false // nothing to plan for; the route's return will be a change
	}
	return s.Interface != p.Interface || s.Gateway != p.Gateway || !slices.Equal(s.DNSServers, p.DNSServers) ||
		!slices.Equal(sortedCopy(s.Tunnels), sortedCopy(p.Tunnels)) || !p.HasDefault
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// toWall converts a monotonic time to the wall clock, with the offset in
// force then (it changes when the computer sleeps).
func (e *engine) toWall(m time.Duration) time.Time {
	a := e.anchors[0]
	for _, x := range e.anchors[1:] {
		if x.mono > m {
			break
		}
		a = x
	}
	return a.wall.Add(m - a.mono)
}

// wake is called after every wait with the time it returned and the
// time it was meant to: it notices that the computer slept, and then
// returns true.
func (e *engine) wake(now Instant, scheduled time.Duration) bool {
	last := e.last
	e.last = now
	drift := now.Wall.Sub(last.Wall) - (now.Mono - last.Mono)
	// late alone counts only when the process was really away since the
	// last reading: after a sleep, the ticks due meanwhile are all late.
	late := now.Mono - scheduled
	away := late > lateGap && now.Mono-last.Mono > lateGap
	if drift <= sleepGap && !away {
		if d := now.Wall.Sub(e.toWall(now.Mono)); d > time.Second || d < -time.Second {
			// the clock was set: keep converting with the new offset
			e.anchors = append(e.anchors, wallAnchor{mono: now.Mono, wall: now.Wall})
		}
		return false
	}
	slept := now.Wall.Sub(last.Wall)
	e.logf("watch: asleep from %v to %v (%v)", last.Wall, now.Wall, slept)
	e.asleep += slept
	for _, t := range e.ticks {
		t.void.Store(true) // their probes spanned the sleep
	}
	e.flushMinute(e.toWall(last.Mono))
	e.minAsleep += slept.Seconds()
	e.anchors = append(e.anchors, wallAnchor{mono: now.Mono, wall: now.Wall})
	e.det.asleep(last.Mono, now.Mono, last.Wall, now.Wall, settleAfterWake)
	return true
}

// schedule is one probe of a tick.
type send struct {
	offset time.Duration
	rung   int
	dns    bool
	must   bool // a probe the plan counts on; anchor probes past the first are extra
}

func (e *engine) sends(k int) []send {
	var out []send
	every := e.cfg.Every
	var anchors []int
	for _, i := range e.ladder {
		r := e.reg.list[i]
		var p Pace
		var off float64
		switch r.Role {
		case RoleGateway:
			p, off = e.plan.Gateway, 0
		case RoleFirstHop:
			p, off = e.plan.FirstHop, 0.05
		case RoleDNSServer:
			p, off = e.plan.DNSServer, 0.15
		case RoleDNSLookup:
			p, off = e.plan.DNSLookup, 0.25
		case RoleVPN:
			p, off = e.plan.VPN, 0.35
		case RoleAnchor:
			anchors = append(anchors, i)
			continue
		}
		if p.on(k) {
			out = append(out, send{offset: time.Duration(off * float64(every)), rung: i, dns: r.Role == RoleDNSLookup, must: true})
		}
	}
	if n := e.plan.Anchors; n > 0 && len(anchors) > 0 {
		for j := range n {
			off := (float64(j) + 0.5) / float64(n)
			a := anchors[(k*n+j)%len(anchors)]
			out = append(out, send{offset: time.Duration(off * float64(every)), rung: a, must: j == 0})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].offset < out[j].offset })
	return out
}

// allowed is what the probes may have used by elapsed: the budget spread
// over the watch, a minute ahead, so a busy minute can borrow.
func (e *engine) allowed(elapsed time.Duration) int64 {
	f := min(1, (elapsed+time.Minute).Seconds()/e.cfg.For.Seconds())
	return int64(f * float64(e.cfg.Budget))
}

func (e *engine) loop(ctx context.Context, st State, stOK bool) string {
	clock := e.cfg.Clock
	probeCtx, cancelProbes := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelProbes()
	first := true
	for k := 0; ; k++ {
		at := e.start.Mono + time.Duration(k)*e.cfg.Every
		if err := clock.SleepUntil(ctx, at); err != nil {
			return report.WatchEndedInterrupted
		}
		now := clock.Now()
		e.wake(now, at)
		if late := now.Mono - at; late >= e.cfg.Every {
			// ticks missed while the process did not run are skipped
			k += int(late / e.cfg.Every)
			at = e.start.Mono + time.Duration(k)*e.cfg.Every
		}
		if now.Mono-e.start.Mono >= e.cfg.For || now.Wall.Sub(e.start.Wall) >= e.cfg.For {
			return report.WatchEndedTimeUp
		}
		if !first {
			rctx, cancel := context.WithTimeout(ctx, replanLimit)
			st, stOK = e.readState(rctx)
			if stOK && e.pathChanged(st) {
				lp, err := e.cfg.Ladder.Plan(rctx, st)
				if err != nil {
					e.note("the targets could not be worked out: " + err.Error())
				}
				e.useLadder(st, lp)
			}
			cancel()
		}
		first = false
		t := &tick{k: k, at: at, state: st, stateOK: stOK}
		e.ticks = append(e.ticks, t)
		for _, s := range e.sends(k) {
			sendAt := at + s.offset
			if s.offset > 0 {
				if err := clock.SleepUntil(ctx, sendAt); err != nil {
					return report.WatchEndedInterrupted
				}
				if e.wake(clock.Now(), sendAt) {
					break // the rest of this tick's schedule is in the past now
				}
			}
			if !e.launch(probeCtx, t, s, now.Mono-e.start.Mono) {
				return report.WatchEndedDataBudget
			}
		}
		e.process(false)
		if e.outErr != nil {
			return report.WatchEndedOutputFailed
		}
		e.update()
	}
}

func (e *engine) readState(ctx context.Context) (State, bool) {
	st, err := e.cfg.State.Read(ctx)
	if err != nil {
		e.logf("watch: network state: %v", err)
		return State{}, false
	}
	return st, true
}

// launch sends one probe in the background; false when the data budget
// is spent.
func (e *engine) launch(ctx context.Context, t *tick, s send, elapsed time.Duration) bool {
	r := e.reg.list[s.rung].Rung
	prober, timeout := e.cfg.Echo, echoTimeout
	if s.dns {
		prober, timeout = e.cfg.DNS, dnsTimeout
	}
	cost := int64(prober.Cost(r))
	if r.Role == RoleVPN {
		cost += 2 * vpnOverhead
	}
	planned := cost
	cost = e.scaled(cost)
	used := e.used.Load()
	switch {
	case used+cost > e.cfg.Budget:
		if s.must {
			e.stopBudget = true
			return false
		}
		return true
	case !s.must && used+cost > e.allowed(elapsed):
		return true // ahead of the budget's pace: this extra probe waits
	}
	e.used.Add(cost)
	sentAt := e.cfg.Clock.Now().Mono
	t.pending.Add(1)
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer t.pending.Add(-1)
		res := prober.Probe(context.WithValue(ctx, sendTimeKey{}, sentAt), r, timeout)
		bytes := int64(res.Bytes)
		if r.Role == RoleVPN {
			switch res.Outcome {
			case Answered:
				bytes += 2 * vpnOverhead
			case Lost:
				bytes += vpnOverhead
			}
		}
		e.used.Add(bytes - cost)
		e.settle(planned, bytes)
		t.mu.Lock()
		t.samples = append(t.samples, sample{at: sentAt, rtt: res.RTT, rung: int32(s.rung), out: res.Outcome})
		t.mu.Unlock()
	}()
	return true
}

// scaled is a probe's planned cost corrected by what probes really
// cost so far (a DNS server whose answers are longer than planned), so
// that the probes in flight never take the watch past its budget.
func (e *engine) scaled(cost int64) int64 {
	est, act := e.estimated.Load(), e.actual.Load()
	if est <= 0 || act <= est {
		return cost
	}
	return cost * act / est
}

// settle records a finished probe's planned and real cost.
func (e *engine) settle(planned, real int64) {
	e.estimated.Add(planned)
	e.actual.Add(real)
}

// processLag is how long after a tick starts its probes are surely back
// (the longest timeout, and slack for a busy machine): a tick is then
// processed whether or not its goroutines were scheduled yet.
func (e *engine) processLag() time.Duration { return e.cfg.Every + dnsTimeout + time.Second }

// process hands the ticks whose probes have all come back to the
// detector, in order. A tick past processLag is waited for, so the
// detector never falls far behind the clock (with a fake clock that
// races ahead, this keeps the events' order and timing).
func (e *engine) process(all bool) {
	now := e.cfg.Clock.Now().Mono
	for len(e.ticks) > 0 {
		t := e.ticks[0]
		if t.pending.Load() > 0 && !all {
			if now-t.at < e.processLag() {
				return
			}
			t.wg.Wait()
		}
		e.ticks = e.ticks[1:]
		if t.void.Load() {
			continue // read and sent before a sleep: nothing in it holds
		}
		if t.pending.Load() > 0 {
			// the watch ended before these probes came back
			e.det.state(t.at, t.state, t.stateOK)
			continue
		}
		e.det.state(t.at, t.state, t.stateOK)
		t.mu.Lock()
		samples := t.samples
		t.mu.Unlock()
		sort.SliceStable(samples, func(i, j int) bool { return samples[i].at < samples[j].at })
		for _, s := range samples {
			e.flushMinute(e.toWall(s.at))
			e.det.sample(s)
		}
	}
}

// flushMinute closes the minute being aggregated when wall is past it.
func (e *engine) flushMinute(wall time.Time) {
	m := wall.Truncate(time.Minute)
	if e.minute.IsZero() {
		e.minute = m
		return
	}
	if !m.After(e.minute) {
		return
	}
	n := len(e.reg.list)
	wm := report.WatchMinute{Start: e.minute.UTC(), Sent: make([]int, n), Lost: make([]int, n),
		P50Ms: make([]*float64, n), P95Ms: make([]*float64, n), MaxMs: make([]*float64, n)}
	any := false
	for i, r := range e.reg.list {
		wm.Sent[i], wm.Lost[i] = r.minSent, r.minLost
		if r.minSent > 0 {
			any = true
		}
		if len(r.minRTT) > 0 {
			slices.Sort(r.minRTT)
			q := func(f float64) *float64 {
				idx := min(len(r.minRTT)-1, max(0, int(f*float64(len(r.minRTT))+0.999999)-1))
				v := msOf(r.minRTT[idx])
				return &v
			}
			wm.P50Ms[i], wm.P95Ms[i] = q(0.5), q(0.95)
			v := msOf(r.minRTT[len(r.minRTT)-1])
			wm.MaxMs[i] = &v
		}
		r.minSent, r.minLost, r.minRTT = 0, 0, r.minRTT[:0]
	}
	if e.minAsleep > 0 {
		wm.AsleepSeconds = min(e.minAsleep, 60)
		e.minAsleep = 0
		any = true
	}
	if any {
		e.minutes = append(e.minutes, wm)
	}
	e.minute = m
}

// emit records an event and hands it to the sink.
func (e *engine) emit(ev report.WatchEvent) {
	e.counts[ev.Kind]++
	if len(e.events) < report.MaxWatchEvents {
		e.events = append(e.events, ev)
	}
	e.recent = append(e.recent, ev)
	if len(e.recent) > 5 {
		e.recent = e.recent[len(e.recent)-5:]
	}
	if e.cfg.Sink != nil && e.outErr == nil {
		e.outErr = e.cfg.Sink.Event(ev)
	}
}

// update gives the sink the present.
func (e *engine) update() {
	if e.cfg.Sink == nil {
		return
	}
	now := e.cfg.Clock.Now().Mono
	s := Status{
		Elapsed: now - e.start.Mono, Planned: e.cfg.For, Connection: e.det.pathWords,
		Ongoing: e.det.ongoing(now), Counts: clone(e.counts), Recent: slices.Clone(e.recent),
		DataUsed: e.used.Load(), Budget: e.cfg.Budget, Notes: slices.Clone(e.notes),
	}
	if !e.det.stateSeen || e.det.route.active {
		s.Connection = "no connection"
	}
	sent := map[int32]int{}
	lost := map[int32]int{}
	e.ring.since(now-time.Minute, func(x *sample) {
		if x.out == Answered || x.out == Lost {
			sent[x.rung]++
		}
		if x.out == Lost {
			lost[x.rung]++
		}
	})
	for _, i := range e.ladder {
		r := e.reg.list[i]
		rs := RungStatus{Label: r.Label, Where: whereOf(r.Level), Sent: sent[int32(i)], Lost: lost[int32(i)],
			Probed: r.last != 0, Answering: r.last == Answered, LastRTT: r.lastRTT}
		if r.Addr.IsValid() {
			rs.Address = r.Addr.String()
		}
		if r.last != 0 && r.last != Answered {
			since := r.lastAnswer
			if !r.answered {
				since = e.start.Mono
			}
			rs.SilentFor = now - since
		}
		s.Rungs = append(s.Rungs, rs)
	}
	if w := e.det.wifi; w.seen {
		s.WiFi = wifiWords(w.last)
	}
	e.cfg.Sink.Update(s)
}

func clone(m map[string]int) map[string]int {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func wifiWords(l WiFiLink) string {
	var parts []string
	if l.HasSignal {
		parts = append(parts, fmt.Sprintf("%.0f dBm", l.SignalDBm))
	}
	if c := channelWords(l); c != "an unknown channel" {
		parts = append(parts, c)
	}
	if l.BSSID != "" {
		parts = append(parts, "access point "+l.BSSID)
	}
	return strings.Join(parts, ", ")
}

// finish waits for the last probes, ends what is still going on and
// builds the record.
func (e *engine) finish(ctx context.Context, ended string) *Record {
	deadline := time.Now().Add(drainWait)
	for len(e.ticks) > 0 && time.Now().Before(deadline) {
		e.process(false)
		if len(e.ticks) == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.process(true)
	end := e.cfg.Clock.Now()
	e.det.closeAll(end.Mono, true)
	e.flushMinute(end.Wall.Add(time.Minute))
	if e.stopBudget {
		e.note(fmt.Sprintf("the watch stopped early: its data budget of %s was used up", FormatBytes(e.cfg.Budget)))
	}
	rec := &Record{Started: e.start.Wall.UTC(), Finished: end.Wall.UTC(), Interrupted: ended == report.WatchEndedInterrupted, OutputErr: e.outErr}
	if e.outErr != nil {
		ended = report.WatchEndedOutputFailed
	}
	watched := end.Wall.Sub(e.start.Wall) - e.asleep
	rec.Watch = e.watchSection(ended, watched)
	rec.Result = buildResult(rec.Watch, e.det.kind, watched)
	return rec
}
