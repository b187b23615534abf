package icmpprobe

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeClock is the session's clock in these tests: only fakeConn moves it,
// so a whole session runs in an instant and every time is exact.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(to time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if to.After(c.t) {
		c.t = to
	}
}

// answer is what the network does with one probe: each entry is an event
// arriving after the given delay.
type answer struct {
	after time.Duration
	ev    Event
}

type sentProbe struct {
	dst netip.Addr
	seq uint16
	at  time.Time
	n   int // this destination's nth probe, from 0
}

type arrival struct {
	at time.Time
	ev Event
}

// fakeConn is a network in one goroutine: SendEcho asks reply what comes
// back and queues it; ReadEvents moves the clock to the next arrival or to
// the deadline (plus a late wake-up, when oversleep says so).
type fakeConn struct {
	clk       *fakeClock
	reply     func(p sentProbe, tag [8]byte) []answer
	sendErr   func(p sentProbe) error
	oversleep func() time.Duration
	readErr   error
	hooks     []hook
	// gate holds the first wait until the test has added its targets and
	// closed the session, so the session's end does not depend on when
	// the test goroutine runs.
	gate chan struct{}

	sent   []sentProbe
	perDst map[netip.Addr]int
	queue  []arrival
	closed bool
}

type hook struct {
	at time.Time
	fn func()
}

func (c *fakeConn) SendEcho(dst netip.Addr, seq uint16, ttl int, data []byte) (time.Time, error) {
	if c.perDst == nil {
		c.perDst = map[netip.Addr]int{}
	}
	p := sentProbe{dst: dst, seq: seq, at: c.clk.now(), n: c.perDst[dst]}
	if c.sendErr != nil {
		if err := c.sendErr(p); err != nil {
			if errors.Is(err, ErrSendBusy) {
				c.perDst[dst]++
			}
			return p.at, err
		}
	}
	c.perDst[dst]++
	c.sent = append(c.sent, p)
	var tag [8]byte
	copy(tag[:], data)
	if c.reply != nil {
		for _, a := range c.reply(p, tag) {
			c.queue = append(c.queue, arrival{p.at.Add(a.after), a.ev})
		}
		sort.SliceStable(c.queue, func(i, j int) bool { return c.queue[i].at.Before(c.queue[j].at) })
	}
	return p.at, nil
}

func (c *fakeConn) ReadEvents(deadline time.Time, buf []Event) ([]Event, error) {
	if c.gate != nil {
		<-c.gate
		c.gate = nil
	}
	defer c.runHooks()
	if c.readErr != nil {
		return buf, c.readErr
	}
	if len(c.queue) > 0 && !c.queue[0].at.After(deadline) {
		c.clk.advance(c.queue[0].at)
	} else {
		wake := deadline
		if c.oversleep != nil {
			wake = wake.Add(c.oversleep())
		}
		c.clk.advance(wake)
	}
	now := c.clk.now()
	for len(c.queue) > 0 && !c.queue[0].at.After(now) {
		ev := c.queue[0].ev
		// The kernel stamps the arrival; the program reads it now.
		ev.At, ev.Read = c.queue[0].at, now
		buf = append(buf, ev)
		c.queue = c.queue[1:]
	}
	return buf, nil
}

func (c *fakeConn) runHooks() {
	now := c.clk.now()
	for len(c.hooks) > 0 && !c.hooks[0].at.After(now) {
		h := c.hooks[0]
		c.hooks = c.hooks[1:]
		h.fn()
	}
}

func (c *fakeConn) Close() error { c.closed = true; return nil }

// echoBack answers every probe after rtt.
func echoBack(rtt time.Duration) func(sentProbe, [8]byte) []answer {
	return func(p sentProbe, tag [8]byte) []answer {
		return []answer{{rtt, Event{Kind: EchoReply, From: p.dst, Seq: p.seq, Tag: tag, Tagged: true}}}
	}
}

var (
	t0    = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	dstA  = netip.MustParseAddr("192.0.2.1")
	dstB  = netip.MustParseAddr("192.0.2.2")
	dstC  = netip.MustParseAddr("192.0.2.3")
	dst6  = netip.MustParseAddr("2001:db8::1")
	call  = EchoOptions{Count: 50, Interval: 20 * time.Millisecond, Wait: time.Second, Payload: 172}
	never = func(sentProbe, [8]byte) []answer { return nil }
)

