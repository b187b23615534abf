package report

import (
	"fmt"
	"math"
	"strconv"
)

// MaxPlausibleSeconds bounds every duration a report can hold: a run ends
// within its --timeout (at most 10 min) and a watch within its --for (at
// most 24 h), so a run, check, event or sampling interval longer than a
// day comes from a corrupt or hand-edited file.
// Renderers leave such durations out rather than print nonsense.
const MaxPlausibleSeconds = 86400

// PlausibleSeconds reports whether v can be a duration of a run.
func PlausibleSeconds(v float64) bool {
	return !math.IsNaN(v) && v >= 0 && v <= MaxPlausibleSeconds
}

// Implausible lists the durations in r that no run can produce (negative,
// not a number, or past MaxPlausibleSeconds), by their JSON path, for the
// one line wfh report prints about a report it shows without them.
func Implausible(r Report) []string {
	var out []string
	add := func(path string, v float64) {
		if !PlausibleSeconds(v) {
			out = append(out, path+" "+strconv.FormatFloat(v, 'g', 3, 64))
		}
	}
	add("duration_seconds", r.DurationSeconds)
	for i, res := range r.Results {
		add(fmt.Sprintf("results[%d].duration_seconds", i), res.DurationSeconds)
		for j, s := range res.Series {
			add(fmt.Sprintf("results[%d].series[%d].interval_seconds", i, j), s.IntervalSeconds)
		}
	}
	implausibleWatch(r.Watch, add)
	return out
}
