package checks

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// fakeCheck runs fn; its fields describe it to the runner.
type fakeCheck struct {
	id     string
	budget time.Duration
	needs  Needs
	fn     func(ctx context.Context, env *Env) Result
}

func (f *fakeCheck) ID() string            { return f.id }
func (f *fakeCheck) Title() string         { return "Fake " + f.id }
func (f *fakeCheck) Budget() time.Duration { return f.budget }
func (f *fakeCheck) Needs() Needs          { return f.needs }
func (f *fakeCheck) Run(ctx context.Context, env *Env) Result {
	return f.fn(ctx, env)
}

// gateCheck provides NeedInternet and is unmet when it fails.
type gateCheck struct{ fakeCheck }

func (g *gateCheck) Provides() Need { return NeedInternet }
func (g *gateCheck) Unmet(r Result) (string, bool) {
	return "offline (see " + g.id + ")", r.Status == report.Fail
}

func pass(context.Context, *Env) Result { return Result{Status: report.Pass, Summary: "fine"} }

func newFake(id string, fn func(ctx context.Context, env *Env) Result) *fakeCheck {
	return &fakeCheck{id: id, budget: 5 * time.Second, fn: fn}
}

// blockForever ignores its context, as a buggy check would.
func blockForever(release <-chan struct{}) func(context.Context, *Env) Result {
	return func(context.Context, *Env) Result {
		<-release
		return Result{Status: report.Pass}
	}
}

func byID(t *testing.T, out Outcome, id string) Result {
	t.Helper()
	for _, r := range out.Results {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no result for %q in %+v", id, out.Results)
	return Result{}
}

func TestRunnerRunsChecksConcurrently(t *testing.T) {
	// Each check waits until the other has started: a sequential runner
	// would never get past the first and both would hit their budget.
	var started sync.WaitGroup
	started.Add(2)
	meet := func(ctx context.Context, _ *Env) Result {
		started.Done()
		done := make(chan struct{})
		go func() { started.Wait(); close(done) }()
		select {
		case <-done:
			return Result{Status: report.Pass, Summary: "met"}
		case <-ctx.Done():
			return Result{Status: report.Fail, Summary: "never met"}
		}
	}
	a, b := newFake("a", meet), newFake("b", meet)
	a.budget, b.budget = 2*time.Second, 2*time.Second
	out := (&Runner{Timeout: 5 * time.Second}).Run(context.Background(), []Check{a, b})
	for _, r := range out.Results {
		if r.Status != report.Pass {
			t.Errorf("%s: %s %q, want pass", r.ID, r.Status, r.Summary)
		}
	}
}

func TestRunnerKeepsCheckOrderAndFillsIdentity(t *testing.T) {
	checks := []Check{newFake("zeta", pass), newFake("alpha", pass), newFake("mid", pass)}
	out := (&Runner{Timeout: time.Second}).Run(context.Background(), checks)
	var got []string
	for _, r := range out.Results {
		got = append(got, r.ID)
		if r.Title != "Fake "+r.ID {
			t.Errorf("%s: title %q", r.ID, r.Title)
		}
	}
	if strings.Join(got, ",") != "zeta,alpha,mid" {
		t.Errorf("order %v, want registry order", got)
	}
}

func TestRunnerTurnsPanicIntoError(t *testing.T) {
	boom := newFake("boom", func(context.Context, *Env) Result { panic("nil map write") })
	out := (&Runner{Timeout: time.Second}).Run(context.Background(), []Check{boom, newFake("ok", pass)})
	r := byID(t, out, "boom")
	if r.Status != report.Error || !strings.Contains(r.Summary, "crashed") {
		t.Fatalf("panic result = %s %q, want error 'crashed'", r.Status, r.Summary)
	}
	if len(r.Findings) == 0 || !strings.Contains(r.Findings[0].Message, "nil map write") || r.Findings[0].Fix == "" {
		t.Errorf("panic finding should name the panic and give a next step: %+v", r.Findings)
	}
	if byID(t, out, "ok").Status != report.Pass {
		t.Error("a panic in one check must not affect another")
	}
}

func TestRunnerStopsWaitingAtCheckBudget(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	slow := newFake("slow", blockForever(release))
	slow.budget = 50 * time.Millisecond
	start := time.Now()
	out := (&Runner{Timeout: 10 * time.Second}).Run(context.Background(), []Check{slow})
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("runner waited %s for a check with a 50ms budget", took)
	}
	r := byID(t, out, "slow")
	if r.Status != report.Error || !strings.Contains(r.Summary, "budget") {
		t.Errorf("overrun = %s %q, want error naming the budget", r.Status, r.Summary)
	}
}

