package render

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fatih/color"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/internal/human"
	"github.com/wfh-cli/wfh/report/internal/look"
	"github.com/wfh-cli/wfh/report/summary"
)

// Limits on how much of one machine-provided string the terminal report
// shows, counted in runes. A hostile or broken value (a 10 kB SSID) must not
// push the verdicts off the screen.
const (
	textWidth    = 80  // the line width figures are packed into off a terminal
	textMinWidth = 20  // narrower terminals are treated as this wide
	textMaxLabel = 60  // item labels, figure and series names
	textMaxTitle = 100 // check titles, time zone, profile
	textMaxValue = 200 // figure values
	textMaxLine  = 500 // summaries, messages, fixes
)

// textRenderer holds one render's state; it lives for a single Render call so
// that concurrent renders never share colour settings.
type textRenderer struct {
	b      *bytes.Buffer
	o      Options
	colors map[report.Status]*color.Color
	// indent lines up continuation lines under the status word.
	indent string
	sep    string
}

func renderText(b *bytes.Buffer, r report.Report, o Options) {
	t := &textRenderer{b: b, o: o, colors: newPalette(o.Color), sep: " | "}
	if o.Unicode {
		t.sep = " · "
	}
	t.indent = strings.Repeat(" ", t.markWidth()+1)

	t.header(r)
	if len(r.Results) == 0 {
		t.line("No checks ran.")
	}
	for i, res := range r.Results {
		if i > 0 {
			t.line("")
		}
		t.result(res)
	}
	t.line("")
	if r.Watch != nil {
		t.watch(r)
	}
	if o.FixesLast {
		t.whatToFix(r)
	}
	dash := " - "
	if o.Unicode {
		dash = " — "
	}
	overall := overallOf(r)
	// What to do with the report is the command's last line, on standard
	// error: the report itself is also read by agents and scripts.
	t.line("Overall: " + t.paint(overall, look.Of(overall).Word) + dash + countsPhrase(r))
}

