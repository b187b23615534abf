package icmpprobe

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"
)

// Lost marks, in EchoResult.RTT, a probe without an answer in time; it is
// rttstats.Lost, so a result's RTT is a series rttstats summarises as is.
const Lost = time.Duration(-1)

// Event is one thing that arrived on a socket: an echo reply, or an ICMP
// error about one of the socket's echo requests.
type Event struct {
	Kind Kind
	// From sent it: the destination for an echo reply, a router for an
	// error.
	From netip.Addr
	// Dst is, for an error, the destination of the request it is about;
	// invalid when the system did not say.
	Dst netip.Addr
	// Seq is the echo sequence number of the request it answers.
	Seq uint16
	// Tag is the first bytes of an echo reply's data (Tagged: there were
	// that many), so a session can tell its own replies from a stranger's
	// with the same identifier.
	Tag    [8]byte
	Tagged bool
	// MTU and Code are as in Reply.
	MTU, Code int
	// At is when the kernel received it (wall clock), zero when it did not
	// say; Read is when the program read it. Round trips use At: a busy
	// machine may read a reply milliseconds after it came in.
	At, Read time.Time
}

// EchoConn is what an echo session sends and receives through: one socket
// of one family, used by one goroutine at a time. *Conn implements it on
// Linux.
type EchoConn interface {
	// SendEcho sends an echo request with sequence number seq and data to
	// dst with the given TTL (0 leaves the socket's) and returns the time
	// just before it left. An error wrapping ErrSendBusy means this one
	// packet was dropped by the local system; any other means dst cannot
	// be sent to.
	SendEcho(dst netip.Addr, seq uint16, ttl int, data []byte) (time.Time, error)
	// ReadEvents waits until something arrives or deadline passes and
	// appends what arrived to buf. An error means the socket is unusable.
	ReadEvents(deadline time.Time, buf []Event) ([]Event, error)
	Close() error
}

// ErrSendBusy: the local system dropped one outgoing probe (its send buffer
// was full); the probe counts as lost, as a call's packet would be.
var ErrSendBusy = errors.New("the system dropped the probe (send buffer full)")

// EchoOptions is the schedule of an echo session.
type EchoOptions struct {
	// Count is the number of probes per target.
	Count int
	// Interval is the spacing of one target's probes.
	Interval time.Duration
	// Wait is how long an answer may take: a later one counts as lost.
	Wait time.Duration
	// Payload is the echo data per probe in bytes, at least 8 (the
	// session's tag).
	Payload int
}

// Duration is the longest a target's series lasts from its first probe:
// the last probe, then its wait.
func (o EchoOptions) Duration() time.Duration {
	return time.Duration(max(o.Count-1, 0))*o.Interval + o.Wait
}

// EchoResult is one target's series.
type EchoResult struct {
	Dst netip.Addr
	// RTT has one entry per probe sent, in the order sent: its round trip,
	// or Lost. When the session was cancelled, the last probes still
	// waiting for an answer are left out: they had no chance to be
	// answered.
	RTT []time.Duration
	// Late counts answers that came after Wait (their probes are Lost);
	// Duplicates counts second answers to one probe (ignored).
	Late, Duplicates int
	// Errors counts ICMP errors about its probes (their probes are Lost);
	// LastError is the last one.
	Errors    int
	LastError Event
	// Err says why probes stopped, or never started (no socket, no route).
	Err error
}

// maxSeqs bounds one family's probes: sequence numbers must not repeat
// within a session.
const maxSeqs = 1 << 16

// echoSlice bounds one wait for events, so cancellation and targets added
// while a session runs are noticed within this long.
const echoSlice = 20 * time.Millisecond