// session runs a session on conn with the fake clock; add adds its
// targets (at phase i·5 ms); it returns the results and the clock when
// the session ended.
func session(t *testing.T, ctx context.Context, o EchoOptions, conn *fakeConn, dsts ...netip.Addr) ([]EchoResult, time.Time, *Echoes) {
	t.Helper()
	gate := make(chan struct{})
	conn.gate = gate
	e := startEchoes(ctx, o, func(v6 bool) (EchoConn, error) {
		if v6 {
			return nil, errors.New("no IPv6 socket here")
		}
		return conn, nil
	}, conn.clk.now)
	for i, d := range dsts {
		e.Add(d, time.Duration(i)*5*time.Millisecond)
	}
	e.Close()
	close(gate)
	res := e.Results()
	if !conn.closed {
		t.Error("the socket was not closed")
	}
	return res, conn.clk.now(), e
}

// TestEchoScheduleIsAbsolute: every probe leaves at origin + phase +
// k·interval, however late the loop wakes up: a late wake-up delays one
// probe, never the ones after it. Answers read late count from the
// kernel's receive time.
func TestEchoScheduleIsAbsolute(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	clk := &fakeClock{t: t0}
	conn := &fakeConn{clk: clk, reply: echoBack(10 * time.Millisecond),
		oversleep: func() time.Duration { return time.Duration(rng.IntN(7000)) * time.Microsecond }}
	res, _, _ := session(t, context.Background(), call, conn, dstA, dstB, dstC)
	for i, d := range []netip.Addr{dstA, dstB, dstC} {
		var got []time.Time
		for _, p := range conn.sent {
			if p.dst == d {
				got = append(got, p.at)
			}
		}
		if len(got) != call.Count {
			t.Fatalf("%v: %d probes, want %d", d, len(got), call.Count)
		}
		for k, at := range got {
			ideal := t0.Add(time.Duration(i)*5*time.Millisecond + time.Duration(k)*call.Interval)
			if late := at.Sub(ideal); late < 0 || late >= 7*time.Millisecond {
				t.Errorf("%v probe %d sent %v after its slot", d, k, late)
			}
		}
		r := res[i]
		if r.Dst != d || r.Err != nil || len(r.RTT) != call.Count {
			t.Fatalf("result %d: %+v", i, r)
		}
		for k, rtt := range r.RTT {
			if rtt != 10*time.Millisecond {
				t.Errorf("%v probe %d: RTT %v, want the 10 ms between send and the kernel's receipt", d, k, rtt)
			}
		}
	}
}

