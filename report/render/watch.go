package render

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/internal/human"
	"github.com/wfh-cli/wfh/report/internal/look"
)

// What every renderer shows of a watch (report.Watch): the events, one row
// each, and the rungs with their figures over the whole watch. The rows
// hold raw strings; each renderer escapes and clips them for itself.

// textMaxEvents is how many events the terminal report lists without
// --verbose: about a screen; the counts above the list say how many
// there were, and the HTML page lists them all.
const textMaxEvents = 20

type watchRow struct {
	When, Took, What, Where, Summary string
	Status                           report.Status
	Open                             bool
}

// runName says what made the report: a watch or a doctor run.
func runName(r report.Report) string {
	if r.Watch != nil {
		return "wfh watch"
	}
	return "wfh doctor"
}

// interruptedWords is the line shown for an interrupted run.
func interruptedWords(r report.Report) string {
	if r.Watch != nil {
		return "Interrupted: the watch was stopped before its time was up; the report covers the time watched."
	}
	return "Interrupted: the run was stopped before every check finished."
}

// watchCountsPhrase is "2 outages, 1 loss burst" or "no events", worst
// kind first.
func watchCountsPhrase(w *report.Watch) string {
	var parts []string
	seen := map[string]bool{}
	add := func(kind string, n int) {
		if n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+report.WatchKindWord(kind, n))
		}
		seen[kind] = true
	}
	for _, k := range report.WatchKinds() {
		add(k, w.Counts[k])
	}
	for _, k := range sortedIntKeys(w.Counts) {
		if !seen[k] {
			add(k, w.Counts[k])
		}
	}
	if len(parts) == 0 {
		return "no events"
	}
	return strings.Join(parts, ", ")
}

func sortedIntKeys(m map[string]int) []string {
	return slices.Sorted(maps.Keys(m))
}

// watchRows are the events as rows, times on the user's clock. The date is
// shown only for events on another day than the watch's start.
func watchRows(r report.Report) []watchRow {
	w := r.Watch
	if w == nil {
		return nil
	}
	startDay := ""
	if t, ok := look.LocalStart(r); ok {
		startDay = t.Format("2006-01-02")
	}
	rows := make([]watchRow, 0, len(w.Events))
	for _, e := range w.Events {
		row := watchRow{
			What: report.WatchKindWord(e.Kind, 1), Where: report.WhereWords(e.Where),
			Summary: e.Summary, Status: e.Severity, Open: e.Open,
		}
		if !e.Start.IsZero() {
			t := look.InReportZone(r, e.Start)
			row.When = t.Format("15:04:05")
			if day := t.Format("2006-01-02"); day != startDay {
				row.When = t.Format("01-02 15:04:05")
			}
		}
		if e.DurationSeconds > 0 {
			row.Took = formatSeconds(e.DurationSeconds)
			if e.DurationSeconds < 0.1 {
				row.Took = "" // a change at one moment
			}
		}
		if e.Open && row.Took != "" {
			row.Took += "+"
		}
		rows = append(rows, row)
	}
	return rows
}

type rungRow struct {
	Label, Where, Method, Sent, Loss, P50, P95, Max string
}

// ms formats a figure in milliseconds, "–" when not measured.
func ms(v *float64, dash string) string {
	if v == nil || !isFinite(*v) {
		return dash
	}
	switch {
	case *v >= 100:
		return human.TrimFloat(*v, 0) + " ms"
	case *v >= 10:
		return human.TrimFloat(*v, 1) + " ms"
	default:
		return human.TrimFloat(*v, 2) + " ms"
	}
}

func watchRungRows(w *report.Watch, dash string) []rungRow {
	if w == nil {
		return nil
	}
	rows := make([]rungRow, 0, len(w.Rungs))
	for _, g := range w.Rungs {
		label := g.Label
		if g.Address != "" && !strings.Contains(label, g.Address) {
			label += " " + g.Address
		}
		row := rungRow{Label: label, Where: report.WhereWords(g.Where), Method: g.Method,
			Sent: strconv.FormatInt(g.Sent, 10), Loss: dash,
			P50: ms(g.P50Ms, dash), P95: ms(g.P95Ms, dash), Max: ms(g.MaxMs, dash)}
		if g.LossPercent != nil && isFinite(*g.LossPercent) {
			row.Loss = human.TrimFloat(*g.LossPercent, 2) + " % (" + strconv.FormatInt(g.Lost, 10) + ")"
		}
		rows = append(rows, row)
	}
	return rows
}

