package netlab

import (
	"math"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestShaperCleanLinkPassesAtOnce(t *testing.T) {
	s := newShaper()
	for i := range 100 {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		rel, drop := s.decide(now, 1500, 0)
		if drop || !rel.Equal(now) {
			t.Fatalf("packet %d: release %v drop %v, want at once", i, rel.Sub(now), drop)
		}
	}
}

func TestShaperDelay(t *testing.T) {
	s := newShaper()
	s.set(Impairment{Delay: 20 * time.Millisecond})
	rel, drop := s.decide(t0, 100, 0)
	if drop || rel.Sub(t0) != 20*time.Millisecond {
		t.Fatalf("release after %v drop %v, want 20ms", rel.Sub(t0), drop)
	}
}

// binomialOK tells whether k successes in n trials fit probability p
// within z standard deviations.
func binomialOK(k, n int, p, z float64) bool {
	mean := float64(n) * p
	sd := math.Sqrt(float64(n) * p * (1 - p))
	return math.Abs(float64(k)-mean) <= z*sd
}

func TestShaperLossIsIndependentAndAtRate(t *testing.T) {
	s := newShaper()
	s.set(Impairment{Loss: 0.1, Seed: 7})
	const n = 100000
	lost, runs, prevLost := 0, 0, false
	for i := range n {
		_, drop := s.decide(t0.Add(time.Duration(i)*time.Millisecond), 100, 0)
		if drop {
			lost++
			if prevLost {
				runs++
			}
		}
		prevLost = drop
	}
	if !binomialOK(lost, n, 0.1, 5) {
		t.Errorf("lost %d of %d, want about 10%%", lost, n)
	}
	// Independent loss: a loss follows a loss with probability p, too.
	if !binomialOK(runs, lost, 0.1, 5) {
		t.Errorf("%d of %d losses followed a loss, want about 10%% (independent)", runs, lost)
	}
	if st := s.snapshot(); st.Lost != uint64(lost) || st.Packets != n {
		t.Errorf("stats %+v, want %d lost of %d", st, lost, n)
	}
}

func TestShaperSeedRepeats(t *testing.T) {
	draw := func() []bool {
		s := newShaper()
		s.set(Impairment{Loss: 0.5, Jitter: time.Millisecond, Seed: 42})
		var out []bool
		for i := range 64 {
			_, d := s.decide(t0.Add(time.Duration(i)*time.Second), 100, 0)
			out = append(out, d)
		}
		return out
	}
	a, b := draw(), draw()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different draws at %d", i)
		}
	}
}

func TestShaperRateSerialisesAndTailDrops(t *testing.T) {
	s := newShaper()
	// 1500 bytes at 12 Mbit/s take 1 ms; a 10 ms queue holds 10 of them.
	s.set(Impairment{Rate: 12e6, Queue: 10 * time.Millisecond})
	var kept []time.Time
	dropped := 0
	for range 20 { // a burst arriving all at once
		rel, drop := s.decide(t0, 1500, 0)
		if drop {
			dropped++
			continue
		}
		kept = append(kept, rel)
	}
	// Packets start at 0,1,...,10 ms of waiting: those waiting up to 10 ms
	// stay (11 packets), the rest are tail-dropped.
	if len(kept) != 11 || dropped != 9 {
		t.Fatalf("kept %d dropped %d, want 11 and 9", len(kept), dropped)
	}
	for i, rel := range kept {
		want := time.Duration(i+1) * time.Millisecond
		if got := rel.Sub(t0); got != want {
			t.Errorf("packet %d leaves at %v, want %v", i, got, want)
		}
	}
	if st := s.snapshot(); st.Overflow != 9 {
		t.Errorf("overflow %d, want 9", st.Overflow)
	}
	// Once drained, a packet goes after only its own transmission time.
	later := t0.Add(time.Second)
	if rel, drop := s.decide(later, 1500, 0); drop || rel.Sub(later) != time.Millisecond {
		t.Errorf("after idle: %v %v, want 1ms", rel.Sub(later), drop)
	}
}