// TestEchoAnswers: late, duplicate, out-of-order, strangers' and error
// answers, and answers after the session, each booked as it must be.
func TestEchoAnswers(t *testing.T) {
	clk := &fakeClock{t: t0}
	stranger := netip.MustParseAddr("198.51.100.7")
	reply := func(p sentProbe, tag [8]byte, after time.Duration) answer {
		return answer{after, Event{Kind: EchoReply, From: p.dst, Seq: p.seq, Tag: tag, Tagged: true}}
	}
	conn := &fakeConn{clk: clk, reply: func(p sentProbe, tag [8]byte) []answer {
		switch p.n {
		case 1: // answered twice
			return []answer{reply(p, tag, 5*time.Millisecond), reply(p, tag, 6*time.Millisecond)}
		case 2: // after the wait (but before the session ends): lost
			return []answer{reply(p, tag, 1100*time.Millisecond)}
		case 3: // overtaken by probe 4's answer
			return []answer{reply(p, tag, 70*time.Millisecond)}
		case 4:
			return []answer{reply(p, tag, time.Millisecond)}
		case 5: // never answered
			return nil
		case 6: // a router says the host is unreachable
			return []answer{{3 * time.Millisecond, Event{Kind: Unreachable, From: stranger, Dst: p.dst, Seq: p.seq, Code: 1}}}
		case 7: // answered by someone else
			a := reply(p, tag, 5*time.Millisecond)
			a.ev.From = stranger
			return []answer{a}
		case 8: // another program's echo with our sequence number
			a := reply(p, tag, 5*time.Millisecond)
			a.ev.Tag[0]++
			return []answer{a, {2 * time.Millisecond, Event{Kind: EchoReply, From: p.dst, Seq: p.seq}}}
		case 9: // an error about a packet to another destination
			return []answer{{time.Millisecond, Event{Kind: TimeExceeded, From: stranger, Dst: stranger, Seq: p.seq}}, reply(p, tag, 9*time.Millisecond)}
		case 10: // an answer to nothing we sent
			return []answer{{time.Millisecond, Event{Kind: EchoReply, From: p.dst, Seq: p.seq + 1000, Tag: tag, Tagged: true}}, reply(p, tag, 4*time.Millisecond)}
		case 11: // lost; an answer long after the session
			return []answer{reply(p, tag, time.Minute)}
		}
		return []answer{reply(p, tag, 2*time.Millisecond)}
	}}
	o := call
	o.Count = 12
	res, end, _ := session(t, context.Background(), o, conn, dstA)
	r := res[0]
	L := Lost
	ms := time.Millisecond
	want := []time.Duration{2 * ms, 5 * ms, L, 70 * ms, ms, L, L, L, L, 9 * ms, 4 * ms, L}
	if !slices.Equal(r.RTT, want) {
		t.Errorf("RTT %v\nwant %v", r.RTT, want)
	}
	if r.Late != 1 || r.Duplicates != 1 || r.Errors != 1 || r.LastError.Kind != Unreachable || r.Err != nil {
		t.Errorf("late %d, duplicates %d, errors %d (%+v), err %v", r.Late, r.Duplicates, r.Errors, r.LastError, r.Err)
	}
	// The last probe waits its full second, then the session ends.
	lastSend := t0.Add(11 * o.Interval)
	if got := end.Sub(lastSend); got < o.Wait || got > o.Wait+echoSlice {
		t.Errorf("ended %v after the last probe, want its wait of %v", got, o.Wait)
	}
}

// TestEchoEndsWhenAllAnswered: a clean line does not wait for late
// answers that cannot come.
func TestEchoEndsWhenAllAnswered(t *testing.T) {
	clk := &fakeClock{t: t0}
	conn := &fakeConn{clk: clk, reply: echoBack(30 * time.Millisecond)}
	_, end, _ := session(t, context.Background(), call, conn, dstA, dstB)
	lastSend := t0.Add(5*time.Millisecond + time.Duration(call.Count-1)*call.Interval)
	if got := end.Sub(lastSend); got != 30*time.Millisecond {
		t.Errorf("ended %v after the last probe, want its 30 ms answer", got)
	}
}

// TestEchoLateTarget: a target added while the session runs (the first
// hop, found after the others started) starts at its next slot with its
// whole series, without a burst.
func TestEchoLateTarget(t *testing.T) {
	clk := &fakeClock{t: t0}
	conn := &fakeConn{clk: clk, reply: echoBack(3 * time.Millisecond)}
	var e *Echoes
	joined := make(chan struct{})
	conn.hooks = []hook{{t0.Add(700 * time.Millisecond), func() { e.Add(dstB, 10*time.Millisecond); close(joined) }}}
	e = startEchoes(context.Background(), call, func(bool) (EchoConn, error) { return conn, nil }, clk.now)
	e.Add(dstA, 0)
	<-joined
	res := e.Results()
	if len(res) != 2 || len(res[1].RTT) != call.Count || res[1].Err != nil {
		t.Fatalf("results %+v", res)
	}
	var first time.Time
	for _, p := range conn.sent {
		if p.dst == dstB {
			first = p.at
			break
		}
	}
	if want := t0.Add(710 * time.Millisecond); !first.Equal(want) {
		t.Errorf("late target's first probe at %v, want %v (its next slot)", first.Sub(t0), want.Sub(t0))
	}
}