// Echoes sends echo series to several targets at once: one socket and
// one goroutine per address family, however many targets. Each target's
// probes go out at fixed times, origin + phase + k·Interval, computed from
// the session's start rather than from the previous send, so the schedule
// never drifts; a target added later starts at its next slot. Every reply
// is matched to its request by sequence number and tag and counts against
// its own send time.
type Echoes struct {
	ctx    context.Context
	o      EchoOptions
	open   func(v6 bool) (EchoConn, error)
	now    func() time.Time
	origin time.Time

	mu     sync.Mutex
	loops  [2]*echoLoop // by family: 0 IPv4, 1 IPv6
	openEr [2]error
	order  []netip.Addr
	seen   map[netip.Addr]bool
	closed bool
}

// StartEchoes starts a session; open makes the socket of a family when
// the first target of that family is added. Call Results to end it.
func StartEchoes(ctx context.Context, o EchoOptions, open func(v6 bool) (EchoConn, error)) *Echoes {
	return startEchoes(ctx, o, open, time.Now)
}

func startEchoes(ctx context.Context, o EchoOptions, open func(v6 bool) (EchoConn, error), now func() time.Time) *Echoes {
	o.Count = max(o.Count, 1)
	o.Payload = max(o.Payload, minData)
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Wait <= 0 {
		o.Wait = time.Second
	}
	return &Echoes{ctx: ctx, o: o, open: open, now: now, origin: now(), seen: map[netip.Addr]bool{}}
}

// Add schedules a series to dst, its probes phase after each interval's
// start (targets with different phases do not send in one burst). A
// target already added, or added after Results, is ignored.
func (e *Echoes) Add(dst netip.Addr, phase time.Duration) {
	dst = dst.Unmap()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || !dst.IsValid() || e.seen[dst] {
		return
	}
	e.seen[dst] = true
	e.order = append(e.order, dst)
	f := 0
	if dst.Is6() {
		f = 1
	}
	if e.loops[f] == nil && e.openEr[f] == nil {
		conn, err := e.open(dst.Is6())
		if err != nil {
			e.openEr[f] = err
			return
		}
		// The first target is queued before the loop starts, so it gets
		// the session's first slot.
		l := newEchoLoop(conn, e.o, e.now, e.origin)
		l.add(dst, phase, e.now())
		e.loops[f] = l
		go l.run(e.ctx)
		return
	}
	if l := e.loops[f]; l != nil {
		l.add(dst, phase, e.now())
	}
}

// Close tells the session that no more targets will come, so it ends as
// soon as its series have. Results calls it.
func (e *Echoes) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	for _, l := range e.loops {
		if l != nil {
			l.close()
		}
	}
}

// Results closes the session to new targets, waits until every series
// has ended, and returns them in the order added.
func (e *Echoes) Results() []EchoResult {
	e.Close()
	e.mu.Lock()
	loops, openErr, order := e.loops, e.openEr, e.order
	e.mu.Unlock()
	byDst := map[netip.Addr]EchoResult{}
	for _, l := range loops {
		if l == nil {
			continue
		}
		<-l.done
		for _, r := range l.results {
			byDst[r.Dst] = r
		}
	}
	out := make([]EchoResult, len(order))
	for i, dst := range order {
		r, ok := byDst[dst]
		if !ok {
			f := 0
			if dst.Is6() {
				f = 1
			}
			r = EchoResult{Dst: dst, Err: openErr[f]}
		}
		out[i] = r
	}
	return out
}

// Probe states in a series.
const (
	pending  = iota // sent, no answer yet
	answered        // answered in time
	missed          // an ICMP error, a late answer, or dropped locally
)

type echoTarget struct {
	index   int // in echoLoop.targets
	dst     netip.Addr
	first   time.Time // when probe 0 is due
	sentAt  []time.Time
	rtt     []time.Duration
	state   []uint8
	stopped bool // a send failed for good
	res     EchoResult
}

// due is when the next probe is due.
func (t *echoTarget) due(interval time.Duration) time.Time {
	return t.first.Add(time.Duration(len(t.sentAt)) * interval)
}

type probeRef struct {
	target int
	index  int
}

type addReq struct {
	dst   netip.Addr
	phase time.Duration
	at    time.Time // when it was added
}