// watchMeta is the watch's facts in one line: pace, time watched, data.
func watchMeta(w *report.Watch) []string {
	var parts []string
	if w.IntervalSeconds > 0 && report.PlausibleSeconds(w.IntervalSeconds) {
		parts = append(parts, "every "+human.Seconds(w.IntervalSeconds))
	}
	if d := formatSeconds(w.WatchedSeconds); d != "" {
		watched := "watched " + d
		if p := formatSeconds(w.PlannedSeconds); p != "" && math.Abs(w.PlannedSeconds-w.WatchedSeconds) > 1 {
			watched += " of " + p
		}
		parts = append(parts, watched)
	}
	if w.AsleepSeconds > 0 {
		if d := formatSeconds(w.AsleepSeconds); d != "" {
			parts = append(parts, "asleep "+d)
		}
	}
	if w.DataBudgetBytes > 0 {
		parts = append(parts, "data "+human.Bytes(float64(w.DataUsedBytes))+" of "+human.Bytes(float64(w.DataBudgetBytes)))
	}
	if w.Method != "" {
		parts = append(parts, "by "+methodWords(w.Method))
	}
	if w.Connection != "" {
		parts = append(parts, "connection: "+w.Connection)
	}
	switch w.Ended {
	case report.WatchEndedDataBudget:
		parts = append(parts, "stopped: the data budget was used up")
	case report.WatchEndedOutputFailed:
		parts = append(parts, "stopped: the output could not be written")
	}
	return parts
}

func methodWords(m string) string {
	switch m {
	case "icmp":
		return "ping"
	case "icmp_raw":
		return "ping (raw socket)"
	case "tcp":
		return "TCP connect times (pings not permitted)"
	}
	return m
}

// minuteLabel is a minute's start on the user's clock.
func minuteLabel(r report.Report, t time.Time) string {
	return look.InReportZone(r, t).Format("15:04")
}

// textWatch writes the events, rungs and (verbose) minutes.
func (t *textRenderer) watch(r report.Report) {
	w := r.Watch
	dash := "-"
	if t.o.Unicode {
		dash = "–"
	}
	t.line("Watch: " + t.clean(strings.Join(watchMeta(w), t.sep), textMaxLine))
	rows := watchRows(r)
	head := "Events: " + watchCountsPhrase(w)
	t.line(head)
	shown := rows
	if !t.o.Verbose && len(shown) > textMaxEvents {
		shown = shown[:textMaxEvents]
	}
	for _, row := range shown {
		when := row.When
		if row.Took != "" {
			when += " " + row.Took
		}
		t.line(t.indent + t.paint(row.Status, t.mark(row.Status)) + " " + t.clean(when, textMaxLabel) + t.sep + t.clean(row.Summary, textMaxLine))
	}
	if more := len(rows) - len(shown) + w.EventsNotListed; more > 0 {
		ellipsis := "..."
		if t.o.Unicode {
			ellipsis = "…"
		}
		t.line(t.indent + ellipsis + " and " + plural(more, "more event", "more events") + " (--verbose, or the HTML report, lists them)")
	}
	if len(w.Rungs) > 0 {
		t.line("Targets (over the whole watch):")
		for _, g := range watchRungRows(w, dash) {
			text := t.clean(g.Label, textMaxLabel)
			if g.Where != "" {
				text += " (" + t.clean(g.Where, textMaxLabel) + ")"
			}
			text += ": sent " + g.Sent + ", lost " + g.Loss + ", median " + g.P50 + ", p95 " + g.P95 + ", max " + g.Max
			t.line(t.indent + text)
		}
	}
	for _, n := range w.Notes {
		t.line(t.indent + "Note: " + t.clean(n, textMaxLine))
	}
	if t.o.Verbose && len(w.Minutes) > 0 {
		t.line("Minutes (p95 round trip per target, lost probes in brackets):")
		for _, m := range w.Minutes {
			var cells []string
			for i := range w.Rungs {
				cell := dash
				if i < len(m.P95Ms) {
					cell = ms(m.P95Ms[i], dash)
				}
				if i < len(m.Lost) && m.Lost[i] > 0 {
					cell += " [" + strconv.Itoa(m.Lost[i]) + "]"
				}
				cells = append(cells, cell)
			}
			line := minuteLabel(r, m.Start) + "  " + strings.Join(cells, t.sep)
			if m.AsleepSeconds > 0 {
				line += t.sep + "asleep " + human.TrimFloat(m.AsleepSeconds, 0) + " s"
			}
			t.line(t.indent + line)
		}
	}
	t.line("")
}

