package render

import (
	"math"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/internal/human"
)

// Chart geometry in SVG user units; the SVG scales to the page's width, so
// these set proportions and the size of the axis text.
const (
	chartWidth  = 640
	chartHeight = 180
	chartLeft   = 56 // room for the y-axis labels ("1000 ms")
	chartRight  = 10
	chartTop    = 10
	chartBottom = 24 // room for the x-axis labels
	// chartMaxLines: five colours stay tellable apart, also for most
	// colour-blind readers; a sixth series starts another chart.
	chartMaxLines = 5
	// chartMaxPoints is about one point per pixel of a chart at the page's
	// width; a longer series is drawn as the highest sample of each bucket,
	// because the spikes are what hurt a call.
	chartMaxPoints = 600
	// chartDotsUpTo: past this, dots merge into the line and only add bytes.
	chartDotsUpTo = 120
	// barLabelWidth fits a label of barMaxLabel runes at the bar's font size.
	barLabelWidth = 190
	barMaxLabel   = 28
	barRow        = 26
	barMaxBars    = 8
)

type htmlChart struct {
	Width, Height    int
	Title, Caption   string
	Grid             []chartGrid
	XLabels          []chartText
	Lines            []chartLine
	HasLost          bool
	Note, Empty      string
	CenterX, CenterY string
}

type chartGrid struct{ X1, X2, Y, LabelX, LabelY, Text string }

type chartText struct{ X, Y, Anchor, Text string }

type chartLine struct {
	Class, Name, Stats string
	Runs               []string // polyline points, one per unbroken run of samples
	Dots               []chartPoint
	Lost               []string // path data of a cross per lost sample
}

type chartPoint struct{ X, Y, R string }

type htmlBars struct {
	Width, Height int
	Caption       string
	Bars          []chartBar
}

type chartBar struct{ Label, Value, Class, X, Y, W, H, TextY, ValueX string }

func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// seriesCharts draws the series of one result: series with the same name
// and unit share a chart (RTT to each target, one line each), so they can be
// compared at a glance.
func seriesCharts(series []report.Series) []htmlChart {
	type key struct{ name, unit string }
	var order []key
	groups := map[key][]report.Series{}
	for _, s := range series {
		k := key{s.Name, s.Unit}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], s)
	}
	var charts []htmlChart
	for _, k := range order {
		g := groups[k]
		for start := 0; start < len(g); start += chartMaxLines {
			charts = append(charts, lineChart(g[start:min(start+chartMaxLines, len(g))]))
		}
	}
	return charts
}

// bucketMax shortens samples to at most n points, keeping the highest
// finite sample of each bucket; a bucket with none is a lost point.
func bucketMax(samples []*float64, n int) ([]*float64, int) {
	if len(samples) <= n {
		return samples, 1
	}
	per := (len(samples) + n - 1) / n
	var out []*float64
	for i := 0; i < len(samples); i += per {
		var best *float64
		for _, p := range samples[i:min(i+per, len(samples))] {
			if p != nil && isFinite(*p) && (best == nil || *p > *best) {
				best = p
			}
		}
		out = append(out, best)
	}
	return out, per
}

