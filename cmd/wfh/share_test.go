package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/clipboard"
	"github.com/wfh-cli/wfh/report"
)

// fakeClipboard records what --copy puts on the clipboard, or fails.
type fakeClipboard struct {
	got   []string
	fail  error
	calls int
}

func (c *fakeClipboard) copy(_ context.Context, text string) error {
	c.calls++
	if c.fail != nil {
		return c.fail
	}
	c.got = append(c.got, text)
	return nil
}

// afterProgress is what a run wrote to standard error once its live
// progress display (on a terminal) showed the cursor again.
func afterProgress(s string) string {
	if i := strings.LastIndex(s, "\x1b[?25h"); i >= 0 {
		return s[i+len("\x1b[?25h"):]
	}
	return s
}

// lastLine is the last line a run wrote to standard error.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(afterProgress(s), "\n"), "\n")
	return lines[len(lines)-1]
}

func warnCheck() checks.Check {
	return stubCheck{id: "alpha", run: returns(report.Warn, "slow router")}
}

// TestShareLine: after every run, one line on standard error says what to
// attach or paste; standard output holds the report and nothing else.
func TestShareLine(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name      string
		args      []string
		stdoutTTY bool
		want      string
	}{
		{"shown on a terminal", []string{"doctor"}, true,
			"To share this with IT support: run wfh doctor --format markdown --output wfh-report.md and attach wfh-report.md to your ticket (or run wfh doctor --copy and paste it)."},
		{"the rerun keeps what was checked", []string{"doctor", "--only", "alpha", "--quick", "--verbose", "--no-color"}, true,
			"run wfh doctor --only alpha --quick --format markdown --output wfh-report.md"},
		{"redirected", []string{"doctor", "--format", "markdown"}, false,
			"The report went to standard output: attach the file you saved it in to your helpdesk ticket, or paste its contents."},
		{"markdown file", []string{"doctor", "--format", "markdown", "--output", filepath.Join(dir, "r.md")}, true,
			"Report saved to " + filepath.Join(dir, "r.md") + ": attach it to your helpdesk ticket, or paste its contents."},
		{"html file", []string{"doctor", "--format", "html", "-o", filepath.Join(dir, "r.html")}, true,
			"Report saved to " + filepath.Join(dir, "r.html") + ": attach it to your helpdesk ticket (it opens in any browser)."},
		{"json file", []string{"doctor", "--format", "json", "-o", filepath.Join(dir, "r.json")}, true,
			"(IT reads it with wfh report)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, warnCheck())
			h.f.ios.SetStderrTTY(true)
			h.f.ios.SetStdoutTTY(tc.stdoutTTY)
			if code := h.run(context.Background(), tc.args...); code != exitOK {
				t.Fatalf("exit %d: %s", code, h.stderr.String())
			}
			if got := lastLine(h.stderr.String()); !strings.Contains(got, tc.want) {
				t.Errorf("last line on stderr:\n got %q\nwant %q", got, tc.want)
			}
			if strings.Count(afterProgress(h.stderr.String()), "\n") != 1 {
				t.Errorf("more than one line on stderr: %q", h.stderr.String())
			}
			if strings.Contains(h.stdout.String(), "To share") || strings.Contains(h.stdout.String(), "clipboard") {
				t.Errorf("the share line reached standard output: %q", h.stdout.String())
			}
		})
	}
	// profile paths with spaces are quoted for the shell
	o := &doctorOptions{profilePath: `C:\IT files\acme.yaml`, only: []string{"vpn"}, onlySet: true}
	if got := rerunCommand(o); got != `wfh doctor --profile "C:\IT files\acme.yaml" --only vpn` {
		t.Errorf("rerunCommand = %q", got)
	}
}

