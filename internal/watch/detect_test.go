package watch

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

func run(t *testing.T, w *world, d time.Duration, tweak func(*Config)) *Record {
	t.Helper()
	out := &sink{}
	cfg := w.config(d, out)
	if tweak != nil {
		tweak(&cfg)
	}
	rec, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestSleepIsNotAnOutage: the wall clock jumps 40 minutes while the
// monotonic clock stands still (Linux, macOS), or both jump (a clock that
// counts suspend); afterwards the network needs seconds to come back.
// Either way the report says asleep, and no outage.
func TestSleepIsNotAnOutage(t *testing.T) {
	for _, monoCounts := range []bool{false, true} {
		t.Run("monotonic counts suspend: "+map[bool]string{false: "no", true: "yes"}[monoCounts], func(t *testing.T) {
			w := newWorld(7, false)
			sleepAt, sleepFor := 30*time.Second, 40*time.Minute
			w.clock.suspends = []suspend{{at: sleepAt + 300*time.Millisecond, length: sleepFor, monoCount: monoCounts}}
			wakeAt := sleepAt + 300*time.Millisecond
			if monoCounts {
				wakeAt += sleepFor
			}
			w.probe = func(w *world, at time.Duration, r Rung) Result {
				// Wi-Fi takes eight seconds to come back after the wake
				if at >= wakeAt && at < wakeAt+8*time.Second {
					return Result{Outcome: Lost, Bytes: 28}
				}
				return Result{Outcome: Answered, RTT: baseRTT(r), Bytes: 56}
			}
			rec := run(t, w, 45*time.Minute, nil)
			var asleep []report.WatchEvent
			for _, ev := range rec.Watch.Events {
				if ev.Kind != report.WatchKindAsleep {
					t.Errorf("event %s: %s", ev.Kind, ev.Summary)
					continue
				}
				asleep = append(asleep, ev)
			}
			if len(asleep) != 1 {
				t.Fatalf("%d sleeps, want 1: %+v", len(asleep), rec.Watch.Events)
			}
			if d := asleep[0].DurationSeconds - sleepFor.Seconds(); math.Abs(d) > 2 {
				t.Errorf("asleep %.1f s, want %.0f", asleep[0].DurationSeconds, sleepFor.Seconds())
			}
			if got := asleep[0].Start.Sub(rec.Started); math.Abs((got - sleepAt).Seconds()) > 2 {
				t.Errorf("fell asleep at %v, want %v", got, sleepAt)
			}
			if math.Abs(rec.Watch.AsleepSeconds-sleepFor.Seconds()) > 2 {
				t.Errorf("asleep_seconds %.1f", rec.Watch.AsleepSeconds)
			}
			if rec.Result.Status != report.Pass || !strings.Contains(strings.Join(findingTexts(rec.Result), " "), "slept") {
				t.Errorf("verdict %s, findings %v", rec.Result.Status, rec.Result.Findings)
			}
		})
	}
}

func findingTexts(r report.Result) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Message)
	}
	return out
}

// TestQuietLineHasNoEvents: ten minutes of a normal line (jittery Wi-Fi
// round trips, a lost probe now and then) make no event.
func TestQuietLineHasNoEvents(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		w := newWorld(seed, true)
		w.probe = func(w *world, at time.Duration, r Rung) Result {
			if w.chance(0.005) {
				return Result{Outcome: Lost, Bytes: 28}
			}
			// Wi-Fi jitter: a few ms usually, now and then 20 ms more
			jit := time.Duration(w.rng.ExpFloat64() * float64(3*time.Millisecond))
			if w.chance(0.01) {
				jit += 20 * time.Millisecond
			}
			return Result{Outcome: Answered, RTT: baseRTT(r) + jit, Bytes: 56}
		}
		rec := run(t, w, 10*time.Minute, func(c *Config) { c.ExpectVPN = true })
		for _, ev := range rec.Watch.Events {
			t.Errorf("seed %d: event on a quiet line: %s at %v: %s", seed, ev.Kind, ev.Start.Sub(rec.Started), ev.Summary)
		}
		if rec.Result.Status != report.Pass {
			t.Errorf("verdict %s", rec.Result.Status)
		}
	}
}