// TestEchoCancelled: a cancelled session stops sending and leaves out the
// last probes whose wait had not ended, but keeps the earlier losses.
func TestEchoCancelled(t *testing.T) {
	clk := &fakeClock{t: t0}
	conn := &fakeConn{clk: clk, reply: func(p sentProbe, tag [8]byte) []answer {
		if p.n%10 == 3 {
			return nil
		}
		return echoBack(5*time.Millisecond)(p, tag)
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn.hooks = []hook{{t0.Add(1500 * time.Millisecond), cancel}}
	o := call
	o.Count = 100
	res, end, _ := session(t, ctx, o, conn, dstA)
	r := res[0]
	if end.Sub(t0) > 1500*time.Millisecond+echoSlice {
		t.Errorf("ran %v after a cancel at 1.5 s", end.Sub(t0))
	}
	// Probes 0..74 were sent and 74 was answered: 3, 13, ..., 73 count as
	// lost. Had 74 been waiting still, it would be left out.
	lost := 0
	for _, d := range r.RTT {
		if d < 0 {
			lost++
		}
	}
	if len(r.RTT) != 75 || lost != 8 {
		t.Errorf("%d probes kept with %d lost, want 75 with 8", len(r.RTT), lost)
	}
	// Cancelled while the last probe waits: it is left out.
	clk = &fakeClock{t: t0}
	conn = &fakeConn{clk: clk, reply: func(p sentProbe, tag [8]byte) []answer {
		if p.n >= 20 {
			return nil
		}
		return echoBack(5*time.Millisecond)(p, tag)
	}}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	conn.hooks = []hook{{t0.Add(1010 * time.Millisecond), cancel}}
	res, _, _ = session(t, ctx, o, conn, dstA)
	// Sent: 0..50; 20..50 unanswered, all sent within the last second.
	if got := len(res[0].RTT); got != 20 {
		t.Errorf("%d probes kept, want the 20 answered before the silence", got)
	}
}

// TestEchoSendFailures: a probe the system drops counts as lost; a target
// that cannot be sent to stops with the reason, and the others go on.
func TestEchoSendFailures(t *testing.T) {
	clk := &fakeClock{t: t0}
	noRoute := errors.New("send to 192.0.2.2: network is unreachable")
	conn := &fakeConn{clk: clk, reply: echoBack(time.Millisecond), sendErr: func(p sentProbe) error {
		switch {
		case p.dst == dstA && p.n == 3:
			return ErrSendBusy
		case p.dst == dstB && p.n == 5:
			return noRoute
		}
		return nil
	}}
	res, _, _ := session(t, context.Background(), call, conn, dstA, dstB, dstC)
	a, b, c := res[0], res[1], res[2]
	if len(a.RTT) != call.Count || a.RTT[3] != Lost || a.Err != nil {
		t.Errorf("dropped probe: %d sent, probe 3 %v, err %v", len(a.RTT), a.RTT[3], a.Err)
	}
	if len(b.RTT) != 5 || !errors.Is(b.Err, noRoute) {
		t.Errorf("unreachable target: %d sent, err %v", len(b.RTT), b.Err)
	}
	if len(c.RTT) != call.Count || c.Err != nil {
		t.Errorf("other target: %d sent, err %v", len(c.RTT), c.Err)
	}
}

// TestEchoSocketFailures: a family whose socket cannot be opened gives its
// targets the reason; a socket that fails while reading ends the series
// with it.
func TestEchoSocketFailures(t *testing.T) {
	clk := &fakeClock{t: t0}
	conn := &fakeConn{clk: clk, reply: echoBack(time.Millisecond)}
	res, _, _ := session(t, context.Background(), call, conn, dstA, dst6, dstA)
	if len(res) != 2 || res[0].Err != nil || res[1].Dst != dst6 || res[1].Err == nil {
		t.Errorf("results %+v", res)
	}

	broken := errors.New("wait for answers: bad file descriptor")
	conn = &fakeConn{clk: &fakeClock{t: t0}, reply: never, readErr: broken}
	res, _, _ = session(t, context.Background(), call, conn, dstA)
	if !errors.Is(res[0].Err, broken) {
		t.Errorf("read failure: %+v", res[0])
	}
}

// TestEchoOptionsDefaults: nonsense options are raised to a schedule that
// ends.
func TestEchoOptionsDefaults(t *testing.T) {
	clk := &fakeClock{t: t0}
	conn := &fakeConn{clk: clk, reply: never}
	res, end, _ := session(t, context.Background(), EchoOptions{}, conn, dstA)
	if len(res[0].RTT) != 1 || end.Sub(t0) != time.Second {
		t.Errorf("zero options: %d probes, %v", len(res[0].RTT), end.Sub(t0))
	}
	if got := call.Duration(); got != 49*20*time.Millisecond+time.Second {
		t.Errorf("duration %v", got)
	}
}
