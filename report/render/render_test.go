package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fatih/color"

	"github.com/wfh-cli/wfh/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

func f64(v float64) *float64 { return &v }

var (
	testStart = time.Date(2025, 3, 14, 8, 30, 5, 0, time.UTC)
	testEnd   = testStart.Add(3200 * time.Millisecond)
)

func baseReport() report.Report {
	return report.Report{
		SchemaVersion:   report.SchemaVersion,
		Tool:            report.Tool{Name: "wfh", Version: "0.3.0", Commit: "abc1234"},
		StartedAt:       testStart,
		FinishedAt:      testEnd,
		DurationSeconds: 3.2,
		Host: report.Host{OS: "linux", Arch: "amd64", Hostname: "[hostname]", User: "[user]",
			TimeZone: "Europe/Paris", UTCOffset: "+01:00"},
		Redaction: "on",
	}
}

func allPassReport() report.Report {
	r := baseReport()
	r.Results = []report.Result{
		{ID: "system", Title: "System basics", Status: report.Pass, Summary: "Your computer looks healthy.",
			DurationSeconds: 0.04,
			Metrics:         []report.Metric{report.Measured("uptime_seconds", 280000, "s"), report.Measured("disk_free_bytes", 120e9, "bytes")},
			Facts:           map[string]string{"os_name": "Ubuntu 24.04", "kernel": "6.8.0"}},
		{ID: "network", Title: "Network", Status: report.Pass, Summary: "You are online.", DurationSeconds: 1.25,
			Metrics: []report.Metric{report.Measured("gateway_rtt_ms", 2.4, "ms")},
			Items: []report.Item{
				{Label: "1.1.1.1", Kind: "ping target", Status: report.Pass, Summary: "12 ms average",
					Metrics: []report.Metric{report.Measured("rtt_avg", 12.04, "ms")}},
			},
			Series: []report.Series{{Name: "rtt", Unit: "ms", Item: "1.1.1.1", IntervalSeconds: 0.2,
				Samples: []*float64{f64(11.5), f64(12.1), f64(12.5)}}}},
		{ID: "time", Title: "Clock", Status: report.Pass, Summary: "Your clock is right.", DurationSeconds: 0.3},
	}
	r.Overall = report.ComputeOverall(r.Results)
	return r
}