// echoLoop is one family's sender and receiver: a single goroutine that
// sends what is due, then waits for answers until the next send.
type echoLoop struct {
	conn   EchoConn
	o      EchoOptions
	now    func() time.Time
	origin time.Time
	tag    [8]byte
	data   []byte

	mu     sync.Mutex
	queued []addReq
	closed bool

	targets []*echoTarget
	bySeq   map[uint16]probeRef
	seq     uint16
	sends   int
	results []EchoResult
	done    chan struct{}
}

func newEchoLoop(conn EchoConn, o EchoOptions, now func() time.Time, origin time.Time) *echoLoop {
	l := &echoLoop{conn: conn, o: o, now: now, origin: origin,
		bySeq: map[uint16]probeRef{}, seq: uint16(rand.Uint32()), done: make(chan struct{})}
	for i := range l.tag {
		l.tag[i] = byte(rand.Uint32())
	}
	l.data = make([]byte, o.Payload)
	copy(l.data, l.tag[:])
	for i := len(l.tag); i < len(l.data); i++ {
		l.data[i] = byte(i) // a pattern, recognisable in a capture
	}
	return l
}

func (l *echoLoop) add(dst netip.Addr, phase time.Duration, at time.Time) {
	l.mu.Lock()
	l.queued = append(l.queued, addReq{dst, phase, at})
	l.mu.Unlock()
}

func (l *echoLoop) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
}

// admit starts the targets added since the last pass, each at its first
// slot from when it was added. It reports whether more may still come.
func (l *echoLoop) admit() (open bool) {
	l.mu.Lock()
	q, closed := l.queued, l.closed
	l.queued = nil
	l.mu.Unlock()
	for _, a := range q {
		phase := a.phase % l.o.Interval
		if phase < 0 {
			phase += l.o.Interval
		}
		first := l.origin.Add(phase)
		if first.Before(a.at) {
			// A target added late starts at its next slot, not with a
			// burst of the probes it missed.
			k := (a.at.Sub(first) + l.o.Interval - 1) / l.o.Interval
			first = first.Add(k * l.o.Interval)
		}
		l.targets = append(l.targets, &echoTarget{index: len(l.targets), dst: a.dst, first: first, res: EchoResult{Dst: a.dst}})
	}
	return !closed
}

func (l *echoLoop) run(ctx context.Context) {
	defer close(l.done)
	defer l.conn.Close()
	var buf []Event
	var end time.Time
	cancelled := false
	for {
		open := l.admit()
		now := l.now()
		if ctx.Err() != nil {
			cancelled, end = true, now
			break
		}
		l.sendDue(now)
		now = l.now()
		wake, finished := l.next(now, open)
		if finished {
			end = now
			break
		}
		var err error
		buf, err = l.conn.ReadEvents(minTime(wake, now.Add(echoSlice)), buf[:0])
		for i := range buf {
			l.record(&buf[i])
		}
		if err != nil {
			for _, t := range l.targets {
				if t.res.Err == nil && !t.stopped {
					t.res.Err = err
				}
			}
			end = l.now()
			break
		}
	}
	l.finish(end, cancelled)
}

// sendDue sends every probe due by now, earliest first. A loop woken late
// sends the overdue probes at once, each stamped with its real send time.
func (l *echoLoop) sendDue(now time.Time) {
	for {
		var next *echoTarget
		for _, t := range l.targets {
			if t.stopped || len(t.sentAt) >= l.o.Count || t.due(l.o.Interval).After(now) {
				continue
			}
			if next == nil || t.due(l.o.Interval).Before(next.due(l.o.Interval)) {
				next = t
			}
		}
		if next == nil {
			return
		}
		l.send(next)
	}
}

