package watch

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wfh-cli/wfh/report"
)

// LiveView draws the watch's present on a terminal, one screen redrawn in
// place every tick: the state of each rung, what is going on now, the
// last events and the counts. Every line fits the terminal's width (a
// line that wrapped would break the redraw), and the view never grows
// past one screen.
type LiveView struct {
	W io.Writer
	// Width is the terminal's width now (it may change while watching).
	Width   func() int
	Color   bool
	Unicode bool
	// Redact is applied to the events and the connection shown.
	Redact     func(report.WatchEvent) report.WatchEvent
	RedactText func(string) string
	// Local is the time zone events are shown in; nil means time.Local.
	Local *time.Location

	mu    sync.Mutex
	drawn int
	last  []string
}

// viewMaxRungs and viewRecent keep the view to one screen of 24 lines.
const (
	viewMaxRungs = 8
	viewRecent   = 5
)

// Event does nothing: the view shows events through Update.
func (v *LiveView) Event(report.WatchEvent) error { return nil }

// Update redraws the view.
func (v *LiveView) Update(s Status) {
	lines := v.lines(s)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.draw(lines)
}

// Clear erases the view, so the report can follow on a clean screen.
func (v *LiveView) Clear() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.drawn > 0 {
		fmt.Fprintf(v.W, "\x1b[%dF\x1b[J", v.drawn)
		v.drawn = 0
	}
}

func (v *LiveView) draw(lines []string) {
	var b strings.Builder
	if v.drawn > 0 {
		// to the start of the view's first line, and clear to the end
		fmt.Fprintf(&b, "\x1b[%dF\x1b[J", v.drawn)
	}
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString("\n")
	}
	_, _ = io.WriteString(v.W, b.String())
	v.drawn = len(lines)
}

func (v *LiveView) width() int {
	w := 80
	if v.Width != nil {
		if x := v.Width(); x > 0 {
			w = x
		}
	}
	return max(w, 20)
}

func (v *LiveView) paint(code, s string) string {
	if !v.Color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (v *LiveView) mark(sev report.Status) string {
	switch sev {
	case report.Pass:
		return v.paint("32", v.pick("✔", "ok"))
	case report.Warn:
		return v.paint("33", v.pick("▲", "!!"))
	}
	return v.paint("31", v.pick("✖", "xx"))
}

func (v *LiveView) pick(uni, ascii string) string {
	if v.Unicode {
		return uni
	}
	return ascii
}

// fit cuts s to the width, counting runes and skipping colour codes, so
// no line wraps.
func (v *LiveView) fit(s string) string {
	room := v.width() - 1
	if visible(s) <= room {
		room++ // fits whole: no ellipsis needed
	}
	room-- // the ellipsis's column
	n := 0
	var b strings.Builder
	for i := 0; i < len(s); {
		if j := colourEnd(s, i); j > i {
			b.WriteString(s[i:j])
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if n == room {
			b.WriteString(v.pick("…", "."))
			if v.Color {
				b.WriteString("\x1b[0m")
			}
			return b.String()
		}
		if r < 0x20 || r == 0x7f {
			r = '?' // a machine string must not move the cursor
		}
		b.WriteRune(r)
		n++
		i += size
	}
	return b.String()
}

func (v *LiveView) lines(s Status) []string {
	dot := v.pick(" · ", " | ")
	conn := s.Connection
	if v.RedactText != nil {
		conn = v.RedactText(conn)
	}
	conn = clean(conn)
	head := "wfh watch" + dot + clockDur(s.Elapsed) + " of " + shortDur(s.Planned)
	if conn != "" {
		head += dot + conn
	}
	if s.Budget > 0 {
		head += dot + "data " + FormatBytes(s.DataUsed) + " of " + FormatBytes(s.Budget)
	}
	out := []string{v.fit(head)}
	labelW := 0
	for i, r := range s.Rungs {
		if i < viewMaxRungs {
			labelW = max(labelW, utf8.RuneCountInString(r.Label))
		}
	}
	labelW = min(labelW, 28)
	for i, r := range s.Rungs {
		if i == viewMaxRungs {
			out = append(out, v.fit(fmt.Sprintf("  … and %d more targets", len(s.Rungs)-i)))
			break
		}
		label := r.Label
		if v.RedactText != nil {
			label = v.RedactText(label)
		}
		label = padRunes(clean(label), labelW)
		var line string
		switch {
		case !r.Probed:
			line = "  " + v.pick("○", "..") + " " + label + "  not probed yet"
		case r.Answering:
			line = fmt.Sprintf("  %s %s  %s", v.mark(report.Pass), label, msWords(r.LastRTT))
		default:
			line = fmt.Sprintf("  %s %s  no answer for %s", v.mark(report.Fail), label, shortDur(r.SilentFor))
		}
		if r.Sent > 0 {
			line += fmt.Sprintf("%slost %d of %d in the last minute", dot, r.Lost, r.Sent)
		}
		out = append(out, v.fit(line))
	}
	if s.WiFi != "" {
		w := s.WiFi
		if v.RedactText != nil {
			w = v.RedactText(w)
		}
		out = append(out, v.fit("  Wi-Fi: "+clean(w)))
	}
	if len(s.Ongoing) > 0 {
		out = append(out, v.fit(v.paint("31", "Now: "+clean(strings.Join(s.Ongoing, "; ")))))
	} else {
		out = append(out, v.fit("Now: all answering"))
	}
	out = append(out, v.fit("Events: "+countWords(s.Counts)))
	recent := s.Recent
	if len(recent) > viewRecent {
		recent = recent[len(recent)-viewRecent:]
	}
	loc := v.Local
	if loc == nil {
		loc = time.Local
	}
	for _, ev := range recent {
		if v.Redact != nil {
			ev = v.Redact(ev)
		}
		out = append(out, v.fit("  "+v.mark(ev.Severity)+" "+ev.Start.In(loc).Format("15:04:05")+"  "+clean(ev.Summary)))
	}
	out = append(out, v.fit("Ctrl-C ends the watch and writes the report."))
	return out
}

// colourEnd is the end of the colour code the view wrote at s[i] (ESC
// [ digits m), or i when there is none there.
func colourEnd(s string, i int) int {
	if i+1 >= len(s) || s[i] != 0x1b || s[i+1] != '[' {
		return i
	}
	for j := i + 2; j < len(s); j++ {
		switch c := s[j]; {
		case c == 'm':
			return j + 1
		case c != ';' && (c < '0' || c > '9'):
			return i
		}
	}
	return i
}

// clean makes a machine string (a label from the profile, an event's
// words) safe on the terminal: control and bidi characters become "?".
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == utf8.RuneError {
			return '?'
		}
		return r
	}, s)
}

// visible counts the columns s takes: runes less colour codes.
func visible(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if j := colourEnd(s, i); j > i {
			i = j
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

func padRunes(s string, w int) string {
	n := utf8.RuneCountInString(s)
	if n > w {
		r := []rune(s)
		return string(r[:w])
	}
	return s + strings.Repeat(" ", w-n)
}

func msWords(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.2f ms", ms)
}

// clockDur is "0:12:34".
func clockDur(d time.Duration) string {
	s := int(d.Seconds())
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// countWords is "2 outages, 1 loss burst" or "none yet".
func countWords(c map[string]int) string {
	var parts []string
	for _, k := range report.WatchKinds() {
		if n := c[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, report.WatchKindWord(k, n)))
		}
	}
	if len(parts) == 0 {
		return "none yet"
	}
	return strings.Join(parts, ", ")
}