func mixedReport() report.Report {
	r := baseReport()
	r.Profile = "Acme onboarding"
	r.Results = []report.Result{
		{ID: "system", Title: "System basics", Status: report.Pass, Summary: "Your computer looks healthy.",
			DurationSeconds: 0.04,
			Metrics: []report.Metric{report.Measured("uptime_seconds", 280000, "s"), report.Measured("memory_free_bytes", 3.4e9, "bytes"),
				report.Measured("cpu_load_percent", 12.345, "%")},
			Facts:    map[string]string{"os_name": "Ubuntu 24.04 LTS", "kernel": "6.8.0-45-generic", "time_zone": "Europe/Paris"},
			Findings: []report.Finding{{Severity: report.Pass, Message: "Restarted 3 days ago."}}},
		{ID: "network", Title: "Network", Status: report.Fail, Summary: "One of three targets did not answer.",
			DurationSeconds: 2.1,
			Metrics: []report.Metric{report.Measured("gateway_rtt_ms", 3.42, "ms"), report.Measured("packet_loss_percent", 33.333, "%"),
				report.NotMeasured("ipv6_rtt_ms", "ms", "no IPv6 route")},
			Facts: map[string]string{"interface": "wlan0", "gateway": "[gateway]"},
			Findings: []report.Finding{
				{Severity: report.Fail, Message: "9.9.9.9 did not answer any of 5 pings.",
					Fix: "Restart your router; if it persists, call your internet provider."},
				{Severity: report.Pass, Message: "Raw ICMP was not available, so TCP probes were used."},
			},
			Items: []report.Item{
				{Label: "1.1.1.1", Kind: "ping target", Status: report.Pass, Summary: "12 ms average",
					Metrics: []report.Metric{report.Measured("rtt_avg", 12.04, "ms"), report.Measured("loss", 0, "%")}},
				{Label: "8.8.8.8", Kind: "ping target", Status: report.Warn, Summary: "1 of 5 lost",
					Metrics:    []report.Metric{report.Measured("rtt_avg", 48.9, "ms"), report.Measured("loss", 20, "%")},
					Attributes: map[string]string{"address": "8.8.8.8", "via": "tcp/443"}},
				{Label: "9.9.9.9", Kind: "ping target", Status: report.Fail, Summary: "no replies",
					Metrics: []report.Metric{report.NotMeasured("rtt_avg", "ms", "no replies"), report.Measured("loss", 100, "%")}},
			},
			Series: []report.Series{
				{Name: "rtt", Unit: "ms", Item: "8.8.8.8", IntervalSeconds: 0.2,
					Samples: []*float64{f64(45.1), nil, f64(50.2), f64(47.3), f64(53)}},
				{Name: "rtt", Unit: "ms", Item: "9.9.9.9", IntervalSeconds: 0.2,
					Samples: []*float64{nil, nil, nil, nil, nil}},
			}},
		{ID: "wifi", Title: "Wi-Fi", Status: report.Warn, Summary: "The Wi-Fi signal is weak.", DurationSeconds: 0.5,
			Metrics:  []report.Metric{report.Measured("signal_dbm", -74, "dBm")},
			Facts:    map[string]string{"ssid": "[ssid]", "band": "2.4 GHz"},
			Findings: []report.Finding{{Severity: report.Warn, Message: "Signal is -74 dBm; calls may stutter.", Fix: "Move closer to your router or use a cable."}}},
		{ID: "speed", Title: "Speed test", Status: report.Skipped, Summary: "Skipped: the machine is offline."},
		{ID: "audio", Title: "Microphone and speakers", Status: report.Error, Summary: "Could not list audio devices.",
			DurationSeconds: 0.02,
			Findings: []report.Finding{{Severity: report.Error, Message: "pactl failed: exit status 1",
				Fix: "Install PulseAudio or PipeWire tools, then run wfh again."}}},
		{ID: "dns", Title: "Name lookups", Status: report.Pass, Summary: "Names resolve quickly.", DurationSeconds: 0.31,
			Items: []report.Item{{Label: "[resolver]", Kind: "resolver", Status: report.Pass, Summary: "18 ms"}}},
	}
	r.Overall = report.ComputeOverall(r.Results)
	return r
}

// hostileReport holds strings a broken or malicious machine could produce:
// they must not break the layout of any renderer.
func hostileReport() report.Report {
	long := strings.Repeat("日本語ネットワーク名", 300)
	r := baseReport()
	r.Redaction = "off"
	r.Profile = "Acme | `prod` <b>bold</b>"
	r.Host.Hostname = "evil\x1b[31mred\x1b[0m\r\nhost"
	r.Host.User = "ali\tce"
	r.Host.TimeZone = "Mars/Olympus\nMons"
	r.Results = []report.Result{
		{ID: "net|work", Title: "Net | work `code` *bold* _it_ [link](http://x)", Status: report.Fail,
			Summary:         "line one\nline two\r\n| a | b |\n# heading\n<script>alert(1)</script>",
			DurationSeconds: 1,
			Metrics: []report.Metric{
				report.Measured("weird|name_ms", 1.5, "ms"),
				report.NotMeasured("esc\x1b[2J", "ms", "because\nreasons | `x`"),
			},
			Facts: map[string]string{
				"ssid":        "<img src=x onerror=alert(1)>",
				"bidi":        "abc\u202Egnp.exe",
				"invalid":     "bad\xff\xfebytes",
				"newline|key": "v1\nv2",
				"long":        long,
			},
			Findings: []report.Finding{
				{Severity: report.Fail, Message: "Pipe | in message\nand a `backtick`", Fix: "Run `rm -rf /` <b>now</b>\x07"},
				{Severity: report.Warn, Message: long, Fix: long},
			},
			Items: []report.Item{
				{Label: long, Kind: "k|ind", Status: report.Fail, Summary: "- list?\n> quote",
					Attributes: map[string]string{"a|b": "c\x1b]0;title\x07d"}},
				{Label: "# not a heading", Status: "bogus", Summary: "unknown status"},
			},
			Series: []report.Series{{Name: "rtt|x", Unit: "m\ns", Item: "<i>", Samples: []*float64{f64(1), nil, f64(3)}}},
		},
		{ID: "sys", Title: long, Status: report.Pass, Summary: long},
	}
	r.Overall = report.ComputeOverall(r.Results)
	return r
}

