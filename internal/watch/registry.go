package watch

import (
	"math"
	"slices"
	"time"
)

// Spike thresholds and the baseline they are measured against.
const (
	// spikeMinExcess: a call's jitter buffer holds 40 to 60 ms, so a round
	// trip that rises more than 50 ms above its usual level is heard as
	// lag or stutter.
	spikeMinExcess = 50.0 // ms
	// spikeMADs: a naturally jittery link (busy Wi-Fi) varies by a few
	// median absolute deviations; four keep its normal wobble from
	// reading as spikes.
	spikeMADs = 4.0
	// baselineSize: the last 300 answers that were not part of a spike,
	// five minutes at one a second, so the baseline follows slow changes
	// (a busier evening) but not a spike.
	baselineSize = 300
	// baselineMin: until a rung has ten answers its usual level is not
	// known and nothing is a spike.
	baselineMin = 10
)

// baseline is a rung's usual round trip: the median of its recent normal
// answers, with their median absolute deviation.
type baseline struct {
	vals   []float64 // ms, a ring
	next   int
	median float64
	mad    float64
	dirty  int
}

func (b *baseline) ready() bool { return len(b.vals) >= baselineMin }

func (b *baseline) push(ms float64) {
	if len(b.vals) < baselineSize {
		b.vals = append(b.vals, ms)
	} else {
		b.vals[b.next] = ms
		b.next = (b.next + 1) % baselineSize
	}
	b.dirty++
	// recomputing costs a sort of 300 values: every tenth answer, or at
	// every answer while the baseline is young
	if b.dirty >= 10 || len(b.vals) <= baselineMin*2 {
		b.recompute()
	}
}

func (b *baseline) recompute() {
	b.dirty = 0
	if len(b.vals) == 0 {
		return
	}
	s := slices.Clone(b.vals)
	slices.Sort(s)
	b.median = s[len(s)/2]
	for i := range s {
		s[i] = math.Abs(s[i] - b.median)
	}
	slices.Sort(s)
	b.mad = s[len(s)/2]
}

func (b *baseline) reset() { *b = baseline{} }

// threshold is the rise above the median that counts as a spike, in ms.
func (b *baseline) threshold() float64 { return math.Max(spikeMinExcess, spikeMADs*b.mad) }

// rungEntry is a rung with everything the watch keeps about it. Rungs are
// never removed: a gateway that changed keeps its figures in the report.
type rungEntry struct {
	Rung
	active bool // in the current ladder
	sent   int64
	lost   int64
	hist   histogram
	base   baseline
	// the minute being aggregated
	minSent, minLost int
	minRTT           []time.Duration
	// for the live view
	last       Outcome
	lastRTT    time.Duration
	lastAt     time.Duration
	lastAnswer time.Duration
	answered   bool // ever answered
}

// pathLevel is the rung's level on the path the outage, loss and spike
// detection read: the gateway, the provider's router, the anchors. The
// DNS server and the VPN target are judged on their own.
func (e *rungEntry) pathLevel() Level {
	switch e.Role {
	case RoleGateway:
		return LevelHome
	case RoleFirstHop:
		return LevelProvider
	case RoleAnchor:
		return LevelBeyond
	}
	return LevelUnknown
}

type registry struct {
	list  []*rungEntry
	byKey map[string]int
}

func newRegistry() *registry { return &registry{byKey: map[string]int{}} }

// use makes the ladder's rungs the active ones and returns their indexes.
func (g *registry) use(rungs []Rung) []int {
	for _, e := range g.list {
		e.active = false
	}
	idx := make([]int, len(rungs))
	for i, r := range rungs {
		k := r.key()
		j, ok := g.byKey[k]
		if !ok {
			j = len(g.list)
			g.byKey[k] = j
			g.list = append(g.list, &rungEntry{Rung: r})
		}
		g.list[j].Rung = r
		g.list[j].active = true
		idx[i] = j
	}
	return idx
}
