package bandwidth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/showwin/speedtest-go/speedtest"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
)

type direction int

const (
	download direction = iota
	upload
)

func (d direction) String() string {
	if d == download {
		return "download"
	}
	return "upload"
}

// endReason says what ended a direction; the report shows it.
type endReason string

const (
	endSettled   endReason = "settled"     // the figure stopped moving
	endTime      endReason = "time_limit"  // the direction's time ran out first
	endBudget    endReason = "data_budget" // the data budget ran out first
	endFailed    endReason = "failed"      // the server refused or broke every transfer
	endStalled   endReason = "stalled"     // no data moved at all
	endCancelled endReason = "interrupted" // the run was stopped
	endSkipped   endReason = "not_run"     // no time was left for it
)

const (
	// stallAfter ends a direction in which not one byte has moved: a
	// server that accepts and never sends is reported in 3 s, not 6.
	stallAfter = 3 * time.Second
	// failureBackoff spaces retries after a failed request, so a server
	// that refuses at once does not make the workers spin.
	failureBackoff = 100 * time.Millisecond
	// stoppedNap is how long a library worker sleeps per call once wfh
	// has stopped the direction; the library keeps calling until its
	// capture time ends, and this keeps those calls cheap.
	stoppedNap = 50 * time.Millisecond
	// requestTargetInexact: without kernel counters an upload counts only
	// the bodies the server confirmed (see bodyLog), so bodies are sized
	// to last about this long at the rate seen so far: the count then
	// trails the present by about this much, and each body costs its
	// connection one idle round trip (5 % of 0.75 s at 40 ms, while the
	// other connections keep the link busy). With the counters, requests
	// are as large as the budget allows (see size).
	requestTargetInexact = 750 * time.Millisecond
	// probeWait bounds waiting for LoadProbes after a transfer.
	probeWait = time.Second
	// seriesStep is the spacing of the rate series in the report.
	seriesStep = 500 * time.Millisecond
	// confirmSlack is what a server's answers may run ahead of its TCP
	// acknowledgements per connection: the answer to the last request can
	// overtake the final ACK of its body.
	confirmSlack = 256 << 10
)

// downloadSides are the random{N}x{N}.jpg files speedtest-go knows; a
// file is about 2·N² bytes on public servers and exactly that on wfh serve.
var downloadSides = []int{350, 500, 750, 1000, 1500, 2000, 2500, 3000, 3500, 4000}

func sideBytes(n int) int64 { return 2 * int64(n) * int64(n) }

// uploadKB are speedtest-go's upload sizes; a body is (k·100−51)·10 bytes,
// as the library sends it (1000 → 999,490 bytes). Public servers take
// them; wfh serve also takes the larger wfhServeKB (its default limit is
// 32 MB), which keeps one body going for a whole direction.
var (
	uploadKB   = []int{100, 300, 500, 800, 1000, 1500, 2500, 3000, 3500, 4000}
	wfhServeKB = []int{8000, 16000, 30000}
)

func uploadBytes(k int) int64 { return int64(k*100-51) * 10 }

// dirResult is what one direction measured.
type dirResult struct {
	dir      direction
	ended    endReason
	measured bool
	bps      float64 // bits per second over the measured window
	ramp     bool    // the ramp is included: the transfer ended before it did
	over     time.Duration
	warm     time.Duration
	elapsed  time.Duration
	bytes    int64 // bytes the direction moved over the wire, both ways
	payload  int64 // bytes counted in the measured direction
	requests int64
	failures int64
	conns    int
	problem  *problem
	series   []float64 // bits per second per seriesStep
	annotate []func(*report.Result)
}

