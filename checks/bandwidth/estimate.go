package bandwidth

import (
	"math"
	"time"
)

// estimator turns a series of cumulative byte counts, taken at regular
// ticks during one direction, into a throughput figure. It is pure (no
// clock, no I/O) so that its decisions are tested on synthetic series.
//
// The transfer's start is excluded: TCP slow start and the first request's
// round trips make the first second or so read low, and a shaper's burst
// allowance, or slow start overshooting a lossy link before loss reins it
// in, can make it read high. Warm-up ends once the rate has stopped
// moving: the rates over the last three half seconds are within
// growthLimit of one another, neither climbing nor falling. The figure is then the bytes counted
// since the end of warm-up divided by the time since, and it has settled
// when that figure stayed within settleTolerance for settleWindow.
type estimator struct {
	minWarm, maxWarm, minMeasure time.Duration

	samples []sample
	warm    int // index of the sample where warm-up ended; -1 before
	// history holds the measured rate at each sample after warm-up, for
	// the settling test.
	history []float64
}

type sample struct {
	at    time.Duration // since the direction started
	bytes int64         // cumulative
}

const (
	// halfWindow is the span of the two rates compared to end warm-up:
	// long enough to average out a few round trips at 80 ms RTT.
	halfWindow = 500 * time.Millisecond
	// growthLimit: slow start doubles the rate every round trip, so a rate
	// still climbing by more than 10 % in half a second is still ramping;
	// one falling by as much is still settling after an overshoot (on a
	// lossy link CUBIC needs seconds to come down to its equilibrium).
	growthLimit = 1.10
	// settleWindow and settleTolerance: the figure has settled when it
	// moved by under 2 % over the last second; 2 % keeps the stopping rule
	// well inside the 5 % accuracy target.
	settleWindow    = time.Second
	settleTolerance = 0.02
	// maxStandardError: with the mean's standard error at 1.5 %, the
	// figure is within 3 % of the link's true average 19 times in 20.
	maxStandardError = 0.015
)

func newEstimator(minWarm, maxWarm, minMeasure time.Duration) *estimator {
	return &estimator{minWarm: minWarm, maxWarm: maxWarm, minMeasure: minMeasure, warm: -1}
}

// add records the cumulative byte count at a tick. Ticks must come in time
// order; a count lower than the previous one (a counter reset) is clamped.
func (e *estimator) add(at time.Duration, bytes int64) {
	if n := len(e.samples); n > 0 {
		if at <= e.samples[n-1].at {
			return
		}
		if bytes < e.samples[n-1].bytes {
			bytes = e.samples[n-1].bytes
		}
	}
	e.samples = append(e.samples, sample{at, bytes})
	i := len(e.samples) - 1
	if e.warm < 0 {
		switch {
		case at >= e.maxWarm:
			// Never steady: measure from now on, the latest start that
			// still leaves time for a figure.
			e.warm = i
		case e.warmupOver(i):
			// The last two half-seconds were steady: measure from there.
			e.warm = e.indexAt(at - 2*halfWindow)
		}
	}
	if e.warm >= 0 {
		r, _, _ := e.rate()
		e.history = append(e.history, r)
	}
}

// warmupOver decides at sample i whether the ramp is over.
func (e *estimator) warmupOver(i int) bool {
	at := e.samples[i].at
	if at < e.minWarm || at < 3*halfWindow {
		return false
	}
	// Three consecutive half-second rates within growthLimit of one
	// another: two could straddle a peak, one side rising, one falling.
	lo, hi := math.Inf(1), 0.0
	for k := range 3 {
		end := at - time.Duration(k)*halfWindow
		r := e.rateOver(end-halfWindow, end)
		lo, hi = min(lo, r), max(hi, r)
	}
	return lo > 0 && hi <= lo*growthLimit
}

// indexAt returns the index of the last sample at or before t (0 if none).
func (e *estimator) indexAt(t time.Duration) int {
	idx := 0
	for i, s := range e.samples {
		if s.at > t {
			break
		}
		idx = i
	}
	return idx
}