// mdWatch writes the events and rungs as folded tables.
func (m *mdRenderer) watch(r report.Report) {
	w := r.Watch
	dash := "-"
	if m.o.Unicode {
		dash = "–"
	}
	m.line(mdEscapeLimit(strings.Join(watchMeta(w), m.sep), mdMaxText))
	m.line("")
	rows := watchRows(r)
	m.openDetails("Events: " + mdHTML(watchCountsPhrase(w), mdMaxText))
	if len(rows) == 0 {
		m.line("No events: the connection held the whole time.")
	} else {
		m.line("| Start | Duration | Event | Where | What happened |")
		m.line("| --- | --- | --- | --- | --- |")
		for _, row := range rows {
			m.line("| " + mdEscapeLimit(row.When, mdMaxLabel) + " | " + mdEscapeLimit(row.Took, mdMaxLabel) +
				" | " + m.verdict(row.Status) + " " + mdEscapeLimit(row.What, mdMaxLabel) +
				" | " + mdEscapeLimit(row.Where, mdMaxLabel) + " | " + mdEscapeLimit(row.Summary, mdMaxText) + " |")
		}
		if w.EventsNotListed > 0 {
			m.line("")
			m.line("… and " + plural(w.EventsNotListed, "more event", "more events") + " not listed (the counts include them).")
		}
	}
	m.closeDetails()
	if len(w.Rungs) > 0 {
		m.openDetails("Targets: " + strconv.Itoa(len(w.Rungs)))
		m.line("| Target | Where | Sent | Lost | Median | p95 | Max |")
		m.line("| --- | --- | --- | --- | --- | --- | --- |")
		for _, g := range watchRungRows(w, dash) {
			m.line("| " + mdEscapeLimit(g.Label, mdMaxLabel) + " | " + mdEscapeLimit(g.Where, mdMaxLabel) + " | " + g.Sent + " | " +
				mdEscape(g.Loss) + " | " + mdEscape(g.P50) + " | " + mdEscape(g.P95) + " | " + mdEscape(g.Max) + " |")
		}
		for _, n := range w.Notes {
			m.line("")
			m.line("Note: " + mdEscapeLimit(n, mdMaxText))
		}
		m.closeDetails()
	}
	if m.o.Verbose && len(w.Minutes) > 0 {
		m.openDetails("Minutes: " + strconv.Itoa(len(w.Minutes)))
		head := "| Minute |"
		sep := "| --- |"
		for _, g := range w.Rungs {
			head += " " + mdEscapeLimit(g.Label, mdMaxLabel) + " |"
			sep += " --- |"
		}
		m.line(head)
		m.line(sep)
		for _, mi := range w.Minutes {
			l := "| " + minuteLabel(r, mi.Start) + " |"
			for i := range w.Rungs {
				cell := dash
				if i < len(mi.P95Ms) {
					cell = ms(mi.P95Ms[i], dash)
				}
				if i < len(mi.Lost) && mi.Lost[i] > 0 {
					cell += " (" + strconv.Itoa(mi.Lost[i]) + " lost)"
				}
				l += " " + mdEscape(cell) + " |"
			}
			m.line(l)
		}
		m.closeDetails()
	}
}
