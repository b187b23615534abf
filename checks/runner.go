package checks

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/report"
)

// Observer receives live events from the runner; the progress display
// implements it. Calls may come from several goroutines at once.
type Observer interface {
	Started(c Check)
	Progress(c Check, msg string)
	Finished(c Check, r Result)
}

// Runner executes checks concurrently, each under its own budget and all
// under one overall deadline, then the network-loading checks one at a time.
type Runner struct {
	// Env is copied for each check; the runner binds OnProgress and Logf.
	// When Env.Net is nil, the runner reads the network state of
	// Env.NetConfig for the run.
	Env Env
	// Timeout is the overall deadline of the run.
	Timeout time.Duration
	// Limit is the overall time limit as the user set it (--timeout), named
	// in the result of a check still running at the deadline; the time
	// spent before the runner started comes out of Timeout, and a user who
	// set 2 s must not read 1.7 s. Zero means Timeout.
	Limit time.Duration
	// Observer, when set, receives events as they happen.
	Observer Observer
	// Clock measures durations; nil means time.Now.
	Clock func() time.Time
}

// Outcome is what a run produced.
type Outcome struct {
	// Results are in the order of the checks passed to Run, one per check,
	// whether it finished or not.
	Results []Result
	// Interrupted is true when the parent context was cancelled (Ctrl-C)
	// rather than the overall deadline passing.
	Interrupted bool
	// Net is the network state the checks shared.
	Net *netstate.State
}

type slot struct {
	check    Check
	result   Result
	done     bool
	started  time.Time     // zero until the check starts; guarded by run.mu
	finished chan struct{} // closed when result is recorded
}

type run struct {
	r        *Runner
	env      Env // r.Env with the run's network state
	overall  context.Context
	parent   context.Context
	mu       sync.Mutex
	slots    []*slot
	provider map[Need]*slot
}

