package bandwidth

import (
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// TestReportFieldsDocumented keeps docs/checks.md's bandwidth section in
// step with what the check reports: every metric, fact, item kind, item
// metric and attribute, series and end reason must be named there.
func TestReportFieldsDocumented(t *testing.T) {
	lat := summarize([]time.Duration{10 * time.Millisecond, 11 * time.Millisecond})
	full := outcome{
		target:  &target{host: "h:8080", name: "Sponsor (City)", source: "nearest", tried: []candidate{{host: "a:8080", name: "x"}, {host: "b:8080", problem: &problem{kind: "timeout", msg: "m"}}}},
		latency: lat,
		down:    dirResult{dir: download, ended: endSettled, measured: true, bps: 50e6, over: 2 * time.Second, warm: time.Second, series: []float64{1e6}},
		up:      dirResult{dir: upload, ended: endFailed, problem: &problem{kind: "closed_early", msg: "m"}},
		limits:  limits{budget: 1},
	}
	results := []report.Result{verdict(full, false), verdict(outcome{problem: &problem{kind: "no_list", msg: "m"}}, false)}
	names := reportschema.FieldNames(results...)
	for _, e := range []endReason{endSettled, endTime, endBudget, endFailed, endStalled, endCancelled, endSkipped} {
		names[string(e)] = true
	}
	reportschema.AssertDocumented(t, "bandwidth", names)
}
