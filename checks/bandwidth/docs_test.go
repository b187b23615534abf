package bandwidth

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// TestReportFieldsDocumented keeps docs/checks.md's bandwidth section in
// step with what the check reports: every metric, fact, item kind, item
// metric and attribute, series and end reason must be named there.
func TestReportFieldsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/checks.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	start := strings.Index(text, "\n## bandwidth\n")
	if start < 0 {
		t.Fatal("docs/checks.md has no bandwidth section")
	}
	section := text[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	lat := summarize([]time.Duration{10 * time.Millisecond, 11 * time.Millisecond})
	full := outcome{
		target:  &target{host: "h:8080", name: "Sponsor (City)", source: "nearest", tried: []candidate{{host: "a:8080", name: "x"}, {host: "b:8080", problem: &problem{kind: "timeout", msg: "m"}}}},
		latency: lat,
		down:    dirResult{dir: download, ended: endSettled, measured: true, bps: 50e6, over: 2 * time.Second, warm: time.Second, series: []float64{1e6}},
		up:      dirResult{dir: upload, ended: endFailed, problem: &problem{kind: "closed_early", msg: "m"}},
		limits:  limits{budget: 1},
	}
	results := []report.Result{verdict(full, false), verdict(outcome{problem: &problem{kind: "no_list", msg: "m"}}, false)}
	names := map[string]bool{}
	for _, r := range results {
		for _, m := range r.Metrics {
			names[m.Name] = true
		}
		for k := range r.Facts {
			names[k] = true
		}
		for _, it := range r.Items {
			names[it.Kind] = true
			for _, m := range it.Metrics {
				names[m.Name] = true
			}
			for k := range it.Attributes {
				names[k] = true
			}
		}
		for _, s := range r.Series {
			names[s.Name] = true
		}
	}
	for _, e := range []endReason{endSettled, endTime, endBudget, endFailed, endStalled, endCancelled, endSkipped} {
		names[string(e)] = true
	}
	for n := range names {
		if !strings.Contains(section, "`"+n+"`") {
			t.Errorf("docs/checks.md's bandwidth section does not name `%s`", n)
		}
	}
}
