package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

// panicsOutsideChecks makes the environment builder panic: it runs in
// doctorRun, before any check and outside the runner's own guard.
func panicsOutsideChecks(h *harness) {
	h.f.newEnv = func(*profile.Profile) (*checks.Env, error) { panic("boom outside the checks") }
}

func TestPanicOutsideChecksIsInternalError(t *testing.T) {
	h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Pass, "")})
	panicsOutsideChecks(h)
	code := h.run(context.Background(), "doctor")
	if code != exitInternal {
		t.Errorf("exit %d, want %d", code, exitInternal)
	}
	if got, want := h.stderr.String(), "wfh: "+internalMessage+"\n"; got != want {
		t.Errorf("stderr %q, want the one line %q", got, want)
	}
	if h.stdout.Len() != 0 {
		t.Errorf("stdout %q", h.stdout.String())
	}
}

func TestPanicOutsideChecksVerboseShowsStack(t *testing.T) {
	for _, args := range [][]string{{"doctor", "--verbose"}, {"doctor", "-v"}, {"doctor", "-vf", "text"}} {
		h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Pass, "")})
		panicsOutsideChecks(h)
		code := h.run(context.Background(), args...)
		out := h.stderr.String()
		first, rest, _ := strings.Cut(out, "\n")
		if code != exitInternal || first != "wfh: "+internalMessage {
			t.Errorf("%v: exit %d, first line %q", args, code, first)
		}
		for _, want := range []string{"panic: boom outside the checks", "goroutine ", "exit_test.go"} {
			if !strings.Contains(rest, want) {
				t.Errorf("%v: no %q after the line:\n%s", args, want, out)
			}
		}
	}
}

func TestPanicOutsideChecksJSON(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Pass, "")})
		panicsOutsideChecks(h)
		args := []string{"doctor", "--format", "json"}
		if verbose {
			args = append(args, "--verbose")
		}
		code := h.run(context.Background(), args...)
		var e struct {
			Error    string `json:"error"`
			ExitCode int    `json:"exit_code"`
			Detail   string `json:"detail"`
			Stack    string `json:"stack"`
		}
		out := h.stderr.String()
		if err := json.Unmarshal([]byte(out), &e); err != nil || strings.Count(out, "\n") != 1 {
			t.Fatalf("verbose %v: stderr is not one JSON object: %v\n%s", verbose, err, out)
		}
		if code != exitInternal || e.ExitCode != exitInternal || e.Error != internalMessage {
			t.Errorf("verbose %v: exit %d, %+v", verbose, code, e)
		}
		if hasStack := e.Stack != "" && strings.Contains(e.Detail, "boom"); hasStack != verbose {
			t.Errorf("verbose %v: detail %q, stack %d bytes", verbose, e.Detail, len(e.Stack))
		}
	}
}

// A panic while the report is rendered (after every check finished) and a
// panic in a command other than doctor end the same way.
func TestPanicAnywhereIsInternalError(t *testing.T) {
	h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Pass, "")})
	h.f.identity = func(*report.Host) report.Known { panic("identity") }
	if code := h.run(context.Background(), "doctor"); code != exitInternal || h.stderr.String() != "wfh: "+internalMessage+"\n" {
		t.Errorf("identity panic: exit %d stderr %q", code, h.stderr.String())
	}
	h = newHarness(t)
	h.f.registry = nil // wfh checks dereferences it
	if code := h.run(context.Background(), "checks"); code != exitInternal || h.stderr.String() != "wfh: "+internalMessage+"\n" {
		t.Errorf("checks panic: exit %d stderr %q", code, h.stderr.String())
	}
}

// A panic inside a check stays that check's error result: the run goes on
// and exits as its verdicts say.
func TestPanicInsideCheckIsItsResult(t *testing.T) {
	h := newHarness(t, stubCheck{id: "alpha", run: func(context.Context, *checks.Env) checks.Result { panic("in a check") }})
	code := h.run(context.Background(), "doctor", "--format", "json")
	rep := decode(t, h.stdout.String())
	if code != exitChecks || len(rep.Results) != 1 || rep.Results[0].Status != report.Error {
		t.Errorf("exit %d, results %+v", code, rep.Results)
	}
}

// An error nothing gave an exit code is a bug (3), not a usage error (2);
// the typed ones keep their codes.
func TestExitCodeMap(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{usageError("bad"), exitUsage},
		{&exitError{code: exitChecks}, exitChecks},
		{&exitError{code: exitNoReport, msg: "cannot write"}, exitNoReport},
		{&exitError{code: exitInterrupted}, exitInterrupted},
		{errors.New("something nobody typed"), exitInternal},
		{asInternal(errors.New("something nobody typed")), exitInternal},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// Cobra's own argument errors are usage errors: they are wrapped where the
// commands are built, not left to the default.
func TestArgumentErrorsAreUsage(t *testing.T) {
	for _, args := range [][]string{
		{"doctor", "extra"},
		{"checks", "extra"},
		{"version", "extra"},
		{"serve", "extra"},
		{"report"},
		{"report", "a.json", "b.json"},
		{"nosuchcmd"},
		{"--bogus"},
		{"completion", "bash", "extra"}, // added by cobra while it runs
		{"doctor", "--timeout"},
	} {
		h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Pass, "")})
		code := h.run(context.Background(), args...)
		if errText := h.stderr.String(); code != exitUsage || strings.Count(errText, "\n") != 1 || strings.Contains(errText, "internal error") {
			t.Errorf("%v: exit %d stderr %q, want a usage error", args, code, errText)
		}
	}
}

func TestAsksForVerbose(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"doctor", "--verbose"}, true},
		{[]string{"doctor", "--verbose=true"}, true},
		{[]string{"doctor", "-v"}, true},
		{[]string{"report", "x.json", "-vf", "json"}, true},
		{[]string{"doctor"}, false},
		{[]string{"doctor", "-fverbose"}, false},
		{[]string{"doctor", "-o", "-v"}, true}, // -o's value; cobra decides, a stack too many is harmless
		{[]string{"doctor", "--", "-v"}, false},
	} {
		if got := asksForVerbose(tc.args); got != tc.want {
			t.Errorf("asksForVerbose(%v) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