func TestShaperDefaultQueue(t *testing.T) {
	s := newShaper()
	s.set(Impairment{Rate: 12e6}) // 1 ms per 1500-byte packet
	kept := 0
	for range 200 {
		if _, drop := s.decide(t0, 1500, 0); !drop {
			kept++
		}
	}
	if want := int(DefaultQueue/time.Millisecond) + 1; kept != want {
		t.Errorf("default queue kept %d packets of a burst, want %d", kept, want)
	}
}

func TestShaperJitterBoundsAndOrder(t *testing.T) {
	const d, j = 20 * time.Millisecond, 5 * time.Millisecond
	for _, reorder := range []bool{false, true} {
		s := newShaper()
		s.set(Impairment{Delay: d, Jitter: j, Reorder: reorder, Seed: 3})
		var prev time.Time
		reordered := 0
		var sum time.Duration
		const n = 20000
		for i := range n {
			// 100 ms apart: FIFO never has to hold a packet back.
			now := t0.Add(time.Duration(i) * 100 * time.Millisecond)
			rel, _ := s.decide(now, 100, 0)
			got := rel.Sub(now)
			if got < d-j || got > d+j {
				t.Fatalf("delay %v outside %v±%v", got, d, j)
			}
			sum += got
			if rel.Before(prev) {
				reordered++
			}
			prev = rel
		}
		if mean := sum / n; mean < d-200*time.Microsecond || mean > d+200*time.Microsecond {
			t.Errorf("mean delay %v, want %v (uniform is centred)", mean, d)
		}
		if reordered != 0 {
			t.Errorf("reorder=%v: %d packets overtaken with packets 100ms apart", reorder, reordered)
		}
	}
	// Packets 1 ms apart with ±5 ms jitter overtake each other only
	// when Reorder allows it.
	for _, reorder := range []bool{false, true} {
		s := newShaper()
		s.set(Impairment{Delay: d, Jitter: j, Reorder: reorder, Seed: 3})
		var prev time.Time
		reordered := 0
		for i := range 1000 {
			rel, _ := s.decide(t0.Add(time.Duration(i)*time.Millisecond), 100, 0)
			if rel.Before(prev) {
				reordered++
			}
			if rel.After(prev) {
				prev = rel
			}
		}
		if reorder != (reordered > 0) {
			t.Errorf("reorder=%v: %d packets overtaken", reorder, reordered)
		}
	}
}

func TestShaperBoundsMemory(t *testing.T) {
	s := newShaper()
	if _, drop := s.decide(t0, 100, maxQueuedPackets); !drop {
		t.Error("a full stage took another packet")
	}
}

func TestImpairmentValidate(t *testing.T) {
	bad := []Impairment{
		{Delay: -1}, {Jitter: -1}, {Queue: -1}, {Loss: -0.1}, {Loss: 1.5},
		{Rate: -1}, {Delay: 11 * time.Second},
	}
	for _, im := range bad {
		if err := im.Validate(); err == nil {
			t.Errorf("%+v accepted", im)
		}
	}
	good := []Impairment{{}, {Delay: 20 * time.Millisecond, Jitter: 2 * time.Millisecond, Loss: 0.1, Rate: 20e6, Queue: 100 * time.Millisecond}}
	for _, im := range good {
		if err := im.Validate(); err != nil {
			t.Errorf("%+v: %v", im, err)
		}
	}
}

func TestImpairmentString(t *testing.T) {
	got := Impairment{Delay: 20 * time.Millisecond, Jitter: 2 * time.Millisecond, Loss: 0.01, Rate: 20e6}.String()
	for _, want := range []string{"delay 20ms", "±2ms", "loss 1%", "rate 20 Mbit/s", "queue 50ms"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if got := FormatRate(1e9); got != "1 Gbit/s" {
		t.Errorf("FormatRate(1e9) = %q", got)
	}
}
