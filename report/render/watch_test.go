package render_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
	. "github.com/wfh-cli/wfh/report/render"
)

func watchReport() report.Report {
	start := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	nan, v := math.NaN(), 12.5
	hostile := "<script>alert(1)</script> | **x** `y` \x1b[2J\u202e"
	return report.Report{
		SchemaVersion: report.SchemaVersion, Tool: report.Tool{Name: "wfh", Version: "1.0"},
		StartedAt: start, FinishedAt: start.Add(2 * time.Hour), DurationSeconds: 7200,
		Host: report.Host{OS: "linux", Arch: "amd64", UTCOffset: "+01:00"}, Redaction: "on", Overall: report.Fail,
		Results: []report.Result{{ID: "watch", Title: "Watching the connection", Status: report.Fail, Summary: "1 outage of 41 s in 2 h, starting at your router: Wi-Fi."}},
		Watch: &report.Watch{
			IntervalSeconds: 1, PlannedSeconds: 7200, WatchedSeconds: 7200, Ended: report.WatchEndedTimeUp,
			DataBudgetBytes: 20_000_000, DataUsedBytes: 4_500_000, Method: "icmp", Connection: "Wi-Fi (wlan0) via 192.168.1.1",
			Rungs: []report.WatchRung{{Label: hostile, Role: "gateway", Address: "192.168.1.1", Where: "home", Method: "icmp",
				ProbesPerMinute: 60, Sent: 7200, Lost: 41, LossPercent: &v, P50Ms: &nan, P95Ms: &v, MaxMs: &v}},
			Events: []report.WatchEvent{
				{Kind: report.WatchKindOutage, Start: start.Add(time.Hour), End: start.Add(time.Hour + 41*time.Second), DurationSeconds: 41,
					Where: report.WhereHome, Severity: report.Fail, Summary: hostile},
				{Kind: report.WatchKindWiFiRoam, Start: start.Add(90 * time.Minute), End: start.Add(90 * time.Minute), Where: report.WhereHome,
					Severity: report.Pass, Summary: "The Wi-Fi moved to another access point.", LossPercent: &nan},
			},
			Counts:  map[string]int{report.WatchKindOutage: 1, report.WatchKindWiFiRoam: 1},
			Minutes: []report.WatchMinute{{Start: start, Sent: []int{60}, Lost: []int{0}, P50Ms: []*float64{&v}, P95Ms: []*float64{&nan}, MaxMs: []*float64{nil}}},
		},
	}
}

// TestWatchRendersSafely: hostile strings in a watch stay inert in every
// format, non-finite figures never break the JSON, and the JSON matches
// the schema.
func TestWatchRendersSafely(t *testing.T) {
	r := watchReport()
	for _, f := range AllFormats() {
		var b bytes.Buffer
		if err := Render(&b, r, f, Options{Unicode: true, Verbose: true, Width: 60}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out := b.String()
		markup := f == FormatHTML || f == FormatMarkdown
		if markup && strings.Contains(out, "<script>") || strings.Contains(out, "\x1b[2J") {
			t.Errorf("%s: a hostile string got through", f)
		}
		switch f {
		case FormatJSON:
			if err := reportschema.Validate(b.Bytes()); err != nil {
				t.Error(err)
			}
		case FormatText:
			for _, want := range []string{"wfh watch", "Events: 1 outage, 1 Wi-Fi roam", "10:00:00 41 s", "Targets (over the whole watch):"} {
				if !strings.Contains(out, want) {
					t.Errorf("text has no %q:\n%s", want, out)
				}
			}
		case FormatHTML:
			if !strings.Contains(out, `<svg viewBox="0 0 640 190"`) || !strings.Contains(out, "<title>10:00:00 outage, 41 s, home network") {
				t.Errorf("html: no timeline with the outage marked")
			}
		case FormatMarkdown:
			if !strings.Contains(out, "| 10:00:00 | 41 s | ✖ FAIL outage | home network |") {
				t.Errorf("markdown:\n%s", out)
			}
		}
	}
}

func TestWatchImplausible(t *testing.T) {
	r := watchReport()
	r.Watch.Events[0].DurationSeconds = -5
	if odd := report.Implausible(r); len(odd) != 1 || !strings.HasPrefix(odd[0], "watch.events[0].duration_seconds") {
		t.Errorf("%v", odd)
	}
}