// TestShareLineOnlyForPeople: off a terminal (a script, a management
// tool) standard error carries no chatter.
func TestShareLineOnlyForPeople(t *testing.T) {
	h := newHarness(t, warnCheck())
	if code := h.run(context.Background(), "doctor", "--format", "json"); code != exitOK || h.stderr.Len() != 0 {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
}

// TestCopy: --copy puts the Markdown report, redacted as the run is, on
// the clipboard, and the report still goes where it was asked.
func TestCopy(t *testing.T) {
	const host = "alice-thinkpad"
	plant := func(h *report.Host) report.Known {
		h.Hostname, h.User = host, "alice"
		return report.Known{Hostname: host, User: "alice", HomeDir: "/home/alice"}
	}
	leak := stubCheck{id: "leak", run: returns(report.Warn, "seen from "+host+" at 203.0.113.9")}
	for _, tc := range []struct {
		name     string
		args     []string
		redacted bool
	}{
		{"text on stdout", []string{"doctor", "--copy"}, true},
		{"json on stdout", []string{"doctor", "--copy", "--format", "json"}, true},
		{"unredacted", []string{"doctor", "--copy", "--no-redact"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cb := &fakeClipboard{}
			h := newHarness(t, leak)
			h.f.identity, h.f.clipboard = plant, cb.copy
			if code := h.run(context.Background(), tc.args...); code != exitOK {
				t.Fatalf("exit %d: %s", code, h.stderr.String())
			}
			if len(cb.got) != 1 || !strings.HasPrefix(cb.got[0], "## wfh report: ▲ WARN\n") {
				t.Fatalf("clipboard got %q", cb.got)
			}
			if leaked := strings.Contains(cb.got[0], host) || strings.Contains(cb.got[0], "203.0.113.9"); leaked == tc.redacted {
				t.Errorf("redacted %v, clipboard holds:\n%s", tc.redacted, cb.got[0])
			}
			if !tc.redacted && !strings.Contains(cb.got[0], "NOT redacted") {
				t.Errorf("an unredacted copy does not say so")
			}
			if h.stdout.Len() == 0 || strings.HasPrefix(h.stdout.String(), "## wfh report") {
				t.Errorf("the report asked for did not go to stdout: %.80q", h.stdout.String())
			}
			if got := lastLine(h.stderr.String()); got != "Report copied to the clipboard as Markdown: paste it into your helpdesk ticket or chat." {
				t.Errorf("stderr %q", h.stderr.String())
			}
		})
	}
	// with --output the line names both
	cb := &fakeClipboard{}
	h := newHarness(t, leak)
	h.f.clipboard = cb.copy
	out := filepath.Join(t.TempDir(), "r.html")
	h.run(context.Background(), "doctor", "--copy", "--format", "html", "--output", out)
	if _, err := os.Stat(out); err != nil || len(cb.got) != 1 || !strings.Contains(h.stderr.String(), "Report saved to "+out+" and copied to the clipboard") {
		t.Errorf("file %v, copies %d, stderr %q", err, len(cb.got), h.stderr.String())
	}
}

// TestCopyFailureKeepsReportAndExitCode: without a clipboard one line says
// why and what to do instead; the report is written as asked and the exit
// status is the run's.
func TestCopyFailureKeepsReportAndExitCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"no clipboard", fmt.Errorf("%w: no graphical session here (DISPLAY and WAYLAND_DISPLAY are unset)", clipboard.ErrUnavailable),
			"wfh: the report was not copied: no clipboard available: no graphical session here (DISPLAY and WAYLAND_DISPLAY are unset); save the report with --format markdown --output wfh-report.md and attach the file instead"},
		{"tool fails", errors.New("copying with xclip failed: exit status 1: Error: Can't open display: :0"),
			"wfh: the report was not copied to the clipboard: copying with xclip failed: exit status 1: Error: Can't open display: :0; save the report"},
	} {
		for _, st := range []report.Status{report.Pass, report.Fail} {
			t.Run(tc.name+" "+string(st), func(t *testing.T) {
				want := exitOK
				if st == report.Fail {
					want = exitChecks
				}
				cb := &fakeClipboard{fail: tc.err}
				h := newHarness(t, stubCheck{id: "alpha", run: returns(st, "x")})
				h.f.clipboard = cb.copy
				if code := h.run(context.Background(), "doctor", "--copy", "--format", "json"); code != want || cb.calls != 1 {
					t.Errorf("exit %d (want %d), %d copies", code, want, cb.calls)
				}
				if r := decode(t, h.stdout.String()); len(r.Results) != 1 {
					t.Errorf("report %+v", r)
				}
				lines := strings.Split(strings.TrimRight(h.stderr.String(), "\n"), "\n")
				if len(lines) != 2 || !strings.HasPrefix(lines[0], tc.want) || !strings.HasPrefix(lines[1], "The report went to standard output") {
					t.Errorf("stderr:\n%s", h.stderr.String())
				}
			})
		}
	}
}

// TestCopyWhenTheFileFails: the copy is still made and said, and the run
// ends with exit 3 for the file. The folder goes away during the run: a
// folder missing from the start is refused before any check runs.
func TestCopyWhenTheFileFails(t *testing.T) {
	cb := &fakeClipboard{}
	dir := filepath.Join(t.TempDir(), "going")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, stubCheck{id: "alpha", run: func(context.Context, *checks.Env) checks.Result {
		os.Remove(dir)
		return checks.Result{Status: report.Warn, Summary: "slow router"}
	}})
	h.f.clipboard = cb.copy
	code := h.run(context.Background(), "doctor", "--copy", "--output", filepath.Join(dir, "r.md"))
	lines := strings.Split(strings.TrimRight(h.stderr.String(), "\n"), "\n")
	if code != exitNoReport || len(cb.got) != 1 || len(lines) != 2 ||
		lines[0] != "Report copied to the clipboard as Markdown: paste it into your helpdesk ticket or chat." ||
		!strings.HasPrefix(lines[1], "wfh: could not save the report") {
		t.Errorf("exit %d, %d copies, stderr %q", code, len(cb.got), h.stderr.String())
	}
}

func TestCopyFlagParsed(t *testing.T) {
	var got *doctorOptions
	h := newHarness(t)
	cmd := newDoctorCmd(h.f, func(_ context.Context, o *doctorOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--copy"})
	if err := cmd.Execute(); err != nil || !got.copy {
		t.Errorf("--copy: %v %+v", err, got)
	}
}
