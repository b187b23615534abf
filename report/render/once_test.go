package render

import (
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/report"
)

// onceReport holds the three sections a newcomer saw say things twice:
// system's two "disk free" figures, dns's two "public resolver" ones, and
// latency's location in its summary and in the figure below it.
func onceReport() report.Report {
	r := baseReport()
	r.Results = []report.Result{
		{ID: "system", Title: "System basics", Status: report.Pass, Summary: "Debian GNU/Linux 12 (bookworm), restarted 51 minutes ago",
			Metrics: []report.Metric{report.Measured("disk_free_bytes", 69.6e9, "bytes"), report.Measured("disk_total_bytes", 270.6e9, "bytes"),
				report.Measured("disk_free_percent", 25.72, "%")},
			Facts: map[string]string{"os_pretty_name": "Debian GNU/Linux 12 (bookworm)", "kernel": "6.1.0"}},
		{ID: "dns", Title: "DNS (name lookups)", Status: report.Pass, Summary: "names resolve",
			Metrics: []report.Metric{report.NotMeasured("public_resolver_ms", "ms", "8.8.8.8 did not reply"), report.Measured("resolver_ms", 12, "ms")},
			Facts:   map[string]string{"public_resolver": "8.8.8.8"}},
		{ID: "dns2", Title: "DNS measured", Status: report.Pass, Summary: "names resolve",
			Metrics: []report.Metric{report.Measured("public_resolver_ms", 14, "ms")},
			Facts:   map[string]string{"public_resolver": "8.8.8.8"}},
		{ID: "latency", Title: "Latency", Status: report.Fail,
			Summary: "Voice and video calls: poor (round trip 40 ms, jitter 1 ms, loss 19 %); loss starts at your router (Wi-Fi or cable)",
			Metrics: []report.Metric{report.Measured("rtt_ms", 40, "ms")},
			Facts:   map[string]string{"problems_start": "at your router (Wi-Fi or cable)", "loss_location": "home"}},
	}
	return r
}

// section returns the part of a text report about check id.
func textSection(out, id string) string {
	i := strings.Index(out, "("+id+")")
	if i < 0 {
		return ""
	}
	rest := out[i:]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestEachLabelOnce: two figures whose names differ only by their unit
// ("disk_free_bytes", "disk_free_percent"), or a fact and a metric of the
// same name, show as one label with both values; a fact the summary
// already says is not repeated below it.
func TestEachLabelOnce(t *testing.T) {
	r := onceReport()
	for _, verbose := range []bool{false, true} {
		o := Options{Unicode: true, Verbose: verbose}
		text := render(t, r, FormatText, o)
		md := render(t, r, FormatMarkdown, o)
		html := render(t, r, FormatHTML, o)
		for _, tc := range []struct{ id, label, value string }{
			{"system", "disk free", "69.6 GB (25.7 %)"},
			{"dns", "public resolver", "not measured (8.8.8.8 did not reply)"},
			{"dns2", "public resolver", "14 ms (8.8.8.8)"},
		} {
			if sec := textSection(text, tc.id); strings.Count(sec, tc.label+":") != 1 || !strings.Contains(sec, tc.label+": "+tc.value) {
				t.Errorf("text (verbose %v), %s: want one %q with %q:\n%s", verbose, tc.id, tc.label, tc.value, sec)
			}
		}
		if strings.Count(md, "- disk free:") != 1 || strings.Count(md, "- public resolver:") != 2 {
			t.Errorf("markdown (verbose %v) repeats a label:\n%s", verbose, md)
		}
		if strings.Count(html, ">disk free<") != 1 || strings.Count(html, ">public resolver<") != 2 {
			t.Errorf("html (verbose %v) repeats a label", verbose)
		}
		if !verbose {
			sec := textSection(text, "latency")
			if n := strings.Count(sec, "at your router (Wi-Fi or cable)"); n != 1 {
				t.Errorf("text: the latency section says where loss starts %d times:\n%s", n, sec)
			}
		}
	}
}

// TestSkippedSectionShowsNoFailures: the items of a skipped check (an
// offline run's DNS servers that could not answer) are not shown as
// failures: left out, or, verbose, marked skipped.
func TestSkippedSectionShowsNoFailures(t *testing.T) {
	r := baseReport()
	var items []report.Item
	for _, l := range []string{"10.255.255.53", "8.8.8.8", "www.google.com"} {
		items = append(items, report.Item{Label: l, Status: report.Fail, Summary: "unreachable: network is unreachable"})
	}
	r.Results = []report.Result{{ID: "dns", Title: "DNS", Status: report.Skipped, Summary: "offline (see network)", Items: items}}
	r.Overall = report.Pass
	for _, verbose := range []bool{false, true} {
		for _, u := range []bool{false, true} {
			o := Options{Unicode: u, Verbose: verbose}
			text := render(t, r, FormatText, o)
			if strings.Contains(text, "✖") || strings.Contains(text, "[x]") || strings.Contains(text, "FAIL") {
				t.Errorf("text (verbose %v, unicode %v) shows a failure:\n%s", verbose, u, text)
			}
			if verbose != strings.Contains(text, "8.8.8.8") {
				t.Errorf("text (verbose %v): items listed = %v", verbose, !verbose)
			}
			md := render(t, r, FormatMarkdown, o)
			if strings.Contains(md, "FAIL") || strings.Contains(md, "not passing") {
				t.Errorf("markdown (verbose %v, unicode %v) shows a failure:\n%s", verbose, u, md)
			}
			html := render(t, r, FormatHTML, o)
			if strings.Contains(html, `badge s-fail`) || strings.Contains(html, "not passing") {
				t.Errorf("html (verbose %v) shows a failure", verbose)
			}
		}
	}
}
