package render

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wfh-cli/wfh/report/internal/human"
	"github.com/wfh-cli/wfh/report/internal/look"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/summary"
)

// Byte budgets for one machine-provided string after escaping. They are
// chosen so that the longest line the renderer builds (a problem line with a
// title, a message and a fix) stays under mdMaxLine: some helpdesk tools
// reject or mangle longer lines, and a runaway value must not hide the rest.
const (
	mdMaxLine    = 1000
	mdMaxTitle   = 150 // check titles, ids, time zone
	mdMaxLabel   = 120 // item labels, kinds, figure and series names, host facts
	mdMaxValue   = 300 // figure values
	mdMaxText    = 380 // summaries, messages, fixes
	mdMaxKey     = 200 // a summary row's value (the summary clips it to 120 runes; escaping adds)
	mdMaxKeyInfo = 160 // each of a summary row's details
	mdMaxFirst   = 240 // a problem's message on the first screen
)

// mdFirstScreen is the most the first screen (everything before the first
// <details>) may hold, in characters: about what a ticket or chat shows
// before "show more", and what an agent reads before deciding anything.
// Problem lines stop short of it; the rest of them are in the details.
const mdFirstScreen = 2000

// mdMoreReserve is kept free under mdFirstScreen for the line that says
// how many problems more the details hold.
const mdMoreReserve = 80

// mdRenderer holds one render's state.
type mdRenderer struct {
	b    *bytes.Buffer
	o    Options
	sep  string // between parts of a line
	cell string // between the value and details of a summary row
	dash string
}

// renderMarkdown writes a report for a ticket or a chat message. The first
// screen answers the agent's first questions: the verdict, then one row per
// key fact (summary.KeyFacts, shared with the HTML card), then the problems, worst
// first. Everything else (fixes, every check's figures and items) follows
// in <details> blocks, which GitHub, GitLab, Gitea and many helpdesks fold,
// and which read as plain text where they do not.
func renderMarkdown(b *bytes.Buffer, r report.Report, o Options) {
	// "|" would read as a table separator to some renderers, so the ASCII
	// separator is a comma.
	m := &mdRenderer{b: b, o: o, sep: ", ", cell: "; ", dash: " -- "}
	if o.Unicode {
		m.sep, m.cell, m.dash = " · ", " · ", " — "
	}

	overall := overallOf(r)
	m.line("## wfh report: " + m.verdict(overall))
	m.line("")
	m.line(m.infoLine(r))
	if r.Interrupted {
		m.line("")
		m.line("**Interrupted:** " + strings.TrimPrefix(interruptedWords(r), "Interrupted: "))
	}
	m.line("")

	if len(r.Results) == 0 {
		m.line("No checks ran.")
		return
	}
	m.keyTable(r)
	fix, notRun := summary.Problems(r)
	m.firstProblems(r, fix)
	if r.Watch != nil {
		m.watch(r)
	}

	m.fixes(r, fix, notRun)
	m.table(r)
	for _, res := range r.Results {
		m.section(res)
	}
}

func (m *mdRenderer) line(s string) {
	m.b.WriteString(s)
	m.b.WriteByte('\n')
}

// infoLine answers "how bad, when, where, which build, is it safe to
// share" before any result, as a reader of a ticket needs. Host and user
// names are left out once redacted: "[hostname]" tells the agent nothing.
func (m *mdRenderer) infoLine(r report.Report) string {
	parts := []string{"**" + countsPhrase(r) + "**"}
	if when := look.When(r); len(when) > 0 {
		parts = append(parts, mdEscapeLimit(strings.Join(when, " "), mdMaxTitle))
	}
	if d := formatSeconds(r.DurationSeconds); d != "" {
		parts = append(parts, "took "+d)
	}
	if oa := look.OSArch(r.Host); oa != "" {
		parts = append(parts, mdEscapeLimit(oa, mdMaxLabel))
	}
	if h := r.Host.Hostname; h != "" && h != report.RedactedHostname {
		parts = append(parts, "hostname "+mdEscapeLimit(h, mdMaxLabel))
	}
	if u := r.Host.User; u != "" && u != report.RedactedUser {
		parts = append(parts, "user "+mdEscapeLimit(u, mdMaxLabel))
	}
	parts = append(parts, mdEscapeLimit(toolPhrase(r.Tool), mdMaxLabel))
	if r.Profile != "" {
		parts = append(parts, "profile "+mdEscapeLimit(r.Profile, mdMaxLabel))
	}
	if redacted(r) {
		parts = append(parts, "private data redacted")
	} else {
		parts = append(parts, "**private data NOT redacted**")
	}
	return strings.Join(parts, m.sep)
}

