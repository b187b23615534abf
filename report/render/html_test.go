package render

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wfh-cli/wfh/report"
)

var htmlGoldenCases = []struct {
	opts    Options
	reports []string // nil: every HTML sample report
}{
	{Options{}, nil},
	{Options{Verbose: true}, []string{"full"}},
}

func TestHTMLGolden(t *testing.T) {
	for _, c := range htmlGoldenCases {
		for _, sr := range htmlSampleReports {
			if c.reports != nil && !contains(c.reports, sr.name) {
				continue
			}
			name := sr.name + ".html"
			if c.opts.Verbose {
				name += ".verbose"
			}
			name += ".golden"
			t.Run(name, func(t *testing.T) {
				got := render(t, sr.report(), FormatHTML, c.opts)
				path := filepath.Join("testdata", name)
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./report/... -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from golden; run go test ./report/... -update and review the diff\n%s",
						name, firstDiff(string(want), got))
				}
			})
		}
	}
}

// The page's own vocabulary: any other element or attribute in the output
// can only have come from a machine string that was not escaped.
var (
	htmlOwnTags = map[string]bool{
		"!DOCTYPE": true, "html": true, "head": true, "meta": true, "title": true, "style": true, "body": true,
		"main": true, "header": true, "footer": true, "section": true, "div": true, "h1": true, "h2": true,
		"p": true, "span": true, "strong": true, "a": true, "dl": true, "dt": true, "dd": true, "ol": true,
		"ul": true, "li": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true,
		"details": true, "summary": true, "figure": true, "figcaption": true,
		"svg": true, "g": true, "line": true, "text": true, "polyline": true, "circle": true, "path": true, "rect": true,
	}
	htmlOwnAttrs = map[string]bool{
		"lang": true, "charset": true, "http-equiv": true, "content": true, "name": true, "class": true,
		"id": true, "href": true, "title": true, "scope": true, "open": true, "viewBox": true, "role": true,
		"aria-label": true, "x": true, "y": true, "x1": true, "y1": true, "x2": true, "y2": true, "cx": true,
		"cy": true, "r": true, "rx": true, "width": true, "height": true, "d": true, "points": true, "text-anchor": true,
	}
	htmlAttrRe = regexp.MustCompile(`^\s+([A-Za-z][A-Za-z0-9:-]*)(="([^"<>]*)")?`)
	htmlHrefRe = regexp.MustCompile(`^#check-[0-9]+$`)
)

// checkHTMLStructure fails t when the page holds an element, attribute or
// link that the renderer does not write itself, or more than one
// stylesheet. html/template escapes every '<' of a machine string, so each
// literal '<' outside the stylesheet opens one of the page's own tags.
func checkHTMLStructure(t testing.TB, name, page string) {
	t.Helper()
	if !utf8.ValidString(page) {
		t.Fatalf("%s: page is not valid UTF-8", name)
	}
	if n := strings.Count(page, "<style>"); n != 1 || strings.Count(page, "</style>") != 1 {
		t.Fatalf("%s: %d stylesheets", name, n)
	}
	start, end := strings.Index(page, "<style>"), strings.Index(page, "</style>")
	rest := page[:start+len("<style>")] + page[end:]
	for i := 0; i < len(rest); i++ {
		if rest[i] != '<' {
			if rest[i] == '>' {
				t.Fatalf("%s: stray '>' at %q", name, around(rest, i))
			}
			continue
		}
		j := i + 1
		if j < len(rest) && rest[j] == '/' {
			j++
		}
		k := j
		for k < len(rest) && rest[k] != ' ' && rest[k] != '>' && rest[k] != '\n' {
			k++
		}
		tag := rest[j:k]
		if !htmlOwnTags[tag] {
			t.Fatalf("%s: unexpected element %q in %q", name, tag, around(rest, i))
		}
		// attributes up to the closing '>'
		for {
			m := htmlAttrRe.FindStringSubmatch(rest[k:])
			if m == nil {
				break
			}
			attr, value := m[1], html.UnescapeString(m[3])
			if !htmlOwnAttrs[attr] && tag != "!DOCTYPE" {
				t.Fatalf("%s: unexpected attribute %q on <%s> in %q", name, attr, tag, around(rest, k))
			}
			if attr == "href" && !htmlHrefRe.MatchString(value) {
				t.Fatalf("%s: link %q leaves the page", name, value)
			}
			k += len(m[0])
		}
		if k >= len(rest) || rest[k] != '>' {
			t.Fatalf("%s: malformed tag at %q", name, around(rest, i))
		}
		i = k
	}
}

