package main

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/wfh-cli/wfh/checks/all"
	"github.com/wfh-cli/wfh/internal/clipboard"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// kindOf says which renderer wrote data, by what only that one writes.
func kindOf(data string) string {
	switch {
	case strings.HasPrefix(data, "<!DOCTYPE html>"):
		return "html"
	case strings.HasPrefix(data, "{"):
		return "json"
	case strings.HasPrefix(data, "## wfh report"):
		return "markdown"
	case strings.HasPrefix(data, "wfh doctor"):
		return "text"
	}
	return "unknown"
}

// TestOutputFormatFromExtension: without --format, the file name's
// extension chooses the format, for wfh doctor and wfh report alike; a
// --format that contradicts it is a usage error naming both.
func TestOutputFormatFromExtension(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, want string }{
		{"r.html", "html"}, {"r.HTM", "html"}, {"r.json", "json"}, {"r.md", "markdown"},
		{"r.markdown", "markdown"}, {"r.txt", "text"}, {"r.log", "text"}, {"report", "text"},
	} {
		h := newHarness(t, richChecks()...)
		path := filepath.Join(dir, "doctor-"+tc.name)
		if code := h.run(context.Background(), "doctor", "--output", path); code != exitOK {
			t.Fatalf("doctor --output %s: exit %d, stderr %q", tc.name, code, h.stderr.String())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := kindOf(string(data)); got != tc.want {
			t.Errorf("doctor --output %s wrote %s, want %s:\n%.80s", tc.name, got, tc.want, data)
		}
		if tc.want == "json" {
			if err := reportschema.Validate(data); err != nil {
				t.Errorf("doctor --output %s: %v", tc.name, err)
			}
			// and it reads back
			h := newHarness(t)
			out := filepath.Join(dir, "back.html")
			if code := h.run(context.Background(), "report", path, "--output", out); code != exitOK {
				t.Fatalf("report %s: exit %d, stderr %q", path, code, h.stderr.String())
			}
			back, _ := os.ReadFile(out)
			if kindOf(string(back)) != "html" {
				t.Errorf("wfh report --output back.html wrote %.80s", back)
			}
		}
	}

	saved := filepath.Join(dir, "doctor-r.json")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"doctor", "--format", "markdown", "--output", filepath.Join(dir, "x.json")}, []string{"--format markdown", "x.json"}},
		{[]string{"doctor", "-f", "json", "-o", filepath.Join(dir, "x.html")}, []string{"--format json", "x.html"}},
		{[]string{"doctor", "--format=text", "--output", filepath.Join(dir, "x.md")}, []string{"--format text", "x.md"}},
		{[]string{"report", saved, "--format", "html", "--output", filepath.Join(dir, "x.txt")}, []string{"--format html", "x.txt"}},
	} {
		h := newHarness(t, richChecks()...)
		code := h.run(context.Background(), tc.args...)
		errText := h.stderr.String()
		if code != exitUsage || strings.Count(errText, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want one line and exit 2", tc.args, code, errText)
		}
		for _, w := range tc.want {
			if !strings.Contains(errText, w) {
				t.Errorf("%v: %q does not name %q", tc.args, errText, w)
			}
		}
		if _, err := os.Stat(tc.args[len(tc.args)-1]); err == nil {
			t.Errorf("%v: a contradicting run wrote its file", tc.args)
		}
	}
	// Agreeing, or a name that says nothing: the flag is obeyed.
	for _, args := range [][]string{
		{"doctor", "--format", "JSON", "--output", filepath.Join(dir, "ok.json")},
		{"doctor", "--format", "markdown", "--output", filepath.Join(dir, "ok.log")},
	} {
		h := newHarness(t, richChecks()...)
		if code := h.run(context.Background(), args...); code != exitOK {
			t.Errorf("%v: exit %d, stderr %q", args, code, h.stderr.String())
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "ok.log")); kindOf(string(data)) != "markdown" {
		t.Errorf("--format markdown --output ok.log wrote %.80s", data)
	}
}

