package render

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// bigReport is a report larger than any real run: 10 checks, each with 50
// items and a 300-sample series (report/redact's benchmark uses the same).
func bigReport() report.Report {
	r := report.Report{SchemaVersion: report.SchemaVersion, Tool: report.Tool{Name: "wfh", Version: "bench"},
		StartedAt: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), FinishedAt: time.Date(2026, 11, 24, 9, 0, 5, 0, time.UTC),
		Host: report.Host{OS: "linux", Arch: "amd64", Hostname: "alice-laptop", User: "alice", TimeZone: "Europe/Paris", UTCOffset: "+01:00"}}
	for c := 0; c < 10; c++ {
		res := report.Result{ID: fmt.Sprintf("check%d", c), Title: "Check", Status: report.Warn, Summary: "seen from alice-laptop via 203.0.113.7",
			Findings: []report.Finding{{Severity: report.Warn, Message: "Gateway aa:bb:cc:dd:ee:ff at 192.168.1.1 answers slowly", Fix: "Restart your router"}},
			Facts:    map[string]string{"ssid": "Smith Family WiFi", "path": "/home/alice/Downloads"}}
		for i := 0; i < 50; i++ {
			res.Items = append(res.Items, report.Item{Label: fmt.Sprintf("target 198.51.100.%d", i), Status: report.Pass,
				Metrics: []report.Metric{report.Measured("rtt_ms", float64(i), "ms")}, Attributes: map[string]string{"address": fmt.Sprintf("2001:db8::%x", i)}})
		}
		s := report.Series{Name: "rtt", Unit: "ms", Item: "target 198.51.100.1"}
		for i := 0; i < 300; i++ {
			v := float64(i % 40)
			s.Samples = append(s.Samples, &v)
		}
		res.Series = []report.Series{s}
		res.Metrics = []report.Metric{report.Measured("loss_percent", 1.5, "%"), report.NotMeasured("jitter_ms", "ms", "blocked")}
		r.Results = append(r.Results, res)
	}
	r.Overall = report.ComputeOverall(r.Results)
	return r
}

func BenchmarkRender(b *testing.B) {
	r := bigReport()
	for _, f := range Formats() {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Render(io.Discard, r, f, Options{Verbose: true, Unicode: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
