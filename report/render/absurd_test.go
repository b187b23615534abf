package render

import (
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/report"
)

// absurdReport holds numbers no run produces, as a hand-edited or corrupt
// report read back with wfh report would.
func absurdReport() report.Report {
	r := mixedReport()
	r.DurationSeconds = 9.3e18 // past int64 nanoseconds and int64 seconds
	r.Results[0].DurationSeconds = -5
	r.Results[1].DurationSeconds = 1e308
	big := func(v float64) *float64 { return &v }
	r.Results[0].Metrics = append(r.Results[0].Metrics,
		report.Metric{Name: "uptime_seconds", Value: big(1e300), Unit: "s"},
		report.Metric{Name: "offset_seconds", Value: big(-1e300), Unit: "s"},
		report.Metric{Name: "disk_free_bytes", Value: big(1e300), Unit: "bytes"},
		report.Metric{Name: "disk_bytes", Value: big(-1e300), Unit: "bytes"},
		report.Metric{Name: "download_mbps", Value: big(1e300), Unit: "Mbit/s"},
		report.Metric{Name: "rtt_ms", Value: big(-1e300), Unit: "ms"},
		report.Metric{Name: "loss_percent", Value: big(1e300), Unit: "%"},
		report.Metric{Name: "servers", Value: big(1e300), Unit: ""},
	)
	if len(r.Results[1].Series) > 0 {
		r.Results[1].Series[0].Samples[0] = big(1e300)
		r.Results[1].Series[0].IntervalSeconds = 1e300
	}
	return r
}

// TestAbsurdNumbersStayShort: an absurd duration or figure is left out or
// written short, never as "-153722867280912930 min -8 s" or a 300-digit
// number, in every format.
func TestAbsurdNumbersStayShort(t *testing.T) {
	r := absurdReport()
	longNumber := regexp.MustCompile(`[0-9]{16,}`)
	for _, f := range Formats() {
		if f == FormatJSON {
			continue // the data itself, as it was read
		}
		for _, o := range allOptions() {
			out := render(t, r, f, o)
			if m := longNumber.FindString(out); m != "" {
				t.Errorf("%s %+v: a %d-digit number: %.40s…", f, o, len(m), m)
			}
			if strings.Contains(out, "min -") || strings.Contains(out, "-5 s") || strings.Contains(out, "-5000 ms") {
				t.Errorf("%s %+v: a negative duration is shown", f, o)
			}
		}
	}
	for _, tc := range []struct {
		sec  float64
		want string
	}{
		{9.3e18, ""}, {-5, ""}, {1e308, ""}, {math.NaN(), ""}, {2 * 86400, ""},
		{0.05, "50 ms"}, {3.25, "3.2 s"}, {61, "1 min 1 s"}, {3600, "1 h 0 min"},
	} {
		if got := formatSeconds(tc.sec); got != tc.want {
			t.Errorf("formatSeconds(%g) = %q, want %q", tc.sec, got, tc.want)
		}
	}
}

// TestOneRateFormatter: the speed card and the check's own figures word a
// rate the same way ("36.80 Gbit/s"), in every format.
func TestOneRateFormatter(t *testing.T) {
	r := baseReport()
	r.Results = []report.Result{{ID: "bandwidth", Title: "Speed", Status: report.Pass, Summary: "fast",
		Metrics: []report.Metric{report.Measured(report.KeyDownloadMbps, 36796.57, "Mbit/s"), report.Measured(report.KeyUploadMbps, 0.5, "Mbit/s")}}}
	for _, f := range []Format{FormatText, FormatMarkdown, FormatHTML} {
		out := render(t, r, f, Options{Unicode: true})
		if strings.Contains(out, "36796") || !strings.Contains(out, "36.80 Gbit/s") || !strings.Contains(out, "500 kbit/s") {
			t.Errorf("%s: rates not worded as the speed test words them:\n%s", f, out)
		}
	}
	if got := report.FormatMbps(36796.57); got != "36.80 Gbit/s" {
		t.Errorf("FormatMbps = %q", got)
	}
}