// emptyReport is a run stopped before any check reported.
func emptyReport() report.Report {
	r := baseReport()
	r.Interrupted = true
	r.Overall = report.ComputeOverall(nil)
	return r
}

var sampleReports = []struct {
	name   string
	report func() report.Report
}{
	{"allpass", allPassReport},
	{"mixed", mixedReport},
	{"hostile", hostileReport},
	{"empty", emptyReport},
}

type goldenCase struct {
	format  Format
	opts    Options
	reports []string // nil: every sample report
}

// Unicode is the default in goldens because most terminals have it; the
// ".ascii" variants cover the rest.
var goldenCases = []goldenCase{
	{FormatText, Options{Unicode: true}, nil},
	{FormatText, Options{Unicode: true, Verbose: true}, nil},
	{FormatText, Options{}, []string{"mixed", "hostile"}},
	{FormatText, Options{Verbose: true}, []string{"mixed", "hostile"}},
	{FormatText, Options{Unicode: true, Color: true}, []string{"mixed"}},
	{FormatMarkdown, Options{Unicode: true}, nil},
	{FormatMarkdown, Options{Unicode: true, Verbose: true}, nil},
	{FormatMarkdown, Options{}, []string{"mixed"}},
	{FormatJSON, Options{}, nil},
}

func goldenName(report string, c goldenCase) string {
	name := report + "." + string(c.format)
	if c.format != FormatJSON {
		if c.opts.Verbose {
			name += ".verbose"
		}
		if c.opts.Color {
			name += ".color"
		}
		if !c.opts.Unicode {
			name += ".ascii"
		}
	}
	return name + ".golden"
}

func render(t *testing.T, r report.Report, f Format, o Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, r, f, o); err != nil {
		t.Fatalf("Render(%s, %+v): %v", f, o, err)
	}
	return buf.String()
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		for _, sr := range sampleReports {
			if c.reports != nil && !contains(c.reports, sr.name) {
				continue
			}
			name := goldenName(sr.name, c)
			t.Run(name, func(t *testing.T) {
				got := render(t, sr.report(), c.format, c.opts)
				path := filepath.Join("testdata", name)
				if *update {
					if err := os.MkdirAll("testdata", 0o755); err != nil {
						t.Fatal(err)
					}
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\nwant: " + w + "\ngot:  " + g
		}
	}
	return ""
}

// allOptions is every combination of the three switches.
func allOptions() []Options {
	var out []Options
	for _, c := range []bool{false, true} {
		for _, v := range []bool{false, true} {
			for _, u := range []bool{false, true} {
				out = append(out, Options{Color: c, Verbose: v, Unicode: u})
			}
		}
	}
	return out
}

func TestTextASCIIOnlyWithoutUnicode(t *testing.T) {
	for _, sr := range sampleReports {
		for _, o := range allOptions() {
			if o.Unicode {
				continue
			}
			out := render(t, sr.report(), FormatText, o)
			for i := 0; i < len(out); i++ {
				if out[i] >= utf8.RuneSelf {
					t.Fatalf("%s %+v: non-ASCII byte %#x at %d in %q", sr.name, o, out[i], i, around(out, i))
				}
			}
		}
	}
}

// Markdown keeps machine strings in UTF-8 (a ticket is UTF-8), so only its own
// decoration must be ASCII when Unicode is off.
func TestMarkdownDecorationASCIIWithoutUnicode(t *testing.T) {
	for _, name := range []string{"allpass", "mixed", "empty"} {
		out := render(t, reportNamed(name), FormatMarkdown, Options{Verbose: true})
		for i := 0; i < len(out); i++ {
			if out[i] >= utf8.RuneSelf {
				t.Fatalf("%s: non-ASCII byte at %d in %q", name, i, around(out, i))
			}
		}
	}
}

func reportNamed(name string) report.Report {
	for _, sr := range sampleReports {
		if sr.name == name {
			return sr.report()
		}
	}
	panic("no sample report " + name)
}

func around(s string, i int) string {
	return s[max(i-30, 0):min(i+30, len(s))]
}

func TestNoControlBytesWithoutColor(t *testing.T) {
	for _, sr := range sampleReports {
		for _, f := range Formats() {
			for _, o := range allOptions() {
				if o.Color {
					continue
				}
				out := render(t, sr.report(), f, o)
				for i := 0; i < len(out); i++ {
					if c := out[i]; (c < 0x20 && c != '\n') || c == 0x7f {
						t.Fatalf("%s %s %+v: control byte %#x in %q", sr.name, f, o, c, around(out, i))
					}
				}
				// C1 controls and bidi overrides act on terminals too; JSON
				// is exempt because it must carry the model's strings as is
				if f == FormatJSON {
					continue
				}
				for _, r := range out {
					if (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
						t.Fatalf("%s %s %+v: control rune %U in output", sr.name, f, o, r)
					}
				}
			}
		}
	}
}

func TestColorOnlyWhenAsked(t *testing.T) {
	before := color.NoColor
	for _, sr := range sampleReports {
		for _, o := range allOptions() {
			out := render(t, sr.report(), FormatText, o)
			hasESC := strings.Contains(out, "\x1b")
			if o.Color && !hasESC {
				t.Errorf("%s %+v: Color on but no ESC in output", sr.name, o)
			}
			if !o.Color && hasESC {
				t.Errorf("%s %+v: Color off but ESC in output", sr.name, o)
			}
		}
	}
	if color.NoColor != before {
		t.Errorf("rendering changed the global color.NoColor")
	}
	// the caller's decision wins over NO_COLOR in the environment
	t.Setenv("NO_COLOR", "1")
	if out := render(t, mixedReport(), FormatText, Options{Color: true}); !strings.Contains(out, "\x1b[31m") {
		t.Errorf("Color: true ignored when NO_COLOR is set")
	}
}

func TestTextLinesStayOneLine(t *testing.T) {
	out := render(t, hostileReport(), FormatText, Options{Unicode: true, Verbose: true})
	for _, l := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(l); n > 700 {
			t.Errorf("line of %d runes: %.80q…", n, l)
		}
		if strings.HasPrefix(l, "line two") || strings.HasPrefix(l, "# heading") {
			t.Errorf("a newline in a summary started a new line: %q", l)
		}
	}
}

