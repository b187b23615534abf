package report

import (
	"bytes"
	"strconv"
	"strings"
)

// Byte budgets for one machine-provided string after escaping. They are
// chosen so that the longest line the renderer builds (a problem line with a
// title, a message and a fix) stays under mdMaxLine: some helpdesk tools
// reject or mangle longer lines, and a runaway value must not hide the rest.
const (
	mdMaxLine  = 1000
	mdMaxTitle = 150 // check titles, ids, time zone
	mdMaxLabel = 120 // item labels, kinds, figure and series names, host facts
	mdMaxValue = 300 // figure values
	mdMaxText  = 380 // summaries, messages, fixes
)

// mdRenderer holds one render's state.
type mdRenderer struct {
	b    *bytes.Buffer
	o    RenderOptions
	sep  string
	dash string
}

func renderMarkdown(b *bytes.Buffer, r Report, o RenderOptions) {
	// "|" would read as a table separator to some renderers, so the ASCII
	// separator is a comma.
	m := &mdRenderer{b: b, o: o, sep: ", ", dash: " -- "}
	if o.Unicode {
		m.sep, m.dash = " · ", " — "
	}

	m.line("## wfh report: " + lookOf(overallOf(r)).word)
	m.line("")
	m.line(m.infoLine(r))
	if r.Interrupted {
		m.line("")
		m.line("**Interrupted:** the run was stopped before every check finished.")
	}
	m.line("")

	if len(r.Results) == 0 {
		m.line("No checks ran.")
		return
	}
	m.table(r)
	m.problems(r)
	for _, res := range r.Results {
		m.section(res)
	}
}

func (m *mdRenderer) line(s string) {
	m.b.WriteString(s)
	m.b.WriteByte('\n')
}

// infoLine answers "when, where, which build, is it safe to share" before any
// result, as a reader of a ticket needs.
func (m *mdRenderer) infoLine(r Report) string {
	var parts []string
	if when := whenPhrase(r); len(when) > 0 {
		parts = append(parts, mdEscapeLimit(strings.Join(when, " "), mdMaxTitle))
	}
	if d := formatSeconds(r.DurationSeconds); d != "" {
		parts = append(parts, "took "+d)
	}
	if oa := osArch(r.Host); oa != "" {
		parts = append(parts, mdEscapeLimit(oa, mdMaxLabel))
	}
	if r.Host.Hostname != "" {
		parts = append(parts, "hostname "+mdEscapeLimit(r.Host.Hostname, mdMaxLabel))
	}
	if r.Host.User != "" {
		parts = append(parts, "user "+mdEscapeLimit(r.Host.User, mdMaxLabel))
	}
	parts = append(parts, mdEscapeLimit(toolPhrase(r.Tool), mdMaxLabel))
	if r.Profile != "" {
		parts = append(parts, "profile "+mdEscapeLimit(r.Profile, mdMaxLabel))
	}
	if redacted(r) {
		parts = append(parts, "private data redacted")
	} else {
		parts = append(parts, "private data **NOT redacted**")
	}
	return strings.Join(parts, m.sep)
}

func (m *mdRenderer) verdict(s Status) string {
	if m.o.Unicode {
		return lookOf(s).unicode + " " + lookOf(s).word
	}
	return lookOf(s).word
}

func (m *mdRenderer) table(r Report) {
	m.line("| Check | Verdict | Summary |")
	m.line("| --- | --- | --- |")
	for _, res := range r.Results {
		m.line("| " + mdEscapeLimit(res.Title, mdMaxTitle) +
			" | " + m.verdict(res.Status) +
			" | " + mdEscapeLimit(res.Summary, mdMaxText) + " |")
	}
	m.line("")
}

// isProblem is true for findings a reader has to act on; notes (pass) and
// anything skipped are context only.
func isProblem(f Finding) bool {
	return f.Severity != Pass && f.Severity != Skipped
}