// verdict is "✖ FAIL", or "FAIL" without Unicode: the word is always there
// for readers who cannot tell the marks or colours apart.
func (m *mdRenderer) verdict(s report.Status) string {
	if m.o.Unicode {
		return look.Of(s).Unicode + " " + look.Of(s).Word
	}
	return look.Of(s).Word
}

// keyTable is one row per key fact. Its cells hold only escaped text, so
// no value can add or remove a cell.
func (m *mdRenderer) keyTable(r report.Report) {
	keys := summary.KeyFacts(r)
	if len(keys) == 0 {
		return
	}
	m.line("| Question | Verdict | Answer |")
	m.line("| --- | --- | --- |")
	for _, k := range keys {
		verdict := ""
		if k.Status != "" {
			verdict = m.verdict(k.Status)
		}
		answer := mdEscapeLimit(k.Value, mdMaxKey)
		for _, d := range k.Details {
			answer += m.cell + mdEscapeLimit(d, mdMaxKeyInfo)
		}
		m.line("| " + k.Label + " | " + verdict + " | " + answer + " |")
	}
	m.line("")
}

// firstProblems lists the problems, worst first, one line each and without
// the fixes, while the first screen has room; the details hold them all.
func (m *mdRenderer) firstProblems(r report.Report, fix []summary.Problem) {
	if len(fix) == 0 {
		m.line("Nothing to fix.")
		m.line("")
		return
	}
	m.line("**Problems** (fixes in the details below):")
	m.line("")
	used := utf8.RuneCount(m.b.Bytes())
	for i, p := range fix {
		l := "- " + m.verdict(p.Status) + " **" + mdEscapeLimit(checkName(r.Results[p.Result]), mdMaxTitle) + "**: " +
			mdEscapeLimit(p.Message, mdMaxFirst)
		n := utf8.RuneCountInString(l) + 1
		// the last problem needs no room for a "more" line
		reserve := mdMoreReserve
		if i == len(fix)-1 {
			reserve = 0
		}
		if used+n+reserve+1 >= mdFirstScreen {
			m.line("- … and " + plural(len(fix)-i, "more problem", "more problems") + " in the details below")
			break
		}
		m.line(l)
		used += n
	}
	m.line("")
}

// fixes is every problem with its fix, and the checks that did not run.
func (m *mdRenderer) fixes(r report.Report, fix, notRun []summary.Problem) {
	if len(fix) == 0 && len(notRun) == 0 {
		return
	}
	var title []string
	if len(fix) > 0 {
		title = append(title, "Problems and fixes: "+strconv.Itoa(len(fix)))
	}
	if len(notRun) > 0 {
		title = append(title, "not run: "+strconv.Itoa(len(notRun)))
	}
	m.openDetails(strings.Join(title, ", "))
	for _, p := range fix {
		l := "- " + m.verdict(p.Status) + " **" + mdEscapeLimit(checkName(r.Results[p.Result]), mdMaxTitle) + "**: " + mdEscapeLimit(p.Message, mdMaxText)
		if p.Fix != "" {
			l += m.dash + "*Fix:* " + mdEscapeLimit(p.Fix, mdMaxText)
		}
		m.line(l)
	}
	for _, p := range notRun {
		l := "- " + m.verdict(report.Skipped) + " **" + mdEscapeLimit(checkName(r.Results[p.Result]), mdMaxTitle) + "**"
		if p.Message != "" {
			l += ": " + mdEscapeLimit(p.Message, mdMaxText)
		}
		m.line(l)
	}
	m.closeDetails()
}

// table is every check's verdict and summary line.
func (m *mdRenderer) table(r report.Report) {
	m.openDetails("All checks: " + strconv.Itoa(len(r.Results)))
	m.line("| Check | Verdict | Summary |")
	m.line("| --- | --- | --- |")
	for _, res := range r.Results {
		m.line("| " + mdEscapeLimit(checkName(res), mdMaxTitle) +
			" | " + m.verdict(res.Status) +
			" | " + mdEscapeLimit(res.Summary, mdMaxText) + " |")
	}
	m.closeDetails()
}