// unescapedPipes counts "|" not preceded by an odd number of backslashes.
func unescapedPipes(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		if line[i] != '|' {
			continue
		}
		bs := 0
		for j := i - 1; j >= 0 && line[j] == '\\'; j-- {
			bs++
		}
		if bs%2 == 0 {
			n++
		}
	}
	return n
}

func TestMarkdownStructure(t *testing.T) {
	for _, sr := range sampleReports {
		for _, o := range allOptions() {
			out := render(t, sr.report(), FormatMarkdown, o)
			pipes := -1
			for i, l := range strings.Split(out, "\n") {
				if len(l) > mdMaxLine {
					t.Errorf("%s %+v: line %d is %d bytes", sr.name, o, i+1, len(l))
				}
				if strings.HasPrefix(l, "|") {
					n := unescapedPipes(l)
					if pipes == -1 {
						pipes = n
					}
					if n != pipes {
						t.Errorf("%s %+v: table row %d has %d cell separators, header has %d: %q", sr.name, o, i+1, n, pipes, l)
					}
				}
				if strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "## wfh report: ") && !strings.HasPrefix(l, "### ") {
					t.Errorf("%s %+v: unexpected heading %q", sr.name, o, l)
				}
				if strings.HasPrefix(l, ">") {
					t.Errorf("%s %+v: unexpected quote %q", sr.name, o, l)
				}
			}
			if sr.name != "empty" && pipes != 4 {
				t.Errorf("%s %+v: table has %d separators per row, want 4", sr.name, o, pipes)
			}
			for _, bad := range []string{"<script", "<img", "<b>", "<i>"} {
				if strings.Contains(out, bad) {
					t.Errorf("%s %+v: raw %q in markdown", sr.name, o, bad)
				}
			}
			// every <details> is closed and the only HTML is our own
			if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
				t.Errorf("%s %+v: unbalanced <details>", sr.name, o)
			}
		}
	}
}

