package render

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wfh-cli/wfh/report"
)

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func visibleWidth(line string) int { return utf8.RuneCountInString(ansi.ReplaceAllString(line, "")) }

// unindented are the lines that start at the margin: check titles, the
// header, "Overall". Wrapping must not add any.
func unindented(out string) []string {
	var l []string
	for _, s := range strings.Split(out, "\n") {
		if s != "" && !strings.HasPrefix(s, " ") {
			l = append(l, s[:min(len(s), 12)])
		}
	}
	return l
}

// words are the words of a text report; the separators between packed
// figures are not words, as a narrower terminal packs fewer on a line.
func words(out string) []string {
	return slices.DeleteFunc(strings.Fields(ansi.ReplaceAllString(out, "")), func(w string) bool { return w == "·" })
}

func firstWordDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return strings.Join(got[max(i-3, 0):min(i+3, len(got))], " ") + "\n  want\n" + strings.Join(want[max(i-3, 0):min(i+3, len(want))], " ")
		}
	}
	return "lengths differ"
}

// TestTextWrapsToTerminalWidth: on a terminal the text report wraps at
// word boundaries to its width, with continuation lines indented under
// their own line; the words are exactly those of the unwrapped report.
func TestTextWrapsToTerminalWidth(t *testing.T) {
	for name, r := range map[string]report.Report{"mixed": mixedReport(), "full": fullReport(), "once": onceReport()} {
		for _, verbose := range []bool{false, true} {
			for _, color := range []bool{false, true} {
				plain := render(t, r, FormatText, Options{Unicode: true, Verbose: verbose, Color: color})
				for _, width := range []int{80, 40} {
					out := render(t, r, FormatText, Options{Unicode: true, Verbose: verbose, Color: color, Width: width})
					for i, line := range strings.Split(out, "\n") {
						if w := visibleWidth(line); w > width {
							t.Errorf("%s (verbose %v, colour %v) at %d columns: line %d is %d wide: %q", name, verbose, color, width, i+1, w, line)
						}
					}
					// same words, none cut: "time z/one" would differ
					if got, want := words(out), words(plain); !slices.Equal(got, want) {
						t.Errorf("%s (verbose %v) at %d columns: the words changed:\n%s", name, verbose, width, firstWordDiff(got, want))
					}
					if got, want := unindented(out), unindented(plain); !slices.Equal(got, want) {
						t.Errorf("%s (verbose %v) at %d columns: lines at the margin %q, want %q", name, verbose, width, got, want)
					}
				}
			}
		}
	}
	// Piped (no width): nothing is wrapped; long lines stay long.
	plain := render(t, fullReport(), FormatText, Options{Unicode: true})
	long := false
	for _, line := range strings.Split(plain, "\n") {
		long = long || visibleWidth(line) > 80
	}
	if !long {
		t.Error("the fixture has no line over 80 columns: the piped case proves nothing")
	}
}

// TestTextHangingIndent: a wrapped problem continues under its own text,
// not at the margin.
func TestTextHangingIndent(t *testing.T) {
	r := baseReport()
	r.Results = []report.Result{{ID: "network", Title: "Network and internet", Status: report.Fail, Summary: "Offline",
		Findings: []report.Finding{{Severity: report.Fail, Message: "You're not connected to the internet: no network connection is active.",
			Fix: "Turn on Wi-Fi and join your network, or plug in the network cable. Check that airplane mode is off."}}}}
	out := render(t, r, FormatText, Options{Unicode: true, Width: 40})
	want := "  Problem: You're not connected to the\n    internet: no network connection is\n    active.\n"
	if !strings.Contains(out, want) {
		t.Errorf("want\n%s\nin\n%s", want, out)
	}
}

// offlineReport is what an offline run looks like: the main problem first,
// then skipped checks, then a long system section and two device warnings.
func offlineReport() report.Report {
	r := baseReport()
	r.Results = []report.Result{
		{ID: "network", Title: "Network and internet", Status: report.Fail, Summary: "Offline: no network connection is active",
			Facts: map[string]string{"connection_type": "unknown", "connectivity": "offline"},
			Findings: []report.Finding{{Severity: report.Fail, Message: "You're not connected to the internet: no network connection is active.",
				Fix: "Turn on Wi-Fi and join your network, or plug in the network cable. Check that airplane mode is off."}}},
		{ID: "dns", Title: "DNS (name lookups)", Status: report.Skipped, Summary: "offline (see network)"},
		{ID: "latency", Title: "Latency, jitter and loss", Status: report.Skipped, Summary: "offline (see network)"},
		{ID: "system", Title: "System basics", Status: report.Pass, Summary: "Debian GNU/Linux 12 (bookworm), restarted 51 minutes ago",
			Metrics:  []report.Metric{report.Measured("uptime_seconds", 3090, "s"), report.Measured("disk_free_bytes", 69.6e9, "bytes")},
			Facts:    map[string]string{"arch": "amd64", "kernel": "6.1.0-18-amd64", "os_name": "Debian GNU/Linux", "time_zone": "Etc/UTC", "utc_offset": "+00:00"},
			Findings: []report.Finding{{Severity: report.Pass, Message: "The clock was not compared with a time server: the time server pool.ntp.org did not answer."}}},
		{ID: "audio", Title: "Microphone and speakers", Status: report.Warn, Summary: "no audio devices found",
			Findings: []report.Finding{{Severity: report.Warn, Message: "No audio devices found: no sound server answered and the system lists no sound card.",
				Fix: "Plug in headphones or a headset (or try another USB port) and check that they are switched on."}}},
		{ID: "camera", Title: "Camera", Status: report.Warn, Summary: "No camera found",
			Findings: []report.Finding{{Severity: report.Warn, Message: "No camera found.",
				Fix: "Plug the camera in (or try another USB port), open its privacy shutter or switch, and close other video apps."}}},
	}
	r.Overall = report.ComputeOverall(r.Results)
	return r
}

