package watch

import (
	"context"
	"time"
)

// SystemClock is the real pair of clocks. Mono is measured with Go's
// monotonic reading, which stops while Linux or macOS is suspended; Wall
// has the monotonic reading stripped, so it jumps with the sleep.
type SystemClock struct{ base time.Time }

// NewSystemClock starts the monotonic count at zero.
func NewSystemClock() *SystemClock { return &SystemClock{base: time.Now()} }

// Now reads both clocks.
func (c *SystemClock) Now() Instant {
	t := time.Now()
	return Instant{Wall: t.Round(0), Mono: t.Sub(c.base)}
}

// SleepUntil waits for the monotonic time m.
func (c *SystemClock) SleepUntil(ctx context.Context, m time.Duration) error {
	d := m - c.Now().Mono
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
