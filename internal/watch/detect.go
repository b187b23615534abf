package watch

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/internal/rttstats"
	"github.com/wfh-cli/wfh/report"
)

// Hysteresis and thresholds of the events. Each event needs several
// probes' worth of evidence, so one lost probe is never an event; every
// edge of an event is placed between the last probe that said one thing
// and the first that said the other.
const (
	// outageMinSpan: silence of every rung past a point shorter than two
	// seconds is a loss burst, not an outage.
	outageMinSpan = 2 * time.Second
	// outageChance: a run of losses is an outage only if the loss seen
	// just before would make such a run less than once in 10 000 runs, so
	// that a lossy line's unlucky streak is never called an outage.
	outageChance = 1e-4
	// outageMinRun: at least three probes in a row, whatever the rate.
	outageMinRun = 3
	// lossWindow: loss is judged over the last five seconds, about fifty
	// anchor probes at full pace: long enough to tell a burst from chance,
	// short enough to time it.
	lossWindow = 5 * time.Second
	// lossMinLost: three losses at least make a burst.
	lossMinLost = 3
	// lossMinSpan: a burst's losses must span a second. Shorter is a blip
	// that calls conceal, and looks the same as the watching computer
	// itself stalling for a moment (a busy CPU): not an event.
	lossMinSpan = time.Second
	// lossSignificance: a window is a burst only if the background loss
	// would give that many losses less than once in a thousand windows.
	lossSignificance = 1e-3
	// lossFloor: background loss below 1 % is not worth an event (calls
	// conceal it) and is the least the test assumes.
	lossFloor = 0.01
	// lossEndQuiet: a burst ends after three seconds without a loss, and
	// after as many probes as make a quiet stretch unlikely at the
	// burst's own loss rate (one in a thousand).
	lossEndQuiet = 3 * time.Second
	// maxEdgeCorrection bounds how far a loss burst's edges are moved out
	// beyond its first and last lost probe (see lossEdges).
	maxEdgeCorrection = 2 * time.Second
	// spikeWindow: a latency spike is judged on the last second of
	// anchor answers (at least spikeMinHigh of them).
	spikeWindow  = time.Second
	spikeMinHigh = 3
	// spikeMinSpan: a rise must last two seconds to be a spike; shorter
	// ones are jitter, which the latency check measures and a call's
	// jitter buffer absorbs, or the watching computer stalling.
	spikeMinSpan = 2 * time.Second
	// spikeMax: a rise that lasts ten minutes is the new normal (another
	// route, a busy evening): the event ends and the baseline restarts.
	spikeMax = 10 * time.Minute
	// dnsMinFails: two failed lookups in a row make a DNS failure; one
	// can be a lost packet.
	dnsMinFails = 2
	// vpnMinLost: three silent probes in a row make a VPN drop.
	vpnMinLost = 3
	// routeMinEvidence: two signs (a read of the route table, a probe the
	// computer could not send) that the default route is gone.
	routeMinEvidence = 2
	// signalPoor: voice-grade Wi-Fi designs ask for -67 dBm or better.
	signalPoor = -67.0
	// signalDrop: 10 dB below the link's own median is a real drop, not
	// the usual wobble of a few dB.
	signalDrop = 10.0
	// signalReads: three reads in a row below, or above, make the change.
	signalReads = 3
	// signalHistory: the Wi-Fi signal's median is over the last five
	// minutes of reads.
	signalHistory = 300
	// explainedShare: a DNS failure or VPN drop that is more than half
	// covered by an outage, a loss burst or a missing route on the way
	// is that event's consequence, not an event of its own.
	explainedShare = 0.5
	// troubleKeep: how long finished outages and bursts are remembered
	// for explaining DNS failures and VPN drops.
	troubleKeep = 30 * time.Minute
)

// trouble is an interval when the path itself failed: an outage, a loss
// burst or no route; DNS failures and VPN drops inside it are its
// consequences.
type trouble struct {
	kind       string
	level      Level // where it starts (LevelUnknown: not located)
	start, end time.Duration
	active     bool
}

// condition is a yes/no state judged on a sequence of evidence (DNS
// lookups, VPN probes, route reads): it starts after minN bad pieces in
// a row and ends at the first good one.
type condition struct {
	minN     int
	lastGood time.Duration
	hasGood  bool
	runStart time.Duration
	runLast  time.Duration
	runN     int
	prevGood time.Duration
	hadPrev  bool
	active   bool
	start    time.Duration // the estimated start, once active
}

