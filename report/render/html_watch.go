package render

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/internal/human"
	"github.com/wfh-cli/wfh/report/internal/look"
)

// The watch's card on the HTML page: the timeline (inline SVG: each
// target's p95 round trip per minute, the loss per minute, and the events
// as marked spans, each with a <title> that a browser shows on hover, no
// script), the events table and the targets table.

// Timeline geometry in SVG user units, as the other charts.
const (
	tlWidth    = chartWidth
	tlLeft     = chartLeft
	tlRight    = chartRight
	tlLaneTop  = 6  // the event lane
	tlLaneH    = 16 // height of an event mark
	tlLossTop  = 26 // the loss lane below it
	tlLossH    = 14
	tlPlotTop  = 46 // the round-trip plot
	tlPlotH    = 120
	tlHeight   = tlPlotTop + tlPlotH + 24 // room for the time labels
	tlMinWidth = 2.0                      // an event of a second still shows on an 8-hour axis
	// tlMaxMarks bounds the event marks drawn; the table lists them all.
	tlMaxMarks = 400
)

type htmlWatch struct {
	Meta     string
	Counts   string
	Timeline *htmlTimeline
	Events   []htmlWatchEvent
	More     string
	Rungs    []rungRow
	Notes    []string
}

type htmlWatchEvent struct {
	When, Took, What, Where, Summary string
	Status                           htmlStatus
}

type htmlTimeline struct {
	Width, Height int
	Caption       string
	Marks         []tlMark
	Bands         []tlMark
	Loss          []tlRect
	Lines         []chartLine
	Grid          []chartGrid
	XLabels       []chartText
	LaneLabel     chartText
	LossLabel     chartText
	Empty         string
	CenterX       string
	CenterY       string
}

// tlMark is an event's span: a mark in the lane, and a faint band over the
// plot so the reader sees what the round trip did meanwhile.
type tlMark struct {
	Class, X, Y, W, H, Title string
}

type tlRect struct{ X, Y, W, H string }

func buildHTMLWatch(r report.Report) *htmlWatch {
	w := r.Watch
	if w == nil {
		return nil
	}
	hw := &htmlWatch{
		Meta:   htmlClean(strings.Join(watchMeta(w), " · "), htmlMaxText),
		Counts: htmlClean(watchCountsPhrase(w), htmlMaxText),
	}
	for _, row := range watchRows(r) {
		hw.Events = append(hw.Events, htmlWatchEvent{
			When: htmlClean(row.When, htmlMaxLabel), Took: htmlClean(row.Took, htmlMaxLabel),
			What: htmlClean(row.What, htmlMaxLabel), Where: htmlClean(row.Where, htmlMaxLabel),
			Summary: htmlClean(row.Summary, htmlMaxText), Status: htmlStatusOf(row.Status),
		})
	}
	if w.EventsNotListed > 0 {
		hw.More = "… and " + plural(w.EventsNotListed, "more event", "more events") + " not listed (the counts include them)."
	}
	for _, g := range watchRungRows(w, "–") {
		hw.Rungs = append(hw.Rungs, rungRow{
			Label: htmlClean(g.Label, htmlMaxLabel), Where: htmlClean(g.Where, htmlMaxLabel), Method: htmlClean(g.Method, htmlMaxLabel),
			Sent: g.Sent, Loss: g.Loss, P50: g.P50, P95: g.P95, Max: g.Max,
		})
	}
	for _, n := range w.Notes {
		hw.Notes = append(hw.Notes, htmlClean(n, htmlMaxText))
	}
	hw.Timeline = buildTimeline(r)
	return hw
}

// timelineSpan is the time the axis covers: the report's start and end,
// widened to the minutes and events it holds.
func timelineSpan(r report.Report) (time.Time, time.Time, bool) {
	w := r.Watch
	start, end := r.StartedAt, r.FinishedAt
	widen := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if start.IsZero() || t.Before(start) {
			start = t
		}
		if end.IsZero() || t.After(end) {
			end = t
		}
	}
	for _, m := range w.Minutes {
		widen(m.Start)
		widen(m.Start.Add(time.Minute))
	}
	for _, e := range w.Events {
		widen(e.Start)
		widen(e.End)
	}
	if start.IsZero() || !end.After(start) || end.Sub(start).Seconds() > report.MaxPlausibleSeconds*2 {
		return time.Time{}, time.Time{}, false
	}
	return start, end, true
}