// worstCaseReport sets every string the renderers show to a long value made
// of the characters that grow most when escaped.
func worstCaseReport(s string) report.Report {
	m := report.Metric{Name: s, Value: f64(1), Unit: s, Note: s}
	nm := report.Metric{Name: s, Unit: s, Note: s}
	facts := map[string]string{s: s, s + "2": s}
	r := report.Report{
		SchemaVersion: s, Tool: report.Tool{Name: s, Version: s, Commit: s},
		StartedAt: testStart, DurationSeconds: 1,
		Host:    report.Host{OS: s, Arch: s, Hostname: s, User: s, TimeZone: s, UTCOffset: s},
		Profile: s, Redaction: s, Overall: report.Status(s),
	}
	for _, st := range []report.Status{report.Fail, report.Pass, report.Status(s)} {
		r.Results = append(r.Results, report.Result{ID: s, Title: s, Status: st, Summary: s,
			Findings: []report.Finding{{Severity: report.Fail, Message: s, Fix: s}, {Severity: report.Pass, Message: s, Fix: s}},
			Metrics:  []report.Metric{m, nm}, Facts: facts,
			Items:  []report.Item{{Label: s, Kind: s, Status: report.Status(s), Summary: s, Metrics: []report.Metric{m, nm}, Attributes: facts}},
			Series: []report.Series{{Name: s, Unit: s, Item: s, Samples: []*float64{f64(1), nil}}},
		})
	}
	return r
}

func TestLineLimitsWorstCase(t *testing.T) {
	for _, s := range []string{strings.Repeat("<|", 3000), strings.Repeat("\x1b\u202e", 1000), strings.Repeat("\x01", 3000)} {
		r := worstCaseReport(s)
		for _, o := range allOptions() {
			for i, l := range strings.Split(render(t, r, FormatMarkdown, o), "\n") {
				if len(l) > mdMaxLine {
					t.Errorf("markdown %+v: line %d is %d bytes: %.60q", o, i+1, len(l), l)
				}
			}
			for i, l := range strings.Split(render(t, r, FormatText, o), "\n") {
				if n := utf8.RuneCountInString(l); n > 1200 {
					t.Errorf("text %+v: line %d is %d runes: %.60q", o, i+1, n, l)
				}
			}
		}
	}
}

func TestMarkdownNoProblemsSection(t *testing.T) {
	out := render(t, allPassReport(), FormatMarkdown, Options{})
	if strings.Contains(out, "Problems and fixes") {
		t.Errorf("problems section shown for an all-pass report")
	}
	if !strings.HasPrefix(out, "## wfh report: PASS\n") {
		t.Errorf("verdict is not first: %.40q", out)
	}
}

func TestMdEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"a|b", `a\|b`},
		{"`code`", "\\`code\\`"},
		{"*bold* _it_", `\*bold\* \_it\_`},
		{"[x](http://y)", `\[x\](http://y)`},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"AT&T", "AT&amp;T"},
		{"# title", `\# title`},
		{"not # title", "not # title"},
		{"- item", "- item"},
		{"one\ntwo\r\nthree", "one two three"},
		{"  lead and trail \n", "lead and trail"},
		{"back\\slash", `back\\slash`},
		{"\\|", `\\\|`},
		{"esc\x1b[31m", `esc\\x1b\[31m`},
		{"~~strike~~", `\~\~strike\~\~`},
		{"bidi\u202Etxt", `bidi\\u202etxt`},
		{"bad\xffbyte", `bad\\xffbyte`},
		{"日本語", "日本語"},
	}
	for _, c := range cases {
		if got := mdEscape(c.in); got != c.want {
			t.Errorf("mdEscape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMdEscapeLimit(t *testing.T) {
	if got := mdEscapeLimit("short", 10); got != "short" {
		t.Errorf("short string changed: %q", got)
	}
	if got := mdEscapeLimit("exactly10!", 10); got != "exactly10!" {
		t.Errorf("string at the limit truncated: %q", got)
	}
	got := mdEscapeLimit(strings.Repeat("<", 100), 20)
	if len(got) > 20 || !strings.HasSuffix(got, "...") || strings.Contains(got, "&l.") {
		t.Errorf("bad truncation %q", got)
	}
	got = mdEscapeLimit(strings.Repeat(`\`, 100), 20)
	if trimmed := strings.TrimSuffix(got, "..."); len(trimmed)%2 != 0 {
		t.Errorf("truncation split an escape: %q", got)
	}
}

func FuzzMarkdownEscape(f *testing.F) {
	for _, s := range []string{"", "a|b", "\\|", "<script>", "x\ny", "\r", "\u2028", "\x85", "\xff|", "`", "#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, max := range []int{0, 7, 50} {
			out := mdEscapeLimit(s, max)
			if strings.ContainsAny(out, "\n\r\u2028\u2029\u0085") {
				t.Fatalf("mdEscapeLimit(%q, %d) = %q has a line break", s, max, out)
			}
			if unescapedPipes(out) != 0 {
				t.Fatalf("mdEscapeLimit(%q, %d) = %q has an unescaped pipe", s, max, out)
			}
			if strings.ContainsAny(out, "<>") {
				t.Fatalf("mdEscapeLimit(%q, %d) = %q has raw angle brackets", s, max, out)
			}
			if max > 0 && len(out) > max {
				t.Fatalf("mdEscapeLimit(%q, %d) is %d bytes", s, max, len(out))
			}
			if !utf8.ValidString(out) {
				t.Fatalf("mdEscapeLimit(%q, %d) = %q is not valid UTF-8", s, max, out)
			}
		}
	})
}

func TestJSONRoundTrip(t *testing.T) {
	for _, sr := range sampleReports {
		in := sr.report()
		out := render(t, in, FormatJSON, Options{Verbose: true, Color: true})
		if !strings.HasSuffix(out, "}\n") {
			t.Errorf("%s: JSON does not end with a newline", sr.name)
		}
		var back report.Report
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields() // exactly the model, nothing extra
		if err := dec.Decode(&back); err != nil {
			t.Fatalf("%s: %v", sr.name, err)
		}
		want := in
		if sr.name == "hostile" {
			// encoding/json replaces each invalid UTF-8 byte; that is the
			// only change the round trip may make
			want.Results[0].Facts["invalid"] = "bad\uFFFD\uFFFDbytes"
		}
		if !reflect.DeepEqual(want, back) {
			a, _ := json.MarshalIndent(want, "", "  ")
			b, _ := json.MarshalIndent(back, "", "  ")
			t.Errorf("%s: JSON round trip changed the report\n%.300s", sr.name, firstDiff(string(a), string(b)))
		}
	}
}

func TestJSONNoHTMLEscape(t *testing.T) {
	out := render(t, hostileReport(), FormatJSON, Options{})
	if !strings.Contains(out, "<script>") || strings.Contains(out, `\u003c`) {
		t.Errorf("JSON escapes HTML characters")
	}
	if !strings.HasPrefix(out, "{\n  \"schema_version\"") {
		t.Errorf("JSON is not indented by two spaces: %.40q", out)
	}
}

func TestNonFiniteValues(t *testing.T) {
	r := mixedReport()
	r.DurationSeconds = math.Inf(1)
	r.Results[0].Metrics[0].Value = f64(math.NaN())
	r.Results[0].Metrics[1].Value = f64(math.Inf(-1))
	r.Results[0].Metrics[1].Note = "kept"
	r.Results[1].Items[0].Metrics[0].Value = f64(math.Inf(1))
	r.Results[1].Series[0].Samples[0] = f64(math.NaN())
	r.Results[1].Series[0].IntervalSeconds = math.NaN()
	r.Results[1].DurationSeconds = math.NaN()

	for _, f := range Formats() {
		for _, o := range allOptions() {
			render(t, r, f, o)
		}
	}

	var back report.Report
	if err := json.Unmarshal([]byte(render(t, r, FormatJSON, Options{})), &back); err != nil {
		t.Fatal(err)
	}
	m0, m1 := back.Results[0].Metrics[0], back.Results[0].Metrics[1]
	if m0.Value != nil || m0.Note != nonFiniteNote {
		t.Errorf("NaN metric = %+v, want nil value with a note", m0)
	}
	if m1.Value != nil || m1.Note != "kept" {
		t.Errorf("-Inf metric = %+v, want nil value and the original note", m1)
	}
	if back.Results[1].Items[0].Metrics[0].Value != nil {
		t.Errorf("Inf item metric was not dropped")
	}
	if back.Results[1].Series[0].Samples[0] != nil || back.Results[1].Series[0].Samples[2] == nil {
		t.Errorf("series samples = %v, want only the NaN one nil", back.Results[1].Series[0].Samples)
	}
	if back.DurationSeconds != 0 || back.Results[1].DurationSeconds != 0 {
		t.Errorf("non-finite durations were not zeroed")
	}
	// the caller's report is untouched
	if v := r.Results[0].Metrics[0].Value; v == nil || !math.IsNaN(*v) {
		t.Errorf("sanitising modified the input report")
	}
	if v := r.Results[1].Series[0].Samples[0]; v == nil || !math.IsNaN(*v) {
		t.Errorf("sanitising modified the input series")
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats() {
		got, err := ParseFormat(string(f))
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	if got, err := ParseFormat(" Markdown "); err != nil || got != FormatMarkdown {
		t.Errorf("ParseFormat is not forgiving about case: %q, %v", got, err)
	}
	_, err := ParseFormat("x")
	want := `unknown format "x"; valid formats: text, markdown, json, html, prometheus`
	if err == nil || err.Error() != want {
		t.Errorf("ParseFormat(x) error = %v, want %s", err, want)
	}
	if err := Render(&bytes.Buffer{}, mixedReport(), "yaml", Options{}); err == nil ||
		!strings.Contains(err.Error(), "valid formats: text, markdown, json, html, prometheus") {
		t.Errorf("Render with unknown format: %v", err)
	}
}

var errBroken = errors.New("broken pipe")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errBroken }

func TestWriteErrorWrapped(t *testing.T) {
	for _, f := range Formats() {
		err := Render(failingWriter{}, mixedReport(), f, Options{})
		if !errors.Is(err, errBroken) || !strings.Contains(err.Error(), string(f)) {
			t.Errorf("%s: error %v does not wrap the write error with context", f, err)
		}
	}
}

func TestHumanLabel(t *testing.T) {
	cases := []struct{ name, unit, want string }{
		{"uptime_seconds", "s", "uptime"},
		{"gateway_rtt_ms", "ms", "gateway rtt"},
		{"disk_free_bytes", "bytes", "disk free"},
		{"packet_loss_percent", "%", "packet loss"},
		{"signal_dbm", "dBm", "signal"},
		{"retry_count", "", "retry count"},
		{"seconds", "s", "seconds"},
		{"os_name", "", "os name"},
	}
	for _, c := range cases {
		if got := humanLabel(c.name, c.unit); got != c.want {
			t.Errorf("humanLabel(%q, %q) = %q, want %q", c.name, c.unit, got, c.want)
		}
	}
}

func TestTextHeaderAndFooter(t *testing.T) {
	out := render(t, mixedReport(), FormatText, Options{Unicode: true})
	for _, want := range []string{
		"wfh doctor · 2025-03-14 09:30 Europe/Paris (UTC+01:00) · 3.2 s\n",
		"Profile: Acme onboarding\n",
		"Overall: ERROR — 1 failed, 1 error, 1 warning, 2 passed, 1 skipped\n",
		"  Problem: 9.9.9.9 did not answer any of 5 pings.\n",
		"  Fix: Restart your router",
		"  ▲ 8.8.8.8 — 1 of 5 lost\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q", want)
		}
	}
	if strings.Contains(out, "To share this") || !strings.HasSuffix(out, "1 skipped\n") {
		t.Errorf("the report ends with its verdict; what to do with it goes to standard error: %q", around(out, len(out)-1))
	}
	if strings.Contains(out, "1.1.1.1") {
		t.Errorf("non-verbose text shows passing items")
	}
	if strings.Contains(out, "samples") {
		t.Errorf("non-verbose text shows series")
	}
	verbose := render(t, mixedReport(), FormatText, Options{Unicode: true, Verbose: true})
	for _, want := range []string{"1.1.1.1", "5 samples (1 lost), min/avg/max 45.1/48.9/53 ms", "5 samples, all lost"} {
		if !strings.Contains(verbose, want) {
			t.Errorf("verbose text lacks %q", want)
		}
	}
}

func TestHumanLabelDropsUnitEndings(t *testing.T) {
	for _, tc := range []struct{ name, unit, want string }{
		{"tx_rate_mbps", "Mbit/s", "tx rate"}, {"signal_dbm", "dBm", "signal"}, {"snr_db", "dB", "snr"},
		{"frequency_mhz", "MHz", "frequency"}, {"uptime_seconds", "s", "uptime"},
	} {
		if got := humanLabel(tc.name, tc.unit); got != tc.want {
			t.Errorf("humanLabel(%q, %q) = %q, want %q", tc.name, tc.unit, got, tc.want)
		}
	}
}