// transfer runs one direction: speedtest-go's worker pool runs the
// requests; wfh samples the wire counters, decides when to stop, and
// stops.
//
// Both directions use the pool of the library's download TestDirection.
// Its upload TestDirection starts with one worker per CPU core and adds
// one a second while the confirmed rate grows, so a short test on a fast
// link never reaches its connections; and it counts a request's bytes only
// when the server answers, a megabyte at a time. wfh runs every connection
// from the start and counts the bytes the server acknowledged.
func (c *check) transfer(ctx context.Context, env *checks.Env, tgt *target, d direction, limit time.Duration, data int64, load Load) dirResult {
	m := c.newMeter(env)
	g := newGate(data)
	if d == download {
		m.gate = g
	}
	client, tr := newClient(m, env, c.cfg.connections, 0)
	st := speedtest.New(speedtest.WithDoer(client))
	st.SetNThread(c.cfg.connections)
	// The library's own bound: its workers stop by themselves after this.
	st.SetCaptureTime(limit)
	dctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	start := time.Now()
	w := &worker{ctx: dctx, dir: d, client: client, upload: tgt.upload, conns: c.cfg.connections, payload: payload(), gate: g,
		uploadSizes: uploadSizes, bodies: newBodyLog(), start: start}
	// Until the first connection says whether the kernel counts, assume
	// it does not where the probe's connections had no counters: the
	// first bodies are then small, and a slow uplink confirms one within
	// stallAfter (4 × 100 kB take 1.6 s at 2 Mbit/s).
	w.inexact.Store(!tgt.counted)
	if tgt.wfhServe {
		w.uploadSizes = wfhServeSizes
	}
	w.budget.Store(data)
	td := st.RegisterDownloadHandler(w.once)
	go td.Start(cancel, 0)

	var amu sync.Mutex
	var annotate []func(*report.Result)
	var probes sync.WaitGroup
	// held counts probes that want the load to last; the rate settling
	// ends the direction only once none does.
	var held atomic.Int32
	for _, p := range c.cfg.probes {
		load := load
		var hmu sync.Mutex
		holding := false
		load.Hold = func() {
			hmu.Lock()
			defer hmu.Unlock()
			if !holding {
				holding = true
				held.Add(1)
			}
		}
		load.Release = func() {
			hmu.Lock()
			defer hmu.Unlock()
			if holding {
				holding = false
				held.Add(-1)
			}
		}
		probes.Go(func() {
			if f := p.During(dctx, env, load); f != nil {
				amu.Lock()
				annotate = append(annotate, f)
				amu.Unlock()
			}
		})
	}

	warmMin := max(time.Second, 4*tgt.rtt)
	est := newEstimator(warmMin, c.cfg.maxWarm, c.cfg.minMeasure)
	// Without kernel counters the upload's count is final only up to the
	// bodies' horizon, so the ticks wait in pending until it passes them.
	var pending []time.Duration
	fallback := func() bool { return d == upload && !m.exact() }
	feed := func(now time.Duration) {
		h := w.bodies.horizon(now)
		i := 0
		for ; i < len(pending) && pending[i] <= h; i++ {
			est.add(pending[i], w.bodies.delivered(pending[i]))
		}
		pending = pending[i:]
	}
	ticker := time.NewTicker(c.cfg.tick)
	defer ticker.Stop()
	lastProgress := start
	var lastGrowth time.Duration // when the count last went up
	var lastTotal int64
	// progress is what the stall rule watches: the count, or without
	// kernel counters the confirmed bytes, which the horizon does not
	// hold back.
	progress := func() int64 {
		if fallback() {
			return w.bodies.confirmed()
		}
		return est.total()
	}
	var ended endReason
loop:
	for {
		select {
		case <-dctx.Done():
			ended = endTime
			if interrupted(ctx) {
				ended = endCancelled
			}
			break loop
		case <-g.hit:
			ended = endBudget
			break loop
		case <-ticker.C:
			// The time of the reading, not of the tick: a goroutine woken
			// late must not credit the late bytes to the earlier instant.
			before := time.Now()
			tot := m.totals()
			now := time.Now()
			el := before.Sub(start) + now.Sub(before)/2
			if fallback() {
				pending = append(pending, el)
				feed(el)
			} else {
				est.add(el, w.counted(tot, m.exact()))
			}
			if p := progress(); p > lastTotal {
				lastTotal, lastGrowth = p, el
			}
			if m.connections() > 0 {
				w.inexact.Store(!m.exact())
			}
			used := w.used(tot, m.exact())
			w.budget.Store(data - used)
			switch {
			case w.rejected() != nil:
				ended = endFailed
			case used >= data:
				ended = endBudget
			case est.settled(c.cfg.tick) && held.Load() <= 0:
				ended = endSettled
			case w.requests.Load() == 0 && w.failures.Load() >= int64(3*c.cfg.connections):
				// Every connection broke off three times and nothing ever
				// completed: the bytes are real, but what they measure is
				// the server breaking off, not the link.
				ended = endFailed
			case el-lastGrowth >= stallAfter:
				ended = endStalled
			}
			if ended != "" {
				break loop
			}
			if now.Sub(lastProgress) >= progressEvery {
				lastProgress = now
				env.Progress(fmt.Sprintf("%s %s", d, formatRate(est.trailing(time.Second)*8)))
			}
		}
	}
	// A last reading at the moment of stopping, so that a direction the
	// budget ended within one tick still has its figure.
	if el := time.Since(start); fallback() {
		pending = append(pending, el)
		feed(el)
	} else {
		est.add(el, w.counted(m.totals(), m.exact()))
	}
	if progress() > lastTotal {
		lastGrowth = time.Since(start)
	}
	elapsed := time.Since(start)
	if ended == endTime && elapsed-lastGrowth >= min(stallAfter, elapsed/2) {
		// Time ran out on a transfer that had stopped moving.
		ended = endStalled
	}
	// Stop: no new requests, end the running ones, close every
	// connection. Nothing here waits for the library.
	w.stopped.Store(true)
	cancel()
	m.stop()
	tr.CloseIdleConnections()
	waitBounded(&probes, probeWait)

	final := m.totals()
	r := dirResult{dir: d, ended: ended, elapsed: elapsed, bytes: w.used(final, m.exact()),
		payload: est.total(), requests: w.requests.Load(), failures: w.failures.Load(),
		conns: m.connections(), problem: w.problem()}
	amu.Lock()
	r.annotate = annotate
	amu.Unlock()
	rate, over, ok := est.rate()
	r.bps, r.over, r.ramp = rate*8, over, !ok
	if wu := est.warmup(); wu > 0 {
		r.warm = wu
	}
	for _, v := range est.series(seriesStep) {
		r.series = append(r.series, v*8)
	}
	if d == upload && m.exact() && w.confirmed.Load() > final.acked+int64(c.cfg.connections)*confirmSlack {
		// An honest server answers an upload only after receiving it, so
		// its answers never cover more than its TCP acknowledged.
		w.refuse(&problem{kind: "false_confirmations", msg: fmt.Sprintf(
			"the server confirmed %d bytes of uploads but received only %d: it answers without reading (a faulty or fake speed-test server)",
			w.confirmed.Load(), final.acked)})
		r.problem = w.problem()
	}
	if ended == endFailed && r.problem != nil && w.rejected() == nil {
		r.problem = &problem{kind: r.problem.kind, msg: fmt.Sprintf("the server broke off every %s (%d tries; %s)", d, r.failures, r.problem.msg)}
	}
	// A figure needs data, half a second of it, and a server that spoke
	// the protocol: bytes of a web page are not a speed.
	r.measured = est.total() > 0 && (over >= 500*time.Millisecond || ok || ended == endBudget) && w.rejected() == nil &&
		ended != endCancelled && ended != endStalled && ended != endFailed
	if ended == endFailed && r.problem == nil {
		r.problem = &problem{kind: "failed", msg: "every transfer failed"}
	}
	if env.Logf != nil {
		var b []string
		for _, v := range est.series(c.cfg.tick) {
			b = append(b, fmt.Sprintf("%.1f", v*8/1e6))
		}
		env.Debugf("%s Mbit/s per %v: %s", d, c.cfg.tick, strings.Join(b, " "))
	}
	source := "kernel byte counters"
	switch {
	case fallback():
		source = "confirmed bodies (no kernel byte counters)"
	case !m.exact():
		source = "bytes read (no kernel byte counters)"
	}
	env.Debugf("%s: %s after %v, %.1f Mbit/s over %v (ramp %v), %d bytes, %d requests, %d failed, %d connections, counted from %s",
		d, ended, elapsed.Round(time.Millisecond), r.bps/1e6, over.Round(time.Millisecond), r.warm, r.bytes, r.requests, r.failures, r.conns, source)
	return r
}