// TestTextEndsWithWhatToFix: on a terminal the report ends with the worst
// problems and their fixes, so that on an 80x24 screen the last screen
// holds "You're not connected"; piped, the report is unchanged.
func TestTextEndsWithWhatToFix(t *testing.T) {
	r := offlineReport()
	for _, width := range []int{80, 40} {
		out := render(t, r, FormatText, Options{Unicode: true, Width: width, FixesLast: true})
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		last := strings.Join(lines[max(len(lines)-24, 0):], "\n")
		// at 40 columns three problems and their fixes take more than a
		// screen: the worst one must still be on it
		if (width == 80 && !strings.Contains(last, "What to fix")) || !strings.Contains(last, "You're not") || !strings.Contains(last, "Turn on Wi-Fi") {
			t.Errorf("at %d columns the last screen is:\n%s", width, last)
		}
		margin := unindented(out)
		if !strings.HasPrefix(margin[len(margin)-1], "Overall: FAI") {
			t.Errorf("the last line at the margin is %q, want the overall verdict", margin[len(margin)-1])
		}
		block := out[strings.Index(out, "What to fix"):]
		if i, j := strings.Index(block, "Network and internet:"), strings.Index(block, "Camera:"); i < 0 || j < 0 || i > j {
			t.Errorf("the worst problem is not first:\n%s", block)
		}
		if strings.Contains(block, "offline (see network)") || strings.Contains(block, "clock was not compared") {
			t.Errorf("skipped checks or notes in the block:\n%s", block)
		}
	}
	// at most five problems, and the rest counted
	many := offlineReport()
	for i := range 6 {
		many.Results = append(many.Results, report.Result{ID: "x" + string(rune('a'+i)), Title: "Extra", Status: report.Warn,
			Findings: []report.Finding{{Severity: report.Warn, Message: "Problem number " + string(rune('A'+i)), Fix: "Fix it."}}})
	}
	out := render(t, many, FormatText, Options{Unicode: true, Width: 80, FixesLast: true})
	block := out[strings.Index(out, "What to fix"):]
	if n := strings.Count(block, "Fix:"); n != 5 || !strings.Contains(block, "4 more problems above") {
		t.Errorf("%d fixes in the block:\n%s", n, block)
	}
	// Piped: no block; nothing to fix: no block.
	if out := render(t, r, FormatText, Options{Unicode: true}); strings.Contains(out, "What to fix") {
		t.Error("a piped report has the block")
	}
	clean := mixedReport()
	clean.Results = clean.Results[:1]
	clean.Results[0].Status, clean.Results[0].Findings = report.Pass, nil
	clean.Overall = report.Pass
	if out := render(t, clean, FormatText, Options{Unicode: true, Width: 80, FixesLast: true}); strings.Contains(out, "What to fix") {
		t.Errorf("a clean report has the block:\n%s", out)
	}
}

// FuzzWrapLine: any line wraps into lines no wider than asked, keeping
// every character but the spaces it breaks at, and never cuts a colour
// sequence.
func FuzzWrapLine(f *testing.F) {
	for _, seed := range []string{"", "a", "  Problem: You're not connected to the internet.", "\x1b[31m✖ FAIL\x1b[0m    Title (x)   12 ms",
		strings.Repeat("x", 100), "a · b · c — d | e --flag 0.4 s", "\x1b[", "  \x1b[1m  \x1b[0m  "} {
		f.Add(seed, 40)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		if width < textMinWidth || width > 500 || strings.ContainsAny(s, "\n\r\t") || !utf8.ValidString(s) {
			return
		}
		lines := wrapLine(s, width)
		var joined strings.Builder
		for _, l := range lines {
			if visibleLen(l) > width {
				t.Fatalf("line %q is wider than %d", l, width)
			}
			joined.WriteString(l)
		}
		squeeze := func(x string) string { return strings.ReplaceAll(x, " ", "") }
		if squeeze(joined.String()) != squeeze(s) {
			t.Fatalf("characters changed:\n%q\n%q", s, joined.String())
		}
	})
}
