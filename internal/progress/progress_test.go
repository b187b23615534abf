package progress

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
)

type named struct{ id, title string }

func (n named) ID() string            { return n.id }
func (n named) Title() string         { return n.title }
func (n named) Budget() time.Duration { return time.Second }
func (n named) Needs() checks.Needs   { return checks.Needs{} }
func (n named) Run(context.Context, *checks.Env) checks.Result {
	return checks.Result{}
}

func TestDisplayShowsEachCheckLifecycle(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sys, net := named{"system", "System basics"}, named{"network", "Network"}
	d := New(&buf, []checks.Check{sys, net}, Options{Unicode: true, Width: 60, Now: func() time.Time { return now }})
	d.Start()
	d.Started(sys)
	d.Progress(sys, "reading\nos-release")
	d.Finished(sys, checks.Result{Status: report.Warn, DurationSeconds: 0.25})
	d.Stop()
	out := buf.String()
	for _, want := range []string{"System basics", "Network", "waiting", "running", "reading os-release", "warn", "0.2 s", "\x1b[?25l", "\x1b[?25h", "\x1b[2A"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, "\x1b[3") {
		t.Error("colour codes with Color off")
	}
	for _, line := range strings.Split(out, "\n") {
		if visible := len([]rune(stripANSI(line))); visible > 59 {
			t.Errorf("line wider than the terminal (%d): %q", visible, line)
		}
	}
}

func TestDisplayColourAndASCII(t *testing.T) {
	var buf bytes.Buffer
	c := named{"a", "A"}
	d := New(&buf, []checks.Check{c}, Options{Color: true, Unicode: false})
	d.Start()
	d.Finished(c, checks.Result{Status: report.Fail})
	d.Stop()
	if !strings.Contains(buf.String(), "\x1b[31") {
		t.Errorf("no red for fail: %q", buf.String())
	}
	for _, r := range stripANSI(buf.String()) {
		if r > 127 {
			t.Fatalf("non-ASCII %q with Unicode off", r)
		}
	}
}

func TestFitKeepsEscapesAndCutsText(t *testing.T) {
	if got := fit("\x1b[31mabcdef\x1b[0m", 3); got != "\x1b[31mabc\x1b[0m" {
		t.Errorf("fit = %q", got)
	}
	if got := fit("héllo", 10); got != "héllo" {
		t.Errorf("fit = %q", got)
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '\x1b':
			in = true
		case in:
			if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
				in = false
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