// bytesAt interpolates the cumulative count at t linearly between ticks,
// which matters only for the first samples.
func (e *estimator) bytesAt(t time.Duration) float64 {
	if len(e.samples) == 0 || t <= 0 {
		return 0
	}
	prev := sample{}
	for _, s := range e.samples {
		if s.at >= t {
			if s.at == prev.at {
				return float64(s.bytes)
			}
			f := float64(t-prev.at) / float64(s.at-prev.at)
			return float64(prev.bytes) + f*float64(s.bytes-prev.bytes)
		}
		prev = s
	}
	return float64(prev.bytes)
}

// rateOver is bytes per second between two instants.
func (e *estimator) rateOver(from, to time.Duration) float64 {
	if from < 0 {
		from = 0
	}
	if to <= from {
		return 0
	}
	return (e.bytesAt(to) - e.bytesAt(from)) / (to - from).Seconds()
}

// trailing is the rate over the last d, for live progress.
func (e *estimator) trailing(d time.Duration) float64 {
	if len(e.samples) == 0 {
		return 0
	}
	at := e.samples[len(e.samples)-1].at
	return e.rateOver(at-d, at)
}

// rate returns the measured rate in bytes per second, the time it covers,
// and whether warm-up has ended. Before warm-up ends, or when the transfer
// ended during it, it falls back to the whole transfer's average with
// ok=false: a figure, but one that includes the ramp.
func (e *estimator) rate() (bytesPerSec float64, over time.Duration, ok bool) {
	n := len(e.samples)
	if n == 0 {
		return 0, 0, false
	}
	last := e.samples[n-1]
	if e.warm < 0 || e.warm >= n-1 {
		if last.at <= 0 {
			return 0, 0, false
		}
		return float64(last.bytes) / last.at.Seconds(), last.at, false
	}
	w := e.samples[e.warm]
	over = last.at - w.at
	return float64(last.bytes-w.bytes) / over.Seconds(), over, true
}

// warmup returns how long warm-up lasted, or -1 while it has not ended.
func (e *estimator) warmup() time.Duration {
	if e.warm < 0 {
		return -1
	}
	return e.samples[e.warm].at
}

// settled reports whether the measured figure may be reported and the
// transfer stopped.
func (e *estimator) settled(tick time.Duration) bool {
	r, over, ok := e.rate()
	if !ok || over < e.minMeasure || r <= 0 || tick <= 0 {
		return false
	}
	k := int(settleWindow / tick)
	if len(e.history) <= k {
		return false
	}
	for _, h := range e.history[len(e.history)-1-k:] {
		if math.Abs(h-r) > settleTolerance*r {
			return false
		}
	}
	return e.standardError() <= maxStandardError
}

// standardError is the relative standard error of the mean of the
// per-tick rates since warm-up: a steady average over a link whose rate
// swings from tick to tick may still be off by chance, and then more
// ticks are needed.
func (e *estimator) standardError() float64 {
	if e.warm < 0 || len(e.samples)-e.warm < 3 {
		return math.Inf(1)
	}
	var n, sum, sumSq float64
	for i := e.warm + 1; i < len(e.samples); i++ {
		dt := (e.samples[i].at - e.samples[i-1].at).Seconds()
		v := float64(e.samples[i].bytes-e.samples[i-1].bytes) / dt
		n++
		sum += v
		sumSq += v * v
	}
	mean := sum / n
	if mean <= 0 {
		return math.Inf(1)
	}
	variance := max(0, (sumSq-n*mean*mean)/(n-1))
	return math.Sqrt(variance/n) / mean
}

// total is the last cumulative count.
func (e *estimator) total() int64 {
	if len(e.samples) == 0 {
		return 0
	}
	return e.samples[len(e.samples)-1].bytes
}

// series returns the rate in bytes per second over consecutive intervals
// of length step, from the start: the shape of the transfer for the report.
func (e *estimator) series(step time.Duration) []float64 {
	if len(e.samples) == 0 || step <= 0 {
		return nil
	}
	end := e.samples[len(e.samples)-1].at
	var out []float64
	for t := time.Duration(0); t+step <= end+step/2 && len(out) < maxSeries; t += step {
		to := t + step
		if to > end {
			to = end
		}
		out = append(out, e.rateOver(t, to))
	}
	return out
}

// maxSeries bounds the report's samples per direction.
const maxSeries = 64