func TestHTMLStructureAndEscaping(t *testing.T) {
	for _, sr := range htmlSampleReports {
		for _, o := range allOptions() {
			page := render(t, sr.report(), FormatHTML, o)
			checkHTMLStructure(t, sr.name, page)
		}
	}
	page := render(t, scriptReport(), FormatHTML, Options{})
	// attributes are checked above; these are the elements
	for _, bad := range []string{"<script", "<img", "<iframe", "<svg onload"} {
		if strings.Contains(page, bad) {
			t.Errorf("raw %q on the page", bad)
		}
	}
	// the strings are there, as text
	for _, want := range []string{
		"&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;",
		"&lt;img src=&#34;http://canary.invalid/leak.png&#34;",
		"&lt;/style&gt;&lt;style&gt;body{display:none}&lt;/style&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("escaped %q missing", want)
		}
	}
}

func TestHTMLContentSecurityPolicy(t *testing.T) {
	page := render(t, fullReport(), FormatHTML, Options{})
	m := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no Content-Security-Policy meta element")
	}
	if i := strings.Index(page, m[0]); i > strings.Index(page, "<title>") {
		t.Error("the policy must come before anything it governs")
	}
	csp := html.UnescapeString(m[1])
	style := page[strings.Index(page, "<style>")+len("<style>") : strings.Index(page, "</style>")]
	sum := sha256.Sum256([]byte(style))
	want := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; base-uri 'none'; form-action 'none'"
	if csp != want {
		t.Errorf("CSP = %q\nwant %q (the stylesheet's hash must match the bytes on the page)", csp, want)
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "script-src", "http:", "https:", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("CSP allows %q", bad)
		}
	}
	if strings.Contains(page, " style=") {
		t.Error("an inline style attribute would be blocked by the policy")
	}
}

// tagRe strips tags to read a fragment as text.
var tagRe = regexp.MustCompile(`<[^>]*>`)

func textOf(fragment string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRe.ReplaceAllString(fragment, " "))), " ")
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}

func TestHTMLSummaryCard(t *testing.T) {
	page := render(t, fullReport(), FormatHTML, Options{})
	card := textOf(between(page, `<dl class="facts">`, "</dl>"))
	want := []string{
		"Computer ▲ WARN Debian GNU/Linux 12 (bookworm) Last restart 23 days ago",
		"Connection ✔ PASS Wi-Fi, online Router answers in 2.1 ms",
		"Wi-Fi ✔ PASS signal -58 dBm, 5 GHz, Wi-Fi 6",
		"Speed ▲ WARN 92.4 Mbit/s down, 18.7 Mbit/s up",
		"Latency ▲ WARN 24.8 ms, jitter 6.3 ms, loss 1.5 % Problems start: in your provider's network Calls: fair",
		"Under load ▲ WARN grade D, +219 ms when the line is busy",
		"VPN ✖ FAIL connected, not passing traffic Company services: 0 of 1 answer",
		"DNS ✔ PASS Your DNS resolvers answer correctly in 18 ms",
		"Camera ✔ PASS Integrated Camera (built-in)",
		"Microphone ▲ WARN USB Headset muted, volume 80 %",
		"Speaker ✔ PASS USB Headset volume 65 %",
		"Local time of the run 2025-03-14 09:30 Europe/Paris (UTC+01:00) Clock 210 ms behind",
	}
	if got := strings.Join(want, " "); card != got {
		t.Errorf("summary card:\n got %s\nwant %s", card, got)
	}
	fixes := textOf(between(page, `<section class="fixes">`, "</section>"))
	order := []string{"FAIL VPN : The VPN tunnel", "Fix: Disconnect and reconnect", "WARN Latency", "WARN Speed", "WARN System basics", "WARN Microphone"}
	last := -1
	for _, w := range order {
		i := strings.Index(fixes, w)
		if i <= last {
			t.Errorf("what to fix: %q missing or out of order in %q", w, fixes)
		}
		last = i
	}
	if !strings.Contains(page, "<title>wfh report: FAIL · 2025-03-14 09:30</title>") {
		t.Errorf("title: %s", between(page, "<title>", "</title>"))
	}
}

func TestHTMLSummaryLeavesOutWhatIsAbsent(t *testing.T) {
	page := render(t, allPassReport(), FormatHTML, Options{})
	card := textOf(between(page, `<dl class="facts">`, "</dl>"))
	for _, absent := range []string{"Speed", "Latency", "Under load", "VPN", "DNS", "Camera", "Microphone", "Speaker", "Sound", "Wi-Fi"} {
		if strings.Contains(card, absent) {
			t.Errorf("card shows %q for a report without it: %s", absent, card)
		}
	}
	for _, want := range []string{"Computer ✔ PASS Ubuntu 24.04 Last restart 3.2 days ago", "Local time of the run 2025-03-14 09:30"} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q: %s", want, card)
		}
	}
	if !strings.Contains(page, "Nothing to fix.") || strings.Contains(page, "What to fix") {
		t.Error("an all-pass report must say there is nothing to fix")
	}
}