func TestRunnerOverallDeadline(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	stuck := newFake("stuck", blockForever(release))
	stuck.budget = time.Hour
	queued := newFake("queued", pass)
	queued.needs.LoadsNetwork = true // never gets its turn
	start := time.Now()
	out := (&Runner{Timeout: 100 * time.Millisecond}).Run(context.Background(), []Check{stuck, queued, newFake("quick", pass)})
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("run took %s past a 100ms deadline", took)
	}
	if out.Interrupted {
		t.Error("a deadline is not an interrupt")
	}
	for _, id := range []string{"stuck", "queued"} {
		r := byID(t, out, id)
		if r.Status != report.Error || !strings.Contains(r.Summary, "did not finish within") {
			t.Errorf("%s = %s %q, want error 'did not finish within'", id, r.Status, r.Summary)
		}
		if len(r.Findings) == 0 || !strings.Contains(r.Findings[0].Fix, "--timeout") {
			t.Errorf("%s: the fix should name --timeout: %+v", id, r.Findings)
		}
	}
	if byID(t, out, "quick").Status != report.Pass {
		t.Error("finished checks keep their result after the deadline")
	}
}

func TestRunnerInterrupt(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	running := make(chan struct{})
	stuck := newFake("stuck", func(ctx context.Context, env *Env) Result {
		close(running)
		<-release
		return Result{Status: report.Pass}
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-running; cancel() }()
	out := (&Runner{Timeout: time.Minute}).Run(ctx, []Check{stuck, newFake("quick", pass)})
	if !out.Interrupted {
		t.Fatal("Interrupted = false after cancel")
	}
	if r := byID(t, out, "stuck"); r.Status != report.Error || !strings.Contains(r.Summary, "interrupted") {
		t.Errorf("stuck = %s %q", r.Status, r.Summary)
	}
}

func TestRunnerExclusivePhaseRunsAlone(t *testing.T) {
	var running, maxDuringExclusive atomic.Int32
	var concurrentDone atomic.Int32
	track := func(exclusive bool) func(context.Context, *Env) Result {
		return func(context.Context, *Env) Result {
			n := running.Add(1)
			defer running.Add(-1)
			if exclusive {
				if n > maxDuringExclusive.Load() {
					maxDuringExclusive.Store(n)
				}
				if concurrentDone.Load() != 3 {
					return Result{Status: report.Fail, Summary: "ran before the concurrent phase ended"}
				}
			} else {
				time.Sleep(10 * time.Millisecond) // overlap the concurrent checks
				defer concurrentDone.Add(1)
			}
			return Result{Status: report.Pass}
		}
	}
	var list []Check
	for _, id := range []string{"x1", "x2"} {
		c := newFake(id, track(true))
		c.needs.LoadsNetwork = true
		list = append(list, c)
	}
	for _, id := range []string{"c1", "c2", "c3"} {
		list = append(list, newFake(id, track(false)))
	}
	out := (&Runner{Timeout: 5 * time.Second}).Run(context.Background(), list)
	for _, r := range out.Results {
		if r.Status != report.Pass {
			t.Errorf("%s: %s %q", r.ID, r.Status, r.Summary)
		}
	}
	if got := maxDuringExclusive.Load(); got != 1 {
		t.Errorf("%d checks ran during an exclusive check, want 1", got)
	}
}

func TestRunnerSkipsDependantsWhenOffline(t *testing.T) {
	for _, tc := range []struct {
		gate report.Status
		want report.Status
	}{{report.Fail, report.Skipped}, {report.Pass, report.Pass}, {report.Warn, report.Pass}, {report.Error, report.Pass}} {
		gate := &gateCheck{*newFake("network", func(context.Context, *Env) Result { return Result{Status: tc.gate} })}
		dep := newFake("dns", pass)
		dep.needs.Requires = []Need{NeedInternet}
		excl := newFake("bandwidth", pass)
		excl.needs = Needs{Requires: []Need{NeedInternet}, LoadsNetwork: true}
		local := newFake("camera", pass)
		out := (&Runner{Timeout: 5 * time.Second}).Run(context.Background(), []Check{dep, gate, excl, local})
		for _, id := range []string{"dns", "bandwidth"} {
			r := byID(t, out, id)
			if r.Status != tc.want {
				t.Errorf("gate %s: %s = %s, want %s", tc.gate, id, r.Status, tc.want)
			}
			if tc.want == report.Skipped && r.Summary != "offline (see network)" {
				t.Errorf("skip reason %q", r.Summary)
			}
		}
		if byID(t, out, "camera").Status != report.Pass {
			t.Error("a check that does not need the internet must run offline")
		}
	}
}

func TestRunnerRunsDependantWithoutProvider(t *testing.T) {
	dep := newFake("dns", pass)
	dep.needs.Requires = []Need{NeedInternet}
	out := (&Runner{Timeout: time.Second}).Run(context.Background(), []Check{dep})
	if out.Results[0].Status != report.Pass {
		t.Errorf("with --only dns the check must run: %+v", out.Results[0])
	}
}

func TestRunnerRejectsMissingVerdict(t *testing.T) {
	c := newFake("blank", func(context.Context, *Env) Result { return Result{Summary: "forgot status"} })
	out := (&Runner{Timeout: time.Second}).Run(context.Background(), []Check{c})
	if out.Results[0].Status != report.Error {
		t.Errorf("status %q, want error", out.Results[0].Status)
	}
}

type recordingObserver struct {
	mu       sync.Mutex
	events   []string
	progress []string
}

func (o *recordingObserver) add(s string)    { o.mu.Lock(); o.events = append(o.events, s); o.mu.Unlock() }
func (o *recordingObserver) Started(c Check) { o.add("start " + c.ID()) }
func (o *recordingObserver) Progress(c Check, msg string) {
	o.mu.Lock()
	o.progress = append(o.progress, c.ID()+": "+msg)
	o.mu.Unlock()
}
func (o *recordingObserver) Finished(c Check, r Result) {
	o.add("finish " + c.ID() + " " + string(r.Status))
}

func TestRunnerReportsEventsAndDropsLateProgress(t *testing.T) {
	lateEnv := make(chan *Env, 1)
	c := newFake("live", func(_ context.Context, env *Env) Result {
		env.Progress("43 Mbit/s")
		lateEnv <- env
		return Result{Status: report.Warn}
	})
	obs := &recordingObserver{}
	(&Runner{Timeout: time.Second, Observer: obs}).Run(context.Background(), []Check{c})
	(<-lateEnv).Progress("after the end")
	if got := strings.Join(obs.events, "|"); got != "start live|finish live warn" {
		t.Errorf("events %q", got)
	}
	if got := strings.Join(obs.progress, "|"); got != "live: 43 Mbit/s" {
		t.Errorf("progress %q, want only the message sent while running", got)
	}
}

func TestRunnerPrefixesLogsWithCheckID(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	env := Env{Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, strings.TrimSpace(sprintf(f, a...)))
	}}
	c := newFake("dns", func(_ context.Context, env *Env) Result {
		env.Debugf("asked %d servers", 2)
		return Result{Status: report.Pass}
	})
	(&Runner{Env: env, Timeout: time.Second}).Run(context.Background(), []Check{c})
	if len(lines) != 1 || lines[0] != "dns: asked 2 servers" {
		t.Errorf("log lines %q", lines)
	}
}

