package watch

import (
	"math"
	"slices"
	"time"

	"github.com/wfh-cli/wfh/internal/rttstats"
)

// histogram keeps round trips in logarithmic buckets, so a rung's
// percentiles over an 8-hour watch take a few kilobytes instead of every
// sample. Buckets are 2 % wide, so a percentile read from them is within
// 1 % of the true one.
type histogram struct {
	counts []uint32
	n      uint64
	max    time.Duration
}

const (
	histMin    = 10 * time.Microsecond // below this, a round trip is the machine's own
	histGrowth = 1.02
	// histBuckets reaches 10 µs × 1.02^1000 ≈ 4 s; anything slower is in
	// the last bucket (answers after more than a second count as lost).
	histBuckets = 1000
)

var histLogGrowth = math.Log(histGrowth)

func (h *histogram) add(d time.Duration) {
	if h.counts == nil {
		h.counts = make([]uint32, histBuckets)
	}
	i := 0
	if d > histMin {
		i = min(int(math.Log(float64(d)/float64(histMin))/histLogGrowth), histBuckets-1)
	}
	h.counts[i]++
	h.n++
	h.max = max(h.max, d)
}

// quantile returns the q-quantile (nearest rank), at a bucket's middle.
func (h *histogram) quantile(q float64) (time.Duration, bool) {
	if h.n == 0 {
		return 0, false
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= rank {
			lo := float64(histMin) * math.Pow(histGrowth, float64(i))
			mid := time.Duration(lo * (1 + histGrowth) / 2)
			if i == 0 {
				mid = histMin / 2
			}
			return min(mid, h.max), true
		}
	}
	return h.max, true
}

// medianDur is the median of ds (sorting a copy); false when empty.
func medianDur(ds []time.Duration) (time.Duration, bool) {
	if len(ds) == 0 {
		return 0, false
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2], true
}

// medianF is the median of vs (sorting a copy); NaN when empty.
func medianF(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[len(s)/2]
}

// levelCount is the probes of one level of the path in some interval.
type levelCount struct {
	sent, lost int
}

// locateLoss finds the level where loss starts, as the latency check
// does: the nearest level k such that every level from k on loses
// significantly more (one-sided binomial test, p < 0.05) than the path up
// to the level before, estimated as the lowest loss of any level at or
// beyond it (a router that limits the answers it sends itself loses more
// than the path through it). floor is the background loss not worth
// locating. It returns LevelUnknown when no level passes the test.
func locateLoss(counts map[Level]levelCount, floor float64) Level {
	var levels []Level
	for l, c := range counts {
		if c.sent > 0 && l != LevelUnknown {
			levels = append(levels, l)
		}
	}
	slices.Sort(levels)
	if len(levels) == 0 {
		return LevelUnknown
	}
	rate := make([]float64, len(levels))
	for i, l := range levels {
		rate[i] = float64(counts[l].lost) / float64(counts[l].sent)
	}
	est := make([]float64, len(levels))
	for i := len(levels) - 1; i >= 0; i-- {
		est[i] = rate[i]
		if i+1 < len(levels) && est[i+1] < est[i] {
			est[i] = est[i+1]
		}
	}
	const significance = 0.05
	for i := range levels {
		base := 0.0
		if i > 0 {
			base = est[i-1]
		}
		all := true
		for _, later := range levels[i:] {
			c := counts[later]
			if rttstats.BinomialTail(c.lost, c.sent, math.Max(base, floor)) >= significance {
				all = false
				break
			}
		}
		if all {
			return levels[i]
		}
	}
	return LevelUnknown
}