// bad records bad evidence at t; it returns true when the condition
// starts.
func (c *condition) bad(t time.Duration) bool {
	if c.runN == 0 {
		c.runStart, c.prevGood, c.hadPrev = t, c.lastGood, c.hasGood
	}
	c.runN++
	c.runLast = t
	if !c.active && c.runN >= c.minN {
		c.active = true
		c.start = c.runStart
		if c.hadPrev {
			c.start = mid(c.prevGood, c.runStart)
		}
		return true
	}
	return false
}

// good records good evidence at t; it returns the end of the condition
// and true when it was active.
func (c *condition) good(t time.Duration) (time.Duration, bool) {
	was := c.active
	end := mid(c.runLast, t)
	c.active, c.runN = false, 0
	c.lastGood, c.hasGood = t, true
	return end, was
}

func (c *condition) reset() {
	c.active, c.runN, c.hasGood = false, 0, false
}

func mid(a, b time.Duration) time.Duration { return a + (b-a)/2 }

// detector turns samples and state reads into events.
type detector struct {
	reg    *registry
	ring   *ring
	toWall func(time.Duration) time.Time
	emit   func(report.WatchEvent)
	begin  time.Duration // the watch's first tick
	// far is the farthest path level in the ladder: its rungs decide
	// whether the path works, the nearer ones where a problem starts.
	far         Level
	settleUntil time.Duration
	kind        string // the default path's kind, for words ("wifi")
	expectVPN   bool

	// the far level's current run of losses
	lastFarAns time.Duration
	hasFarAns  bool
	run        struct {
		active            bool
		start, last, prev time.Duration
		hadPrev           bool
		n                 int
	}
	outage *outageEp
	loss   *lossEp
	spike  *spikeEp
	recent []*sample // the last far answers, for the spike window

	dns    condition
	vpn    condition
	route  condition
	routeT *trouble

	troubles []*trouble

	// state as last read
	stateSeen  bool
	stateAt    time.Duration
	path       string // "wlan0 via 192.168.1.1"
	pathWords  string
	tunnels    []string
	tunnelGone bool // a tunnel went down during the current VPN drop
	wifi       wifiState
}

type outageEp struct {
	start time.Duration
	tr    *trouble
}

type lossEp struct {
	first, last time.Duration
	quietN      int
	tr          *trouble
	base        float64
}

type spikeEp struct {
	start, lastHigh, after time.Duration
	hasAfter               bool
}

type wifiState struct {
	seen       bool
	last       WiFiLink
	lastAt     time.Duration
	signals    []float64
	lowN, okN  int
	lowStart   time.Duration
	lowActive  bool
	lowMin     float64
	prevAt     time.Duration
	firstLowAt time.Duration
}

func newDetector(reg *registry, r *ring, begin time.Duration, toWall func(time.Duration) time.Time, emit func(report.WatchEvent), expectVPN bool) *detector {
	d := &detector{reg: reg, ring: r, begin: begin, toWall: toWall, emit: emit, expectVPN: expectVPN}
	d.dns.minN = dnsMinFails
	d.vpn.minN = vpnMinLost
	d.route.minN = routeMinEvidence
	return d
}

// setLadder updates the far level after a replan, and forgets runs that
// belonged to the old path.
func (d *detector) setLadder() {
	far := LevelUnknown
	for _, e := range d.reg.list {
		if e.active && e.pathLevel() > far {
			far = e.pathLevel()
		}
	}
	if far != d.far {
		d.far = far
		d.run.active, d.run.n = false, 0
	}
}

// event builds an event between two monotonic times.
func (d *detector) event(kind string, start, end time.Duration, where Level, sev report.Status, summary string) report.WatchEvent {
	start = max(start, d.begin)
	end = max(end, start)
	ev := report.WatchEvent{
		Kind: kind, Start: d.toWall(start).UTC(), End: d.toWall(end).UTC(),
		Where: whereOf(where), Severity: sev, Summary: summary,
	}
	ev.DurationSeconds = math.Max(ev.End.Sub(ev.Start).Seconds(), 0)
	return ev
}

func whereOf(l Level) string {
	switch l {
	case LevelHome:
		return report.WhereHome
	case LevelProvider:
		return report.WhereProvider
	case LevelBeyond:
		return report.WhereBeyond
	}
	return ""
}