func (m *mdRenderer) problems(r Report) {
	var lines []string
	for _, res := range r.Results {
		for _, f := range res.Findings {
			if !isProblem(f) {
				continue
			}
			l := "- **" + mdEscapeLimit(res.Title, mdMaxTitle) + "**: " + mdEscapeLimit(f.Message, mdMaxText)
			if f.Fix != "" {
				l += m.dash + "*Fix:* " + mdEscapeLimit(f.Fix, mdMaxText)
			}
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return
	}
	m.line("### Problems and fixes")
	m.line("")
	for _, l := range lines {
		m.line(l)
	}
	m.line("")
}

func (m *mdRenderer) section(res Result) {
	heading := "### " + mdEscapeLimit(res.Title, mdMaxTitle)
	if res.ID != "" {
		heading += " (" + mdEscapeLimit(res.ID, mdMaxTitle) + ")"
	}
	m.line(heading)
	m.line("")
	head := "**" + lookOf(res.Status).word + "**"
	if d := formatSeconds(res.DurationSeconds); d != "" {
		head += " in " + d
	}
	if res.Summary != "" {
		head += ": " + mdEscapeLimit(res.Summary, mdMaxText)
	}
	m.line(head)
	m.line("")

	var list []string
	for _, f := range figuresOf(res.Metrics, res.Facts) {
		list = append(list, m.figure(f))
	}
	for _, f := range res.Findings {
		if !isProblem(f) {
			l := "- Note: " + mdEscapeLimit(f.Message, mdMaxText)
			if f.Fix != "" {
				l += m.dash + "*Fix:* " + mdEscapeLimit(f.Fix, mdMaxText)
			}
			list = append(list, l)
		}
	}
	if len(list) > 0 {
		for _, l := range list {
			m.line(l)
		}
		m.line("")
	}
	m.items(res.Items)
	if m.o.Verbose {
		m.series(res.Series)
	}
}

func (m *mdRenderer) figure(f figure) string {
	return "- " + mdEscapeLimit(f.label, mdMaxLabel) + ": " + mdEscapeLimit(f.value, mdMaxValue)
}

// items go inside a <details> block so that a long list of targets does not
// bury the verdicts of the other checks in a ticket.
func (m *mdRenderer) items(items []Item) {
	var shown []Item
	notPass := 0
	for _, it := range items {
		if it.Status != Pass {
			notPass++
		}
		if m.o.Verbose || it.Status != Pass {
			shown = append(shown, it)
		}
	}
	if len(shown) == 0 {
		return
	}
	var title string
	if m.o.Verbose {
		title = "Items: " + plural(len(items), "item", "items") + ", " + strconv.Itoa(notPass) + " not passing"
	} else {
		title = "Items not passing: " + strconv.Itoa(notPass) + " of " + strconv.Itoa(len(items))
	}
	m.openDetails(title)
	for _, it := range shown {
		l := "- " + m.verdict(it.Status) + " **" + mdEscapeLimit(itemLabel(it), mdMaxLabel) + "**"
		if m.o.Verbose && it.Kind != "" {
			l += " (" + mdEscapeLimit(it.Kind, mdMaxLabel) + ")"
		}
		if it.Summary != "" {
			l += ": " + mdEscapeLimit(it.Summary, mdMaxText)
		}
		m.line(l)
		if m.o.Verbose {
			// two spaces nest the figures under their item in CommonMark
			for _, f := range figuresOf(it.Metrics, it.Attributes) {
				m.line("  " + m.figure(f))
			}
		}
	}
	m.closeDetails()
}

func (m *mdRenderer) series(series []Series) {
	if len(series) == 0 {
		return
	}
	m.openDetails("Samples: " + plural(len(series), "series", "series"))
	for _, s := range series {
		l := "- " + mdEscapeLimit(humanLabel(s.Name, s.Unit), mdMaxLabel)
		if s.Item != "" {
			l += " (" + mdEscapeLimit(s.Item, mdMaxLabel) + ")"
		}
		m.line(l + ": " + mdEscapeLimit(seriesPhrase(s), mdMaxText))
	}
	m.closeDetails()
}

// openDetails takes only wfh's own words: the <summary> element is HTML, not
// markdown, so machine strings are never put there.
func (m *mdRenderer) openDetails(summary string) {
	m.line("<details><summary>" + summary + "</summary>")
	// the blank line makes GitHub and GitLab render the list as markdown
	m.line("")
}

func (m *mdRenderer) closeDetails() {
	m.line("")
	m.line("</details>")
	m.line("")
}

// mdEscape makes a machine-provided string inert inside one markdown line:
// it can neither end the line, break a table cell, open code, emphasis, a
// link or HTML, nor start a heading.
func mdEscape(s string) string {
	return mdEscapeLimit(s, 0)
}

// mdEscapeLimit is mdEscape with a budget in bytes of output (0 means none).
// It cuts between escapes, never inside one, so a truncated "&lt;" or a
// dangling backslash can never escape the "..." that marks the cut.
func mdEscapeLimit(s string, max int) string {
	full := mdEscapeBudget(s, 0)
	if max <= 0 || len(full) <= max {
		return full
	}
	const cut = "..."
	return mdEscapeBudget(s, max-len(cut)) + cut
}

// mdEscapeBudget escapes as much of s as fits in budget bytes (0: all of it).
func mdEscapeBudget(s string, budget int) string {
	var b strings.Builder
	first := true
	flatten(s, func(piece string, r rune, literal bool) bool {
		if literal {
			piece = mdEscapeRune(r, first)
		} else {
			// a visible escape such as \x1b; its backslash must stay literal
			piece = `\` + piece
		}
		first = false
		if budget > 0 && b.Len()+len(piece) > budget {
			return false
		}
		b.WriteString(piece)
		return true
	})
	return b.String()
}

// mdEscapeRune escapes one rune. HTML-significant characters become entities
// rather than backslash escapes because classic Markdown and several helpdesk
// renderers ignore "\<" and would pass a tag through.
func mdEscapeRune(r rune, atStart bool) string {
	switch r {
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '&':
		return "&amp;"
	case '\\', '`', '*', '_', '[', ']', '|', '~':
		return `\` + string(r)
	case '#':
		// a heading only at the start of a line; wfh never starts a line
		// with a machine string, but a caller of mdEscape might
		if atStart {
			return `\` + string(r)
		}
	}
	return string(r)
}