func waitBounded(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// payload is the upload body: pseudo-random, so that a compressing VPN or
// proxy cannot make the link look faster than it is.
func payload() []byte {
	p := make([]byte, 256<<10)
	_, _ = rand.NewChaCha8([32]byte{'w', 'f', 'h'}).Read(p)
	return p
}

// worker is what the library's workers call, one request per call.
type worker struct {
	ctx     context.Context
	dir     direction
	client  *http.Client
	upload  *url.URL
	conns   int
	payload []byte

	gate      *gate // the direction's data budget
	stopped   atomic.Bool
	inexact   atomic.Bool  // the meter has no kernel counters
	budget    atomic.Int64 // bytes left for new requests
	confirmed atomic.Int64 // upload bytes the server answered for
	requests  atomic.Int64 // requests completed
	failures  atomic.Int64 // requests failed while the direction ran

	mu     sync.Mutex
	reject *problem // the server answered something no speed-test server does
	last   *problem // the latest failure
	maxUp  int64    // the largest body to send after a 413, 0 for any; guarded by mu

	uploadSizes []int64 // body sizes this server takes, ascending

	bodies *bodyLog  // the upload bodies' timing, which counts without kernel counters
	start  time.Time // when the direction started, bodies' time zero
}

func (w *worker) rejected() *problem {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.reject
}

func (w *worker) problem() *problem {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.reject != nil {
		return w.reject
	}
	return w.last
}

// counted is the cumulative byte count of the measured direction with
// kernel counters, or for a download.
func (w *worker) counted(t counts, exact bool) int64 {
	if w.dir == download || !exact {
		return t.received
	}
	return t.acked
}

// used is what the direction cost over the wire.
func (w *worker) used(t counts, exact bool) int64 {
	if exact {
		return t.received + t.acked
	}
	return t.received + w.confirmed.Load()
}

// once makes one request.
func (w *worker) once() {
	if w.stopped.Load() || w.ctx.Err() != nil {
		time.Sleep(stoppedNap)
		return
	}
	var err error
	if w.dir == download {
		err = w.get()
	} else {
		err = w.post()
	}
	if err == nil || w.stopped.Load() || w.ctx.Err() != nil {
		return
	}
	w.failures.Add(1)
	p, ok := err.(*problem)
	if !ok {
		p = describe(w.ctx, err)
	}
	w.mu.Lock()
	w.last = p
	w.mu.Unlock()
	t := time.NewTimer(failureBackoff)
	defer t.Stop()
	select {
	case <-w.ctx.Done():
	case <-t.C:
	}
}

func (w *worker) refuse(p *problem) *problem {
	w.mu.Lock()
	if w.reject == nil {
		w.reject = p
	}
	w.mu.Unlock()
	return p
}

// size picks the next request's size from sizes (ascending). Every byte
// is counted as it crosses the wire, so with kernel counters (and always
// for downloads) a request is as large as the budget allows: long
// requests leave no gaps, and each gap idles a connection for a round
// trip (with 4 MB bodies at 25 Mbit/s a connection, 6 % of the time at
// 80 ms). Without them, an upload counts only confirmed bodies, which
// then last about requestTargetInexact each at the rate the latest
// bodies saw, starting with the smallest.
func (w *worker) size(sizes []int64) int64 {
	ceiling := w.budget.Load() / int64(w.conns)
	if w.dir == upload && w.inexact.Load() {
		want := int64(w.bodies.perConnection(w.conns) * requestTargetInexact.Seconds())
		return sizes[nearest(sizes, want, ceiling)]
	}
	return sizes[pick(sizes, math.MaxInt64, ceiling)]
}

// nearest returns the size closest to want by ratio, none above ceiling
// (the smallest when even that is too big, or when want is 0): without
// kernel counters a body much longer than wanted holds the count back
// by as much (300 kB last 2 s at 5 Mbit/s on four connections, where
// 0.75 s was wanted, so 100 kB is the better choice).
func nearest(sizes []int64, want, ceiling int64) int {
	idx := 0
	for i, s := range sizes {
		if s > ceiling && i > 0 {
			break
		}
		if want > 0 && math.Abs(math.Log(float64(s)/float64(want))) < math.Abs(math.Log(float64(sizes[idx])/float64(want))) {
			idx = i
		}
	}
	return idx
}

// pick returns the smallest size at or above want, but none above ceiling
// (the smallest size when even that is too big).
func pick(sizes []int64, want, ceiling int64) int {
	idx := len(sizes) - 1
	for i, s := range sizes {
		if s >= want {
			idx = i
			break
		}
	}
	for idx > 0 && sizes[idx] > ceiling {
		idx--
	}
	return idx
}

func sizesOf(units []int, f func(int) int64) []int64 {
	out := make([]int64, len(units))
	for i, u := range units {
		out[i] = f(u)
	}
	return out
}

var (
	downloadSizes = sizesOf(downloadSides, sideBytes)
	uploadSizes   = sizesOf(uploadKB, uploadBytes)
	wfhServeSizes = sizesOf(append(slices.Clone(uploadKB), wfhServeKB...), uploadBytes)
)

func (w *worker) get() error {
	side := downloadSides[slices.Index(downloadSizes, w.size(downloadSizes))]
	req, err := http.NewRequestWithContext(w.ctx, http.MethodGet, fileURL(w.upload, fmt.Sprintf("random%dx%d.jpg", side, side)), nil)
	if err != nil {
		return err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return w.refuse(&problem{kind: "redirect", msg: fmt.Sprintf("the server redirected a download elsewhere (HTTP %d)", resp.StatusCode)})
	case resp.StatusCode != http.StatusOK:
		return w.refuse(&problem{kind: "http_status", msg: fmt.Sprintf("the server answered a download with HTTP %d", resp.StatusCode)})
	case isHTML(resp.Header.Get("Content-Type"), nil):
		return w.refuse(&problem{kind: "not_speedtest", msg: "the server answered a download with a web page"})
	}
	buf := make([]byte, ioBuffer)
	var n int64
	for {
		k, rerr := resp.Body.Read(buf)
		n += int64(k)
		if rerr != nil {
			if rerr != io.EOF {
				err = rerr
			}
			break
		}
	}
	if err != nil {
		if w.ctx.Err() != nil || w.stopped.Load() {
			return nil // our own stop cut it
		}
		return &problem{kind: "closed_early", msg: fmt.Sprintf("the server broke off a download after %d bytes", n)}
	}
	if resp.ContentLength > 0 && n < resp.ContentLength {
		return &problem{kind: "closed_early", msg: fmt.Sprintf("the server sent %d of the %d bytes it announced", n, resp.ContentLength)}
	}
	w.requests.Add(1)
	return nil
}

func (w *worker) post() error {
	w.mu.Lock()
	var sizes []int64
	for _, s := range w.uploadSizes {
		if w.maxUp == 0 || s <= w.maxUp {
			sizes = append(sizes, s)
		}
	}
	w.mu.Unlock()
	if len(sizes) == 0 {
		sizes = w.uploadSizes[:1]
	}
	size := w.size(sizes)
	reader := &payloadReader{p: w.payload, left: size, stopped: &w.stopped, gate: w.gate}
	// The body's span starts when the transport first reads it: the
	// connection is up and the previous body on it answered.
	var timing bodyTiming
	reader.first = func() { timing.begin(w.bodies, time.Since(w.start)) }
	confirmed := false
	defer func() {
		if b := timing.end(); b != nil && !confirmed {
			w.bodies.drop(b)
		}
	}()
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, w.upload.String(), reader)
	if err != nil {
		return err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	answered := time.Since(w.start)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusRequestEntityTooLarge:
		// A server with a smaller limit: use smaller bodies from now on.
		w.mu.Lock()
		w.maxUp = size - 1
		w.mu.Unlock()
		return &problem{kind: "http_status", msg: "the server refused an upload as too large"}
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return w.refuse(&problem{kind: "redirect", msg: fmt.Sprintf("the server redirected an upload elsewhere (HTTP %d)", resp.StatusCode)})
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		return w.refuse(&problem{kind: "http_status", msg: fmt.Sprintf("the server answered an upload with HTTP %d", resp.StatusCode)})
	}
	if b := timing.get(); b != nil {
		w.bodies.confirm(b, size, answered)
		confirmed = true
	}
	w.confirmed.Add(size)
	w.requests.Add(1)
	return nil
}