// sample handles one probe outcome; samples arrive in send order.
func (d *detector) sample(s sample) {
	if s.at < d.settleUntil || s.out == LocalError || int(s.rung) >= len(d.reg.list) {
		return
	}
	e := d.reg.list[s.rung]
	if s.out == Answered || s.out == Lost {
		e.sent++
		e.minSent++
		if s.out == Lost {
			e.lost++
			e.minLost++
		} else {
			e.hist.add(s.rtt)
			e.minRTT = append(e.minRTT, s.rtt)
		}
	}
	e.last, e.lastAt = s.out, s.at
	if s.out == Answered {
		e.lastRTT, e.lastAnswer, e.answered = s.rtt, s.at, true
	}
	s.excess, s.thr = float32(math.NaN()), float32(math.NaN())
	if s.out == Answered && e.base.ready() {
		ms := msOf(s.rtt)
		s.excess, s.thr = float32(ms-e.base.median), float32(e.base.threshold())
	}
	p := d.ring.push(s)

	lvl := e.pathLevel()
	if lvl != LevelUnknown {
		switch {
		case s.out == NoRoute:
			d.routeBad(s.at)
		case s.out == Answered && lvl > LevelHome:
			d.routeGood(s.at)
		}
		if s.out == Answered && !p.high() {
			e.base.push(msOf(s.rtt))
		}
		if lvl == d.far {
			d.farSample(p)
		}
	}
	switch e.Role {
	case RoleDNSLookup:
		if s.out == Answered {
			if end, was := d.dns.good(s.at); was {
				d.dnsEnded(e, end)
			}
		} else {
			d.dns.bad(s.at)
		}
	case RoleVPN:
		if s.out == Answered {
			if end, was := d.vpn.good(s.at); was {
				d.vpnEnded(e, end, false)
			}
		} else {
			d.vpn.bad(s.at)
		}
	}
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// farSample follows the farthest rungs: a long enough run of losses is an
// outage, loss beyond chance a loss burst, answers above the baseline a
// latency spike.
func (d *detector) farSample(s *sample) {
	switch s.out {
	case Lost:
		if !d.run.active {
			d.run.active, d.run.n = true, 0
			d.run.start, d.run.prev, d.run.hadPrev = s.at, d.lastFarAns, d.hasFarAns
		}
		d.run.n++
		d.run.last = s.at
		if d.outage == nil && d.run.n >= outageMinRun && d.run.last-d.run.start >= outageMinSpan && d.run.n >= d.outageRunNeeded() {
			d.startOutage()
		}
		if d.outage != nil {
			s.inOutage = true
			return
		}
		d.lossSample(s)
	case Answered:
		if d.outage != nil {
			d.endOutage(mid(d.run.last, s.at), false)
		}
		d.run.active, d.run.n = false, 0
		d.lastFarAns, d.hasFarAns = s.at, true
		d.lossSample(s)
		d.spikeSample(s)
	}
}

// outageRunNeeded is how many far losses in a row make an outage, given
// the loss seen over the minute before the run: the run must be one that
// loss would give less than once in 1/outageChance runs.
func (d *detector) outageRunNeeded() int {
	var sent, lost int
	from := d.run.start - time.Minute
	d.ring.since(from, func(x *sample) {
		if x.at >= d.run.start || x.inOutage || !d.isFar(x) || (x.out != Answered && x.out != Lost) {
			return
		}
		sent++
		if x.out == Lost {
			lost++
		}
	})
	p := 0.05 // the least loss assumed: a fast line's streaks still need several probes
	if sent > 0 {
		p = math.Max(p, float64(lost)/float64(sent))
	}
	p = math.Min(p, 0.6)
	return max(outageMinRun, int(math.Ceil(math.Log(outageChance)/math.Log(p))))
}

func (d *detector) isFar(x *sample) bool {
	if int(x.rung) >= len(d.reg.list) {
		return false
	}
	return d.reg.list[x.rung].pathLevel() == d.far && d.far != LevelUnknown
}

func (d *detector) levelOf(x *sample) Level {
	if int(x.rung) >= len(d.reg.list) {
		return LevelUnknown
	}
	return d.reg.list[x.rung].pathLevel()
}

func (d *detector) startOutage() {
	start := d.run.start
	if d.run.hadPrev {
		start = mid(d.run.prev, d.run.start)
	}
	d.outage = &outageEp{start: start}
	d.outage.tr = d.addTrouble(report.WatchKindOutage, LevelUnknown, start)
	d.ring.since(d.run.start, func(x *sample) {
		if d.isFar(x) && x.out == Lost {
			x.inOutage = true
		}
	})
	// A loss burst that is only this run's first losses is the outage.
	if d.loss != nil {
		if d.loss.first >= d.run.start {
			d.dropTrouble(d.loss.tr)
			d.loss = nil
		} else {
			// the burst before the run stands only if it is a burst without
			// the run's losses, which helped start it
			last := d.loss.first
			var sent, lost int
			d.ring.since(d.loss.first, func(x *sample) {
				if x.at >= d.run.start || !d.isFar(x) || (x.out != Answered && x.out != Lost) {
					return
				}
				sent++
				if x.out == Lost {
					lost++
					last = x.at
				}
			})
			if lost >= lossMinLost && rttstats.BinomialTail(lost, sent, d.loss.base) < lossSignificance {
				d.loss.last = last
				d.endLoss(false)
			} else {
				d.dropTrouble(d.loss.tr)
				d.loss = nil
			}
		}
	}
}

// endOutage ends the outage at end and locates it: the nearest level
// whose probes inside it were (nearly) all lost, while the levels before
// it answered.
func (d *detector) endOutage(end time.Duration, open bool) {
	o := d.outage
	d.outage = nil
	margin := min(300*time.Millisecond, (end-o.start)/4)
	counts := map[Level]*levelCount{}
	d.ring.since(o.start+margin, func(x *sample) {
		if x.at > end-margin || (x.out != Answered && x.out != Lost) {
			return
		}
		l := d.levelOf(x)
		if l == LevelUnknown {
			return
		}
		c := counts[l]
		if c == nil {
			c = &levelCount{}
			counts[l] = c
		}
		c.sent++
		if x.out == Lost {
			c.lost++
		}
	})
	where := d.far
	for l := LevelHome; l < d.far; l++ {
		c := counts[l]
		if c == nil || c.sent == 0 {
			continue
		}
		if 3*c.lost >= 2*c.sent {
			where = l
			break
		}
	}
	if d.far == LevelBeyond && where == LevelBeyond && !d.hasLevel(LevelProvider) {
		where = LevelUnknown // past the router, but nothing tells the provider from beyond
	}
	o.tr.level, o.tr.end, o.tr.active = where, end, false
	ev := d.event(report.WatchKindOutage, o.start, end, where, report.Fail, outageWords(where, d.kind, end-o.start))
	ev.Open = open
	d.emit(ev)
}

func (d *detector) hasLevel(l Level) bool {
	for _, e := range d.reg.list {
		if e.active && e.pathLevel() == l {
			return true
		}
	}
	return false
}

// lossSample follows loss at the far rungs outside outages.
func (d *detector) lossSample(s *sample) {
	if d.loss == nil {
		if s.out != Lost {
			return
		}
		var n, lost int
		first := s.at
		d.ring.since(s.at-lossWindow, func(x *sample) {
			if !d.isFar(x) || x.inOutage || (x.out != Answered && x.out != Lost) {
				return
			}
			n++
			if x.out == Lost {
				lost++
				first = min(first, x.at)
			}
		})
		if lost < lossMinLost {
			return
		}
		base := d.backgroundLoss(s.at - lossWindow)
		if rttstats.BinomialTail(lost, n, base) >= lossSignificance {
			return
		}
		d.loss = &lossEp{first: first, last: s.at, base: base}
		d.loss.tr = d.addTrouble(report.WatchKindLoss, LevelUnknown, first)
		return
	}
	if s.out == Lost {
		d.loss.last, d.loss.quietN = s.at, 0
		return
	}
	d.loss.quietN++
	if s.at-d.loss.last >= lossEndQuiet && d.loss.quietN >= d.lossQuietNeeded() {
		d.endLoss(false)
	}
}

// backgroundLoss is the far rungs' loss over the five minutes before t,
// outside outages and bursts, at least lossFloor.
func (d *detector) backgroundLoss(t time.Duration) float64 {
	var n, lost int
	d.ring.since(t-5*time.Minute, func(x *sample) {
		if x.at >= t || !d.isFar(x) || x.inOutage || (x.out != Answered && x.out != Lost) || d.inTrouble(x.at) {
			return
		}
		n++
		if x.out == Lost {
			lost++
		}
	})
	if n < 50 {
		return lossFloor
	}
	return math.Max(lossFloor, float64(lost)/float64(n))
}

func (d *detector) inTrouble(t time.Duration) bool {
	for _, tr := range d.troubles {
		if t >= tr.start && (tr.active || t <= tr.end) {
			return true
		}
	}
	return false
}

// lossCounts counts the far rungs' probes of the current burst.
func (d *detector) lossCounts() (sent, lost int) {
	d.ring.since(d.loss.first, func(x *sample) {
		if x.at > d.loss.last || !d.isFar(x) || x.inOutage || (x.out != Answered && x.out != Lost) {
			return
		}
		sent++
		if x.out == Lost {
			lost++
		}
	})
	return sent, lost
}

// lossQuietNeeded is how many answers in a row end a burst: enough that
// the burst's own loss rate would break such a streak 999 times in 1000.
func (d *detector) lossQuietNeeded() int {
	sent, lost := d.lossCounts()
	if sent == 0 || lost == 0 {
		return 1
	}
	p := math.Min(float64(lost)/float64(sent), 0.95)
	return int(math.Ceil(math.Log(1e-3) / math.Log(1-p)))
}

// lossEdges moves a burst's edges out from its first and last lost probe
// by the gap expected before the first loss: at loss rate p and r probes
// a second, (1/2 + (1-p)/p)/r seconds, since the burst started somewhere
// before the first probe it cost, and ended after the last.
func lossEdges(first, last time.Duration, sent, lost int) (time.Duration, time.Duration) {
	if sent < 2 || lost == 0 || last <= first {
		return first, last
	}
	p := float64(lost) / float64(sent)
	rate := float64(sent-1) / (last - first).Seconds()
	c := time.Duration((0.5 + (1-p)/p) / rate * float64(time.Second))
	c = min(c, maxEdgeCorrection)
	return first - c, last + c
}

// endLoss ends the current burst and locates it with the latency
// check's test.
func (d *detector) endLoss(open bool) {
	l := d.loss
	d.loss = nil
	if l.last-l.first < lossMinSpan && !open {
		d.dropTrouble(l.tr)
		return
	}
	sent, lost := 0, 0
	counts := map[Level]levelCount{}
	d.ring.since(l.first, func(x *sample) {
		if x.at > l.last || x.inOutage || (x.out != Answered && x.out != Lost) {
			return
		}
		lv := d.levelOf(x)
		if lv == LevelUnknown {
			return
		}
		c := counts[lv]
		c.sent++
		if x.out == Lost {
			c.lost++
		}
		counts[lv] = c
		if lv == d.far {
			sent++
			if x.out == Lost {
				lost++
			}
		}
	})
	start, end := lossEdges(l.first, l.last, sent, lost)
	if open {
		end = l.last
	}
	where := locateLoss(counts, l.base)
	if where == LevelBeyond && !d.hasLevel(LevelProvider) {
		where = LevelUnknown
	}
	l.tr.level, l.tr.start, l.tr.end, l.tr.active = where, start, end, false
	pct := 0.0
	if sent > 0 {
		pct = 100 * float64(lost) / float64(sent)
	}
	ev := d.event(report.WatchKindLoss, start, end, where, report.Warn, lossWords(where, d.kind, pct, end-start))
	ev.LossPercent = &pct
	ev.Open = open
	d.emit(ev)
}

// spikeSample follows the far rungs' answers against their baselines.
func (d *detector) spikeSample(s *sample) {
	if math.IsNaN(float64(s.excess)) {
		return
	}
	d.recent = append(d.recent, s)
	if len(d.recent) > 64 {
		d.recent = slices.Delete(d.recent, 0, len(d.recent)-64)
	}
	// the window: the last second of answers, at least spikeMinHigh
	w := d.recent
	for i := range w {
		if s.at-w[i].at <= spikeWindow || len(w)-i <= spikeMinHigh {
			w = w[i:]
			break
		}
	}
	high := 0
	for _, x := range w {
		if x.high() {
			high++
		}
	}
	if d.spike == nil {
		if len(w) < spikeMinHigh || high < spikeMinHigh || 3*high < 2*len(w) {
			return
		}
		first := -1
		for i, x := range w {
			if x.high() {
				first = i
				break
			}
		}
		start := w[first].at
		// between the answer before and the first high one; after a gap
		// (no route, an outage) the rise began when answers came back
		if k := len(d.recent) - len(w) + first - 1; k >= 0 && start-d.recent[k].at <= spikeWindow {
			start = mid(d.recent[k].at, start)
		}
		d.spike = &spikeEp{start: start, lastHigh: s.at}
		return
	}
	if s.high() {
		d.spike.lastHigh, d.spike.hasAfter = s.at, false
	} else if !d.spike.hasAfter {
		d.spike.after, d.spike.hasAfter = s.at, true
	}
	switch {
	case s.at-d.spike.start >= spikeMax:
		d.endSpike(s.at, false)
		for _, e := range d.reg.list {
			e.base.reset() // the new level is the normal one now
		}
		d.recent = d.recent[:0]
	case len(w) >= spikeMinHigh && 3*high <= len(w) && d.spike.hasAfter:
		d.endSpike(mid(d.spike.lastHigh, d.spike.after), false)
	}
}

// endSpike ends the spike at end and locates it: the nearest level whose
// answers inside it rose above their threshold, with every level beyond
// it too.
func (d *detector) endSpike(end time.Duration, open bool) {
	sp := d.spike
	d.spike = nil
	d.recent = d.recent[:0]
	if end-sp.start < spikeMinSpan && !open {
		return
	}
	excess := map[Level][]float64{}
	ratio := map[Level][]float64{}
	d.ring.since(sp.start, func(x *sample) {
		if x.at > end || math.IsNaN(float64(x.excess)) {
			return
		}
		l := d.levelOf(x)
		if l == LevelUnknown {
			return
		}
		excess[l] = append(excess[l], float64(x.excess))
		ratio[l] = append(ratio[l], float64(x.excess/x.thr))
	})
	where := d.far
	for l := d.far - 1; l >= LevelHome; l-- {
		r := ratio[l]
		if len(r) == 0 {
			continue // no answer there: it cannot say
		}
		if medianF(r) < 1 {
			break
		}
		where = l
	}
	if where == LevelBeyond && !d.hasLevel(LevelProvider) {
		where = LevelUnknown
	}
	rise := medianF(excess[d.far])
	ev := d.event(report.WatchKindLatency, sp.start, end, where, report.Warn, spikeWords(where, d.kind, rise, end-sp.start))
	if !math.IsNaN(rise) {
		ev.RTTIncreaseMs = &rise
	}
	ev.Open = open
	d.emit(ev)
}

func (d *detector) addTrouble(kind string, level Level, start time.Duration) *trouble {
	tr := &trouble{kind: kind, level: level, start: start, active: true}
	// forget what can no longer explain anything
	d.troubles = slices.DeleteFunc(d.troubles, func(t *trouble) bool { return !t.active && t.end < start-troubleKeep })
	d.troubles = append(d.troubles, tr)
	return tr
}

func (d *detector) dropTrouble(tr *trouble) {
	d.troubles = slices.DeleteFunc(d.troubles, func(t *trouble) bool { return t == tr })
}

// explained says whether [start, end] is mostly covered by trouble on
// the path at or before level (any level when level is unknown).
func (d *detector) explained(start, end, now time.Duration, level Level) bool {
	if end <= start {
		end = start + 1
	}
	var covered time.Duration
	var spans [][2]time.Duration
	for _, t := range d.troubles {
		if level != LevelUnknown && t.kind == report.WatchKindLoss && t.level != LevelUnknown && t.level > level {
			continue
		}
		te := t.end
		if t.active {
			te = now
		}
		a, b := max(t.start, start), min(te, end)
		if b > a {
			spans = append(spans, [2]time.Duration{a, b})
		}
	}
	slices.SortFunc(spans, func(x, y [2]time.Duration) int { return int(x[0] - y[0]) })
	var cur [2]time.Duration
	for i, s := range spans {
		if i == 0 || s[0] > cur[1] {
			covered += cur[1] - cur[0]
			cur = s
			continue
		}
		cur[1] = max(cur[1], s[1])
	}
	covered += cur[1] - cur[0]
	return covered.Seconds() > explainedShare*(end-start).Seconds()
}

// dnsEnded reports a DNS failure unless the way to the DNS server was
// down meanwhile (its own round trip silent, or an outage, a burst or no
// route covering most of it).
func (d *detector) dnsEnded(lookup *rungEntry, end time.Duration) {
	start := d.dns.start
	if d.pathDownTo(lookup.Addr, start, end) || d.explained(start, end, end, lookup.Level) {
		return
	}
	d.emit(d.event(report.WatchKindDNS, start, end, lookup.Level, report.Fail, dnsWords(lookup, end-start)))
}

// pathDownTo says whether the round-trip probes to addr (the DNS server's
// ping, or the gateway's when it is the DNS server) were mostly lost in
// [start, end].
func (d *detector) pathDownTo(addr netip.Addr, start, end time.Duration) bool {
	var n, lost int
	d.ring.since(start, func(x *sample) {
		if x.at > end || int(x.rung) >= len(d.reg.list) {
			return
		}
		e := d.reg.list[x.rung]
		if e.Addr != addr || e.Role == RoleDNSLookup || e.Role == RoleVPN {
			return
		}
		switch x.out {
		case Answered:
			n++
		case Lost, NoRoute:
			n++
			lost++
		}
	})
	return n > 0 && 3*lost >= 2*n
}

// vpnEnded reports a VPN drop unless the internet path was down meanwhile.
func (d *detector) vpnEnded(target *rungEntry, end time.Duration, open bool) {
	start := d.vpn.start
	gone := d.tunnelGone
	d.tunnelGone = false
	if d.explained(start, end, end, LevelUnknown) {
		return
	}
	where := LevelBeyond
	if gone {
		where = LevelHome
	}
	ev := d.event(report.WatchKindVPN, start, end, where, report.Fail, vpnWords(target, gone, open, end-start))
	ev.Open = open
	d.emit(ev)
}

// routeBad and routeGood follow the default route: evidence that it is
// gone (a read of the table, a probe the computer could not send) and
// that it works (a read, an answer from past the router).
func (d *detector) routeBad(t time.Duration) {
	if d.route.bad(t) {
		d.routeT = d.addTrouble(report.WatchKindRoute, LevelHome, d.route.start)
	}
}

func (d *detector) routeGood(t time.Duration) {
	end, was := d.route.good(t)
	if !was {
		return
	}
	d.endRoute(end, false)
}

func (d *detector) endRoute(end time.Duration, open bool) {
	start := d.route.start
	if d.routeT != nil {
		d.routeT.end, d.routeT.active = end, false
		d.routeT = nil
	}
	ev := d.event(report.WatchKindRoute, start, end, LevelHome, report.Fail, noRouteWords(end-start, open))
	ev.From = d.pathWords
	ev.Open = open
	d.emit(ev)
}

// state handles one read of the machine's network at t.
func (d *detector) state(t time.Duration, s State, ok bool) {
	if !ok {
		return
	}
	prevAt := d.stateAt
	first := !d.stateSeen
	d.stateSeen, d.stateAt = true, t
	if s.HasDefault {
		d.routeGood(t)
		path := s.Interface + " via " + s.Gateway.String()
		words := pathWords(s)
		if !first && d.path != "" && path != d.path {
			at := mid(prevAt, t)
			ev := d.event(report.WatchKindRoute, at, at, LevelHome, report.Pass,
				"The connection changed from "+d.pathWords+" to "+words+".")
			ev.From, ev.To = d.pathWords, words
			d.emit(ev)
		}
		d.path, d.pathWords = path, words
		d.kind = s.Kind
	} else if t >= d.settleUntil {
		d.routeBad(t)
	}
	tunnels := slices.Clone(s.Tunnels)
	slices.Sort(tunnels)
	if !first {
		for _, name := range tunnels {
			if !slices.Contains(d.tunnels, name) {
				at := mid(prevAt, t)
				d.emit(d.event(report.WatchKindRoute, at, at, LevelHome, report.Pass, "A VPN or tunnel came up ("+name+")."))
			}
		}
		for _, name := range d.tunnels {
			if !slices.Contains(tunnels, name) {
				at := mid(prevAt, t)
				if d.vpn.active || d.vpn.runN > 0 {
					d.tunnelGone = true
				}
				d.emit(d.event(report.WatchKindRoute, at, at, LevelHome, report.Pass, "A VPN or tunnel went down ("+name+")."))
			}
		}
	}
	d.tunnels = tunnels
	d.wifiRead(t, prevAt, s.WiFi)
}

// wifiRead follows the Wi-Fi link: roams (another access point), channel
// and band changes, and drops of the signal.
func (d *detector) wifiRead(t, prevAt time.Duration, l *WiFiLink) {
	w := &d.wifi
	if l == nil {
		if w.lowActive {
			d.endSignal(mid(w.prevAt, t), false)
		}
		w.seen, w.lowN, w.okN = false, 0, 0
		return
	}
	defer func() { w.last, w.seen, w.prevAt = *l, true, t }()
	if w.seen {
		at := mid(prevAt, t)
		switch {
		case w.last.BSSID != "" && l.BSSID != "" && !strings.EqualFold(w.last.BSSID, l.BSSID):
			ev := d.event(report.WatchKindWiFiRoam, at, at, LevelHome, report.Pass, roamWords(w.last, *l))
			ev.From, ev.To = w.last.BSSID, l.BSSID
			d.emit(ev)
		case w.last.Channel != 0 && l.Channel != 0 && (w.last.Channel != l.Channel || w.last.Band != l.Band):
			ev := d.event(report.WatchKindWiFiChannel, at, at, LevelHome, report.Pass,
				"The Wi-Fi changed from "+channelWords(w.last)+" to "+channelWords(*l)+".")
			ev.From, ev.To = channelWords(w.last), channelWords(*l)
			d.emit(ev)
		}
	}
	if !l.HasSignal {
		return
	}
	median := medianF(w.signals)
	low := l.SignalDBm <= signalPoor && (len(w.signals) < baselineMin || l.SignalDBm <= median-signalDrop)
	if !w.lowActive {
		if low {
			if w.lowN == 0 {
				w.lowStart = t
				if w.seen {
					w.lowStart = mid(w.prevAt, t)
				}
				w.lowMin = l.SignalDBm
			}
			w.lowN++
			w.lowMin = math.Min(w.lowMin, l.SignalDBm)
			if w.lowN >= signalReads && len(w.signals) >= baselineMin {
				w.lowActive, w.okN = true, 0
			}
		} else {
			w.lowN = 0
		}
	} else {
		w.lowMin = math.Min(w.lowMin, l.SignalDBm)
		recovered := l.SignalDBm > signalPoor || l.SignalDBm >= median-signalDrop/2
		if recovered {
			if w.okN == 0 {
				w.firstLowAt = mid(w.prevAt, t) // the last low read's end
			}
			w.okN++
			if w.okN >= signalReads {
				d.endSignal(w.firstLowAt, false)
			}
		} else {
			w.okN = 0
		}
	}
	if !w.lowActive && !low {
		w.signals = append(w.signals, l.SignalDBm)
		if len(w.signals) > signalHistory {
			w.signals = slices.Delete(w.signals, 0, len(w.signals)-signalHistory)
		}
	}
}

func (d *detector) endSignal(end time.Duration, open bool) {
	w := &d.wifi
	ev := d.event(report.WatchKindWiFiSignal, w.lowStart, end, LevelHome, report.Warn, signalWords(w.lowMin, end-w.lowStart))
	v := w.lowMin
	ev.SignalDBm = &v
	ev.Open = open
	w.lowActive, w.lowN, w.okN = false, 0, 0
	d.emit(ev)
}

// asleep ends what was going on when the computer went to sleep at from,
// records the sleep, and ignores what the probes say until the network
// has had time to come back.
func (d *detector) asleep(from, to time.Duration, wallFrom, wallTo time.Time, settle time.Duration) {
	d.closeAll(from, false)
	d.run.active, d.run.n = false, 0
	d.hasFarAns = false
	d.recent = d.recent[:0]
	d.dns.reset()
	d.vpn.reset()
	d.route.reset()
	d.wifi.lowN, d.wifi.okN = 0, 0
	d.settleUntil = to + settle
	ev := report.WatchEvent{
		Kind: report.WatchKindAsleep, Start: wallFrom.UTC(), End: wallTo.UTC(),
		Severity: report.Pass, Summary: sleepWords(wallTo.Sub(wallFrom)),
	}
	ev.DurationSeconds = math.Max(wallTo.Sub(wallFrom).Seconds(), 0)
	d.emit(ev)
}

// closeAll ends every event still going on at t; open marks them as
// cut short by the end of the watch.
func (d *detector) closeAll(t time.Duration, open bool) {
	if d.outage != nil {
		d.endOutage(max(d.run.last, d.outage.start), open)
	}
	if d.loss != nil {
		d.endLoss(open)
	}
	if d.spike != nil {
		d.endSpike(max(d.spike.lastHigh, d.spike.start), open)
	}
	if d.dns.active {
		start := d.dns.start
		end := d.dns.runLast
		d.dns.reset()
		e := d.lookupRung()
		if e != nil && !d.pathDownTo(e.Addr, start, end) && !d.explained(start, end, t, e.Level) {
			ev := d.event(report.WatchKindDNS, start, end, e.Level, report.Fail, dnsWords(e, end-start))
			ev.Open = open
			d.emit(ev)
		}
	}
	if d.vpn.active {
		if e := d.vpnRung(); e != nil {
			d.vpnEnded(e, d.vpn.runLast, open)
		}
		d.vpn.reset()
	}
	if d.route.active {
		d.endRoute(d.route.runLast, open)
		d.route.reset()
	}
	if d.wifi.lowActive {
		d.endSignal(d.wifi.prevAt, open)
	}
}

func (d *detector) lookupRung() *rungEntry {
	for _, e := range d.reg.list {
		if e.active && e.Role == RoleDNSLookup {
			return e
		}
	}
	return nil
}

func (d *detector) vpnRung() *rungEntry {
	for _, e := range d.reg.list {
		if e.active && e.Role == RoleVPN {
			return e
		}
	}
	return nil
}

// ongoing describes what is going on now, for the live view.
func (d *detector) ongoing(now time.Duration) []string {
	var out []string
	add := func(what string, since time.Duration) {
		out = append(out, fmt.Sprintf("%s for %s", what, shortDur(now-since)))
	}
	if d.outage != nil {
		add("outage", d.outage.start)
	} else if d.run.active && d.run.n >= outageMinRun {
		add("no answer from the internet", d.run.start)
	}
	if d.loss != nil {
		add("loss", d.loss.first)
	}
	if d.spike != nil {
		add("latency spike", d.spike.start)
	}
	if d.route.active {
		add("no default route", d.route.start)
	}
	if d.dns.active {
		add("DNS not answering", d.dns.start)
	}
	if d.vpn.active {
		add("VPN not answering", d.vpn.start)
	}
	if d.wifi.lowActive {
		add("weak Wi-Fi signal", d.wifi.lowStart)
	}
	return out
}
