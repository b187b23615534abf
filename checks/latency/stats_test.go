package latency

import (
	"math"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/rttstats"
)

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

func TestStats(t *testing.T) {
	s := series{rtt: []time.Duration{ms(10), ms(12), rttstats.Lost, ms(11), ms(15), rttstats.Lost}}
	st := s.stats()
	if st.Sent != 6 || st.Received != 4 || st.Min != ms(10) || st.Max != ms(15) || st.Mean != ms(12) {
		t.Errorf("got %+v", st)
	}
	// |12-10| + |11-12| + |15-11| = 7 over 3 pairs.
	if !st.JitterValid || math.Abs(float64(st.Jitter-ms(7.0/3))) > float64(time.Microsecond) {
		t.Errorf("jitter %v", st.Jitter)
	}
	if got := st.LossPercent(); math.Abs(got-100.0/3) > 1e-9 {
		t.Errorf("loss %v", got)
	}
	one := series{rtt: []time.Duration{rttstats.Lost, ms(3)}}.stats()
	if one.JitterValid {
		t.Error("jitter from one reply")
	}
	if (series{}).stats().LossPercent() != 0 {
		t.Error("empty series")
	}
}

func TestBinomialTail(t *testing.T) {
	for _, tc := range []struct {
		k, n int
		p    float64
		want float64
	}{
		{0, 10, 0.1, 1},
		{1, 10, 0, 0},
		{11, 10, 0.5, 0},
		{1, 1, 0.5, 0.5},
		{2, 2, 0.5, 0.25},
		{1, 40, 0.005, 1 - math.Pow(0.995, 40)},
		// 20 of 200 at 10 %: the mean, a little above one half (exact sum).
		{20, 200, 0.10, 0.53446},
	} {
		if got := rttstats.BinomialTail(tc.k, tc.n, tc.p); math.Abs(got-tc.want) > 5e-4 {
			t.Errorf("P(X>=%d | n=%d, p=%v) = %.5f, want %.5f", tc.k, tc.n, tc.p, got, tc.want)
		}
	}
}
