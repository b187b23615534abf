package render

import (
	"bytes"
	"encoding/json"
	"math"

	"github.com/wfh-cli/wfh/report"
)

// nonFiniteNote explains a value dropped by sanitizeForJSON.
const nonFiniteNote = "not a finite number"

// renderJSON writes exactly the model: the JSON form is a versioned public
// contract (docs/report.schema.json), so nothing is added or renamed here.
// HTML escaping is off because the output is data, not a web page, and
// "<" as \u003c only confuses people reading a pasted report.
func renderJSON(b *bytes.Buffer, r report.Report) error {
	enc := json.NewEncoder(b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sanitizeForJSON(r))
}

// sanitizeForJSON returns a copy of r that encoding/json can always encode.
// JSON has no NaN or Infinity, and encoding/json fails the whole report on
// one such float, so a check that divided by zero would cost the user every
// other result. Instead a non-finite metric value becomes nil ("not
// measured", with a note saying why), a non-finite series sample becomes
// nil (a lost sample, which is what the schema already says null means), and
// a non-finite duration or interval becomes 0. The input is never modified:
// slices that hold floats are copied, everything else is shared read-only.
func sanitizeForJSON(r report.Report) report.Report {
	r.DurationSeconds = finiteOrZero(r.DurationSeconds)
	r.Watch = sanitizeWatch(r.Watch)
	if r.Results == nil {
		return r
	}
	results := make([]report.Result, len(r.Results))
	for i, res := range r.Results {
		res.DurationSeconds = finiteOrZero(res.DurationSeconds)
		res.Metrics = sanitizeMetrics(res.Metrics)
		if res.Items != nil {
			items := make([]report.Item, len(res.Items))
			for j, it := range res.Items {
				it.Metrics = sanitizeMetrics(it.Metrics)
				items[j] = it
			}
			res.Items = items
		}
		if res.Series != nil {
			series := make([]report.Series, len(res.Series))
			for j, s := range res.Series {
				s.IntervalSeconds = finiteOrZero(s.IntervalSeconds)
				if s.Samples != nil {
					samples := make([]*float64, len(s.Samples))
					for k, p := range s.Samples {
						if p != nil && isFinite(*p) {
							samples[k] = p
						}
					}
					s.Samples = samples
				}
				series[j] = s
			}
			res.Series = series
		}
		results[i] = res
	}
	r.Results = results
	return r
}

func sanitizeMetrics(in []report.Metric) []report.Metric {
	if in == nil {
		return nil
	}
	out := make([]report.Metric, len(in))
	for i, m := range in {
		if m.Value != nil && !isFinite(*m.Value) {
			m.Value = nil
			if m.Note == "" {
				m.Note = nonFiniteNote
			}
		}
		out[i] = m
	}
	return out
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func finiteOrZero(v float64) float64 {
	if isFinite(v) {
		return v
	}
	return 0
}

// sanitizeWatch is sanitizeForJSON for the watch section: a copy whose
// non-finite figures are nil (not measured) or 0 (durations).
func sanitizeWatch(w *report.Watch) *report.Watch {
	if w == nil {
		return nil
	}
	c := *w
	fin := func(p *float64) *float64 {
		if p == nil || !isFinite(*p) {
			return nil
		}
		return p
	}
	c.IntervalSeconds, c.PlannedSeconds = finiteOrZero(c.IntervalSeconds), finiteOrZero(c.PlannedSeconds)
	c.WatchedSeconds, c.AsleepSeconds = finiteOrZero(c.WatchedSeconds), finiteOrZero(c.AsleepSeconds)
	if c.Rungs != nil {
		c.Rungs = append([]report.WatchRung(nil), c.Rungs...)
		for i := range c.Rungs {
			g := &c.Rungs[i]
			g.ProbesPerMinute = finiteOrZero(g.ProbesPerMinute)
			g.LossPercent, g.P50Ms, g.P95Ms, g.MaxMs = fin(g.LossPercent), fin(g.P50Ms), fin(g.P95Ms), fin(g.MaxMs)
		}
	}
	if c.Events != nil {
		c.Events = append([]report.WatchEvent(nil), c.Events...)
		for i := range c.Events {
			e := &c.Events[i]
			e.DurationSeconds = finiteOrZero(e.DurationSeconds)
			e.LossPercent, e.RTTIncreaseMs, e.SignalDBm = fin(e.LossPercent), fin(e.RTTIncreaseMs), fin(e.SignalDBm)
		}
	}
	if c.Minutes != nil {
		c.Minutes = append([]report.WatchMinute(nil), c.Minutes...)
		for i := range c.Minutes {
			m := &c.Minutes[i]
			m.AsleepSeconds = finiteOrZero(m.AsleepSeconds)
			for _, list := range []*[]*float64{&m.P50Ms, &m.P95Ms, &m.MaxMs} {
				if *list == nil {
					continue
				}
				out := make([]*float64, len(*list))
				for j, p := range *list {
					out[j] = fin(p)
				}
				*list = out
			}
		}
	}
	return &c
}