// TestOutputIntoMissingFolder: one line saying the folder does not exist
// (not the temporary file's name), before any check runs, with exit 3 as
// docs/exit-codes.md says.
func TestOutputIntoMissingFolder(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such")
	ran := false
	h := newHarness(t, stubCheck{id: "alpha", run: func(context.Context, *checks.Env) checks.Result {
		ran = true
		return checks.Result{Status: report.Pass}
	}})
	code := h.run(context.Background(), "doctor", "--output", filepath.Join(missing, "r.md"))
	errText := h.stderr.String()
	if code != exitNoReport || strings.Count(errText, "\n") != 1 {
		t.Errorf("exit %d stderr %q; want exit 3 and one line", code, errText)
	}
	if !strings.Contains(errText, "folder "+missing+" does not exist") || strings.Contains(errText, ".tmp") {
		t.Errorf("stderr %q does not say the folder %s does not exist", errText, missing)
	}
	if ran {
		t.Error("the checks ran although the report could never be saved")
	}

	// wfh report says the same.
	saved := filepath.Join(dir, "r.json")
	h = newHarness(t, richChecks()...)
	if code := h.run(context.Background(), "doctor", "--output", saved); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	h = newHarness(t)
	code = h.run(context.Background(), "report", saved, "--output", filepath.Join(missing, "r.html"))
	if errText := h.stderr.String(); code != exitNoReport || !strings.Contains(errText, "folder "+missing+" does not exist") {
		t.Errorf("report: exit %d stderr %q", code, errText)
	}
}

// TestReportAbsurdDuration: a report whose durations no run can have is
// shown without them, and one line on standard error says so.
func TestReportAbsurdDuration(t *testing.T) {
	dir := t.TempDir()
	saved := filepath.Join(dir, "r.json")
	h := newHarness(t, richChecks()...)
	if code := h.run(context.Background(), "doctor", "--output", saved); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	data, _ := os.ReadFile(saved)
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	raw["duration_seconds"] = -9.223372036854776e18
	raw["results"].([]any)[0].(map[string]any)["duration_seconds"] = 1e300
	data, _ = json.Marshal(raw)
	os.WriteFile(saved, data, 0o644)

	h = newHarness(t)
	code := h.run(context.Background(), "report", saved)
	out, errText := h.stdout.String(), h.stderr.String()
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errText)
	}
	if strings.Contains(out, "153722867280912930") || strings.Contains(out, "min -") || strings.Contains(out, "e+300") {
		t.Errorf("the absurd durations are shown:\n%s", out)
	}
	if strings.Count(errText, "\n") != 1 || !strings.Contains(errText, "duration") || !strings.Contains(errText, "not shown") {
		t.Errorf("stderr %q, want one line saying which durations are not shown", errText)
	}
}

// gateStub provides NeedInternet, unmet when it fails.
type gateStub struct{ stubCheck }

func (gateStub) Provides() checks.Need { return checks.NeedInternet }
func (gateStub) Unmet(r checks.Result) (string, bool) {
	return "offline (see network)", r.Status == report.Fail
}

// TestQuickDropsWhatWasPulledIn: --quick leaves out the speed test, and
// the network check brought in only for it goes too.
func TestQuickDropsWhatWasPulledIn(t *testing.T) {
	net := gateStub{stubCheck{id: "network", run: returns(report.Pass, "online")}}
	speed := stubCheck{id: "speed", needs: checks.Needs{Requires: []checks.Need{checks.NeedInternet}, LoadsNetwork: true}, run: returns(report.Pass, "fast")}
	h := newHarness(t, net, speed)
	code := h.run(context.Background(), "doctor", "--only", "speed", "--quick")
	if code != exitUsage || !strings.Contains(h.stderr.String(), "--quick leaves no check to run") {
		t.Errorf("exit %d stderr %q", code, h.stderr.String())
	}
	h = newHarness(t, net, speed)
	if code := h.run(context.Background(), "doctor", "--only", "speed", "--format", "json"); code != exitOK {
		t.Fatalf("exit %d stderr %q", code, h.stderr.String())
	}
	r := decode(t, h.stdout.String())
	if len(r.Results) != 2 || r.Results[0].ID != "network" || len(r.Results[0].Findings) != 1 ||
		r.Results[0].Findings[0].Message != "Run because speed needs it, to know whether this computer is online." {
		t.Errorf("results %+v", r.Results)
	}
}

// TestFlagValueErrorsForPeople: a bad flag value is answered in words, not
// with Go's strconv or time package text.
func TestFlagValueErrorsForPeople(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"doctor", "--verbose=maybe"}, "--verbose=maybe: --verbose takes no value (or true or false)"},
		{[]string{"doctor", "-v=maybe"}, "--verbose=maybe: --verbose takes no value (or true or false)"},
		{[]string{"doctor", "--timeout", "90"}, "--timeout 90: add a unit, for example 90s or 2m"},
		{[]string{"doctor", "--timeout=1.5"}, "--timeout 1.5: add a unit, for example 1.5s or 2m"},
		{[]string{"doctor", "--timeout", "soon"}, "--timeout soon: not a duration; write it like 90s, 2m or 1m30s"},
		{[]string{"report", "x.json", "--no-color=perhaps"}, "--no-color=perhaps: --no-color takes no value (or true or false)"},
	} {
		h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Pass, "")})
		code := h.run(context.Background(), tc.args...)
		errText := h.stderr.String()
		if code != exitUsage || strings.Count(errText, "\n") != 1 || !strings.Contains(errText, tc.want) ||
			strings.Contains(errText, "strconv") || strings.Contains(errText, "time:") || strings.Contains(errText, "invalid argument") {
			t.Errorf("%v: exit %d, stderr %q; want %q", tc.args, code, errText, tc.want)
		}
	}
}

