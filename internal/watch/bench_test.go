package watch

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// memSink samples the heap while the watch runs.
type memSink struct {
	ticks  int
	peak   uint64
	events int
}

func (m *memSink) Event(report.WatchEvent) error { m.events++; return nil }

func (m *memSink) Update(Status) {
	m.ticks++
	if m.ticks%600 == 0 { // every ten simulated minutes: ReadMemStats stops the world
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m.peak = max(m.peak, ms.HeapInuse)
	}
}

// BenchmarkEightHours simulates an 8-hour watch at one tick a second with
// a VPN (the plan's 4 anchor probes a tick, about 8 probes a second) on a
// fake clock and a fake network that drops every 20 minutes and loses a
// little all along, and reports the heap in use at its largest (sampled
// every ten simulated minutes, after a collection) and with the finished
// record:
//
//	go test -run '^$' -bench EightHours -benchtime 1x ./internal/watch/
func BenchmarkEightHours(b *testing.B) {
	for b.Loop() {
		w := newWorld(1, true)
		w.probe = func(w *world, at time.Duration, r Rung) Result {
			m := at % (20 * time.Minute)
			switch {
			case m >= 10*time.Minute && m < 10*time.Minute+30*time.Second: // an outage beyond the router
				if r.Role != RoleGateway && r.Role != RoleDNSLookup {
					return Result{Outcome: Lost, Bytes: 28}
				}
			case w.chance(0.002):
				return Result{Outcome: Lost, Bytes: 28}
			}
			return Result{Outcome: Answered, RTT: baseRTT(r) + time.Duration(w.rng.IntN(3000))*time.Microsecond, Bytes: 56}
		}
		ms := &memSink{}
		cfg := w.config(8*time.Hour, nil)
		cfg.Sink, cfg.ExpectVPN = ms, true
		start := time.Now()
		rec, err := Run(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		for _, ev := range rec.Watch.Events {
			if ev.Kind != report.WatchKindOutage {
				b.Logf("%s at %v: %s", ev.Kind, ev.Start.Sub(rec.Started), ev.Summary)
			}
		}
		b.ReportMetric(float64(ms.peak)/1e6, "peak-heap-MB")
		b.ReportMetric(float64(after.HeapInuse)/1e6, "final-heap-MB")
		b.ReportMetric(float64(after.Sys)/1e6, "go-sys-MB")
		b.ReportMetric(took.Seconds(), "s/8h")
		b.Logf("8 h simulated in %v: %d probes, %d events (%v), %d minutes, %.1f MB of data; heap in use at most %.1f MB, at the end %.1f MB",
			took.Round(time.Millisecond), w.probes, ms.events, rec.Watch.Counts, len(rec.Watch.Minutes), float64(rec.Watch.DataUsedBytes)/1e6,
			float64(ms.peak)/1e6, float64(after.HeapInuse)/1e6)
	}
}