// TestRunnerGatesOnPulledInProvider: a check chosen alone ends as it does
// in a full run (skipped with the provider's reason), and the provider's
// result says why it ran although nobody asked for it.
func TestRunnerGatesOnPulledInProvider(t *testing.T) {
	offline := &gateCheck{fakeCheck{id: "network", budget: time.Second, fn: func(context.Context, *Env) Result {
		return Result{Status: report.Fail, Summary: "offline"}
	}}}
	ran := false
	bw := newFake("bandwidth", func(context.Context, *Env) Result {
		ran = true
		return Result{Status: report.Error, Summary: "a firewall may block speed tests: ask IT"}
	})
	bw.needs = Needs{Requires: []Need{NeedInternet}, LoadsNetwork: true}
	reg := NewRegistry(offline, bw)
	list, err := reg.Select([]string{"bandwidth"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := (&Runner{Timeout: 5 * time.Second}).Run(context.Background(), list)
	if len(out.Results) != 2 {
		t.Fatalf("results %+v", out.Results)
	}
	got := byID(t, out, "bandwidth")
	if ran || got.Status != report.Skipped || got.Summary != "offline (see network)" {
		t.Errorf("bandwidth alone offline: ran %v, %+v", ran, got)
	}
	net := byID(t, out, "network")
	if net.Status != report.Fail || len(net.Findings) != 1 || net.Findings[0].Severity != report.Pass ||
		!strings.Contains(net.Findings[0].Message, "bandwidth needs it") {
		t.Errorf("network result does not say why it ran: %+v", net)
	}
}

// TestRunnerNamesTheLimitAsSet: the run started a little after the user's
// clock did (host facts, the profile), so its remaining time is a little
// under --timeout; the message names the limit the user set, not "1.9 s".
func TestRunnerNamesTheLimitAsSet(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	hang := newFake("hang", blockForever(release))
	hang.budget = time.Minute
	out := (&Runner{Timeout: 150 * time.Millisecond, Limit: 2 * time.Second}).Run(context.Background(), []Check{hang})
	if got := byID(t, out, "hang"); got.Summary != "did not finish within 2 s (the overall time limit)" {
		t.Errorf("summary %q", got.Summary)
	}
}