// TestCopyFailedHintSuggestsTheFile: when --copy found no clipboard, the
// last line suggests saving the file, not --copy again.
func TestCopyFailedHintSuggestsTheFile(t *testing.T) {
	cb := &fakeClipboard{fail: fmt.Errorf("%w: no graphical session here", clipboard.ErrUnavailable)}
	h := newHarness(t, warnCheck())
	h.f.clipboard = cb.copy
	h.f.ios.SetStdoutTTY(true)
	h.f.ios.SetStderrTTY(true)
	if code := h.run(context.Background(), "doctor", "--copy"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	last := lastLine(h.stderr.String())
	if strings.Contains(last, "--copy") || !strings.Contains(last, "--output wfh-report.md") {
		t.Errorf("after a failed copy the last line is %q", last)
	}
	// With a clipboard that works elsewhere, the hint still offers --copy.
	h = newHarness(t, warnCheck())
	h.f.ios.SetStdoutTTY(true)
	h.f.ios.SetStderrTTY(true)
	h.run(context.Background(), "doctor")
	if last := lastLine(h.stderr.String()); !strings.Contains(last, "--copy") {
		t.Errorf("without --copy the last line is %q", last)
	}
}

// TestChecksFitsTheTerminal: wfh checks fits the terminal it is shown on
// (its long NEEDS column wrapped, or one check per block when even the
// other columns do not fit); piped, the table is unwrapped.
func TestChecksFitsTheTerminal(t *testing.T) {
	list := all.Checks()
	for _, width := range []int{0, 80, 40} {
		h := newHarness(t, list...)
		if width > 0 {
			h.f.ios.SetStdoutTTY(true)
			h.f.ios.SetStdoutWidth(width)
		}
		if code := h.run(context.Background(), "checks"); code != exitOK {
			t.Fatalf("exit %d", code)
		}
		out := h.stdout.String()
		longest := 0
		for _, line := range strings.Split(out, "\n") {
			longest = max(longest, utf8.RuneCountInString(line))
		}
		switch {
		case width == 0 && longest <= 80:
			t.Errorf("piped: the table was wrapped (longest line %d)", longest)
		case width > 0 && longest > width:
			t.Errorf("%d columns: a line of %d:\n%s", width, longest, out)
		}
		words := strings.Fields(out)
		for _, c := range list {
			if !slices.Contains(words, c.ID()) {
				t.Errorf("%d columns: %s is missing", width, c.ID())
			}
			for _, w := range strings.Fields(c.Needs().String()) {
				if !slices.Contains(words, w) {
					t.Errorf("%d columns: %s's need %q is missing or cut:\n%s", width, c.ID(), w, out)
					break
				}
			}
		}
	}
}

// TestDoctorOnATerminal: on a terminal the report fits its width and ends
// with what to fix; piped, it is neither wrapped nor given the block.
func TestDoctorOnATerminal(t *testing.T) {
	offline := stubCheck{id: "network", run: func(context.Context, *checks.Env) checks.Result {
		return checks.Result{Status: report.Fail, Summary: "Offline: no network connection is active",
			Findings: []report.Finding{{Severity: report.Fail, Message: "You're not connected to the internet: no network connection is active.",
				Fix: "Turn on Wi-Fi and join your network, or plug in the network cable. Check that airplane mode is off."}}}
	}}
	for _, width := range []int{0, 80, 40} {
		h := newHarness(t, offline)
		if width > 0 {
			h.f.ios.SetStdoutTTY(true)
			h.f.ios.SetStdoutWidth(width)
		}
		if code := h.run(context.Background(), "doctor", "--no-color"); code != exitChecks {
			t.Fatalf("exit %d", code)
		}
		out := h.stdout.String()
		longest := 0
		for _, line := range strings.Split(out, "\n") {
			longest = max(longest, utf8.RuneCountInString(line))
		}
		fixes := strings.Contains(out, "What to fix")
		switch {
		case width == 0 && (fixes || longest <= 80):
			t.Errorf("piped: block %v, longest line %d:\n%s", fixes, longest, out)
		case width > 0 && (!fixes || longest > width):
			t.Errorf("%d columns: block %v, longest line %d:\n%s", width, fixes, longest, out)
		}
	}
}