func TestHTMLSummaryFallsBackToCheckSummaries(t *testing.T) {
	page := render(t, allFailReport(), FormatHTML, Options{})
	card := textOf(between(page, `<dl class="facts">`, "</dl>"))
	for _, want := range []string{
		"Connection ✖ FAIL Offline",
		"Wi-Fi ⊘ ERROR on Wi-Fi (wlan0) but could not read the signal",
		"Latency ⊘ ERROR did not finish within 5 s",
		"Camera ✖ FAIL No camera found",
		"Sound ✖ FAIL No microphone found",
		"Clock 7 min behind",
	} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q: %s", want, card)
		}
	}
	fixes := textOf(between(page, `<section class="fixes">`, "</section>"))
	// an error without a finding is listed with its summary
	if !strings.Contains(fixes, "ERROR Latency, jitter and loss : did not finish within 5 s") {
		t.Errorf("what to fix: %s", fixes)
	}
	none := render(t, noDevicesReport(), FormatHTML, Options{})
	card = textOf(between(none, `<dl class="facts">`, "</dl>"))
	for _, want := range []string{"Camera ▲ WARN No camera found", "Sound ▲ WARN no audio devices found"} {
		if !strings.Contains(card, want) {
			t.Errorf("no-devices card lacks %q: %s", want, card)
		}
	}
}

func TestHTMLEmptyAndUnredacted(t *testing.T) {
	page := render(t, emptyReport(), FormatHTML, Options{})
	for _, want := range []string{"No checks ran.", "Interrupted: the run was stopped", "ERROR"} {
		if !strings.Contains(page, want) {
			t.Errorf("empty report lacks %q", want)
		}
	}
	if strings.Contains(page, "NOT redacted") {
		t.Error("a redacted report says it is not")
	}
	if page := render(t, hostileReport(), FormatHTML, Options{}); !strings.Contains(page, "Private data is NOT redacted") {
		t.Error("an unredacted report must say so")
	}
}

func TestHTMLItemsFolding(t *testing.T) {
	page := render(t, fullReport(), FormatHTML, Options{})
	// five passing anchors and interfaces stay folded; the latency
	// targets, two of them warning, are open
	if !strings.Contains(page, `<details class="items">`+"\n<summary>5 items, 0 not passing</summary>") {
		t.Error("a long list of passing items should be folded")
	}
	if !strings.Contains(page, `<details class="items" open>`+"\n<summary>3 items, 2 not passing</summary>") {
		t.Error("items that need a look should be open")
	}
	verbose := render(t, fullReport(), FormatHTML, Options{Verbose: true})
	if strings.Contains(verbose, `<details class="items">`) {
		t.Error("--verbose opens every list")
	}
}

func TestHTMLChartGeometry(t *testing.T) {
	s := report.Series{Name: "rtt_ms", Unit: "ms", Item: "gw", IntervalSeconds: 0.5,
		Samples: []*float64{f64(10), nil, f64(12), f64(math.NaN()), f64(30), f64(11)}}
	c := lineChart([]report.Series{s})
	if got := len(c.Lines[0].Lost); got != 2 || !c.HasLost {
		t.Errorf("lost markers = %d, want 2 (a nil and a NaN sample)", got)
	}
	if len(c.Lines[0].Runs) != 1 || len(c.Lines[0].Dots) != 4 {
		t.Errorf("runs %v dots %d: want one line of 2 samples and 4 dots", c.Lines[0].Runs, len(c.Lines[0].Dots))
	}
	if c.Grid[0].Text != "30 ms" || c.Grid[2].Text != "0 ms" {
		t.Errorf("axis %q..%q, want 0 ms..30 ms", c.Grid[2].Text, c.Grid[0].Text)
	}
	if c.XLabels[1].Text != "2.5 s" || c.Title != "rtt (ms) · gw" {
		t.Errorf("x label %q title %q", c.XLabels[1].Text, c.Title)
	}

	long := report.Series{Name: "rtt", Unit: "ms"}
	for i := 0; i < 5000; i++ {
		v := float64(i % 97)
		long.Samples = append(long.Samples, &v)
	}
	c = lineChart([]report.Series{long})
	points := strings.Count(c.Lines[0].Runs[0], ",")
	if points > chartMaxPoints || points < chartMaxPoints/2 || !strings.Contains(c.Note, "highest of 9 samples") {
		t.Errorf("5000 samples drawn as %d points, note %q", points, c.Note)
	}
	if c.Grid[0].Text != "100 ms" || c.XLabels[1].Text != "sample 5000" {
		t.Errorf("axis top %q, x label %q", c.Grid[0].Text, c.XLabels[1].Text)
	}

	lost := lineChart([]report.Series{{Name: "rtt", Unit: "ms", Samples: []*float64{nil, nil}}})
	if lost.Empty != "no sample received" || len(lost.Lines[0].Lost) != 2 {
		t.Errorf("all lost: %+v", lost)
	}
	if none := lineChart([]report.Series{{Name: "rtt"}}); none.Empty != "no samples" {
		t.Errorf("no samples: %q", none.Empty)
	}
	neg := lineChart([]report.Series{{Name: "signal", Unit: "dBm", Samples: []*float64{f64(-61), f64(-72)}}})
	if neg.Grid[0].Text != "0 dBm" || neg.Grid[2].Text != "-80 dBm" {
		t.Errorf("negative axis %q..%q", neg.Grid[2].Text, neg.Grid[0].Text)
	}
	var many []report.Series
	for i := 0; i < 7; i++ {
		many = append(many, report.Series{Name: "rtt", Unit: "ms", Item: strings.Repeat("x", i+1), Samples: []*float64{f64(1)}})
	}
	many = append(many, report.Series{Name: "loss", Unit: "%", Samples: []*float64{f64(1)}})
	if charts := seriesCharts(many); len(charts) != 3 || len(charts[0].Lines) != chartMaxLines || len(charts[1].Lines) != 2 {
		t.Errorf("7 rtt series and 1 loss series gave %d charts", len(charts))
	}
}