// TestOneLostProbeIsNotAnEvent: every rung loses one tick's probes, now
// and then; nothing is an event.
func TestOneLostProbeIsNotAnEvent(t *testing.T) {
	w := newWorld(3, true)
	w.probe = func(w *world, at time.Duration, r Rung) Result {
		if sec := int(at / time.Second); sec%20 == 10 && r.Role != RoleAnchor {
			return Result{Outcome: Lost, Bytes: 28}
		}
		if at%(7*time.Second) < 150*time.Millisecond && r.Role == RoleAnchor {
			return Result{Outcome: Lost, Bytes: 28} // one anchor probe in a row
		}
		return Result{Outcome: Answered, RTT: baseRTT(r), Bytes: 56}
	}
	rec := run(t, w, 3*time.Minute, func(c *Config) { c.ExpectVPN = true })
	for _, ev := range rec.Watch.Events {
		t.Errorf("event: %s at %v: %s", ev.Kind, ev.Start.Sub(rec.Started), ev.Summary)
	}
}

// TestLossyLineIsNoOutage: a line losing 40 % all along is one long loss
// burst, never an outage.
func TestLossyLineIsNoOutage(t *testing.T) {
	w := newWorld(11, false)
	w.probe = func(w *world, at time.Duration, r Rung) Result {
		if r.Role == RoleAnchor && w.chance(0.4) {
			return Result{Outcome: Lost, Bytes: 28}
		}
		return Result{Outcome: Answered, RTT: baseRTT(r), Bytes: 56}
	}
	rec := run(t, w, 5*time.Minute, nil)
	for _, ev := range rec.Watch.Events {
		if ev.Kind == report.WatchKindOutage {
			t.Errorf("outage on a lossy line: %s", ev.Summary)
		}
	}
	if rec.Watch.Counts[report.WatchKindLoss] == 0 {
		t.Errorf("no loss burst: %+v", rec.Watch.Counts)
	}
}

// TestOutageLocations: silence from each level on is located there.
func TestOutageLocations(t *testing.T) {
	for _, tc := range []struct {
		from  Role
		where string
	}{
		{RoleGateway, report.WhereHome},
		{RoleFirstHop, report.WhereProvider},
		{RoleAnchor, report.WhereBeyond},
	} {
		w := newWorld(5, false)
		silent := map[Role]bool{RoleAnchor: true}
		if tc.from == RoleFirstHop || tc.from == RoleGateway {
			silent[RoleFirstHop] = true
		}
		if tc.from == RoleGateway {
			silent[RoleGateway] = true
		}
		w.probe = func(w *world, at time.Duration, r Rung) Result {
			if between(at, 20, 61) && silent[r.Role] {
				return Result{Outcome: Lost, Bytes: 28}
			}
			return Result{Outcome: Answered, RTT: baseRTT(r), Bytes: 56}
		}
		rec := run(t, w, 90*time.Second, nil)
		checkEvents(t, rec, []want{{report.WatchKindOutage, tc.where, 20, 41}}, 1)
	}
}

// TestRouteChange: Wi-Fi to wired is one change at one moment, and the
// ladder is planned again for the new gateway.
func TestRouteChange(t *testing.T) {
	w := newWorld(2, false)
	wired := netip.MustParseAddr("192.168.2.1")
	w.state = func(at time.Duration) State {
		s := homeState()
		if at >= 40*time.Second {
			s.Interface, s.Kind, s.Gateway, s.WiFi = "eth0", "wired", wired, nil
		}
		return s
	}
	plans := 0
	ladder := ladderFunc(func(s State) LadderPlan {
		plans++
		rs := defaultRungs(false)
		rs[0].Addr = s.Gateway
		return LadderPlan{Rungs: rs}
	})
	rec := run(t, w, 80*time.Second, func(c *Config) { c.Ladder = ladder })
	checkEvents(t, rec, []want{{report.WatchKindRoute, report.WhereHome, 39.5, 0}}, 1)
	if plans != 2 {
		t.Errorf("the ladder was planned %d times, want 2", plans)
	}
	ev := rec.Watch.Events[0]
	if !strings.Contains(ev.From, "Wi-Fi (wlan0)") || !strings.Contains(ev.To, "wired (eth0) via 192.168.2.1") {
		t.Errorf("from %q to %q", ev.From, ev.To)
	}
	if len(rec.Watch.Rungs) != 6 {
		t.Errorf("both routers are in the report: %d rungs", len(rec.Watch.Rungs))
	}
}

type ladderFunc func(State) LadderPlan

func (f ladderFunc) Plan(_ context.Context, s State) (LadderPlan, error) { return f(s), nil }

// TestVPNDropExplainedByOutage: the VPN's silence during an outage of the
// internet is the outage's, not a VPN drop.
func TestVPNDropExplainedByOutage(t *testing.T) {
	w := newWorld(4, true)
	w.probe = func(w *world, at time.Duration, r Rung) Result {
		if between(at, 20, 40) && r.Role != RoleGateway && r.Role != RoleDNSLookup {
			return Result{Outcome: Lost, Bytes: 28}
		}
		return Result{Outcome: Answered, RTT: baseRTT(r), Bytes: 56}
	}
	rec := run(t, w, 70*time.Second, func(c *Config) { c.ExpectVPN = true })
	checkEvents(t, rec, []want{{report.WatchKindOutage, report.WhereProvider, 20, 20}}, 1)
}