// bodyTiming is one request's entry in the body log. The transport reads
// the body on a goroutine of its own, which may even start after the
// request has failed: once the request is over (end), a late first read
// no longer enters the log, where it would stay open and hold the count
// back for good.
type bodyTiming struct {
	mu   sync.Mutex
	b    *body
	over bool
}

func (t *bodyTiming) begin(l *bodyLog, at time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.over && t.b == nil {
		t.b = l.begin(at)
	}
}

func (t *bodyTiming) get() *body {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.b
}

// end closes the entry to late reads and returns its body, if any.
func (t *bodyTiming) end() *body {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.over = true
	return t.b
}

// payloadReader produces an upload body from the repeating payload and
// ends early once the direction stops.
type payloadReader struct {
	p       []byte
	off     int
	left    int64
	stopped *atomic.Bool
	gate    *gate
	first   func() // called at the first Read, when set
}

var errBodyStopped = errors.New("upload stopped")

func (r *payloadReader) Read(b []byte) (int, error) {
	if r.first != nil {
		r.first()
		r.first = nil
	}
	if r.left <= 0 {
		return 0, io.EOF
	}
	if r.stopped.Load() {
		return 0, errBodyStopped
	}
	if r.gate != nil && !r.gate.take(int64(min(len(b), int(min(r.left, math.MaxInt32))))) {
		return 0, errBudget
	}
	n := 0
	for n < len(b) && r.left > 0 {
		k := copy(b[n:], r.p[r.off:])
		if int64(k) > r.left {
			k = int(r.left)
		}
		n += k
		r.left -= int64(k)
		r.off = (r.off + k) % len(r.p)
	}
	return n, nil
}

// formatRate writes bits per second for people: "43.2 Mbit/s". It is the
// report's formatter, so the check's messages and the summary card agree.
func formatRate(bps float64) string {
	return report.FormatMbps(bps / 1e6)
}