// Run executes checks and returns when all have finished or the overall
// deadline or parent context ends, whichever comes first. It never waits for a
// check past that check's deadline.
func (r *Runner) Run(parent context.Context, checks []Check) Outcome {
	overall, cancel := context.WithTimeout(parent, r.Timeout)
	defer cancel()
	st := &run{r: r, env: r.Env, overall: overall, parent: parent, provider: map[Need]*slot{}}
	// The network state is read from now on, concurrently with the
	// checks; each waits only for the parts it reads.
	if st.env.Net == nil {
		st.env.Net = netstate.New(st.env.NetConfig())
	}
	st.env.Net.Start(overall)
	for _, c := range checks {
		s := &slot{check: c, finished: make(chan struct{})}
		st.slots = append(st.slots, s)
		if p, ok := c.(Provider); ok {
			st.provider[p.Provides()] = s
		}
	}

	var wg sync.WaitGroup
	for _, s := range st.slots {
		if s.check.Needs().LoadsNetwork {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.runGated(s)
		}()
	}
	waitOrDone(overall, &wg)
	// Exclusive phase: one at a time, after everything else, so a bandwidth
	// test never inflates another check's latency figures.
	for _, s := range st.slots {
		if !s.check.Needs().LoadsNetwork {
			continue
		}
		if overall.Err() != nil {
			break
		}
		st.runGated(s)
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	out := Outcome{Interrupted: parent.Err() != nil, Net: st.env.Net}
	for _, s := range st.slots {
		if !s.done {
			s.result = st.unfinished(s.check)
			s.result.ID, s.result.Title = s.check.ID(), s.check.Title()
			s.result.Findings = pulledInNote(s.check, s.result.Findings)
			if !s.started.IsZero() {
				s.result.DurationSeconds = st.now().Sub(s.started).Seconds()
			}
			s.done = true
			if r.Observer != nil {
				r.Observer.Finished(s.check, s.result)
			}
		}
		out.Results = append(out.Results, s.result)
	}
	return out
}

// waitOrDone waits for wg or ctx, whichever ends first.
func waitOrDone(ctx context.Context, wg *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// limit is the overall time limit to name in messages.
func (r *Runner) limit() time.Duration {
	if r.Limit > 0 {
		return r.Limit
	}
	return r.Timeout
}

func (st *run) now() time.Time {
	if st.r.Clock != nil {
		return st.r.Clock()
	}
	return time.Now()
}

// runGated waits for the providers of s's needs, then runs s or records a skip.
func (st *run) runGated(s *slot) {
	for _, need := range s.check.Needs().Requires {
		p, ok := st.provider[need]
		// A provider in the exclusive phase runs after the concurrent one,
		// so only an exclusive dependant may wait for it.
		if !ok || p == s || (p.check.Needs().LoadsNetwork && !s.check.Needs().LoadsNetwork) {
			continue
		}
		select {
		case <-p.finished:
		case <-st.overall.Done():
			return // recorded as unfinished by Run
		}
		st.mu.Lock()
		pr := p.result
		st.mu.Unlock()
		if reason, unmet := p.check.(Provider).Unmet(pr); unmet {
			st.record(s, Result{Status: report.Skipped, Summary: reason}, 0)
			return
		}
	}
	st.runOne(s)
}

func (st *run) runOne(s *slot) {
	c := s.check
	budget := c.Budget()
	ctx, cancel := context.WithTimeout(st.overall, budget)
	defer cancel()

	var finished atomic.Bool
	env := st.env
	if st.r.Observer != nil {
		env.OnProgress = func(msg string) {
			if !finished.Load() {
				st.r.Observer.Progress(c, msg)
			}
		}
		st.r.Observer.Started(c)
	} else {
		env.OnProgress = nil
	}
	if logf := st.env.Logf; logf != nil {
		env.Logf = func(format string, args ...any) {
			logf("%s: %s", c.ID(), fmt.Sprintf(format, args...))
		}
	}

	start := st.now()
	st.mu.Lock()
	s.started = start
	st.mu.Unlock()
	resultCh := make(chan Result, 1) // buffered: a late check must not block forever
	go func() {
		defer func() {
			if v := recover(); v != nil {
				env.Debugf("panic: %v\n%s", v, debug.Stack())
				resultCh <- crashed(v)
			}
		}()
		resultCh <- c.Run(ctx, &env)
	}()

	select {
	case res := <-resultCh:
		finished.Store(true)
		if !res.Status.Valid() {
			res = Result{Status: report.Error, Summary: "the check returned no verdict (a bug in wfh)",
				Findings: []Finding{bugFinding("check returned status " + fmt.Sprintf("%q", res.Status))}}
		}
		st.record(s, res, st.now().Sub(start))
	case <-ctx.Done():
		finished.Store(true)
		st.record(s, st.deadlineResult(c), st.now().Sub(start))
	}
}

// pulledInNote adds, to the result of a check that was brought in for
// others (Registry.Select), a note saying so: a user who asked for
// bandwidth alone must see why network is in the report.
func pulledInNote(c Check, findings []Finding) []Finding {
	by := PulledInBy(c)
	if by == nil {
		return findings
	}
	p, _ := c.(Provider)
	msg := fmt.Sprintf("Run because %s %s it", joinAnd(by), map[bool]string{true: "needs", false: "need"}[len(by) == 1])
	if p != nil && p.Provides() == NeedInternet {
		msg += ", to know whether this computer is online"
	}
	return append(slices.Clone(findings), Finding{Severity: report.Pass, Message: msg + "."})
}

// joinAnd is "a", "a and b", "a, b and c".
func joinAnd(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// Finding is the report's finding type, re-exported for check packages.
type Finding = report.Finding

func bugFinding(detail string) Finding {
	return Finding{Severity: report.Error, Message: "Internal error: " + detail,
		Fix: "This is a bug in wfh, not a problem with your computer: please send this report to your IT support or the wfh project."}
}

func crashed(v any) Result {
	return Result{Status: report.Error, Summary: "the check crashed before it finished (a bug in wfh)",
		Findings: []Finding{bugFinding(fmt.Sprint(v))}}
}

// deadlineResult explains why a check's context ended before it answered.
func (st *run) deadlineResult(c Check) Result {
	switch {
	case st.parent.Err() != nil:
		return interrupted()
	case st.overall.Err() != nil:
		return st.unfinished(c)
	default:
		return Result{Status: report.Error,
			Summary: fmt.Sprintf("did not finish within its %s budget", human(c.Budget())),
			Findings: []Finding{{Severity: report.Error,
				Message: fmt.Sprintf("The %s check took longer than its %s budget and was stopped.", c.ID(), human(c.Budget())),
				Fix:     "Run wfh doctor again; if this repeats, send the report to IT support."}}}
	}
}

func interrupted() Result {
	return Result{Status: report.Error, Summary: "stopped: the run was interrupted before this check finished"}
}

// unfinished describes a check that was still running (or waiting) when the
// overall deadline or an interrupt ended the run.
func (st *run) unfinished(c Check) Result {
	if st.parent.Err() != nil {
		return interrupted()
	}
	if errors.Is(st.overall.Err(), context.DeadlineExceeded) {
		return Result{Status: report.Error,
			Summary: fmt.Sprintf("did not finish within %s (the overall time limit)", human(st.r.limit())),
			Findings: []Finding{{Severity: report.Error,
				Message: fmt.Sprintf("The run reached its overall time limit of %s before %s finished.", human(st.r.limit()), c.ID()),
				Fix:     "Run again with a longer limit, for example: wfh doctor --timeout 2m"}}}
	}
	return Result{Status: report.Error, Summary: "did not run"}
}

func (st *run) record(s *slot, res Result, took time.Duration) {
	st.mu.Lock()
	if s.done { // the run already gave up on this check
		st.mu.Unlock()
		return
	}
	res.ID = s.check.ID()
	res.Title = s.check.Title()
	res.DurationSeconds = took.Seconds()
	res.Findings = pulledInNote(s.check, res.Findings)
	s.result = res
	s.done = true
	close(s.finished)
	st.mu.Unlock()
	if st.r.Observer != nil {
		st.r.Observer.Finished(s.check, res)
	}
}

// human renders a duration the way people say it: "60 s", "2 min".
func human(d time.Duration) string {
	if d >= 2*time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int(d/time.Minute))
	}
	return fmt.Sprintf("%g s", d.Round(100*time.Millisecond).Seconds())
}