// section is one check in full, folded: its summary, problems with fixes,
// figures, notes, items (all of them when verbose, else those not
// passing) and, when verbose, its series.
func (m *mdRenderer) section(res report.Result) {
	title := m.verdict(res.Status) + m.sep + mdHTML(checkName(res), mdMaxTitle)
	if res.ID != "" && res.ID != res.Title {
		title += " (" + mdHTML(res.ID, mdMaxTitle) + ")"
	}
	if d := formatSeconds(res.DurationSeconds); d != "" {
		title += m.sep + d
	}
	m.openDetails(title)
	if res.Summary != "" {
		m.line("**Summary:** " + mdEscapeLimit(res.Summary, mdMaxText))
		m.line("")
	}

	var list []string
	for _, f := range res.Findings {
		if look.IsProblem(f) {
			l := "- " + m.verdict(f.Severity) + ": " + mdEscapeLimit(f.Message, mdMaxText)
			if f.Fix != "" {
				l += m.dash + "*Fix:* " + mdEscapeLimit(f.Fix, mdMaxText)
			}
			list = append(list, l)
		}
	}
	for _, f := range resultFigures(res, m.o.Verbose) {
		list = append(list, m.figure(f))
	}
	for _, f := range res.Findings {
		if !look.IsProblem(f) {
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
	if m.o.Verbose || res.Status != report.Skipped {
		// a skipped check's reason covers its items
		m.items(res)
	}
	if m.o.Verbose {
		m.series(res.Series)
	}
	m.closeDetails()
}

func (m *mdRenderer) figure(f figure) string {
	return "- " + mdEscapeLimit(f.label, mdMaxLabel) + ": " + mdEscapeLimit(f.value, mdMaxValue)
}

// items lists the rows of a result: those not passing, or all of them when
// verbose, with their figures.
func (m *mdRenderer) items(res report.Result) {
	items := shownItems(res)
	var shown []report.Item
	for _, it := range items {
		if m.o.Verbose || it.Status != report.Pass {
			shown = append(shown, it)
		}
	}
	if len(shown) == 0 {
		return
	}
	title, notPass := itemsTitle(res)
	if m.o.Verbose {
		m.line("**Items:** " + title)
	} else {
		m.line("**Items not passing:** " + strconv.Itoa(notPass) + " of " + strconv.Itoa(len(items)))
	}
	m.line("")
	for _, it := range shown {
		l := "- " + m.verdict(it.Status) + " **" + mdEscapeLimit(look.ItemLabel(it), mdMaxLabel) + "**"
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
	m.line("")
}

func (m *mdRenderer) series(series []report.Series) {
	if len(series) == 0 {
		return
	}
	m.line("**Samples:** " + plural(len(series), "series", "series"))
	m.line("")
	for _, s := range series {
		l := "- " + mdEscapeLimit(humanLabel(s.Name, s.Unit), mdMaxLabel)
		if s.Item != "" {
			l += " (" + mdEscapeLimit(s.Item, mdMaxLabel) + ")"
		}
		m.line(l + ": " + mdEscapeLimit(seriesPhrase(s), mdMaxText))
	}
	m.line("")
}

// openDetails starts a folded block. The <summary> element is HTML, where
// Markdown is not read, so any machine string in it must come through
// mdHTML; the blank line after it makes GitHub and GitLab read what
// follows as Markdown again.
func (m *mdRenderer) openDetails(summary string) {
	m.line("<details><summary>" + summary + "</summary>")
	m.line("")
}

// closeDetails ends a folded block after a blank line, so that the end tag
// can never be read as part of a list item or a table row before it.
func (m *mdRenderer) closeDetails() {
	if !bytes.HasSuffix(m.b.Bytes(), []byte("\n\n")) {
		m.line("")
	}
	m.line("</details>")
	m.line("")
}

// mdHTML makes a machine-provided string inert inside an HTML element of
// the Markdown report (a <summary>): one line of at most max runes, where
// every character that starts markup in HTML, or code, emphasis, a link or
// a table cell in Markdown, is a numeric character reference. CommonMark
// does not read Markdown there, but some helpdesk renderers do, and a
// reference reads as the character in both while meaning nothing; a
// backslash escape would show in the first. Quotes and parentheses mean
// nothing in element text once brackets are escaped, so they stay legible
// where HTML is not rendered.
func mdHTML(s string, max int) string {
	var b strings.Builder
	for _, r := range human.FlatClip(s, max) {
		switch r {
		case '&', '<', '>', '\\', '`', '*', '_', '[', ']', '|', '~':
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
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
	human.Flatten(s, func(piece string, r rune, literal bool) bool {
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
