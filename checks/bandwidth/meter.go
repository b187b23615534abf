package bandwidth

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
)

// errStopped refuses new connections once a phase has ended, so a library
// worker that loops on after the stop cannot open more.
var errStopped = errors.New("the measurement has ended")

// meter counts what crossed the wire on every connection of one phase of
// the check, on the side wfh controls, so no server can inflate a figure:
//
//   - received: bytes the kernel received on the connection (TCP_INFO
//     tcpi_bytes_received on Linux, BytesIn on Windows, tcpi_rxbytes on
//     macOS), or, where the kernel does not say, bytes wfh read from it;
//   - acked: bytes the server's TCP acknowledged (tcpi_bytes_acked on
//     Linux; derived on Windows and macOS, see counters.go), which only
//     bytes that really reached the server can earn. Bytes written into
//     the socket's buffer are not sent yet, and counting them would make
//     the first second of an upload read several times too fast. Where
//     the kernel does not say, acked is unknown (exact() is false) and the
//     upload counts the bodies the server confirmed (see bodyLog).
type meter struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	gate *gate // when set, reads stop once it is spent
	// counters finds a connection's kernel counters (kernelCounters);
	// returning nil puts the connection on the fallback.
	counters func(net.Conn) counterSource

	mu       sync.Mutex
	open     map[*meteredConn]struct{}
	closed   counts // final counts of connections already closed
	stopped  bool
	inexact  bool // some connection had no kernel counters
	accepted int  // connections opened so far
}

// counts are cumulative byte counts.
type counts struct {
	received int64
	acked    int64
}

func newMeter(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *meter {
	return &meter{dial: dial, counters: kernelCounters, open: map[*meteredConn]struct{}{}}
}

// noCounters is the meter's counters on a run forced onto the fallback
// (config.noKernelCounters, or the wfh_nokernelcounters build tag).
func noCounters(net.Conn) counterSource { return nil }

// DialContext opens a counted connection.
func (m *meter) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	m.mu.Lock()
	stopped := m.stopped
	m.mu.Unlock()
	if stopped {
		return nil, errStopped
	}
	c, err := m.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	mc := &meteredConn{Conn: c, m: m, kernel: m.counters(c)}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		_ = c.Close()
		return nil, errStopped
	}
	if mc.kernel == nil {
		m.inexact = true
	}
	m.open[mc] = struct{}{}
	m.accepted++
	return mc, nil
}

// totals returns the counts over every connection, open or closed. It
// holds the lock while it reads the kernel's counters (a few system calls)
// so that a connection closing meanwhile is counted exactly once.
func (m *meter) totals() counts {
	m.mu.Lock()
	defer m.mu.Unlock()
	total := m.closed
	for c := range m.open {
		n := c.counts()
		total.received += n.received
		total.acked += n.acked
	}
	return total
}

// exact reports whether every connection had kernel counters, so acked is
// what the server acknowledged.
func (m *meter) exact() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.inexact
}

// connections is how many connections were opened.
func (m *meter) connections() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.accepted
}

// stop refuses new connections and closes every open one, which ends any
// read or write blocked on them at once.
func (m *meter) stop() {
	m.mu.Lock()
	m.stopped = true
	conns := make([]*meteredConn, 0, len(m.open))
	for c := range m.open {
		conns = append(conns, c)
	}
	m.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// meteredConn counts one connection.
type meteredConn struct {
	net.Conn
	m       *meter
	kernel  counterSource // nil where the OS gives no counters
	read    atomic.Int64
	written atomic.Int64 // bytes the kernel accepted from wfh's writes
	once    sync.Once
	last    counts // the latest kernel reading, guarded by m.mu
}

func (c *meteredConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

func (c *meteredConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	if g := c.m.gate; g != nil && n > 0 && !g.take(int64(n)) && err == nil {
		// Over the budget: what was read is delivered, and then the
		// connection reads no more.
		err = errBudget
	}
	return n, err
}

// errBudget ends reads and upload bodies once the data budget is spent.
var errBudget = errors.New("the data budget is used up")

// gate enforces a data budget as the bytes move, not at the next tick: on
// a fast LAN 100 ms is a hundred megabytes.
type gate struct {
	left atomic.Int64
	hit  chan struct{} // closed when the budget runs out
	once sync.Once
}

func newGate(budget int64) *gate {
	g := &gate{hit: make(chan struct{})}
	g.left.Store(budget)
	if budget <= 0 {
		g.once.Do(func() { close(g.hit) })
	}
	return g
}

// take spends n bytes and reports whether the budget still had them.
func (g *gate) take(n int64) bool {
	if g.left.Add(-n) >= 0 {
		return true
	}
	g.once.Do(func() { close(g.hit) })
	return false
}

// counts reads the connection's counters now; the caller holds m.mu.
func (c *meteredConn) counts() counts {
	app := c.read.Load()
	if c.kernel == nil {
		return counts{received: app}
	}
	if k, ok := c.kernel(c.written.Load()); ok {
		// Never backwards: Windows' and macOS's acknowledged bytes are
		// derived from several counters read at once and may dip.
		c.last = counts{received: max(c.last.received, k.received), acked: max(c.last.acked, k.acked)}
	}
	// The kernel has received at least what was read; a failed reading
	// keeps the last good one rather than going back.
	return counts{received: max(c.last.received, app), acked: c.last.acked}
}

// Close records the final counts (the kernel forgets them with the
// socket) and closes.
func (c *meteredConn) Close() error {
	c.once.Do(func() {
		c.m.mu.Lock()
		final := c.counts()
		delete(c.m.open, c)
		c.m.closed.received += final.received
		c.m.closed.acked += final.acked
		c.m.mu.Unlock()
	})
	return c.Conn.Close()
}