func buildTimeline(r report.Report) *htmlTimeline {
	w := r.Watch
	start, end, ok := timelineSpan(r)
	if !ok {
		return nil
	}
	tl := &htmlTimeline{Width: tlWidth, Height: tlHeight}
	plotW := float64(tlWidth - tlLeft - tlRight)
	span := end.Sub(start).Seconds()
	x := func(t time.Time) float64 {
		v := tlLeft + plotW*t.Sub(start).Seconds()/span
		return math.Max(tlLeft, math.Min(tlLeft+plotW, v))
	}
	tl.LaneLabel = chartText{X: coord(tlLeft - 4), Y: coord(tlLaneTop + 12), Anchor: "end", Text: "events"}
	tl.LossLabel = chartText{X: coord(tlLeft - 4), Y: coord(tlLossTop + 11), Anchor: "end", Text: "loss"}

	for i, e := range w.Events {
		if i >= tlMaxMarks {
			break
		}
		x0, x1 := x(e.Start), x(e.End)
		if x1-x0 < tlMinWidth {
			x1 = math.Min(x0+tlMinWidth, tlLeft+plotW)
			x0 = x1 - tlMinWidth
		}
		class := "ev-" + htmlStatusOf(e.Severity).Class
		if e.Kind == report.WatchKindAsleep {
			class = "ev-asleep"
		}
		title := look.InReportZone(r, e.Start).Format("15:04:05") + " " + report.WatchKindWord(e.Kind, 1)
		if e.DurationSeconds >= 0.1 {
			title += ", " + formatSeconds(e.DurationSeconds)
		}
		if e.Where != "" {
			title += ", " + report.WhereWords(e.Where)
		}
		title = htmlClean(title+": "+e.Summary, htmlMaxText)
		tl.Marks = append(tl.Marks, tlMark{Class: class, X: coord(x0), Y: coord(tlLaneTop), W: coord(x1 - x0), H: coord(tlLaneH), Title: title})
		tl.Bands = append(tl.Bands, tlMark{Class: class + " band", X: coord(x0), Y: coord(tlPlotTop), W: coord(x1 - x0), H: coord(tlPlotH)})
	}

	// loss per minute over every rung, as a bar in the loss lane
	minuteW := math.Max(plotW*60/span, 1)
	for _, m := range w.Minutes {
		var sent, lost int
		for i := range m.Sent {
			sent += m.Sent[i]
			if i < len(m.Lost) {
				lost += m.Lost[i]
			}
		}
		if sent == 0 || lost == 0 {
			continue
		}
		h := math.Max(tlLossH*float64(lost)/float64(sent), 1.5)
		tl.Loss = append(tl.Loss, tlRect{X: coord(x(m.Start)), Y: coord(tlLossTop + tlLossH - h), W: coord(minuteW), H: coord(h)})
	}

	// each rung's p95 per minute, one line each (at most chartMaxLines)
	hi := 0.0
	for _, m := range w.Minutes {
		for _, v := range m.P95Ms {
			if v != nil && isFinite(*v) && *v > hi {
				hi = *v
			}
		}
	}
	tl.CenterX, tl.CenterY = coord(tlLeft+plotW/2), coord(tlPlotTop+tlPlotH/2)
	if hi <= 0 {
		tl.Empty = "no round trip measured"
		hi = 1
	}
	hi = niceCeil(hi)
	y := func(v float64) float64 { return tlPlotTop + tlPlotH*(hi-v)/hi }
	for _, v := range []float64{hi, hi / 2, 0} {
		tl.Grid = append(tl.Grid, chartGrid{X1: coord(tlLeft), X2: coord(tlLeft + plotW), Y: coord(y(v)),
			LabelX: coord(tlLeft - 4), LabelY: coord(y(v) + 4), Text: human.TrimFloat(v, 1) + " ms"})
	}
	var names []string
	for i, g := range w.Rungs {
		if i >= chartMaxLines {
			break
		}
		l := chartLine{Class: "l" + strconv.Itoa(i), Name: htmlClean(g.Label, htmlMaxLabel)}
		var run []string
		flush := func() {
			if len(run) > 1 {
				l.Runs = append(l.Runs, strings.Join(run, " "))
			} else if len(run) == 1 {
				xy := strings.Split(run[0], ",")
				l.Dots = append(l.Dots, chartPoint{X: xy[0], Y: xy[1], R: "1.5"})
			}
			run = run[:0]
		}
		var prev time.Time
		for _, m := range w.Minutes {
			var v *float64
			if i < len(m.P95Ms) {
				v = m.P95Ms[i]
			}
			if v == nil || !isFinite(*v) || (!prev.IsZero() && m.Start.Sub(prev) > 90*time.Second) {
				flush()
			}
			if v != nil && isFinite(*v) {
				mid := m.Start.Add(30 * time.Second)
				run = append(run, coord(x(mid))+","+coord(y(math.Max(*v, 0))))
			}
			prev = m.Start
		}
		flush()
		tl.Lines = append(tl.Lines, l)
		names = append(names, l.Name)
	}
	tl.XLabels = []chartText{
		{X: coord(tlLeft), Y: coord(tlHeight - 6), Anchor: "start", Text: look.InReportZone(r, start).Format("15:04")},
		{X: coord(tlLeft + plotW), Y: coord(tlHeight - 6), Anchor: "end", Text: look.InReportZone(r, end).Format("15:04")},
	}
	tl.Caption = "Timeline: events (marked above), loss per minute, and the p95 round trip per minute of " + strings.Join(names, ", ")
	return tl
}