func lineChart(group []report.Series) htmlChart {
	first := group[0]
	c := htmlChart{Width: chartWidth, Height: chartHeight}
	unit := htmlClean(first.Unit, htmlMaxLabel)
	c.Title = htmlClean(humanLabel(first.Name, first.Unit), htmlMaxLabel)
	if c.Title == "" {
		c.Title = "samples"
	}
	if unit != "" {
		c.Title += " (" + unit + ")"
	}
	if len(group) == 1 && first.Item != "" {
		c.Title += " · " + htmlClean(first.Item, htmlMaxLabel)
	}
	plotW := float64(chartWidth - chartLeft - chartRight)
	plotH := float64(chartHeight - chartTop - chartBottom)
	bottom := float64(chartTop) + plotH

	// one x scale for the chart: sample index, as long as the longest series
	points := make([][]*float64, len(group))
	n, per := 0, 1
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range group {
		var p int
		points[i], p = bucketMax(s.Samples, chartMaxPoints)
		per = max(per, p)
		n = max(n, len(points[i]))
		for _, v := range points[i] {
			if v != nil && isFinite(*v) {
				lo, hi = math.Min(lo, *v), math.Max(hi, *v)
			}
		}
	}
	if per > 1 {
		c.Note = "(each point is the highest of " + strconv.Itoa(per) + " samples)"
	}
	captions := make([]string, 0, len(group))
	for _, s := range group {
		captions = append(captions, htmlClean(seriesPhrase(s), htmlMaxText))
	}
	c.Caption = c.Title + ": " + strings.Join(captions, "; ")
	c.CenterX, c.CenterY = coord(chartLeft+plotW/2), coord(float64(chartTop)+plotH/2)
	if math.IsInf(lo, 1) {
		c.Empty = "no sample received"
		if n == 0 {
			c.Empty = "no samples"
		}
		lo, hi = 0, 1
	}
	// the axis starts at zero so a small wobble does not look like a storm
	lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	if hi > 0 {
		hi = niceCeil(hi)
	}
	if lo < 0 {
		lo = -niceCeil(-lo)
	}
	if hi == lo {
		hi = lo + 1
	}
	y := func(v float64) float64 { return float64(chartTop) + plotH*(hi-v)/(hi-lo) }
	x := func(i int) float64 {
		if n <= 1 {
			return chartLeft + plotW/2
		}
		return chartLeft + plotW*float64(i)/float64(n-1)
	}
	for _, v := range []float64{hi, (hi + lo) / 2, lo} {
		text := human.TrimFloat(v, 2)
		if unit != "" && len(unit) <= 6 {
			text += " " + unit
		}
		c.Grid = append(c.Grid, chartGrid{X1: coord(chartLeft), X2: coord(chartLeft + plotW), Y: coord(y(v)),
			LabelX: coord(chartLeft - 4), LabelY: coord(y(v) + 4), Text: text})
	}
	total := 0
	for _, s := range group {
		total = max(total, len(s.Samples))
	}
	left, right := "sample 1", "sample "+strconv.Itoa(total)
	if iv := first.IntervalSeconds; iv > 0 && isFinite(iv) && total > 1 {
		left, right = "0 s", human.Seconds(iv*float64(total-1))
	}
	if total > 1 {
		c.XLabels = []chartText{
			{X: coord(chartLeft), Y: coord(chartHeight - 6), Anchor: "start", Text: left},
			{X: coord(chartLeft + plotW), Y: coord(chartHeight - 6), Anchor: "end", Text: right},
		}
	}

	for i, s := range group {
		l := chartLine{Class: "l" + strconv.Itoa(i%chartMaxLines), Stats: captions[i]}
		l.Name = htmlClean(s.Item, htmlMaxLabel)
		if l.Name == "" {
			l.Name = "series " + strconv.Itoa(i+1)
		}
		var run []string
		flush := func() {
			if len(run) > 1 {
				l.Runs = append(l.Runs, strings.Join(run, " "))
			}
			run = run[:0]
		}
		pts := points[i]
		for j, v := range pts {
			if v == nil || !isFinite(*v) {
				if len(run) == 1 && len(pts) > chartDotsUpTo {
					// a lone sample between losses would vanish without its dot
					xy := strings.Split(run[0], ",")
					l.Dots = append(l.Dots, chartPoint{X: xy[0], Y: xy[1], R: "2.5"})
				}
				flush()
				cx := x(j)
				l.Lost = append(l.Lost, "M"+coord(cx-4)+" "+coord(bottom-4)+"L"+coord(cx+4)+" "+coord(bottom+4)+
					"M"+coord(cx-4)+" "+coord(bottom+4)+"L"+coord(cx+4)+" "+coord(bottom-4))
				c.HasLost = true
				continue
			}
			run = append(run, coord(x(j))+","+coord(y(*v)))
			if len(pts) <= chartDotsUpTo {
				l.Dots = append(l.Dots, chartPoint{X: coord(x(j)), Y: coord(y(*v)), R: "2.5"})
			}
		}
		if len(run) == 1 && len(pts) > chartDotsUpTo {
			xy := strings.Split(run[0], ",")
			l.Dots = append(l.Dots, chartPoint{X: xy[0], Y: xy[1], R: "2.5"})
		}
		flush()
		c.Lines = append(c.Lines, l)
	}
	return c
}

// niceCeil rounds v > 0 up to a round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5,
// 6 or 8 times a power of ten) so that the axis labels read easily and the
// line uses most of the chart's height.
func niceCeil(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return 1
	}
	exp := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if m*exp >= v*(1-1e-9) {
			return m * exp
		}
	}
	return 10 * exp
}

// idleLoadedBars draws latency at rest against latency under load, from the
// metrics named idle_* and loaded_* (same unit, measured) of one result; nil
// when the result does not have both. A difference ("..._increase_...") is
// not a latency and is left out.
func idleLoadedBars(metrics []report.Metric) *htmlBars {
	var idle, loaded []report.Metric
	unit := ""
	for _, m := range metrics {
		isIdle, isLoaded := strings.HasPrefix(m.Name, "idle_"), strings.HasPrefix(m.Name, "loaded_")
		if (!isIdle && !isLoaded) || strings.Contains(m.Name, "increase") || m.Value == nil || !isFinite(*m.Value) || *m.Value < 0 {
			continue
		}
		if unit == "" {
			unit = m.Unit
		}
		if m.Unit != unit {
			continue
		}
		if isIdle {
			idle = append(idle, m)
		} else {
			loaded = append(loaded, m)
		}
	}
	if len(idle) == 0 || len(loaded) == 0 {
		return nil
	}
	all := append(idle[:len(idle):len(idle)], loaded...)
	if len(all) > barMaxBars {
		all = all[:barMaxBars]
	}
	top := 0.0
	for _, m := range all {
		top = math.Max(top, *m.Value)
	}
	top = niceCeil(top)
	barMax := float64(chartWidth - barLabelWidth - 90)
	b := &htmlBars{Width: chartWidth, Height: len(all)*barRow + 6,
		Caption: "Latency at rest and under load"}
	if u := htmlClean(unit, htmlMaxLabel); u != "" {
		b.Caption += " (" + u + ")"
	}
	for i, m := range all {
		class := "loaded"
		if strings.HasPrefix(m.Name, "idle_") {
			class = "idle"
		}
		w := barMax * *m.Value / top
		y := float64(i*barRow + 4)
		b.Bars = append(b.Bars, chartBar{
			Label: htmlClean(humanLabel(m.Name, m.Unit), barMaxLabel), Value: htmlClean(m.FormatValue(), htmlMaxLabel),
			Class: class, X: coord(barLabelWidth), Y: coord(y), W: coord(w), H: "16",
			TextY: coord(y + 12.5), ValueX: coord(barLabelWidth + w + 6),
		})
	}
	return b
}
