package bandwidth

import (
	"testing"
	"time"
)

const ms = time.Millisecond

func TestBodyLogSpreadsBodiesOverTheirSpans(t *testing.T) {
	l := newBodyLog()
	// Two connections: A sends 1,000 bytes from 0 to 1 s and 500 from
	// 1 s to 1.5 s; B sends 2,000 from 0.2 s to 1.2 s.
	a1 := l.begin(0)
	b1 := l.begin(200 * ms)
	if h := l.horizon(900 * ms); h != 0 {
		t.Errorf("horizon %v with A's first body open since 0", h)
	}
	l.confirm(a1, 1000, time.Second)
	a2 := l.begin(time.Second)
	if h := l.horizon(1100 * ms); h != 200*ms {
		t.Errorf("horizon %v, want B's start", h)
	}
	l.confirm(b1, 2000, 1200*ms)
	l.confirm(a2, 500, 1500*ms)
	if h := l.horizon(1600 * ms); h != 1600*ms {
		t.Errorf("horizon %v with nothing open", h)
	}
	for _, c := range []struct {
		at   time.Duration
		want int64
	}{
		{0, 0},
		{500 * ms, 500 + 600},
		{time.Second, 1000 + 1600},
		{1250 * ms, 1000 + 250 + 2000},
		{2 * time.Second, 3500},
	} {
		if got := l.delivered(c.at); got != c.want {
			t.Errorf("delivered(%v) = %d, want %d", c.at, got, c.want)
		}
	}
	if l.confirmed() != 3500 {
		t.Errorf("confirmed %d", l.confirmed())
	}
	// The last two bodies: 2,500 bytes over 1.5 s of connection time.
	if r := l.perConnection(2); r < 1666 || r > 1667 {
		t.Errorf("perConnection %v, want 2500/1.5", r)
	}
}

func TestBodyLogDropsUnconfirmedAndWaitsForSlowBodies(t *testing.T) {
	l := newBodyLog()
	if l.perConnection(4) != 0 || l.delivered(time.Second) != 0 {
		t.Error("a new log has a rate or bytes")
	}
	cut := l.begin(100 * ms)
	l.drop(cut) // refused or cut by the stop: never counts
	if h := l.horizon(time.Second); h != time.Second || l.delivered(time.Hour) != 0 {
		t.Errorf("a dropped body still counts: horizon %v", h)
	}
	// A slow body holds the horizon back for as long as it takes.
	slow := l.begin(time.Second)
	if h := l.horizon(10 * time.Second); h != time.Second {
		t.Errorf("horizon %v, want the slow body's start", h)
	}
	l.drop(slow)
	// An answer timed before its start (a clock step) is a zero span.
	b := l.begin(3 * time.Second)
	l.confirm(b, 100, 2*time.Second)
	if got := l.delivered(3 * time.Second); got != 100 {
		t.Errorf("delivered %d", got)
	}
}

func TestNearestSize(t *testing.T) {
	sizes := []int64{100, 300, 500, 800, 1000}
	for _, tc := range []struct {
		want, ceiling int64
		idx           int
	}{
		{0, 1000, 0},    // no rate yet: the smallest
		{112, 1000, 0},  // 100 is nearer than 300 by ratio
		{200, 1000, 1},  // 300/200 < 200/100
		{5000, 1000, 4}, // the largest
		{5000, 600, 2},  // but none above the ceiling
		{900, 50, 0},    // the smallest when even that is too big
	} {
		if got := nearest(sizes, tc.want, tc.ceiling); got != tc.idx {
			t.Errorf("nearest(%d, ceiling %d) = %d, want %d", tc.want, tc.ceiling, got, tc.idx)
		}
	}
}

// A body read for the first time after its request ended (the transport
// reads on its own goroutine) never enters the log: it would stay open
// and hold the count back for good.
func TestBodyTimingClosesWithItsRequest(t *testing.T) {
	l := newBodyLog()
	var late bodyTiming
	if late.end() != nil {
		t.Fatal("an entry before any read")
	}
	late.begin(l, time.Second)
	if late.get() != nil || l.horizon(5*time.Second) != 5*time.Second {
		t.Error("a read after the request ended entered the log")
	}
	var ok bodyTiming
	ok.begin(l, time.Second)
	ok.begin(l, 2*time.Second) // only the first read counts
	b := ok.get()
	if b == nil || b.from != time.Second || l.horizon(5*time.Second) != time.Second {
		t.Errorf("entry %+v, horizon %v", b, l.horizon(5*time.Second))
	}
	if ok.end() != b {
		t.Error("end does not return the entry")
	}
}