func TestNiceCeil(t *testing.T) {
	for v, want := range map[float64]float64{0.3: 0.3, 1: 1, 1.1: 1.2, 4.1: 5, 42.2: 50, 521.5: 600, 7: 8, 0: 1, -3: 1, math.Inf(1): 1} {
		if got := niceCeil(v); math.Abs(got-want) > 1e-9 {
			t.Errorf("niceCeil(%v) = %v, want %v", v, got, want)
		}
	}
}

func TestHTMLIdleLoadedBars(t *testing.T) {
	b := idleLoadedBars(fullReport().Results[3].Metrics)
	if b == nil || len(b.Bars) != 3 {
		t.Fatalf("bars = %+v, want idle, loaded download, loaded upload", b)
	}
	if b.Bars[0].Class != "idle" || b.Bars[2].Label != "loaded latency upload" || b.Bars[2].W != "345.6" {
		t.Errorf("bars %+v", b.Bars)
	}
	for _, ms := range [][]report.Metric{
		{report.Measured("idle_latency_ms", 20, "ms")},
		{report.Measured("idle_latency_ms", 20, "ms"), report.NotMeasured("loaded_latency_ms", "ms", "no server")},
		{report.Measured("idle_latency_ms", 20, "ms"), report.Measured("loaded_latency_ms", 20, "s")},
		{report.Measured("idle_latency_ms", 20, "ms"), report.Measured("loaded_latency_increase_ms", 20, "ms")},
	} {
		if b := idleLoadedBars(ms); b != nil {
			t.Errorf("bars from %+v", ms)
		}
	}
}

func TestHTMLClean(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 10, "plain"},
		{"a\nb\r\nc", 10, "a b c"},
		{"esc\x1b[31m", 20, `esc\x1b[31m`},
		{"bidi\u202Etxt", 20, `bidi\u202etxt`},
		{"bad\xffbyte", 20, `bad\xffbyte`},
		{"日本語ネットワーク", 4, "日本語ネ…"},
		{"<b>", 10, "<b>"}, // html/template escapes it, not htmlClean
	} {
		if got := htmlClean(c.in, c.max); got != c.want {
			t.Errorf("htmlClean(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

// TestHTMLFullReportSize keeps the page small enough to attach anywhere.
func TestHTMLFullReportSize(t *testing.T) {
	page := render(t, fullReport(), FormatHTML, Options{})
	t.Logf("full report: %d bytes of HTML", len(page))
	if len(page) > 100_000 {
		t.Errorf("full report is %d bytes; budget 100 kB", len(page))
	}
	big := render(t, bigReport(), FormatHTML, Options{Verbose: true})
	if len(big) > 1_000_000 {
		t.Errorf("bench report is %d bytes", len(big))
	}
}

func FuzzHTMLRender(f *testing.F) {
	for _, s := range []string{"", "<script>", scriptImg, scriptAttr, scriptStyle, "\x00\x1b]0;x\x07", "\u202e", "\xff", "]]>", "<!--", "{{.CSP}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		page := render(t, worstCaseReport(s), FormatHTML, Options{})
		checkHTMLStructure(t, "fuzz", page)
		for i := 0; i < len(page); i++ {
			if c := page[i]; (c < 0x20 && c != '\n') || c == 0x7f {
				t.Fatalf("control byte %#x in %q", c, around(page, i))
			}
		}
	})
}