// TestVPNNeverUp: a VPN expected but never answering is one drop from the
// start, open at the end.
func TestVPNNeverUp(t *testing.T) {
	w := newWorld(4, true)
	w.probe = func(w *world, at time.Duration, r Rung) Result {
		if r.Role == RoleVPN {
			return Result{Outcome: Lost, Bytes: 28}
		}
		return Result{Outcome: Answered, RTT: baseRTT(r), Bytes: 56}
	}
	rec := run(t, w, 40*time.Second, func(c *Config) { c.ExpectVPN = true })
	if len(rec.Watch.Events) != 1 || rec.Watch.Events[0].Kind != report.WatchKindVPN || !rec.Watch.Events[0].Open {
		t.Fatalf("events %+v", rec.Watch.Events)
	}
	if s := rec.Watch.Events[0].Start.Sub(rec.Started); s > 2*time.Second {
		t.Errorf("the drop starts at %v, want the start", s)
	}
}

// TestBudgetHolds: probes whose answers are larger than planned never
// take the watch past its budget; it stops early and says so.
func TestBudgetHolds(t *testing.T) {
	w := newWorld(1, false)
	w.probe = func(w *world, at time.Duration, r Rung) Result {
		return Result{Outcome: Answered, RTT: baseRTT(r), Bytes: 3 * w.Cost(r)} // three times the plan
	}
	budget := int64(300_000)
	rec := run(t, w, 10*time.Minute, func(c *Config) { c.Budget = budget })
	if rec.Watch.DataUsedBytes > budget {
		t.Errorf("used %d bytes of a %d budget", rec.Watch.DataUsedBytes, budget)
	}
	if rec.Watch.Ended != report.WatchEndedDataBudget || rec.Result.Status != report.Warn {
		t.Errorf("ended %q, verdict %s", rec.Watch.Ended, rec.Result.Status)
	}
}

// TestOutputFailureStops: the sink's error (a closed pipe) ends the watch.
func TestOutputFailureStops(t *testing.T) {
	w := newWorld(1, false)
	w.probe = func(w *world, at time.Duration, r Rung) Result {
		if between(at, 10, 20) {
			return Result{Outcome: Lost, Bytes: 28}
		}
		return Result{Outcome: Answered, RTT: baseRTT(r), Bytes: 56}
	}
	out := &sink{fail: errors.New("write |1: broken pipe")}
	cfg := w.config(10*time.Minute, out)
	rec, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rec.OutputErr == nil || rec.Watch.Ended != report.WatchEndedOutputFailed {
		t.Fatalf("ended %q, output error %v", rec.Watch.Ended, rec.OutputErr)
	}
	if rec.Finished.Sub(rec.Started) > time.Minute {
		t.Errorf("the watch went on for %v after its output failed", rec.Finished.Sub(rec.Started))
	}
}

// TestInterruptedKeepsTheRecord: Ctrl-C ends the watch with what it saw,
// an event still going on marked open.
func TestInterruptedKeepsTheRecord(t *testing.T) {
	w := newWorld(1, false)
	ctx, cancel := context.WithCancel(context.Background())
	w.probe = func(w *world, at time.Duration, r Rung) Result {
		if at >= 40*time.Second {
			cancel()
		}
		if at >= 20*time.Second {
			return Result{Outcome: Lost, Bytes: 28}
		}
		return Result{Outcome: Answered, RTT: baseRTT(r), Bytes: 56}
	}
	rec, err := Run(ctx, w.config(time.Hour, &sink{}))
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Interrupted || rec.Watch.Ended != report.WatchEndedInterrupted {
		t.Fatalf("interrupted %v, ended %q", rec.Interrupted, rec.Watch.Ended)
	}
	if len(rec.Watch.Events) != 1 || !rec.Watch.Events[0].Open || rec.Watch.Events[0].Kind != report.WatchKindOutage {
		t.Fatalf("events %+v", rec.Watch.Events)
	}
}

// TestWiFiChannelAndSignal: a channel change on the same access point,
// and a signal that dips for two reads only (not a drop).
func TestWiFiChannelAndSignal(t *testing.T) {
	w := newWorld(1, false)
	w.state = func(at time.Duration) State {
		s := homeState()
		if at >= 30*time.Second {
			s.WiFi.Channel, s.WiFi.FreqMHz = 40, 5200
		}
		if between(at, 45, 47) {
			s.WiFi.SignalDBm = -85
		}
		return s
	}
	rec := run(t, w, 70*time.Second, nil)
	checkEvents(t, rec, []want{{report.WatchKindWiFiChannel, report.WhereHome, 29.5, 0}}, 1)
}

func TestHistogramQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h histogram
	var all []time.Duration
	for range 20000 {
		d := time.Duration(rng.ExpFloat64()*20e6) + time.Millisecond
		h.add(d)
		all = append(all, d)
	}
	exact := func(q float64) time.Duration {
		s := append([]time.Duration(nil), all...)
		sortDurations(s)
		return s[int(math.Ceil(q*float64(len(s))))-1]
	}
	for _, q := range []float64{0.5, 0.95, 0.99} {
		got, _ := h.quantile(q)
		want := exact(q)
		if rel := math.Abs(float64(got-want)) / float64(want); rel > 0.02 {
			t.Errorf("q%.2f: %v, exact %v (%.1f %%)", q, got, want, rel*100)
		}
	}
	if _, ok := (&histogram{}).quantile(0.5); ok {
		t.Error("an empty histogram has no quantile")
	}
}

func sortDurations(s []time.Duration) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestLocateLoss(t *testing.T) {
	for _, tc := range []struct {
		name   string
		counts map[Level]levelCount
		want   Level
	}{
		{"home", map[Level]levelCount{LevelHome: {100, 30}, LevelProvider: {100, 31}, LevelBeyond: {600, 180}}, LevelHome},
		{"provider", map[Level]levelCount{LevelHome: {100, 0}, LevelProvider: {100, 30}, LevelBeyond: {600, 180}}, LevelProvider},
		{"beyond", map[Level]levelCount{LevelHome: {100, 0}, LevelProvider: {100, 1}, LevelBeyond: {600, 200}}, LevelBeyond},
		// loss from the provider on, and the hop limiting its own answers on top
		{"provider with a limiting hop", map[Level]levelCount{LevelHome: {100, 0}, LevelProvider: {100, 40}, LevelBeyond: {600, 180}}, LevelProvider},
		// a router that limits its own answers: loss at the hop only
		{"limiting hop alone", map[Level]levelCount{LevelHome: {100, 0}, LevelProvider: {100, 40}, LevelBeyond: {600, 3}}, LevelUnknown},
		{"none", map[Level]levelCount{LevelHome: {100, 0}, LevelProvider: {100, 0}, LevelBeyond: {600, 1}}, LevelUnknown},
	} {
		if got := locateLoss(tc.counts, 0.01); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestBlipsAreNoEvents: the far rungs stall for half a second (four lost
// probes) and answer 300 ms late for a second afterwards, as when the
// watching computer itself is starved of CPU: no event.
func TestBlipsAreNoEvents(t *testing.T) {
	w := newWorld(9, false)
	w.probe = func(w *world, at time.Duration, r Rung) Result {
		if r.Role == RoleAnchor || r.Role == RoleFirstHop {
			switch {
			case between(at, 30, 30.5):
				return Result{Outcome: Lost, Bytes: 28}
			case between(at, 30.5, 31.7):
				return Result{Outcome: Answered, RTT: baseRTT(r) + 300*time.Millisecond, Bytes: 56}
			}
		}
		return Result{Outcome: Answered, RTT: baseRTT(r), Bytes: 56}
	}
	rec := run(t, w, 60*time.Second, nil)
	for _, ev := range rec.Watch.Events {
		t.Errorf("event for a blip: %s at %v: %s", ev.Kind, ev.Start.Sub(rec.Started), ev.Summary)
	}
}

// TestRiseAfterAGapStartsThere: right after the route comes back, the
// first answers are late for half a second; the rise starts when answers
// came back, not in the middle of the silence before, so it stays a blip.
func TestRiseAfterAGapStartsThere(t *testing.T) {
	w := newWorld(9, false)
	w.probe = func(w *world, at time.Duration, r Rung) Result {
		pastRouter := r.Role == RoleAnchor || r.Role == RoleFirstHop
		switch {
		case between(at, 30, 35) && pastRouter:
			return Result{Outcome: NoRoute}
		case between(at, 35, 35.6) && pastRouter:
			return Result{Outcome: Answered, RTT: baseRTT(r) + 120*time.Millisecond, Bytes: 56}
		}
		return Result{Outcome: Answered, RTT: baseRTT(r), Bytes: 56}
	}
	w.state = func(at time.Duration) State {
		s := homeState()
		if between(at, 30, 35) {
			s.HasDefault, s.Gateway, s.Interface = false, netip.Addr{}, ""
		}
		return s
	}
	rec := run(t, w, 60*time.Second, nil)
	checkEvents(t, rec, []want{{report.WatchKindRoute, report.WhereHome, 30, 5}}, 1)
}