const htmlWatchTemplate = `
{{- with .Watch}}
<section class="card watch">
<h2>Watch: {{.Counts}}</h2>
<p class="meta">{{.Meta}}</p>
{{- with .Timeline}}
<figure class="chart timeline">
<svg viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="{{.Caption}}">
{{- range .Bands}}
<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"></rect>
{{- end}}
{{- range .Grid}}
<line class="grid" x1="{{.X1}}" y1="{{.Y}}" x2="{{.X2}}" y2="{{.Y}}"></line>
<text class="axis" x="{{.LabelX}}" y="{{.LabelY}}" text-anchor="end">{{.Text}}</text>
{{- end}}
<text class="axis" x="{{.LaneLabel.X}}" y="{{.LaneLabel.Y}}" text-anchor="end">{{.LaneLabel.Text}}</text>
<text class="axis" x="{{.LossLabel.X}}" y="{{.LossLabel.Y}}" text-anchor="end">{{.LossLabel.Text}}</text>
{{- range .XLabels}}
<text class="axis" x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>
{{- end}}
{{- range .Loss}}
<rect class="lossbar" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"></rect>
{{- end}}
{{- range .Lines}}
<g class="{{.Class}}">
{{- range .Runs}}
<polyline class="line" points="{{.}}"></polyline>
{{- end}}
{{- range .Dots}}
<circle class="dot" cx="{{.X}}" cy="{{.Y}}" r="{{.R}}"></circle>
{{- end}}
</g>
{{- end}}
{{- range .Marks}}
<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" rx="2"><title>{{.Title}}</title></rect>
{{- end}}
{{- if .Empty}}
<text class="axis" x="{{.CenterX}}" y="{{.CenterY}}" text-anchor="middle">{{.Empty}}</text>
{{- end}}
</svg>
<figcaption><strong>{{.Caption}}</strong><span class="legend">{{range .Lines}}<span class="key"><span class="sw {{.Class}}"></span>{{.Name}}</span>{{end}}<span class="key"><span class="sw ev-fail"></span>breaks calls</span><span class="key"><span class="sw ev-warn"></span>degrades calls</span><span class="key"><span class="sw ev-pass"></span>note</span></span></figcaption>
</figure>
{{- end}}
{{- if .Events}}
<table class="events">
<thead><tr><th scope="col" class="num">Start</th><th scope="col" class="num">Duration</th><th scope="col">Event</th><th scope="col">Where</th><th scope="col">What happened</th></tr></thead>
<tbody>
{{- range .Events}}
<tr><td class="num">{{.When}}</td><td class="num">{{.Took}}</td><td><span class="badge s-{{.Status.Class}}">{{.Status.Mark}} {{.What}}</span></td><td>{{.Where}}</td><td>{{.Summary}}</td></tr>
{{- end}}
</tbody>
</table>
{{- if .More}}
<p class="meta">{{.More}}</p>
{{- end}}
{{- else}}
<p class="allgood">No events: the connection held the whole time.</p>
{{- end}}
{{- if .Rungs}}
<table class="rungs">
<thead><tr><th scope="col">Target</th><th scope="col">Where</th><th scope="col" class="num">Sent</th><th scope="col" class="num">Lost</th><th scope="col" class="num">Median</th><th scope="col" class="num">p95</th><th scope="col" class="num">Max</th></tr></thead>
<tbody>
{{- range .Rungs}}
<tr><td>{{.Label}}</td><td>{{.Where}}</td><td class="num">{{.Sent}}</td><td class="num">{{.Loss}}</td><td class="num">{{.P50}}</td><td class="num">{{.P95}}</td><td class="num">{{.Max}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
{{- if .Notes}}
<ul class="notes">
{{- range .Notes}}
<li>Note: {{.}}</li>
{{- end}}
</ul>
{{- end}}
</section>
{{- end}}`

// htmlWatchStyle is appended to the page's stylesheet.
const htmlWatchStyle = `.ev-fail{fill:var(--fail);background:var(--fail)}.ev-warn{fill:var(--warn);background:var(--warn)}
.ev-pass,.ev-skipped,.ev-error,.ev-unknown{fill:var(--skipped);background:var(--skipped)}.ev-asleep{fill:var(--grid);background:var(--grid)}
.band{opacity:.15}.lossbar{fill:var(--fail)}
.events td.num,.rungs td.num{white-space:nowrap}
`
