package bandwidth

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/speedserver"
	"github.com/wfh-cli/wfh/report"
)

// testEnv builds an Env whose network is loopback only.
func testEnv(t *testing.T, prof *profile.Profile) (*checks.Env, *progressLog) {
	t.Helper()
	if prof == nil {
		prof = profile.Default()
	}
	pl := &progressLog{}
	return &checks.Env{
		Now: time.Now,
		// Loopback only: no test can reach a real speed-test server, even
		// by mistake.
		Dialer:     &checkstest.Dialer{Default: &checkstest.Route{Loopback: true}},
		Profile:    prof,
		OnProgress: pl.add,
		Logf:       func(f string, a ...any) { t.Logf(f, a...) },
	}, pl
}

type progressLog struct {
	mu   sync.Mutex
	msgs []string
}

func (p *progressLog) add(m string) {
	p.mu.Lock()
	p.msgs = append(p.msgs, m)
	p.mu.Unlock()
}

func (p *progressLog) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.msgs...)
}

// serverProfile points the check at base.
func serverProfile(base string) *profile.Profile {
	p := profile.Default()
	p.Bandwidth.Server = base
	return p
}

// fastConfig shortens the check for unit tests.
func fastConfig() config {
	c := defaultConfig()
	c.listURL = "http://127.0.0.1:9/never-used" // discovery tests set their own
	c.total = 8 * time.Second
	c.maxDirection = 3 * time.Second
	c.minMeasure = time.Second
	c.maxWarm = 1500 * time.Millisecond
	return c
}

// pacer is a shared token bucket: a "link" of a given rate for loopback
// tests, which need no root. Every connection of the server shares it.
type pacer struct {
	mu   sync.Mutex
	rate float64 // bytes per second
	next time.Time
}

func (p *pacer) wait(ctx context.Context, n int) error {
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	p.next = p.next.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
	d := time.Until(p.next)
	p.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

const paceChunk = 16 << 10

// pacedWriter paces a response.
type pacedWriter struct {
	http.ResponseWriter
	p   *pacer
	ctx context.Context
}

func (w *pacedWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		k := min(len(b), paceChunk)
		if err := w.p.wait(w.ctx, k); err != nil {
			return n, err
		}
		m, err := w.ResponseWriter.Write(b[:k])
		n += m
		if err != nil {
			return n, err
		}
		b = b[k:]
	}
	return n, nil
}

// pacedBody paces an upload.
type pacedBody struct {
	io.ReadCloser
	p   *pacer
	ctx context.Context
}

func (b *pacedBody) Read(p []byte) (int, error) {
	if len(p) > paceChunk {
		p = p[:paceChunk]
	}
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		if werr := b.p.wait(b.ctx, n); werr != nil && err == nil {
			err = werr
		}
	}
	return n, err
}

// paced limits h to mbps in each direction (one bucket per direction).
func paced(h http.Handler, mbps float64) http.Handler {
	down := &pacer{rate: mbps * 1e6 / 8}
	up := &pacer{rate: mbps * 1e6 / 8}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = &pacedBody{ReadCloser: r.Body, p: up, ctx: r.Context()}
		h.ServeHTTP(&pacedWriter{ResponseWriter: w, p: down, ctx: r.Context()}, r)
	})
}

// wireListener counts, on the server's side, what the server's kernel
// sent and received, and how many connections are open.
type wireListener struct {
	net.Listener
	open     atomic.Int64
	mu       sync.Mutex
	received int64 // bytes the server's kernel received, closed connections
	acked    int64 // bytes the client acknowledged, closed connections
	live     map[*wireConn]struct{}
}

type wireConn struct {
	net.Conn
	l      *wireListener
	kernel counterSource
	once   sync.Once
}

func (l *wireListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.open.Add(1)
	wc := &wireConn{Conn: c, l: l, kernel: kernelCounters(c)}
	l.mu.Lock()
	l.live[wc] = struct{}{}
	l.mu.Unlock()
	return wc, nil
}

func (c *wireConn) Close() error {
	c.once.Do(func() {
		c.l.open.Add(-1)
		c.l.mu.Lock()
		delete(c.l.live, c)
		if c.kernel != nil {
			if k, ok := c.kernel(0); ok {
				c.l.received += k.received
				c.l.acked += k.acked
			}
		}
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// totals is the server's view: what it received and what the client
// acknowledged, over every connection so far.
func (l *wireListener) totals() (received, acked int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	received, acked = l.received, l.acked
	for c := range l.live {
		if c.kernel != nil {
			if k, ok := c.kernel(0); ok {
				received += k.received
				acked += k.acked
			}
		}
	}
	return received, acked
}

// startServer serves h on loopback until the test ends.
func startServer(t *testing.T, h http.Handler) (base string, wl *wireListener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wl = &wireListener{Listener: ln, live: map[*wireConn]struct{}{}}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(wl) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/", wl
}

// speedServer is wfh serve's handler, paced to mbps.
func speedServer(t *testing.T, mbps float64) (string, *wireListener) {
	t.Helper()
	s, err := speedserver.New(speedserver.Config{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, paced(s.Handler(), mbps))
}

// busySlack is how late a deadline may be met on a busy machine: two CPU
// hogs and the race detector beside a test hold its goroutines back for up
// to a second; a real overrun (a missed cancel, a hang) is longer.
const busySlack = 2 * time.Second

// runCheck runs the check with cfg against env and returns its result
// and how long it took.
func runCheck(t *testing.T, cfg config, env *checks.Env) (report.Result, time.Duration) {
	t.Helper()
	c := &check{cfg: cfg}
	ctx, cancel := context.WithTimeout(t.Context(), budget)
	defer cancel()
	start := time.Now()
	r := c.Run(ctx, env)
	return r, time.Since(start)
}

func metric(t *testing.T, r report.Result, name string) *float64 {
	t.Helper()
	m, ok := r.Metric(name)
	if !ok {
		t.Fatalf("no metric %s in %+v", name, r.Metrics)
	}
	return m.Value
}

func item(r report.Result, label string) (report.Item, bool) {
	for _, it := range r.Items {
		if it.Label == label {
			return it, true
		}
	}
	return report.Item{}, false
}
