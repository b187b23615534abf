package render

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/redact"
	"github.com/wfh-cli/wfh/report/summary"
)

// firstScreen is what a ticket or chat shows before anything is unfolded:
// everything before the first <details>.
func firstScreen(md string) string {
	first, _, _ := strings.Cut(md, "<details>")
	return first
}

// TestMarkdownFirstScreen: for a full run, everything before the first
// <details> is under 2,000 characters, starts with the verdict and answers
// the agent's first questions.
func TestMarkdownFirstScreen(t *testing.T) {
	for _, o := range allOptions() {
		md := render(t, fullReport(), FormatMarkdown, o)
		first := firstScreen(md)
		n := utf8.RuneCountInString(first)
		if o == (Options{Unicode: true}) {
			t.Logf("full report: %d characters of Markdown (%d bytes), first screen %d characters (%d bytes)",
				utf8.RuneCountInString(md), len(md), n, len(first))
		}
		if n >= mdFirstScreen {
			t.Errorf("%+v: first screen is %d characters, want under %d:\n%s", o, n, mdFirstScreen, first)
		}
		if !strings.HasPrefix(first, "## wfh report: ") || !strings.Contains(strings.SplitN(first, "\n", 2)[0], "FAIL") {
			t.Errorf("%+v: the verdict is not first: %.60q", o, first)
		}
		for _, want := range []string{
			"| Computer |", "Debian GNU/Linux 12 (bookworm)", "Last restart 23 days ago", // OS, version, last restart
			"| Connection |", "Wi-Fi, online", "| Wi-Fi |", "signal -58 dBm", // wired or Wi-Fi, signal
			"92.4 Mbit/s down, 18.7 Mbit/s up",                                                 // speed
			"24.8 ms, jitter 6.3 ms, loss 1.5 %", "Problems start: in your provider's network", // latency and where it starts
			"| VPN |", "connected, not passing traffic", "Company services: 0 of 1 answer", // VPN and company services
			"| DNS |", "| Camera |", "Integrated Camera", // DNS, camera
			"| Microphone |", "muted, volume 80 %", "| Speaker |", // default devices
			"Europe/Paris (UTC+01:00)", "Clock 210 ms behind", // time zone, clock
			"The VPN tunnel is up but no company service answers through it.", // the worst problem
		} {
			if !strings.Contains(first, want) {
				t.Errorf("%+v: first screen lacks %q", o, want)
			}
		}
		if strings.Contains(first, "*Fix:*") {
			t.Errorf("%+v: fixes belong in the details, not on the first screen", o)
		}
		// every problem and every check is there once unfolded
		for _, want := range []string{"*Fix:* Disconnect and reconnect the VPN", "<summary>All checks: 9</summary>"} {
			if !strings.Contains(md, want) {
				t.Errorf("%+v: details lack %q", o, want)
			}
		}
	}
}

// TestMarkdownFirstScreenBudget: however many problems a run finds, the
// first screen stays under the budget and says how many more there are.
func TestMarkdownFirstScreenBudget(t *testing.T) {
	r := fullReport()
	long := strings.Repeat("The loss is high and the line is unstable. ", 6)
	for i := range 40 {
		r.Results[0].Findings = append(r.Results[0].Findings, report.Finding{Severity: report.Warn, Message: strconv.Itoa(i) + " " + long, Fix: long})
	}
	r.Results[0].Status = report.Warn
	for _, o := range allOptions() {
		md := render(t, r, FormatMarkdown, o)
		first := firstScreen(md)
		if n := utf8.RuneCountInString(first); n >= mdFirstScreen {
			t.Errorf("%+v: first screen is %d characters", o, n)
		}
		if !strings.Contains(first, "more problems in the details below") {
			t.Errorf("%+v: first screen does not say problems were left out:\n%s", o, first)
		}
		if !strings.Contains(md, "39 The loss is high") {
			t.Errorf("%+v: the details lack the last problem", o)
		}
	}
}

func TestMarkdownNothingToFix(t *testing.T) {
	out := render(t, allPassReport(), FormatMarkdown, Options{})
	if !strings.Contains(firstScreen(out), "Nothing to fix.") || strings.Contains(out, "Problems and fixes") {
		t.Errorf("an all-pass report:\n%s", out)
	}
}

