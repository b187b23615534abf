package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// richChecks give a run every part of the model: findings, metrics with and
// without values, facts, items and series, and a hostile device name.
func richChecks() []checks.Check {
	v := func(x float64) *float64 { return &x }
	return []checks.Check{
		stubCheck{id: "network", run: func(context.Context, *checks.Env) checks.Result {
			return checks.Result{Status: report.Warn, Summary: "online, slow router",
				Findings: []report.Finding{{Severity: report.Warn, Message: "The router answers slowly.", Fix: "Restart your router."}},
				Metrics:  []report.Metric{report.Measured("gateway_rtt_ms", 42.5, "ms"), report.NotMeasured("ipv6_rtt_ms", "ms", "no IPv6 route")},
				Facts:    map[string]string{"connection_type": "wifi", "connectivity": "online"},
				Items:    []report.Item{{Label: "192.168.1.1", Kind: "gateway", Status: report.Warn, Metrics: []report.Metric{report.Measured("rtt_ms", 42.5, "ms")}}},
				Series:   []report.Series{{Name: "rtt_ms", Unit: "ms", Item: "192.168.1.1", IntervalSeconds: 0.2, Samples: []*float64{v(40), nil, v(45.5)}}},
			}
		}},
		stubCheck{id: "audio", run: func(context.Context, *checks.Env) checks.Result {
			return checks.Result{Status: report.Pass, Summary: "USB <b>Headset</b> | `x`",
				Items: []report.Item{{Label: "<script>alert(1)</script>", Kind: "microphone", Status: report.Pass,
					Attributes: map[string]string{"default": "yes", "muted": "no"}}}}
		}},
	}
}

func fixedClock() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) }

// TestReportRendersLikeTheRun: a run saved as JSON and re-rendered with
// `wfh report` gives the same Markdown (and text and HTML) as the run wrote
// directly.
func TestReportRendersLikeTheRun(t *testing.T) {
	dir := t.TempDir()
	saved := filepath.Join(dir, "run.json")
	run := func(args ...string) (string, int) {
		h := newHarness(t, richChecks()...)
		h.f.now = fixedClock
		code := h.run(context.Background(), args...)
		return h.stdout.String(), code
	}
	if _, code := run("doctor", "--format", "json", "--output", saved); code != exitOK {
		t.Fatalf("doctor exit %d, want 0 (a warning)", code)
	}
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if err := reportschema.Validate(data); err != nil {
		t.Fatalf("saved report: %v", err)
	}
	for _, format := range []string{"markdown", "text", "html", "json"} {
		for _, extra := range [][]string{nil, {"--verbose"}} {
			direct, code := run(append([]string{"doctor", "--format", format}, extra...)...)
			if code != exitOK {
				t.Fatalf("doctor exit %d", code)
			}
			again, code := run(append([]string{"report", saved, "--format", format}, extra...)...)
			if code != exitOK {
				t.Fatalf("report %s: exit %d", format, code)
			}
			if again != direct {
				t.Errorf("%s %v: wfh report differs from the run\nrun:\n%.600s\nreport:\n%.600s", format, extra, direct, again)
			}
		}
	}
	// to a file, from standard input
	out := filepath.Join(dir, "r.html")
	h := newHarness(t)
	h.f.ios.In = strings.NewReader(string(data))
	if code := h.run(context.Background(), "report", "-", "-f", "html", "-o", out); code != exitOK {
		t.Fatalf("report from stdin: exit %d, %s", code, h.stderr.String())
	}
	page, _ := os.ReadFile(out)
	if !strings.HasPrefix(string(page), "<!DOCTYPE html>") || !strings.Contains(string(page), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("html report from stdin: %.200s", page)
	}
}

func TestReportInputErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	v2 := write("v2.json", `{"schema_version": "2.0", "results": 7}`)
	md := write("r.md", "## wfh report: PASS\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "wfh report needs one report file"},
		{[]string{"report", "a.json", "b.json"}, "got 2 arguments"},
		{[]string{"report", filepath.Join(dir, "missing.json")}, "cannot read the report: " + filepath.Join(dir, "missing.json") + " does not exist"},
		{[]string{"report", dir}, "is a folder"},
		{[]string{"report", md}, "r.md: not a wfh JSON report: invalid JSON on line 1, column 1"},
		{[]string{"report", v2}, "v2.json: unsupported report schema version: the report uses schema 2.0 and this wfh reads 1.x"},
		{[]string{"report", md, "--format", "pdf"}, `unknown format "pdf"`},
		{[]string{"report", md, "--bogus"}, "unknown flag: --bogus"},
	} {
		h := newHarness(t)
		code := h.run(context.Background(), tc.args...)
		errText := h.stderr.String()
		if code != exitUsage || !strings.Contains(errText, tc.want) || strings.Count(errText, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", tc.args, code, errText, tc.want)
		}
		if h.stdout.Len() != 0 {
			t.Errorf("%v: wrote %q", tc.args, h.stdout.String())
		}
	}
	// --format json turns errors into JSON for scripts
	h := newHarness(t)
	if code := h.run(context.Background(), "report", v2, "--format", "json"); code != exitUsage ||
		!strings.HasPrefix(h.stderr.String(), `{"error":`) || !strings.Contains(h.stderr.String(), `"exit_code":2`) {
		t.Errorf("json error: exit %d %q", code, h.stderr.String())
	}
}

func TestReportOutputError(t *testing.T) {
	dir := t.TempDir()
	saved := filepath.Join(dir, "run.json")
	h := newHarness(t, richChecks()...)
	h.run(context.Background(), "doctor", "--format", "json", "--output", saved)
	h = newHarness(t)
	code := h.run(context.Background(), "report", saved, "--output", filepath.Join(dir, "no", "such", "dir", "r.txt"))
	if code != exitNoReport || !strings.Contains(h.stderr.String(), "could not save the report") {
		t.Errorf("exit %d stderr %q, want 3", code, h.stderr.String())
	}
}
