package bandwidth

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/speedserver"
)

// feed drives an estimator with a rate profile sampled every tick until
// it settles or end passes; it returns when it stopped.
func feed(e *estimator, rate func(t time.Duration) float64, end time.Duration) time.Duration {
	var total float64
	for t := tick; t <= end; t += tick {
		total += rate(t) * tick.Seconds()
		e.add(t, int64(total))
		if e.settled(tick) {
			return t
		}
	}
	return end
}

// slowStart doubles every rtt from a small start up to the steady rate.
func slowStart(steady float64, rtt time.Duration) func(time.Duration) float64 {
	return func(t time.Duration) float64 {
		r := 15_000 / rtt.Seconds() * math.Pow(2, t.Seconds()/rtt.Seconds())
		return math.Min(r, steady)
	}
}

func TestEstimatorExcludesTheRamp(t *testing.T) {
	const steady = 300e6 / 8 // 300 Mbit/s
	e := newEstimator(max(time.Second, 4*80*time.Millisecond), maxWarm, minMeasure)
	stopped := feed(e, slowStart(steady, 80*time.Millisecond), maxDirection)
	r, over, ok := e.rate()
	if !ok || math.Abs(r-steady)/steady > 0.01 {
		t.Errorf("rate %.1f Mbit/s (ok=%v), want 300 within 1 %%", r*8/1e6, ok)
	}
	if stopped > 4*time.Second || over < minMeasure {
		t.Errorf("settled at %v over %v, want by 4 s over at least %v", stopped, over, minMeasure)
	}
	whole := float64(e.total()) / stopped.Seconds()
	if whole > steady*0.95 {
		t.Errorf("the ramp should have cost the whole-transfer average more: %.1f", whole*8/1e6)
	}
}

// A shaper's burst allowance makes the first half second fast; it is not
// part of the figure.
func TestEstimatorExcludesABurst(t *testing.T) {
	const steady = 20e6 / 8
	burst := func(t time.Duration) float64 {
		if t <= 400*time.Millisecond {
			return steady * 4
		}
		return steady
	}
	e := newEstimator(time.Second, maxWarm, minMeasure)
	feed(e, burst, maxDirection)
	r, _, ok := e.rate()
	if !ok || math.Abs(r-steady)/steady > 0.02 {
		t.Errorf("rate %.2f Mbit/s, want 20 within 2 %%", r*8/1e6)
	}
}

// A noisy link (±20 % per tick) is read within the 5 % target: it does
// not settle early on a lucky stretch but runs until the mean is known.
func TestEstimatorNoisyLink(t *testing.T) {
	const steady = 50e6 / 8
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed))
		noisy := func(time.Duration) float64 { return steady * (0.8 + 0.4*rng.Float64()) }
		e := newEstimator(time.Second, maxWarm, minMeasure)
		end := feed(e, noisy, maxDirection)
		r, _, _ := e.rate()
		if math.Abs(r-steady)/steady > 0.05 {
			t.Errorf("seed %d: rate %.2f Mbit/s at %v, want 50 within 5 %%", seed, r*8/1e6, end)
		}
		if end < 3500*time.Millisecond {
			t.Errorf("seed %d: settled at %v on a link this noisy", seed, end)
		}
	}
}

// Nothing moving never settles and never claims a figure.
func TestEstimatorStalled(t *testing.T) {
	e := newEstimator(time.Second, maxWarm, minMeasure)
	end := feed(e, func(time.Duration) float64 { return 0 }, maxDirection)
	if end != maxDirection {
		t.Errorf("a stalled transfer settled at %v", end)
	}
	if r, _, _ := e.rate(); r != 0 {
		t.Errorf("rate %v from nothing", r)
	}
}

// A transfer cut before warm-up ends reports the whole average, flagged.
func TestEstimatorCutDuringTheRamp(t *testing.T) {
	e := newEstimator(time.Second, maxWarm, minMeasure)
	feed(e, slowStart(100e6, 200*time.Millisecond), 700*time.Millisecond)
	r, over, ok := e.rate()
	if ok || r <= 0 || over != 700*time.Millisecond {
		t.Errorf("rate %v over %v ok=%v", r, over, ok)
	}
	if e.warmup() != -1 {
		t.Errorf("warm-up %v should not have ended", e.warmup())
	}
}

func TestEstimatorIgnoresDisorder(t *testing.T) {
	e := newEstimator(time.Second, maxWarm, minMeasure)
	e.add(100*time.Millisecond, 1000)
	e.add(100*time.Millisecond, 5000) // same instant: ignored
	e.add(50*time.Millisecond, 9000)  // earlier: ignored
	e.add(200*time.Millisecond, 500)  // lower count: clamped
	if e.total() != 1000 || len(e.samples) != 2 {
		t.Errorf("samples %+v", e.samples)
	}
	s := e.series(100 * time.Millisecond)
	if len(s) != 2 || s[0] != 10000 || s[1] != 0 {
		t.Errorf("series %v", s)
	}
}

func TestPickSizes(t *testing.T) {
	sizes := []int64{100, 200, 400, 800}
	for _, tc := range []struct {
		want, ceiling int64
		idx           int
	}{
		{150, 1000, 1}, {0, 1000, 0}, {5000, 1000, 3}, {5000, 300, 1}, {5000, 10, 0}, {400, 400, 2},
	} {
		if got := pick(sizes, tc.want, tc.ceiling); got != tc.idx {
			t.Errorf("pick(%d, %d) = %d, want %d", tc.want, tc.ceiling, got, tc.idx)
		}
	}
	if uploadBytes(1000) != 999_490 || sideBytes(1000) != 2_000_000 {
		t.Error("sizes differ from speedtest-go's and wfh serve's")
	}
}

// On a lossy link slow start overshoots and the rate then decays for a
// couple of seconds toward CUBIC's equilibrium: the decay is warm-up too.
func TestEstimatorExcludesTheDecayAfterAnOvershoot(t *testing.T) {
	const steady = 7e6 / 8
	overshoot := func(t time.Duration) float64 {
		s := t.Seconds()
		switch {
		case s < 0.6:
			return steady * 5 * s / 0.6
		case s < 1.8:
			return steady * (5 - 4*(s-0.6)/1.2)
		}
		return steady
	}
	e := newEstimator(time.Second, maxWarm, minMeasure)
	feed(e, overshoot, maxDirection)
	r, _, ok := e.rate()
	if !ok || math.Abs(r-steady)/steady > 0.05 {
		t.Errorf("rate %.2f Mbit/s (warm-up %v), want 7 within 5 %%", r*8/1e6, e.warmup())
	}
}

// The check recognises wfh serve by the header the server sets.
func TestServerHeaderMatchesWfhServe(t *testing.T) {
	if serverHeader != speedserver.ServerName {
		t.Errorf("check looks for %q, wfh serve sends %q", serverHeader, speedserver.ServerName)
	}
	if wfhServeSizes[len(wfhServeSizes)-1] > speedserver.DefaultMaxBody || wfhServeSizes[len(wfhServeSizes)-1] > 32_000_000 {
		t.Errorf("the largest body %d exceeds wfh serve's default limit", wfhServeSizes[len(wfhServeSizes)-1])
	}
}