// TestMarkdownHidesRedactedIdentity: "[hostname]" tells an agent nothing
// and costs first-screen room; a real name (--no-redact) is shown.
func TestMarkdownHidesRedactedIdentity(t *testing.T) {
	out := firstScreen(render(t, fullReport(), FormatMarkdown, Options{}))
	if strings.Contains(out, "[hostname]") || strings.Contains(out, "[user]") || !strings.Contains(out, "private data redacted") {
		t.Errorf("redacted report:\n%s", out)
	}
	r := redact.MarkUnredacted(fullReport())
	r.Host.Hostname, r.Host.User = "alice-laptop", "alice"
	out = firstScreen(render(t, r, FormatMarkdown, Options{}))
	for _, want := range []string{"hostname alice-laptop", "user alice", "**private data NOT redacted**"} {
		if !strings.Contains(out, want) {
			t.Errorf("unredacted report lacks %q:\n%s", want, out)
		}
	}
}

// TestSummarySharedByHTMLAndMarkdown: both formats show the same key facts,
// from the one lookup.
func TestSummarySharedByHTMLAndMarkdown(t *testing.T) {
	r := fullReport()
	md := firstScreen(render(t, r, FormatMarkdown, Options{Unicode: true}))
	page := render(t, r, FormatHTML, Options{})
	card := textOf(between(page, `<dl class="facts">`, "</dl>"))
	for _, k := range summary.KeyFacts(r) {
		for _, s := range append([]string{k.Label, k.Value}, k.Details...) {
			if !strings.Contains(md, s) {
				t.Errorf("Markdown lacks %q of row %s", s, k.Label)
			}
			if !strings.Contains(card, s) {
				t.Errorf("HTML card lacks %q of row %s", s, k.Label)
			}
		}
	}
}

func TestMdHTML(t *testing.T) {
	got := mdHTML("a <b> & [x](javascript:y) *i* `c` | \\ ~~s~~ Alice's \"x\" #1!\n\x1bz", 100)
	want := "a &#60;b&#62; &#38; &#91;x&#93;(javascript:y) &#42;i&#42; &#96;c&#96; &#124; &#92; &#126;&#126;s&#126;&#126; Alice's \"x\" #1! &#92;x1bz"
	if got != want {
		t.Errorf("mdHTML = %q\nwant     %q", got, want)
	}
}

// TestMarkdownTables: every table starts after a blank line (some renderers
// do not start a table inside a paragraph), and every row has its header's
// number of cells whatever the report holds.
func TestMarkdownTables(t *testing.T) {
	for _, sr := range htmlSampleReports {
		for _, o := range allOptions() {
			lines := strings.Split(render(t, sr.report(), FormatMarkdown, o), "\n")
			cells := -1
			for i, l := range lines {
				if !strings.HasPrefix(l, "|") {
					cells = -1
					continue
				}
				n := unescapedPipes(l)
				if cells == -1 {
					cells = n
					if i == 0 || lines[i-1] != "" {
						t.Errorf("%s %+v: table at line %d does not follow a blank line", sr.name, o, i+1)
					}
					if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "| ---") {
						t.Errorf("%s %+v: table at line %d has no delimiter row", sr.name, o, i+1)
					}
				}
				if n != cells || !strings.HasSuffix(l, " |") {
					t.Errorf("%s %+v: line %d has %d separators, its header %d: %.80q", sr.name, o, i+1, n, cells, l)
				}
			}
		}
	}
}

// TestMarkdownGoldenFull: the full run, as a ticket shows it; review the
// diff by eye after go test ./report/... -update.
func TestMarkdownGoldenFull(t *testing.T) {
	for _, c := range []goldenCase{
		{FormatMarkdown, Options{Unicode: true}, nil},
		{FormatMarkdown, Options{Unicode: true, Verbose: true}, nil},
		{FormatMarkdown, Options{}, nil},
	} {
		name := goldenName("full", c)
		got := render(t, fullReport(), c.format, c.opts)
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./report/... -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from golden; run go test ./report/... -update and review the diff\n%s", name, firstDiff(string(want), got))
		}
	}
}
