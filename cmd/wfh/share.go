package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/wfh-cli/wfh/internal/clipboard"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/render"
)

// copyFunc puts text on the clipboard; the factory holds the system's and
// tests put a fake there.
type copyFunc func(ctx context.Context, text string) error

// systemClipboard copies with the platform's own tool (internal/clipboard).
func systemClipboard(ctx context.Context, text string) error {
	c := &clipboard.Clipboard{OS: runtime.GOOS, Getenv: os.Getenv, Runner: clipboard.ExecRunner{}}
	return c.Copy(ctx, text)
}

// copyReport puts the Markdown form of rep on the clipboard (--copy) and
// reports whether it did. The report is the one the run wrote, redacted
// or not as the run was; when the clipboard cannot be reached, one line on
// standard error says why and what to do instead. Either way the exit
// status is the run's: a missing clipboard does not make a check fail.
func copyReport(ctx context.Context, f *factory, rep report.Report, verbose bool) bool {
	var buf bytes.Buffer
	// A ticket is UTF-8 whatever the terminal can show.
	if err := render.Render(&buf, rep, render.FormatMarkdown, render.Options{Unicode: true, Verbose: verbose}); err != nil {
		fmt.Fprintln(f.ios.ErrOut, "wfh: "+oneLine("the report was not copied: "+err.Error()))
		return false
	}
	cp := f.clipboard
	if cp == nil {
		// run() always sets it; a test that forgot must not reach the
		// machine's real clipboard
		cp = func(context.Context, string) error {
			return fmt.Errorf("%w: none configured", clipboard.ErrUnavailable)
		}
	}
	// A run stopped with Ctrl-C still copies what it wrote; the clipboard
	// bounds its own tool's time.
	if err := cp(context.WithoutCancel(ctx), buf.String()); err != nil {
		fmt.Fprintln(f.ios.ErrOut, "wfh: "+oneLine(copyProblem(err)))
		return false
	}
	return true
}

// copyProblem words a clipboard failure with the way around it.
func copyProblem(err error) string {
	instead := "save the report with --format markdown --output wfh-report.md and attach the file instead"
	if errors.Is(err, clipboard.ErrUnavailable) {
		return "the report was not copied: " + err.Error() + "; " + instead
	}
	return "the report was not copied to the clipboard: " + err.Error() + "; " + instead
}

// printShareLine ends a run with the one line that says what to attach
// or paste. It goes to standard error, so standard output holds nothing
// but the report, and only when a person is likely to read it: when
// standard error is a terminal, or when --copy was asked for (whose
// outcome the user is waiting to hear). When the report could not be
// written (the error follows), only a copy that worked is worth a line.
func printShareLine(f *factory, o *doctorOptions, format render.Format, copied, written bool) {
	switch {
	case !written && copied:
		fmt.Fprintln(f.ios.ErrOut, shareLine(&doctorOptions{}, format, true, false))
	case !written, !f.ios.IsStderrTTY() && !o.copy:
	default:
		fmt.Fprintln(f.ios.ErrOut, shareLine(o, format, copied, f.ios.IsStdoutTTY()))
	}
}

// shareLine is what to do with this run's report, in one line.
func shareLine(o *doctorOptions, format render.Format, copied, stdoutTTY bool) string {
	switch {
	case copied && o.output != "":
		return fmt.Sprintf("Report saved to %s and copied to the clipboard as Markdown: paste it into your helpdesk ticket or chat (or attach %s).", o.output, o.output)
	case copied:
		return "Report copied to the clipboard as Markdown: paste it into your helpdesk ticket or chat."
	case o.output != "":
		return fmt.Sprintf("Report saved to %s: %s", o.output, attachWords(format))
	case stdoutTTY:
		// The report was only shown: running again is the one way to get
		// it into a ticket.
		cmd := rerunCommand(o)
		line := "To share this with IT support: run " + cmd + " --format markdown --output wfh-report.md and attach wfh-report.md to your ticket"
		if o.copy {
			// --copy was asked for and did not work here: offering it
			// again would send the user round in a circle.
			return line + "."
		}
		return line + " (or run " + cmd + " --copy and paste it)."
	default:
		return "The report went to standard output: attach the file you saved it in to your helpdesk ticket, or paste its contents."
	}
}

// attachWords says what to do with a saved report of each format.
func attachWords(f render.Format) string {
	switch f {
	case render.FormatMarkdown:
		return "attach it to your helpdesk ticket, or paste its contents."
	case render.FormatHTML:
		return "attach it to your helpdesk ticket (it opens in any browser)."
	case render.FormatJSON:
		return "attach it to your helpdesk ticket (IT reads it with wfh report)."
	case render.FormatPrometheus:
		return "node_exporter's textfile collector reads it (see docs/fleet.md)."
	default:
		return "attach it to your helpdesk ticket."
	}
}

// rerunCommand is the user's run again, with the options that change what
// is checked (the profile, the checks chosen, --quick and --max-data) and
// none that change how it is shown.
func rerunCommand(o *doctorOptions) string {
	parts := []string{"wfh doctor"}
	if o.profilePath != "" {
		parts = append(parts, "--profile "+shellWord(o.profilePath))
	}
	if o.onlySet && len(o.only) > 0 {
		parts = append(parts, "--only "+shellWord(strings.Join(o.only, ",")))
	}
	if o.skipSet && len(o.skip) > 0 {
		parts = append(parts, "--skip "+shellWord(strings.Join(o.skip, ",")))
	}
	if o.quick {
		parts = append(parts, "--quick")
	}
	if o.maxData != "" {
		parts = append(parts, "--max-data "+shellWord(o.maxData))
	}
	return strings.Join(parts, " ")
}

// shellWord quotes a value that holds anything but letters, digits and
// ./_-,:\ in double quotes, which sh, zsh, cmd and PowerShell all read.
func shellWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("./_-,:\\", r))
	}) < 0 {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}
