package bandwidth

import (
	"sync"
	"time"
)

// bodyLog is the upload's count where the kernel gives no byte counters
// (Wine, Windows before 10 1703, other systems): only the bodies the server
// confirmed count, since bytes written into the socket buffer have not
// reached it yet. Counting a body when its confirmation arrives would be
// right in total but wrong in time: a body's bytes cross the wire over its
// whole duration, so the count would jump by whole bodies, and a window
// that ends just after a jump reads far above the link (+40 % on a
// 50/50 Mbit/s line under Wine, with 4 bodies confirming together).
//
// So each confirmed body's bytes are spread evenly over the time from its
// first byte leaving wfh to its confirmation: on a kept-alive connection a
// body starts only when the previous one is answered, so the spans of one
// connection tile its time, the idle round trip between bodies included,
// and the sum over connections follows the wire. The count at an instant t
// is final only once every body that started before t is answered; the
// direction's estimator is fed the counts up to that horizon, a body's
// length behind the present (bodies are sized to last about
// requestTargetInexact).
//
// Times are durations since the direction started, so the log is pure and
// tested with made-up times.
type bodyLog struct {
	mu   sync.Mutex
	open map[*body]struct{} // started, not yet answered
	done []bodySpan         // answered with success, in order of answer
}

// body is one upload body in flight.
type body struct{ from time.Duration }

// bodySpan is one confirmed body: size bytes crossed the wire from from to to.
type bodySpan struct {
	from, to time.Duration
	size     int64
}

func newBodyLog() *bodyLog { return &bodyLog{open: map[*body]struct{}{}} }

// begin records that a body's first byte left wfh at at.
func (l *bodyLog) begin(at time.Duration) *body {
	b := &body{from: at}
	l.mu.Lock()
	l.open[b] = struct{}{}
	l.mu.Unlock()
	return b
}

// confirm records that the server answered b, of size bytes, at at.
func (l *bodyLog) confirm(b *body, size int64, at time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.open, b)
	if at < b.from {
		at = b.from
	}
	l.done = append(l.done, bodySpan{from: b.from, to: at, size: size})
}

// drop forgets a body the server did not confirm (refused, broken off,
// or cut by the end of the direction): its bytes never count.
func (l *bodyLog) drop(b *body) {
	l.mu.Lock()
	delete(l.open, b)
	l.mu.Unlock()
}

// horizon is the latest instant, at or before now, up to which the count
// is final: the start of the oldest body still unanswered. A slow body
// holds the count back rather than leaving its bytes out: bytes that
// arrived before the horizon but were counted after it would read as a
// burst, above the link.
func (l *bodyLog) horizon(now time.Duration) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := now
	for b := range l.open {
		h = min(h, b.from)
	}
	return h
}

// delivered is the number of confirmed bytes that had crossed the wire by
// at, each body's spread evenly over its span.
func (l *bodyLog) delivered(at time.Duration) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var total float64
	for _, s := range l.done {
		switch {
		case at >= s.to:
			total += float64(s.size)
		case at > s.from:
			total += float64(s.size) * float64(at-s.from) / float64(s.to-s.from)
		}
	}
	return int64(total)
}

// confirmed is the total of the confirmed bodies.
func (l *bodyLog) confirmed() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for _, s := range l.done {
		n += s.size
	}
	return n
}

// perConnection is the rate of one connection in bytes per second over
// the latest n confirmed bodies (one per connection, so no single
// connection's luck decides), 0 before any: what sizes the next body.
func (l *bodyLog) perConnection(n int) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var size int64
	var took time.Duration
	for i := len(l.done) - 1; i >= 0 && i >= len(l.done)-n; i-- {
		size += l.done[i].size
		took += l.done[i].to - l.done[i].from
	}
	if took <= 0 {
		return 0
	}
	return float64(size) / took.Seconds()
}
