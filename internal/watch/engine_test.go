package watch

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// want is one event a scenario expects: its kind, where it starts, and
// when (seconds after the watch's start).
type want struct {
	kind       string
	where      string
	start, dur float64
}

// scheduled is the lab's schedule, played by the fake world.
func scheduled(w *world, at time.Duration, r Rung) Result {
	ok := func(extra time.Duration) Result {
		return Result{Outcome: Answered, RTT: baseRTT(r) + extra, Bytes: w.Cost(r)}
	}
	lost := Result{Outcome: Lost, Bytes: w.Cost(r) / 2}
	pastRouter := r.Role == RoleFirstHop || r.Role == RoleAnchor || r.Role == RoleVPN
	switch {
	case between(at, 15, 20) && r.Role != RoleDNSServer: // the home link loses everything
		return lost
	case between(at, 62, 67) && pastRouter: // no default route
		return Result{Outcome: NoRoute}
	case between(at, 74, 79) && r.Role == RoleDNSLookup: // the DNS server stops answering
		return lost
	case between(at, 74, 84) && r.Role == RoleVPN: // the VPN's far end stops
		return lost
	case between(at, 45, 55) && (r.Role == RoleAnchor || r.Role == RoleVPN): // 20 % loss each way beyond
		if w.chance(0.36) {
			return lost
		}
	case between(at, 28, 38) && pastRouter: // the provider's link adds 150 ms
		return ok(150 * time.Millisecond)
	}
	return ok(time.Duration(w.rng.IntN(2000)) * time.Microsecond)
}

func scheduledState(at time.Duration) State {
	s := homeState()
	if between(at, 62, 67) {
		s.HasDefault, s.Gateway, s.Interface = false, netip.Addr{}, ""
	}
	if at >= 92*time.Second {
		s.WiFi.BSSID, s.WiFi.Channel, s.WiFi.FreqMHz = "aa:bb:cc:dd:ee:02", 149, 5745
	}
	if between(at, 98, 108) {
		s.WiFi.SignalDBm = -80
	}
	return s
}

func TestScheduledFaults(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			w := newWorld(seed, true)
			w.probe = scheduled
			w.state = scheduledState
			out := &sink{}
			cfg := w.config(118*time.Second, out)
			cfg.ExpectVPN = true
			rec, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkEvents(t, rec, []want{
				{report.WatchKindOutage, report.WhereHome, 15, 5},
				{report.WatchKindLatency, report.WhereProvider, 28, 10},
				{report.WatchKindLoss, report.WhereBeyond, 45, 10},
				{report.WatchKindRoute, report.WhereHome, 62, 5},
				{report.WatchKindDNS, report.WhereHome, 74, 5},
				{report.WatchKindVPN, report.WhereBeyond, 74, 10},
				{report.WatchKindWiFiRoam, report.WhereHome, 91.5, 0},
				{report.WatchKindWiFiSignal, report.WhereHome, 97.5, 10},
			}, 1.0)
			if len(out.events) != len(rec.Watch.Events) {
				t.Errorf("the sink got %d events, the report has %d", len(out.events), len(rec.Watch.Events))
			}
			if rec.Result.Status != report.Fail {
				t.Errorf("verdict %s, want fail", rec.Result.Status)
			}
			t.Logf("summary: %s", rec.Result.Summary)
		})
	}
}

// checkEvents asserts that the watch found exactly the wanted events,
// each starting and lasting within tol seconds of the schedule.
func checkEvents(t *testing.T, rec *Record, wants []want, tol float64) {
	t.Helper()
	start := rec.Started
	var table strings.Builder
	for _, ev := range rec.Watch.Events {
		fmt.Fprintf(&table, "  %-12s %-9s start %6.2f  dur %6.2f  %s\n", ev.Kind, ev.Where, ev.Start.Sub(start).Seconds(), ev.DurationSeconds, ev.Summary)
	}
	used := make([]bool, len(rec.Watch.Events))
	for _, wt := range wants {
		found := false
		for i, ev := range rec.Watch.Events {
			if used[i] || ev.Kind != wt.kind {
				continue
			}
			s := ev.Start.Sub(start).Seconds()
			if math.Abs(s-wt.start) > tol+0.001 {
				continue
			}
			used[i], found = true, true
			if ev.Where != wt.where {
				t.Errorf("%s at %.1f s: where %q, want %q", wt.kind, wt.start, ev.Where, wt.where)
			}
			if math.Abs(ev.DurationSeconds-wt.dur) > tol+0.001 {
				t.Errorf("%s at %.1f s: lasted %.2f s, want %.1f ± %.1f", wt.kind, wt.start, ev.DurationSeconds, wt.dur, tol)
			}
			break
		}
		if !found {
			t.Errorf("no %s event near %.1f s", wt.kind, wt.start)
		}
	}
	for i, ev := range rec.Watch.Events {
		if !used[i] {
			t.Errorf("unexpected event: %s at %.2f s (%s)", ev.Kind, ev.Start.Sub(start).Seconds(), ev.Summary)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("events:\n%s", table.String())
	}
}
