// Package rttstats summarises a series of round-trip times: median,
// quantiles, mean, jitter and loss, computed one way for every check.
//
// A series holds the probes in the order they were sent. A negative entry
// (Lost) is a probe that got no answer: it counts as sent for the loss and
// is otherwise left out, except by QuantileCountingLost, which ranks it above
// every answer. Every function leaves its input unchanged, and every figure
// is computed in integers or checked floats, so none is ever NaN or ±Inf.
package rttstats

import (
	"math"
	"slices"
	"time"
)

// Lost marks, in a series, a probe that got no answer in time.
const Lost = time.Duration(-1)

// answered returns the answered round trips of ds, sorted.
func answered(ds []time.Duration) []time.Duration {
	s := make([]time.Duration, 0, len(ds))
	for _, d := range ds {
		if d >= 0 {
			s = append(s, d)
		}
	}
	slices.Sort(s)
	return s
}

// Median is the middle answered round trip; with an even number of
// answers, the mean of the two middle ones (the usual definition, so two
// answers of 10 and 20 ms give 15 ms, not either one). ok is false when no
// probe was answered.
func Median(ds []time.Duration) (median time.Duration, ok bool) {
	s := answered(ds)
	n := len(s)
	switch {
	case n == 0:
		return 0, false
	case n%2 == 1:
		return s[n/2], true
	}
	a, b := s[n/2-1], s[n/2]
	return a + (b-a)/2, true // (a+b)/2 could overflow
}

// Quantile is the q-quantile (0 ≤ q ≤ 1) of the answered round trips by
// the nearest-rank method: the smallest answer that at least q of the
// answers do not exceed. It is always one of the measured values, which
// is what a "90th percentile" in a report should be. q outside [0, 1] is
// clamped. ok is false when no probe was answered.
func Quantile(ds []time.Duration, q float64) (d time.Duration, ok bool) {
	s := answered(ds)
	if len(s) == 0 {
		return 0, false
	}
	return s[nearestRank(len(s), q)], true
}

// QuantileCountingLost is the q-quantile of every probe, answered or
// lost, where a lost probe ranks above every answer: it took longer than
// the longest one. over is true when the rank falls on a lost probe; the
// quantile is then unknown beyond "longer than the wait" and d is 0. ok is
// false for an empty series. Under load, a queue that drops probes must
// not look shorter than one that delays them.
func QuantileCountingLost(ds []time.Duration, q float64) (d time.Duration, over, ok bool) {
	if len(ds) == 0 {
		return 0, false, false
	}
	s := answered(ds)
	i := nearestRank(len(ds), q)
	if i >= len(s) {
		return 0, true, true
	}
	return s[i], false, true
}

// nearestRank is the index of the q-quantile in n sorted values:
// ceil(q·n) − 1, within [0, n−1].
func nearestRank(n int, q float64) int {
	if math.IsNaN(q) || q < 0 {
		q = 0
	}
	if q > 1 {
		q = 1
	}
	return min(max(int(math.Ceil(q*float64(n)))-1, 0), n-1)
}

// Mean is the arithmetic mean of the answered round trips; ok is false
// when none was answered.
func Mean(ds []time.Duration) (mean time.Duration, ok bool) {
	s := Summarize(ds)
	return s.Mean, s.Received > 0
}

// Jitter is the mean absolute difference between consecutive answered
// round trips, |RTT(i) − RTT(i−1)| averaged, where a lost probe is skipped
// (the next answer is compared with the last one, as a jitter buffer sees
// them). It is the estimator behind RFC 3550's interarrival jitter
// (section 6.4.1) without its 1/16 running smoothing: a check sends a few
// dozen probes, too few for the smoothed value to settle, and the plain
// mean weighs every probe alike. RFC 3550's J also measures one-way
// transit differences; round trips add both directions' variation, so
// this figure runs higher than a one-way jitter on the same link. ok is
// false with fewer than two answers.
func Jitter(ds []time.Duration) (jitter time.Duration, ok bool) {
	s := Summarize(ds)
	return s.Jitter, s.JitterValid
}

// LossPercent is the share of sent probes without an answer, 0 to 100; 0
// when nothing was sent. received above sent counts as no loss, so a
// duplicate reply cannot make the figure negative.
func LossPercent(sent, received int) float64 {
	if sent <= 0 || received >= sent {
		return 0
	}
	return 100 * float64(sent-max(received, 0)) / float64(sent)
}

// Summary is a series' figures in one pass.
type Summary struct {
	Sent, Received int
	// Min, Mean and Max are over the answered probes; zero when none was.
	Min, Mean, Max time.Duration
	// Jitter is as Jitter computes it; JitterValid is false with fewer than
	// two answers (zero jitter and unknown jitter differ).
	Jitter      time.Duration
	JitterValid bool
}

// Summarize computes a series' figures.
func Summarize(ds []time.Duration) Summary {
	st := Summary{Sent: len(ds)}
	// Sums in float64: int64 nanoseconds could overflow on a long series of
	// long waits, and a float64 mean is exact to the nanosecond below 104
	// days.
	var sum, diffs float64
	nDiffs := 0
	prev := Lost
	for _, r := range ds {
		if r < 0 {
			continue
		}
		st.Received++
		sum += float64(r)
		if st.Received == 1 || r < st.Min {
			st.Min = r
		}
		if r > st.Max {
			st.Max = r
		}
		if prev >= 0 {
			diffs += math.Abs(float64(r - prev)) // both ≥ 0: no overflow
			nDiffs++
		}
		prev = r
	}
	if st.Received > 0 {
		st.Mean = clamp(sum/float64(st.Received), st.Min, st.Max)
	}
	if nDiffs > 0 {
		st.Jitter, st.JitterValid = clamp(diffs/float64(nDiffs), 0, st.Max-st.Min), true
	}
	return st
}

// LossPercent is the share of the summary's probes without an answer.
func (s Summary) LossPercent() float64 { return LossPercent(s.Sent, s.Received) }

// clamp converts v to a Duration within [lo, hi]: float64 rounding of huge
// values must not put a mean outside its samples.
func clamp(v float64, lo, hi time.Duration) time.Duration {
	switch {
	case v <= float64(lo):
		return lo
	case v >= float64(hi):
		return hi
	}
	// v is now below 2^63, so the conversion is defined; float64(hi) may
	// have rounded up, hence the last min.
	return min(max(time.Duration(v), lo), hi)
}

// BinomialTail is P(X >= k) for X ~ Binomial(n, p): the p-value of a
// one-sided test that k losses in n probes exceed a loss rate p (the
// latency check's loss location and the watch's loss bursts).
func BinomialTail(k, n int, p float64) float64 {
	switch {
	case k <= 0:
		return 1
	case k > n:
		return 0
	case p <= 0:
		return 0
	case p >= 1:
		return 1
	}
	lp, lq := math.Log(p), math.Log1p(-p)
	lnN, _ := math.Lgamma(float64(n + 1))
	var sum float64
	for i := k; i <= n; i++ {
		li, _ := math.Lgamma(float64(i + 1))
		lni, _ := math.Lgamma(float64(n - i + 1))
		sum += math.Exp(lnN - li - lni + float64(i)*lp + float64(n-i)*lq)
	}
	return math.Min(sum, 1)
}
