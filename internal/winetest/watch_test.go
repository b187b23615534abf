package winetest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/winetest"
	"github.com/wfh-cli/wfh/report"
)

// watchLine is what the test reads of a JSON line of wfh watch
// (docs/watch-events.schema.json).
type watchLine struct {
	Type            string  `json:"type"`
	Kind            string  `json:"kind"`
	Where           string  `json:"where"`
	DurationSeconds float64 `json:"duration_seconds"`
	Summary         string  `json:"summary"`
	Ended           string  `json:"ended"`
	Overall         string  `json:"overall"`
}

// watchRun is one wfh.exe watch under Wine: its lines, its report and
// what it printed.
type watchRun struct {
	r     winetest.Result
	lines []watchLine
	rep   report.Report
	raw   []byte // the report file
}

// watchExe runs wfh.exe watch in the lab's home for forDur, one tick a
// second, with the lab's profile, the report as JSON in a file and the
// events as JSON lines on standard output (a file under winetest, so not
// a terminal). during, when not nil, runs beside it until it returns or
// wfh.exe has ended (its context is then done); watchExe waits for it.
func watchExe(t *testing.T, w *winLab, forDur time.Duration, during func(context.Context)) watchRun {
	t.Helper()
	out := filepath.Join(t.TempDir(), "watch.json")
	// The bound: the watch itself, Wine's start-up (2–5 s, more on a
	// busy machine) and the report's writing, with room for a loaded CI
	// machine; a watch that overruns it is a hang, the failure this
	// bound exists to catch.
	ctx, cancel := context.WithTimeout(context.Background(), forDur+70*time.Second)
	defer cancel()
	duringCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if during != nil {
			during(duringCtx)
		}
	}()
	r, err := w.prefix.Run(ctx, []string{"NO_COLOR=1"}, winetest.WfhExe(t), "watch", "--for", forDur.String(), "--every", "1s",
		"--profile", w.profile(), "--no-redact", "--output", winetest.WinPath(out))
	stop()
	<-done
	if err != nil {
		t.Fatalf("wfh.exe watch: %v\nstdout: %s\nstderr: %s", err, r.Stdout, r.Stderr)
	}
	t.Logf("wfh.exe watch --for %v: exit %d in %v", forDur, r.Code, r.Took.Round(time.Millisecond))
	if len(r.Stderr) > 0 {
		t.Logf("stderr:\n%s", r.Stderr)
	}
	run := watchRun{r: r}
	if m := stackTrace.Find(append(r.Stdout, r.Stderr...)); m != nil {
		t.Errorf("a stack trace (%q):\nstdout: %s\nstderr: %s", m, r.Stdout, r.Stderr)
	}
	sc := bufio.NewScanner(bytes.NewReader(r.Stdout))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l watchLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Errorf("a line of standard output is not JSON (%v): %s", err, sc.Bytes())
			continue
		}
		run.lines = append(run.lines, l)
	}
	if len(run.lines) == 0 || run.lines[len(run.lines)-1].Type != "summary" {
		t.Errorf("standard output does not end with a summary line:\n%s", r.Stdout)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no report written (exit %d): %v\nstderr: %s", r.Code, err, r.Stderr)
	}
	run.raw = raw
	rep, err := report.ReadJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the report does not read: %v\n%s", err, raw)
	}
	run.rep = rep
	if rep.Watch == nil {
		t.Fatalf("the report has no watch section:\n%s", raw)
	}
	for what, b := range map[string][]byte{"standard output": r.Stdout, "standard error": r.Stderr, "the report": raw} {
		if m := rawPlatformText.Find(b); m != nil {
			t.Errorf("raw platform text %q in %s:\n%s", m, what, b)
		}
	}
	return run
}

// The summary line, for the log.
func (run watchRun) summary() string {
	lines := bytes.Split(bytes.TrimSpace(run.r.Stdout), []byte("\n"))
	return string(lines[len(lines)-1])
}

