package wifi

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/redact"
	"github.com/wfh-cli/wfh/report/render"
)

// TestPlantedSecrets proves that the SSID and BSSID the check reports never
// reach a redacted report in any format, and that --no-redact shows them.
// The check does not redact them itself: it relies on the "ssid" and
// "bssid" keys being redact.SensitiveKeys.
func TestPlantedSecrets(t *testing.T) {
	const (
		ssid  = "Smith Family WiFi"
		bssid = "a4:2b:b0:c1:d2:e3"
	)
	l := link{
		Interface: "wlan0", SSID: ssid, BSSID: bssid, Signal: f64(-58), TxRate: f64(400), RxRate: f64(350),
		Freq: f64(5180), Channel: 36, Width: 80, Band: band5, Standard: "Wi-Fi 5", Source: "iw",
	}
	res := evaluate(reading{state: stateOn, link: l}, "linux")
	if res.Facts["ssid"] != ssid || res.Facts["bssid"] != bssid {
		t.Fatalf("the check must report the raw values and leave redaction to the report: %v", res.Facts)
	}
	res.ID, res.Title = "wifi", "Wi-Fi signal"
	start := time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)
	rep := report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "wfh", Version: "test"},
		StartedAt:     start, FinishedAt: start.Add(time.Second), DurationSeconds: 1,
		Host:    report.Host{OS: "linux", Arch: "amd64"},
		Results: []report.Result{res},
	}
	rep.Overall = report.ComputeOverall(rep.Results)

	show := func(r report.Report, f render.Format, verbose bool) string {
		var b bytes.Buffer
		if err := render.Render(&b, r, f, render.Options{Verbose: verbose}); err != nil {
			t.Fatalf("render %s: %v", f, err)
		}
		return b.String()
	}
	secrets := []string{ssid, "Smith", bssid, strings.ToUpper(bssid), strings.ReplaceAll(bssid, ":", "-")}

	redacted := redact.Redact(rep, report.Known{})
	for _, f := range render.Formats() {
		for _, verbose := range []bool{false, true} {
			out := show(redacted, f, verbose)
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("redacted %s (verbose %v) contains %q:\n%s", f, verbose, s, out)
				}
			}
			// Markdown escapes the brackets.
			if !strings.Contains(out, "[redacted]") && !strings.Contains(out, `\[redacted\]`) {
				t.Errorf("redacted %s (verbose %v) shows no redaction token:\n%s", f, verbose, out)
			}
		}
	}

	plain := redact.MarkUnredacted(rep)
	for _, f := range render.Formats() {
		out := show(plain, f, true)
		for _, s := range []string{ssid, bssid} {
			if !strings.Contains(out, s) {
				t.Errorf("unredacted %s lacks %q:\n%s", f, s, out)
			}
		}
	}
}
