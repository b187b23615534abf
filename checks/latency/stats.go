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
