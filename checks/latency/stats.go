package latency

import (
	"math"
	"time"

	"github.com/wfh-cli/wfh/internal/rttstats"
)

// series is one target's probes in the order they were sent: the round
// trip of each, or rttstats.Lost when no answer came in time.
type series struct {
	rtt []time.Duration
}

// stats summarises a series: jitter is rttstats.Jitter's mean |ΔRTT| over
// consecutive replies, across a lost probe, as a call's jitter buffer sees
// them.
func (s series) stats() rttstats.Summary { return rttstats.Summarize(s.rtt) }

// binomialHead is P(X <= k) for X ~ Binomial(n, p): the p-value of a
// one-sided test that k losses in n probes fall short of a loss rate p.
func binomialHead(k, n int, p float64) float64 {
	if k >= n {
		return 1
	}
	return 1 - rttstats.BinomialTail(k+1, n, p)
}

// fisherBelow is the p-value of Fisher's exact test that a loses a
// smaller share of its probes than b: P(X <= a.lost) where X, a's losses
// given the losses of both, is hypergeometric. Both samples' noise counts,
// unlike a binomial test against b's rate.
func fisherBelow(a, b rungLoss) float64 {
	total, lost := a.sent+b.sent, a.lost+b.lost
	if a.sent <= 0 || b.sent <= 0 || lost == 0 {
		return 1
	}
	lchoose := func(n, k int) float64 {
		x, _ := math.Lgamma(float64(n + 1))
		y, _ := math.Lgamma(float64(k + 1))
		z, _ := math.Lgamma(float64(n - k + 1))
		return x - y - z
	}
	den := lchoose(total, lost)
	var sum float64
	for x := max(0, lost-b.sent); x <= min(a.lost, lost); x++ {
		sum += math.Exp(lchoose(a.sent, x) + lchoose(b.sent, lost-x) - den)
	}
	return math.Min(sum, 1)
}
