// Package iostreams holds the three standard streams together with the
// facts that decide how to write to them: whether each is a terminal, and
// whether colour and Unicode glyphs are welcome there.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"runtime"

	"golang.org/x/term"
)

// IOStreams is passed to every command instead of touching os.Std* directly,
// so tests can capture output and pretend to be a terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdoutTTY bool
	stderrTTY bool
	// getenv reads NO_COLOR, TERM and WT_SESSION.
	getenv func(string) string
	// goos decides Unicode support on consoles.
	goos string
	// noColor is set by --no-color.
	noColor bool
	// width of the stderr terminal, 0 when unknown.
	width func() int
	// outWidth is the width of the stdout terminal, 0 when unknown.
	outWidth func() int
}

// System returns streams bound to the process's real terminal.
func System() *IOStreams {
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		getenv:    os.Getenv,
		goos:      runtime.GOOS,
		width:     func() int { return termWidth(os.Stderr) },
		outWidth:  func() int { return termWidth(os.Stdout) },
	}
}

// termWidth is the width of f's terminal in columns, 0 when unknown.
func termWidth(f *os.File) int {
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// Test returns streams writing to buffers, none of them a terminal.
func Test() (ios *IOStreams, stdout, stderr *bytes.Buffer) {
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	ios = &IOStreams{
		In: &bytes.Buffer{}, Out: stdout, ErrOut: stderr,
		getenv: func(string) string { return "" },
		goos:   "linux",
		width:  func() int { return 100 },
	}
	return ios, stdout, stderr
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// SetStdoutTTY and SetStderrTTY let tests pretend to be a terminal.
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY: see SetStdoutTTY.
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetStdoutWidth pretends the stdout terminal has n columns, for tests.
func (s *IOStreams) SetStdoutWidth(n int) { s.outWidth = func() int { return n } }

// SetEnv replaces the environment lookup, for tests.
func (s *IOStreams) SetEnv(getenv func(string) string) { s.getenv = getenv }

// SetNoColor records --no-color.
func (s *IOStreams) SetNoColor(v bool) { s.noColor = v }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// colorAllowed applies the rules shared by both streams: --no-color, the
// NO_COLOR convention (any non-empty value, see no-color.org) and TERM=dumb.
func (s *IOStreams) colorAllowed() bool {
	return !s.noColor && s.getenv("NO_COLOR") == "" && s.getenv("TERM") != "dumb"
}

// ColorStdout says whether to colour the report on stdout.
func (s *IOStreams) ColorStdout() bool { return s.stdoutTTY && s.colorAllowed() }

// ColorStderr says whether to colour progress on stderr. fatih/color decides
// from stdout only, so stderr gets its own decision here.
func (s *IOStreams) ColorStderr() bool { return s.stderrTTY && s.colorAllowed() }

// Unicode says whether status glyphs will display. The classic Windows
// console (conhost without Windows Terminal) shows them as boxes.
func (s *IOStreams) Unicode() bool {
	if s.getenv("TERM") == "dumb" {
		return false
	}
	if s.goos == "windows" && s.getenv("WT_SESSION") == "" {
		return false
	}
	return true
}

// TerminalWidth is the width of stderr's terminal, 80 when unknown.
func (s *IOStreams) TerminalWidth() int {
	if s.width != nil {
		if w := s.width(); w > 0 {
			return w
		}
	}
	return 80
}

// ReportWidth is the width the report on stdout wraps to: the terminal's
// (80 columns when its size cannot be read), or 0 when stdout is not a
// terminal, as a file or a pipe must not be wrapped.
func (s *IOStreams) ReportWidth() int {
	if !s.stdoutTTY {
		return 0
	}
	if s.outWidth != nil {
		if w := s.outWidth(); w > 0 {
			return w
		}
	}
	return 80
}
