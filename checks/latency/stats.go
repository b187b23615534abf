package latency

import (
	"math"
	"time"
)

// series is one target's probes in the order they were sent: the round
// trip of each, or lost (a negative value) when no answer came in time.
type series struct {
	rtt []time.Duration
}

const lost = time.Duration(-1)

// stats summarises a series.
type stats struct {
	Sent, Received int
	Min, Avg, Max  time.Duration
	// Jitter is the mean absolute difference of consecutive round trips
	// (the estimator behind RFC 3550's interarrival jitter, without its
	// 1/16 smoothing); valid only with two or more replies.
	Jitter      time.Duration
	JitterValid bool
}

func (s series) stats() stats {
	st := stats{Sent: len(s.rtt)}
	var sum time.Duration
	var diffs, nDiffs float64
	prev := lost
	for _, r := range s.rtt {
		if r < 0 {
			continue
		}
		st.Received++
		sum += r
		if st.Received == 1 || r < st.Min {
			st.Min = r
		}
		if r > st.Max {
			st.Max = r
		}
		// Consecutive replies, across a lost probe: what a jitter buffer
		// sees too.
		if prev >= 0 {
			diffs += math.Abs(float64(r - prev))
			nDiffs++
		}
		prev = r
	}
	if st.Received > 0 {
		st.Avg = sum / time.Duration(st.Received)
	}
	if nDiffs > 0 {
		st.Jitter, st.JitterValid = time.Duration(diffs/nDiffs), true
	}
	return st
}

// lossPercent is the share of probes without an answer; 0 when none were sent.
func (st stats) lossPercent() float64 {
	if st.Sent == 0 {
		return 0
	}
	return 100 * float64(st.Sent-st.Received) / float64(st.Sent)
}

// binomialTail is P(X >= k) for X ~ Binomial(n, p): the p-value of a
// one-sided test that k losses in n probes exceed a loss rate p.
func binomialTail(k, n int, p float64) float64 {
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