// events are the report's events of kind.
func (run watchRun) events(kind string) []report.WatchEvent {
	var out []report.WatchEvent
	for _, e := range run.rep.Watch.Events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// rung is the report's rung of role at addr.
func (run watchRun) rung(role, addr string) (report.WatchRung, bool) {
	for _, r := range run.rep.Watch.Rungs {
		if r.Role == role && r.Address == addr {
			return r, true
		}
	}
	return report.WatchRung{}, false
}

// answered says whether a rung was probed and answered at least once.
func answered(r report.WatchRung) bool { return r.Sent > 0 && r.Lost < r.Sent && r.P50Ms != nil }

// `wfh watch` as the Windows binary, under Wine, in the home of the lab:
// a quiet watch, then one during which the home link drops everything
// for 5 s. What Wine cannot show is in docs/testing.md ("What Wine shows
// differently from Windows") and docs/watch.md ("On each system").
func TestWfhExeWatch(t *testing.T) {
	w := newWinLab(t)

	t.Run("quiet", func(t *testing.T) {
		run := watchExe(t, w, 20*time.Second, nil)
		t.Logf("summary: %s", run.summary())
		if run.r.Code != 0 {
			t.Errorf("exit code %d, want 0 (watched to the end, nothing at the fail level; docs/exit-codes.md)\nstderr: %s", run.r.Code, run.r.Stderr)
		}
		wt := run.rep.Watch
		if run.rep.Host.OS != "windows" || wt.Ended != report.WatchEndedTimeUp || wt.Method != "icmp_raw" {
			t.Errorf("host %q, ended %q, method %q; want windows, time_up, icmp_raw (raw ICMP sockets, as on Windows)", run.rep.Host.OS, wt.Ended, wt.Method)
		}
		// The default path, from Windows' adapters and route table.
		t.Logf("connection: %s", wt.Connection)
		if !strings.Contains(wt.Connection, netlab.TopoGatewayIPv4) {
			t.Errorf("the connection %q does not name the router %s", wt.Connection, netlab.TopoGatewayIPv4)
		}
		// The router, from the Windows route table (GetIpForwardTable2),
		// watched at home and answering.
		if r, ok := run.rung("gateway", netlab.TopoGatewayIPv4); !ok || r.Where != report.WhereHome || !answered(r) {
			t.Errorf("the router rung %+v (found %v), want %s at home with answers; rungs: %+v", r, ok, netlab.TopoGatewayIPv4, wt.Rungs)
		}
		for _, a := range []string{netlab.TopoServerIPv4, secondAnchor} {
			if r, ok := run.rung("anchor", a); !ok || !answered(r) {
				t.Errorf("the internet site %s: %+v (found %v)", a, r, ok)
			}
		}
		// The DNS server home is configured with (Wine gives resolv.conf's
		// to every adapter), looked up directly: over TCP under Wine,
		// which cannot open a UDP socket for Go (docs/testing.md).
		if r, ok := run.rung("dns_lookup", netlab.TopoISPIPv4); !ok || !answered(r) || r.Lost != 0 {
			t.Errorf("the DNS lookup at %s: %+v (found %v), want every lookup answered", netlab.TopoISPIPv4, r, ok)
		}
		if !slices.ContainsFunc(wt.Notes, func(n string) bool { return strings.Contains(n, "DNS lookups are sent over TCP") }) {
			t.Errorf("no note that the lookups went over TCP: %q", wt.Notes)
		}
		// A busy machine may show a latency spike (Wine's ICMP goes through
		// its wineserver); nothing may read as a drop.
		for _, kind := range []string{report.WatchKindOutage, report.WatchKindDNS, report.WatchKindRoute, report.WatchKindLoss} {
			for _, e := range run.events(kind) {
				t.Errorf("a %s event during a quiet watch: %s", kind, e.Summary)
			}
		}
		for _, l := range run.lines[:max(len(run.lines)-1, 0)] {
			if l.Type != "event" {
				t.Errorf("a line of type %q before the summary", l.Type)
			}
		}
	})

	t.Run("home link drops", func(t *testing.T) {
		const (
			warmUp = 10 * time.Second // baselines: ten answers of the one-a-second rungs
			fault  = 5 * time.Second
			// margin bounds the event's start and duration against the
			// fault's: the outage is known after 2 s of silence and dated
			// from its first lost probe, and a busy machine delays Wine's
			// probes and the stage's packets by up to a second or so.
			margin = 2500 * time.Millisecond
		)
		up := w.tp.HomeLink.Up // what home sends to the router
		t.Cleanup(func() { up.Set(netlab.Impairment{}) })
		var began, ended time.Time
		run := watchExe(t, w, 40*time.Second, func(ctx context.Context) {
			// The watch is running once its probes cross the home link;
			// Wine's start-up takes 2 to 10 s, so the fault is timed
			// from there, not from the start of wine.
			base := up.Stats().Packets
			for up.Stats().Packets < base+10 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(warmUp):
			}
			up.Set(netlab.Impairment{Loss: 1})
			began = time.Now()
			select {
			case <-ctx.Done():
			case <-time.After(fault):
			}
			up.Set(netlab.Impairment{})
			ended = time.Now()
		})
		t.Logf("summary: %s", run.summary())
		if began.IsZero() || ended.IsZero() {
			t.Fatalf("the fault did not run within the watch (began %v, ended %v)", began, ended)
		}
		if run.r.Code != 1 {
			t.Errorf("exit code %d, want 1 (an outage is at the fail level; docs/exit-codes.md)\nstderr: %s", run.r.Code, run.r.Stderr)
		}
		outages := run.events(report.WatchKindOutage)
		if len(outages) != 1 {
			t.Fatalf("%d outages, want 1: %+v", len(outages), run.rep.Watch.Events)
		}
		o := outages[0]
		truth := ended.Sub(began)
		t.Logf("outage: %s (start %+.2fs from the fault's, %.2f s for %.2f s)", o.Summary,
			o.Start.Sub(began).Seconds(), o.DurationSeconds, truth.Seconds())
		if o.Where != report.WhereHome {
			t.Errorf("the outage is located %q, want home: %s", o.Where, o.Summary)
		}
		if d := o.Start.Sub(began); d < -margin || d > margin {
			t.Errorf("the outage starts %v from the fault's start, want within %v", d, margin)
		}
		if d := time.Duration(o.DurationSeconds*float64(time.Second)) - truth; d < -margin || d > margin {
			t.Errorf("the outage lasted %.2f s, the fault %.2f s: want within %v", o.DurationSeconds, truth.Seconds(), margin)
		}
		if o.Open {
			t.Errorf("the outage is still open at the end: %+v", o)
		}
		// The outage is the one drop: the lookups that failed inside it
		// are part of it, not a DNS failure of their own.
		for _, kind := range []string{report.WatchKindDNS, report.WatchKindRoute} {
			for _, e := range run.events(kind) {
				t.Errorf("a %s event beside the outage: %s", kind, e.Summary)
			}
		}
		if !slices.ContainsFunc(run.lines, func(l watchLine) bool {
			return l.Type == "event" && l.Kind == report.WatchKindOutage && l.Where == report.WhereHome
		}) {
			t.Errorf("no outage line on standard output:\n%s", run.r.Stdout)
		}
	})
}
