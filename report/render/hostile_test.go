package render

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// hostilePayload is what a broken or malicious machine could put in any
// string: terminal control sequences (colour, clear screen, window title,
// a C1 CSI, bell, carriage return), markup and script, Markdown that would
// open a heading, a quote, a code fence, a table row, a link, emphasis or
// an HTML comment, a template action, and a bidi override.
const hostilePayload = "\x1b[31mRED\x1b[2J\x1b]0;title\x07\u009b1m\rover\n# head\n> quote\n```\n| a | b |\n" +
	"<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1)) ![i](http://canary.invalid/p.png) " +
	"*b* _i_ ~~s~~ \\ <!-- {{.CSP}} ]]> \u202egnp.exe"

// plantEverywhere puts s in every string field of v, every map value and
// one more map key, keeping the existing keys so that the summary's
// lookups (and so every code path of every renderer) still run.
func plantEverywhere(t *testing.T, v reflect.Value, s string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).Type == reflect.TypeFor[report.Status]() {
				continue // statuses are exercised apart, below
			}
			plantEverywhere(t, v.Field(i), s)
		}
	case reflect.String:
		v.SetString(s)
	case reflect.Slice:
		for i := range v.Len() {
			plantEverywhere(t, v.Index(i), s)
		}
	case reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		for _, key := range v.MapKeys() {
			v.SetMapIndex(key, reflect.ValueOf(s))
		}
		v.SetMapIndex(reflect.ValueOf(s), reflect.ValueOf(s))
	case reflect.Pointer, reflect.Float64, reflect.Bool:
	default:
		t.Fatalf("unexpected %s field: teach plantEverywhere about it", v.Kind())
	}
}

// TestHostileStringsInEveryFieldEveryFormat feeds the payload through every
// field of a full report and every renderer, plain and verbose, Unicode or
// not: terminal control sequences never reach the text report, and nothing
// becomes markup in Markdown or HTML. A second copy also has a hostile
// status everywhere.
func TestHostileStringsInEveryFieldEveryFormat(t *testing.T) {
	r := fullReport()
	plantEverywhere(t, reflect.ValueOf(&r).Elem(), hostilePayload)
	withStatus := fullReport()
	plantEverywhere(t, reflect.ValueOf(&withStatus).Elem(), hostilePayload)
	withStatus.Overall = report.Status(hostilePayload)
	for i := range withStatus.Results {
		res := &withStatus.Results[i]
		res.Status = report.Status(hostilePayload)
		for j := range res.Findings {
			res.Findings[j].Severity = report.Status(hostilePayload)
		}
		for j := range res.Items {
			res.Items[j].Status = report.Status(hostilePayload)
		}
	}

	for name, rep := range map[string]report.Report{"strings": r, "strings and statuses": withStatus} {
		for _, f := range Formats() {
			for _, o := range allOptions() {
				if o.Color {
					continue // colour is the one escape sequence wfh writes itself
				}
				out := render(t, rep, f, o)
				where := fmt.Sprintf("%s %s %+v", name, f, o)
				hostileNoControls(t, where, out, f)
				switch f {
				case FormatMarkdown:
					hostileMarkdownInert(t, where, out)
				case FormatHTML:
					checkHTMLStructure(t, where, out)
					for _, bad := range []string{"<script", "<img", "<!--", "<svg onload"} {
						if strings.Contains(strings.ToLower(out), bad) {
							t.Errorf("%s: raw %q on the page", where, bad)
						}
					}
				case FormatJSON:
					var back report.Report
					if err := json.Unmarshal([]byte(out), &back); err != nil {
						t.Fatalf("%s: %v", where, err)
					}
					if back.Results[0].Summary != hostilePayload {
						t.Errorf("%s: JSON changed a string: %q", where, back.Results[0].Summary)
					}
				}
			}
		}
	}
}

// hostileNoControls: no C0 control but the newline, no DEL, and (outside
// JSON, which carries the model's strings and escapes C0 itself) no C1
// control or bidi override reaches the output.
func hostileNoControls(t *testing.T, where, out string, f Format) {
	t.Helper()
	for i := 0; i < len(out); i++ {
		if c := out[i]; (c < 0x20 && c != '\n') || c == 0x7f {
			t.Fatalf("%s: control byte %#x in %q", where, c, around(out, i))
		}
	}
	if f == FormatJSON {
		return
	}
	for _, r := range out {
		if (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Fatalf("%s: control rune %U in output", where, r)
		}
	}
}

// hostileMarkdownInert: the only HTML is wfh's own <details> and
// <summary>, every line starts with wfh's own syntax, and every character
// that would open a link, code or emphasis is escaped.
func hostileMarkdownInert(t *testing.T, where, out string) {
	t.Helper()
	rest := out
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		tag := rest[i:]
		ok := false
		for _, own := range []string{"<details>", "</details>", "<summary>", "</summary>"} {
			if strings.HasPrefix(tag, own) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: HTML not made by wfh: %q", where, around(rest, i))
			break
		}
		rest = rest[i+1:]
	}
	for _, bad := range []string{" *b*", "_i_", "~~s~~", "x](javascript", "```", "&amp;lt;"} {
		if strings.Contains(out, bad) {
			t.Errorf("%s: %q is not escaped (or escaped twice)", where, bad)
		}
	}
	for n, l := range strings.Split(out, "\n") {
		switch {
		case l == "", strings.HasPrefix(l, "## wfh report: "), strings.HasPrefix(l, "- "), strings.HasPrefix(l, "  - "),
			strings.HasPrefix(l, "| "), strings.HasPrefix(l, "**"), strings.HasPrefix(l, "<details><summary>"),
			l == "</details>", l == "No checks ran.", l == "Nothing to fix.":
		default:
			t.Errorf("%s: line %d does not start with wfh's own syntax: %.80q", where, n+1, l)
		}
		for i := 0; i < len(l); i++ {
			switch l[i] {
			case '[', ']', '`', '_', '~':
				if i == 0 || l[i-1] != '\\' {
					t.Errorf("%s: unescaped %q at line %d: %q", where, l[i], n+1, around(l, i))
					return
				}
			}
		}
	}
}