// newPalette builds colour objects whose state is set explicitly, so the
// caller's decision wins over fatih/color's own guess from NO_COLOR and the
// TTY, and the package-global color.NoColor is never read or written.
func newPalette(enabled bool) map[report.Status]*color.Color {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if enabled {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return map[report.Status]*color.Color{
		report.Pass:    mk(color.FgGreen),
		report.Warn:    mk(color.FgYellow),
		report.Fail:    mk(color.FgRed),
		report.Error:   mk(color.FgRed),
		report.Skipped: mk(color.Faint),
		"":             mk(color.FgRed), // any unknown status
	}
}

func (t *textRenderer) paint(s report.Status, text string) string {
	c, ok := t.colors[s]
	if !ok {
		c = t.colors[""]
	}
	return c.Sprint(text)
}

func (t *textRenderer) markWidth() int {
	if t.o.Unicode {
		return 1
	}
	return 4 // "[ok]"
}

func (t *textRenderer) mark(s report.Status) string {
	if t.o.Unicode {
		return look.Of(s).Unicode
	}
	return look.Of(s).ASCII
}

// width is what lines are laid out in: the terminal's, or textWidth for
// a file or pipe (where nothing wraps).
func (t *textRenderer) width() int {
	if t.o.Width > 0 {
		return max(t.o.Width, textMinWidth)
	}
	return textWidth
}

// line writes one logical line, wrapped to the terminal when there is one.
func (t *textRenderer) line(s string) {
	if t.o.Width <= 0 {
		t.b.WriteString(s)
		t.b.WriteByte('\n')
		return
	}
	for _, l := range wrapLine(s, t.width()) {
		t.b.WriteString(l)
		t.b.WriteByte('\n')
	}
}

// wrapLine breaks s into lines of at most width visible columns, at spaces
// only (a word longer than a whole line is cut, as nothing else fits).
// Continuation lines hang two columns deeper than s's own indentation, so a
// wrapped problem or item reads as one. ANSI colour sequences take no
// columns and are never cut.
func wrapLine(s string, width int) []string {
	if visibleLen(s) <= width {
		return []string{s}
	}
	lead := len(s) - len(strings.TrimLeft(s, " "))
	hang := strings.Repeat(" ", min(lead+2, width/2))
	var out []string
	prefix, rest := "", s
	for rest != "" {
		room := width - len(prefix)
		if visibleLen(rest) <= room {
			out = append(out, prefix+rest)
			break
		}
		if cut := breakAt(rest, room); cut > 0 {
			out = append(out, prefix+strings.TrimRight(rest[:cut], " "))
			rest = strings.TrimLeft(rest[cut:], " ")
		} else {
			cut := cutAt(rest, room)
			out = append(out, prefix+rest[:cut])
			rest = rest[cut:]
		}
		prefix = hang
	}
	return out
}

// visibleLen counts the columns s takes: runes, less ANSI sequences.
func visibleLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if j := ansiEnd(s, i); j > i {
			i = j
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// ansiEnd returns the end of the ANSI CSI sequence starting at s[i], or i.
func ansiEnd(s string, i int) int {
	if i+1 >= len(s) || s[i] != 0x1b || s[i+1] != '[' {
		return i
	}
	for j := i + 2; j < len(s); j++ {
		if c := s[j]; c >= 0x40 && c <= 0x7e {
			return j + 1
		}
	}
	return i
}

// breakAt is the byte offset of the last space at which s can break with
// at most room columns before it, past s's leading indentation; 0 if none.
// A number stays with its unit ("0.4 s", "219 ms"), a label with its value
// ("hostname: x"), and a separator with what it follows ("a · b").
func breakAt(s string, room int) int {
	cut, col, seenText := 0, 0, false
	prev := rune(0)
	for i := 0; i < len(s); {
		if j := ansiEnd(s, i); j > i {
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == ' ' && seenText && col <= room && breakable(prev, s[i+size:]) {
			cut = i
		}
		if r != ' ' {
			seenText = true
		}
		prev = r
		col++
		if col > room && cut > 0 {
			break
		}
		i += size
	}
	return cut
}

// breakable says whether a line may break at a space after prev and
// before next.
func breakable(prev rune, next string) bool {
	if unicode.IsDigit(prev) || prev == ':' {
		return false
	}
	n, _ := utf8.DecodeRuneInString(next)
	return n != '·' && n != '|' && n != '—' && n != '-' || strings.HasPrefix(next, "--")
}

// cutAt is the byte offset after room columns of s (at least one rune).
func cutAt(s string, room int) int {
	col := 0
	for i := 0; i < len(s); {
		if j := ansiEnd(s, i); j > i {
			i = j
			continue
		}
		if col >= max(room, 1) {
			return i
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		col++
	}
	return len(s)
}

// clean makes a machine-provided string safe for one terminal line: no
// control sequences, no line breaks, ASCII only when Unicode is off, and at
// most max runes.
func (t *textRenderer) clean(s string, max int) string {
	var b strings.Builder
	n := 0
	ellipsis := "..."
	if t.o.Unicode {
		ellipsis = "…"
	}
	human.Flatten(s, func(piece string, r rune, literal bool) bool {
		if literal && r >= utf8.RuneSelf && !t.o.Unicode {
			if r > 0xFFFF {
				piece = fmt.Sprintf(`\U%08x`, r)
			} else {
				piece = fmt.Sprintf(`\u%04x`, r)
			}
		}
		w := utf8.RuneCountInString(piece)
		if n+w > max {
			b.WriteString(ellipsis)
			return false
		}
		b.WriteString(piece)
		n += w
		return true
	})
	return b.String()
}

func (t *textRenderer) header(r report.Report) {
	first := []string{runName(r)}
	if when := look.When(r); len(when) > 0 {
		first = append(first, t.clean(strings.Join(when, " "), textMaxTitle))
	}
	if d := formatSeconds(r.DurationSeconds); d != "" {
		first = append(first, d)
	}
	t.line(strings.Join(first, t.sep))
	if r.Profile != "" {
		t.line("Profile: " + t.clean(r.Profile, textMaxTitle))
	}

	var machine []string
	if oa := look.OSArch(r.Host); oa != "" {
		machine = append(machine, t.clean(oa, textMaxLabel))
	}
	if r.Host.Hostname != "" {
		machine = append(machine, "hostname: "+t.clean(r.Host.Hostname, textMaxLabel))
	}
	if r.Host.User != "" {
		machine = append(machine, "user: "+t.clean(r.Host.User, textMaxLabel))
	}
	machine = append(machine, t.clean(toolPhrase(r.Tool), textMaxLabel))
	if !redacted(r) {
		machine = append(machine, "private data NOT redacted")
	}
	t.line("Machine: " + strings.Join(machine, t.sep))
	if r.Interrupted {
		t.line(interruptedWords(r))
	}
	t.line("")
}

func (t *textRenderer) result(res report.Result) {
	lk := look.Of(res.Status)
	mark := t.mark(res.Status)
	head := mark + strings.Repeat(" ", t.markWidth()-utf8.RuneCountInString(mark)) + " " + lk.Word
	pad := strings.Repeat(" ", max(statusWordWidth-len(lk.Word), 0))
	title := t.clean(res.Title, textMaxTitle)
	if res.ID != "" {
		title += " (" + t.clean(res.ID, textMaxLabel) + ")"
	}
	text := t.paint(res.Status, head) + pad + " " + title
	if d := formatSeconds(res.DurationSeconds); d != "" {
		used := t.markWidth() + 1 + statusWordWidth + 1 + utf8.RuneCountInString(title)
		text += strings.Repeat(" ", max(t.width()-used-len(d), 2)) + d
	}
	t.line(text)

	if res.Summary != "" {
		t.line(t.indent + t.clean(res.Summary, textMaxLine))
	}
	t.figures(t.indent, resultFigures(res, t.o.Verbose))
	for _, f := range res.Findings {
		t.finding(f)
	}
	if t.o.Verbose || res.Status != report.Skipped {
		// a skipped check's reason covers its items
		t.items(shownItems(res))
	}
	if t.o.Verbose {
		t.series(res.Series)
	}
}

// whatToFixMax is how many problems the closing block repeats: with their
// fixes, about what fits the last screen of an 80x24 terminal.
const whatToFixMax = 5

// whatToFix repeats the worst problems and their fixes after the details,
// so that the last screen of a terminal is the one to act on; the sections
// above keep every problem in report order.
func (t *textRenderer) whatToFix(r report.Report) {
	fix, _ := summary.Problems(r)
	if len(fix) == 0 {
		return
	}
	t.line("What to fix, worst first:")
	for _, p := range fix[:min(len(fix), whatToFixMax)] {
		text := p.Message
		if p.Result >= 0 && p.Result < len(r.Results) {
			text = checkName(r.Results[p.Result]) + ": " + text
		}
		t.line(t.paint(p.Status, t.mark(p.Status)) + " " + t.clean(text, textMaxLine))
		if p.Fix != "" {
			t.line(strings.Repeat(" ", t.markWidth()+1) + "Fix: " + t.clean(p.Fix, textMaxLine))
		}
	}
	if more := len(fix) - whatToFixMax; more > 0 {
		ellipsis := "..."
		if t.o.Unicode {
			ellipsis = "…"
		}
		t.line(ellipsis + " and " + plural(more, "more problem", "more problems") + " above.")
	}
	t.line("")
}

// figures packs "label: value" pairs into as few lines as fit the width, so
// the key figures stay compact without ever running off a narrow terminal.
func (t *textRenderer) figures(indent string, figs []figure) {
	room := t.width() - utf8.RuneCountInString(indent)
	var cur string
	for _, f := range figs {
		piece := t.clean(f.label, textMaxLabel) + ": " + t.clean(f.value, textMaxValue)
		switch {
		case cur == "":
			cur = piece
		case utf8.RuneCountInString(cur)+utf8.RuneCountInString(t.sep)+utf8.RuneCountInString(piece) <= room:
			cur += t.sep + piece
		default:
			t.line(indent + cur)
			cur = piece
		}
	}
	if cur != "" {
		t.line(indent + cur)
	}
}

func (t *textRenderer) finding(f report.Finding) {
	if f.Severity == report.Pass || f.Severity == report.Skipped {
		t.line(t.indent + "Note: " + t.clean(f.Message, textMaxLine))
	} else {
		t.line(t.indent + "Problem: " + t.clean(f.Message, textMaxLine))
	}
	if f.Fix != "" {
		t.line(t.indent + "Fix: " + t.clean(f.Fix, textMaxLine))
	}
}

// items shows the rows that need attention; verbose mode shows them all with
// their figures, for the support agent rather than the teleworker.
func (t *textRenderer) items(items []report.Item) {
	dash := " - "
	if t.o.Unicode {
		dash = " — "
	}
	sub := t.indent + strings.Repeat(" ", t.markWidth()+1)
	for _, it := range items {
		if !t.o.Verbose && it.Status == report.Pass {
			continue
		}
		text := t.indent + t.paint(it.Status, t.mark(it.Status)) + " " + t.clean(look.ItemLabel(it), textMaxLabel)
		if t.o.Verbose && it.Kind != "" {
			text += " (" + t.clean(it.Kind, textMaxLabel) + ")"
		}
		if it.Summary != "" {
			text += dash + t.clean(it.Summary, textMaxLine)
		}
		t.line(text)
		if t.o.Verbose {
			t.figures(sub, figuresOf(it.Metrics, it.Attributes))
		}
	}
}

func (t *textRenderer) series(series []report.Series) {
	for _, s := range series {
		name := t.clean(humanLabel(s.Name, s.Unit), textMaxLabel)
		if s.Item != "" {
			name += " (" + t.clean(s.Item, textMaxLabel) + ")"
		}
		stats := seriesPhrase(s)
		// the unit ends the phrase and is machine-provided, so clean it all
		t.line(t.indent + name + ": " + t.clean(stats, textMaxLine))
	}
}