func (l *echoLoop) send(t *echoTarget) {
	if l.sends >= maxSeqs-1 {
		t.stopped = true
		t.res.Err = errors.New("icmpprobe: too many probes in one session")
		return
	}
	seq := l.seq
	at, err := l.conn.SendEcho(t.dst, seq, 0, l.data)
	switch {
	case err == nil:
	case errors.Is(err, ErrSendBusy):
		// Dropped here: it counts as sent and lost, as a call's packet.
		t.sentAt = append(t.sentAt, l.now())
		t.rtt = append(t.rtt, Lost)
		t.state = append(t.state, missed)
		return
	default:
		t.stopped = true
		t.res.Err = err
		return
	}
	l.seq++
	l.sends++
	l.bySeq[seq] = probeRef{target: t.index, index: len(t.sentAt)}
	t.sentAt = append(t.sentAt, at)
	t.rtt = append(t.rtt, Lost)
	t.state = append(t.state, pending)
}

// next says when the loop must wake up next and whether it is finished:
// no target can be added any more, every probe is sent, and every probe is
// answered or past its wait.
func (l *echoLoop) next(now time.Time, open bool) (wake time.Time, finished bool) {
	var slot, lastWait time.Time
	for _, t := range l.targets {
		if !t.stopped && len(t.sentAt) < l.o.Count {
			if d := t.due(l.o.Interval); slot.IsZero() || d.Before(slot) {
				slot = d
			}
		}
		for i, s := range t.state {
			if s == pending {
				if w := t.sentAt[i].Add(l.o.Wait); w.After(lastWait) {
					lastWait = w
				}
			}
		}
	}
	switch {
	case !slot.IsZero():
		return slot, false
	case !lastWait.IsZero() && lastWait.After(now):
		return lastWait, false
	case open:
		return now.Add(echoSlice), false
	}
	return now, true
}

// record books one event against the probe it answers; strangers' replies
// and errors about other packets are ignored.
func (l *echoLoop) record(ev *Event) {
	ref, ok := l.bySeq[ev.Seq]
	if !ok {
		return
	}
	t := l.targets[ref.target]
	i := ref.index
	switch ev.Kind {
	case EchoReply:
		if ev.From != t.dst || !ev.Tagged || ev.Tag != l.tag {
			return
		}
		if t.state[i] == answered {
			t.res.Duplicates++
			return
		}
		rtt := roundTrip(t.sentAt[i], ev)
		if rtt > l.o.Wait {
			t.res.Late++
			t.state[i] = missed
			return
		}
		if t.state[i] == pending {
			t.state[i], t.rtt[i] = answered, rtt
		}
	case TimeExceeded, Unreachable, TooBig:
		if ev.Dst.IsValid() && ev.Dst != t.dst {
			return
		}
		t.res.Errors++
		t.res.LastError = *ev
		if t.state[i] == pending {
			t.state[i] = missed
		}
	}
}

// roundTrip is the time from sending to the kernel receiving the answer
// when the kernel stamped it, else to the program reading it. The kernel's
// stamp is on the wall clock: when the wall clock was stepped in between,
// it falls outside [0, read time] and the program's reading is used.
func roundTrip(sent time.Time, ev *Event) time.Duration {
	read := ev.Read.Sub(sent)
	if !ev.At.IsZero() {
		if k := ev.At.Sub(sent.Round(0)); k >= 0 && k <= read {
			return k
		}
	}
	return max(read, 0)
}

// finish turns the targets into results at end. A cancelled session
// leaves out each target's last probes that were still waiting (as many
// as are unanswered at the end of its series): they had no chance to be
// answered. An unanswered probe followed by an answered one counts as
// lost.
func (l *echoLoop) finish(end time.Time, cancelled bool) {
	for _, t := range l.targets {
		n := len(t.sentAt)
		if cancelled {
			for n > 0 && t.state[n-1] == pending && end.Sub(t.sentAt[n-1]) < l.o.Wait {
				n--
			}
		}
		t.res.RTT = append([]time.Duration(nil), t.rtt[:n]...)
		l.results = append(l.results, t.res)
	}
	// Targets queued after the last pass never ran.
	l.mu.Lock()
	for _, a := range l.queued {
		l.results = append(l.results, EchoResult{Dst: a.dst, Err: context.Canceled})
	}
	l.queued = nil
	l.mu.Unlock()
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
