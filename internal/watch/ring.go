package watch

import (
	"math"
	"time"
)

// sample is one probe's outcome as the detector keeps it: 32 bytes, so
// the ring of raw samples stays small.
type sample struct {
	at  time.Duration // monotonic send time
	rtt time.Duration // for answered probes
	// excess and thr are the round trip's rise above its rung's baseline
	// and the rung's spike threshold, in ms; NaN without a baseline.
	excess, thr float32
	rung        int32
	out         Outcome
	// inOutage marks a far-level loss that is part of an outage's run of
	// silence, which loss bursts must not count again.
	inOutage bool
}

func (s *sample) high() bool {
	return !math.IsNaN(float64(s.excess)) && s.excess >= s.thr
}

// ringCap is the raw samples kept: at the busiest plan (ten anchor probes
// and five other probes a second) about 18 minutes, which covers every
// lookback the detector makes; 16384 × 32 bytes is half a megabyte.
const ringCap = 1 << 14

// ring is a fixed-size buffer of the newest samples, in processing order
// (which is send order within a tick and tick order across ticks).
type ring struct {
	buf  []sample
	next int
	n    int
}

func newRing() *ring { return &ring{buf: make([]sample, ringCap)} }

func (r *ring) push(s sample) *sample {
	p := &r.buf[r.next]
	*p = s
	r.next = (r.next + 1) % len(r.buf)
	if r.n < len(r.buf) {
		r.n++
	}
	return p
}

// back calls fn on the samples newest first until fn returns false.
func (r *ring) back(fn func(s *sample) bool) {
	for i := 0; i < r.n; i++ {
		j := (r.next - 1 - i + 2*len(r.buf)) % len(r.buf)
		if !fn(&r.buf[j]) {
			return
		}
	}
}

// since calls fn on the samples sent at or after t, oldest first. Samples
// are in send order only within a tick, so the scan looks a few seconds
// further back than t and filters.
func (r *ring) since(t time.Duration, fn func(s *sample)) {
	start := r.n
	slack := 3 * time.Second
	r.back(func(s *sample) bool {
		if s.at < t-slack {
			return false
		}
		start--
		return true
	})
	for i := start; i < r.n; i++ {
		j := (r.next - r.n + i + 2*len(r.buf)) % len(r.buf)
		if s := &r.buf[j]; s.at >= t {
			fn(s)
		}
	}
}
