// Package progress draws a live line per check on a terminal while wfh
// doctor runs: a spinner while a check runs, then its verdict and duration.
// It is used only when stderr is a terminal; the report itself goes to stdout.
package progress

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fatih/color"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
)

// tick is how often the spinner moves: fast enough to look alive, slow
// enough to cost nothing over a slow SSH session.
const tick = 120 * time.Millisecond

// Options decide how the display looks.
type Options struct {
	Color   bool
	Unicode bool
	// Width is the terminal width; lines are cut to fit because a wrapped
	// line would break the redraw (the cursor moves up by line count).
	Width int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

type state int

const (
	waiting state = iota
	running
	done
)

type row struct {
	id, title string
	state     state
	status    report.Status
	msg       string
	started   time.Time
	took      time.Duration
}

// Display implements checks.Observer.
type Display struct {
	mu     sync.Mutex
	w      io.Writer
	opts   Options
	rows   []*row
	byID   map[string]*row
	drawn  int
	frame  int
	stop   chan struct{}
	exited chan struct{}
	paint  map[report.Status]*color.Color
	// crash is a panic of the spinner's goroutine, with its stack; Stop
	// raises it again on the caller's goroutine, where wfh's main turns
	// it into an internal error (exit 3) instead of a crash.
	crash error
}

var _ checks.Observer = (*Display)(nil)

// New prepares a display for the given checks, in the order they will be
// reported.
func New(w io.Writer, list []checks.Check, o Options) *Display {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Width <= 0 {
		o.Width = 80
	}
	d := &Display{w: w, opts: o, byID: map[string]*row{}, paint: map[report.Status]*color.Color{
		report.Pass:    color.New(color.FgGreen),
		report.Warn:    color.New(color.FgYellow),
		report.Fail:    color.New(color.FgRed, color.Bold),
		report.Error:   color.New(color.FgRed),
		report.Skipped: color.New(color.Faint),
	}}
	for _, c := range d.paint {
		// Decide per colour object: the global color.NoColor follows stdout,
		// and this display writes to stderr.
		if o.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	for _, c := range list {
		r := &row{id: c.ID(), title: c.Title()}
		d.rows = append(d.rows, r)
		d.byID[r.id] = r
	}
	return d
}

// Start draws the initial lines and animates the spinner until Stop.
func (d *Display) Start() {
	d.mu.Lock()
	d.stop, d.exited = make(chan struct{}), make(chan struct{})
	io.WriteString(d.w, "\x1b[?25l") // hide the cursor while redrawing
	d.redrawLocked()
	d.mu.Unlock()
	go func() {
		defer close(d.exited)
		defer func() {
			if v := recover(); v != nil {
				d.crash = &Panic{Value: v, Stack: debug.Stack()}
			}
		}()
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-d.stop:
				return
			case <-t.C:
				d.animate()
			}
		}
	}()
}

// animate draws the next spinner frame; the lock is released even if
// drawing panics, so the checks reporting progress never wait on it.
func (d *Display) animate() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.frame++
	d.redrawLocked()
}

// Panic is a panic of the spinner's goroutine, raised again by Stop.
type Panic struct {
	Value any
	Stack []byte // where it happened
}

func (p *Panic) Error() string { return fmt.Sprintf("progress display: %v\n\n%s", p.Value, p.Stack) }

// Stop draws the final state and gives the cursor back. If the spinner's
// goroutine panicked, Stop panics with a *Panic on the caller's goroutine.
func (d *Display) Stop() {
	if d.stop == nil {
		return
	}
	close(d.stop)
	<-d.exited
	if d.crash != nil {
		d.stop = nil
		// Give the cursor back if the terminal still takes writes.
		func() {
			defer func() { _ = recover() }()
			io.WriteString(d.w, "\x1b[?25h")
		}()
		panic(d.crash)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.redrawLocked()
	io.WriteString(d.w, "\x1b[?25h")
	d.stop = nil
}

// Started implements checks.Observer.
func (d *Display) Started(c checks.Check) {
	d.update(c.ID(), func(r *row) { r.state, r.started = running, d.opts.Now() })
}

// Progress implements checks.Observer.
func (d *Display) Progress(c checks.Check, msg string) {
	d.update(c.ID(), func(r *row) { r.msg = msg })
}

// Finished implements checks.Observer.
func (d *Display) Finished(c checks.Check, res checks.Result) {
	d.update(c.ID(), func(r *row) {
		r.state, r.status, r.msg = done, res.Status, ""
		r.took = time.Duration(res.DurationSeconds * float64(time.Second))
	})
}

func (d *Display) update(id string, f func(*row)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.byID[id]
	if !ok {
		return
	}
	f(r)
	if d.stop != nil {
		d.redrawLocked()
	}
}

var (
	spinUnicode = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	spinASCII   = []string{"|", "/", "-", "\\"}
)

func (d *Display) mark(s report.Status) string {
	if d.opts.Unicode {
		return map[report.Status]string{report.Pass: "✔", report.Warn: "▲", report.Fail: "✖", report.Error: "!", report.Skipped: "–"}[s]
	}
	return map[report.Status]string{report.Pass: "+", report.Warn: "!", report.Fail: "x", report.Error: "?", report.Skipped: "-"}[s]
}

func (d *Display) line(r *row) string {
	titleWidth := 0
	for _, x := range d.rows {
		titleWidth = max(titleWidth, utf8.RuneCountInString(x.title))
	}
	head := fmt.Sprintf("%-*s", titleWidth, r.title)
	switch r.state {
	case waiting:
		return fmt.Sprintf("  %s %s  waiting", " ", head)
	case running:
		spin := spinASCII
		if d.opts.Unicode {
			spin = spinUnicode
		}
		s := fmt.Sprintf("  %s %s  running %s", spin[d.frame%len(spin)], head, seconds(d.opts.Now().Sub(r.started)))
		if r.msg != "" {
			s += " · " + oneLine(r.msg)
		}
		return s
	default:
		c := d.paint[r.status]
		if c == nil {
			c = d.paint[report.Error]
		}
		return fmt.Sprintf("  %s %s  %s %s", c.Sprint(d.mark(r.status)), head, c.Sprintf("%-7s", r.status), seconds(r.took))
	}
}

func (d *Display) redrawLocked() {
	var b strings.Builder
	if d.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", d.drawn)
	}
	for _, r := range d.rows {
		b.WriteString("\r\x1b[2K")
		b.WriteString(fit(d.line(r), d.opts.Width-1))
		b.WriteByte('\n')
	}
	d.drawn = len(d.rows)
	io.WriteString(d.w, b.String())
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// oneLine keeps a progress message on its line: a newline or control
// character from a check would break the redraw.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// fit cuts s to width visible runes, ignoring ANSI colour sequences.
func fit(s string, width int) string {
	var b strings.Builder
	visible := 0
	inEscape := false
	for _, r := range s {
		switch {
		case r == '\x1b':
			inEscape = true
		case inEscape:
			if r == 'm' {
				inEscape = false
			}
		default:
			if visible >= width {
				continue
			}
			visible++
		}
		if visible <= width || inEscape {
			b.WriteRune(r)
		}
	}
	return b.String()
}
