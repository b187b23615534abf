package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/speedserver"
	"github.com/wfh-cli/wfh/internal/winetest"
)

// counterLines are the lines of the kernel-counters table: slower uplinks,
// where the no-counter upload used to stall, and a fast one, where it ran
// ahead of the wire. 20 ms RTT, the default 50 ms queue.
var counterLines = []setting{
	{down: 10e6, up: 5e6, rtt: 20 * time.Millisecond},
	{down: 20e6, up: 20e6, rtt: 20 * time.Millisecond},
	{down: 50e6, up: 10e6, rtt: 20 * time.Millisecond},
	{down: 50e6, up: 50e6, rtt: 20 * time.Millisecond},
}

// binary is one way of running wfh in the home namespace.
type binary struct {
	name string
	run  func(setting) wfhRun
}

// tapPort is the port of the counters table's server: wfh serve's code in
// this process, so that it can record what it received and when.
const tapPort = "8081"

// uploadTap records what reached the server: every 20 ms, the bytes its
// kernel had received on all connections (TCP_INFO tcpi_bytes_received,
// so a server process slowed by the machine's load, whose reads lag
// behind, does not move the truth), and when the current run's first
// upload body arrived. The upload figure is checked against it over the
// figure's own window, in the same run, whatever the load did to the
// link meanwhile.
type uploadTap struct {
	mu         sync.Mutex
	downloaded bool // this run's download has begun
	first      time.Time
	at         []time.Time
	total      []int64
	conns      []*net.TCPConn
	closedRecv int64 // what connections that closed had received
}

func (u *uploadTap) reset() {
	u.mu.Lock()
	u.downloaded, u.first = false, time.Time{}
	u.at, u.total = nil, nil
	u.mu.Unlock()
}

// Accept wraps a listener's connections so the sampler sees them.
type tapListener struct {
	net.Listener
	u *uploadTap
}

func (l *tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		l.u.mu.Lock()
		l.u.conns = append(l.u.conns, tc)
		l.u.mu.Unlock()
		return &tapConn{TCPConn: tc, u: l.u}, nil
	}
	return c, err
}

// tapConn keeps a closing connection's count in the total.
type tapConn struct {
	*net.TCPConn
	u    *uploadTap
	once sync.Once
}

func (c *tapConn) Close() error {
	c.once.Do(func() {
		n := received(c.TCPConn)
		c.u.mu.Lock()
		c.u.closedRecv += n
		for i, x := range c.u.conns {
			if x == c.TCPConn {
				c.u.conns = append(c.u.conns[:i], c.u.conns[i+1:]...)
				break
			}
		}
		c.u.mu.Unlock()
	})
	return c.TCPConn.Close()
}

// sample runs until ctx ends, recording the kernel's count every 20 ms.
func (u *uploadTap) sample(ctx context.Context) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		u.mu.Lock()
		total := u.closedRecv
		for _, c := range u.conns {
			total += received(c)
		}
		u.at = append(u.at, time.Now())
		u.total = append(u.total, total)
		u.mu.Unlock()
	}
}

// wrap taps h. A run downloads before it uploads, so the upload's start
// is the first body after a download request: a body of the previous
// run still queued on the shaped link when it ended is not it.
func (u *uploadTap) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		switch {
		case r.Method == http.MethodGet && strings.HasPrefix(path.Base(r.URL.Path), "random"):
			u.downloaded = true
		case r.Method == http.MethodPost && u.downloaded && u.first.IsZero():
			u.first = time.Now()
		}
		u.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// rate is what the server's kernel received, in Mbit/s, over [from,
// from+over] seconds after the first body arrived (counts interpolated
// between samples), 0 when nothing was recorded.
func (u *uploadTap) rate(from, over float64) float64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.first.IsZero() || over <= 0 {
		return 0
	}
	a := u.first.Add(time.Duration(from * float64(time.Second)))
	b := a.Add(time.Duration(over * float64(time.Second)))
	count := func(t time.Time) float64 {
		i := sort.Search(len(u.at), func(i int) bool { return u.at[i].After(t) })
		switch {
		case i == 0 || i == len(u.at):
			return math.NaN() // outside the samples
		}
		f := float64(t.Sub(u.at[i-1])) / float64(u.at[i].Sub(u.at[i-1]))
		return float64(u.total[i-1]) + f*float64(u.total[i]-u.total[i-1])
	}
	r := (count(b) - count(a)) * 8 / over / 1e6
	if math.IsNaN(r) {
		return 0
	}
	return r
}

// serveTapped serves wfh serve's handler with the tap in the server
// namespace and returns a profile that points wfh at it.
func (b *bench) serveTapped(owner netlab.TB, tap *uploadTap) string {
	srv := must(speedserver.New(speedserver.Config{MaxTest: 2 * time.Hour}))
	ln := must(b.tp.Server.Listen("tcp", serverAddr+":"+tapPort))
	hs := &http.Server{Handler: tap.wrap(srv.Handler()), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(&tapListener{Listener: ln, u: tap}) }()
	ctx, cancel := context.WithCancel(b.ctx)
	go tap.sample(ctx)
	owner.Cleanup(func() { cancel(); _ = hs.Close() })
	prof := filepath.Join(filepath.Dir(b.prof), "tapped.yaml")
	if err := os.WriteFile(prof, []byte("name: bandwidth bench\nbandwidth:\n  server: http://"+serverAddr+":"+tapPort+"/\n"), 0o644); err != nil {
		netlab.Stop(err)
	}
	return prof
}

// counters prints, per line and direction, iperf3's goodput and the
// figures of the Linux binary, the Linux binary without kernel counters
// and wfh.exe under Wine, each the mean of runs.
func (b *bench) counters(owner netlab.TB, fallbackBin string, runs int, wine bool, only string) {
	lines := counterLines
	if only != "" {
		lines = nil
		for _, s := range counterLines {
			if fmt.Sprintf("%g/%g", s.down/1e6, s.up/1e6) == only {
				lines = append(lines, s)
			}
		}
		if len(lines) == 0 {
			netlab.Stop(fmt.Errorf("-line %q: not one of the lines", only))
		}
	}
	tap := &uploadTap{}
	b.prof = b.serveTapped(owner, tap)
	bins := []binary{
		{"Linux", func(s setting) wfhRun { return b.wfhWith(s, b.bin) }},
		{"Linux, no kernel counters", func(s setting) wfhRun { return b.wfhWith(s, fallbackBin) }},
	}
	if wine {
		exe := winetest.WfhExe(owner)
		prefix := winetest.NewPrefix(owner, b.tp.Home.NS)
		prof := winetest.WinPath(b.prof)
		bins = append(bins, binary{"wfh.exe under Wine", func(s setting) wfhRun {
			ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
			defer cancel()
			res, err := prefix.Run(ctx, nil, exe, "doctor", "--only", "bandwidth", "--format", "json", "--profile", prof)
			if err != nil {
				netlab.Stop(fmt.Errorf("wfh.exe doctor: %v: %s", err, res.Stderr))
			}
			r := wfhRun{wall: res.Took}
			b.parse(&r, res.Stdout)
			return r
		}})
	}
	b.printf("Bandwidth bench, kernel counters or not (%s, %d CPUs, %s)\n\n", runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), time.Now().UTC().Format("2006-01-02 15:04"))
	b.printf("Goodput: iperf3 -P 4 -C cubic, %d s after a 1 s warm-up, each way, before and after the wfh runs (mean). Figures: `wfh doctor --only bandwidth` against `wfh serve`, mean of %d runs (lowest–highest).\n\n", iperfSeconds, runs)
	head := "| line | direction | goodput |"
	sep := "|---|---|---|"
	for _, bin := range bins {
		head += " " + bin.name + " | error |"
		sep += "---|---|"
	}
	b.printf("%s ended by |\n%s---|\n", head, sep)
	var errs [][][]float64 // per line, per binary, per run
	for _, s := range lines {
		b.apply(s)
		down1, up1 := b.iperf(true, iperfSeconds), b.iperf(false, iperfSeconds)
		got := make([][]wfhRun, len(bins))
		inRun := make([][]float64, len(bins)) // upload error against the server's count, per run
		for range runs {
			for i, bin := range bins {
				tap.reset()
				r := bin.run(s)
				got[i] = append(got[i], r)
				// The figure's window is timed from the direction's start,
				// one connect and half a round trip before the first body
				// reaches the server; and the window may end just before
				// wfh exits, so the sampler gets a moment to pass it.
				time.Sleep(200 * time.Millisecond)
				if truth := tap.rate(r.upWarm-1.5*s.rtt.Seconds(), r.upOver); r.up != nil && truth > 0 {
					inRun[i] = append(inRun[i], (*r.up-truth)/truth)
					fmt.Fprintf(os.Stderr, "  %s: upload %.2f Mbit/s over %.2f s from %.2f s; the server's kernel received %.2f Mbit/s then\n",
						bin.name, *r.up, r.upOver, r.upWarm, truth)
				}
			}
		}
		errs = append(errs, inRun)
		down2, up2 := b.iperf(true, iperfSeconds), b.iperf(false, iperfSeconds)
		truth := map[string]float64{"down": (down1 + down2) / 2 / 1e6, "up": (up1 + up2) / 2 / 1e6}
		for _, dir := range []string{"down", "up"} {
			row := fmt.Sprintf("| %g/%g Mbit/s | %s | %.2f |", s.down/1e6, s.up/1e6, dir, truth[dir])
			var ends []string
			for i := range bins {
				var vals []float64
				missed := 0
				var end []string
				for _, r := range got[i] {
					v, e := r.down, r.downEnd
					if dir == "up" {
						v, e = r.up, r.upEnd
					}
					end = append(end, e)
					if v == nil {
						missed++
						continue
					}
					vals = append(vals, *v)
				}
				ends = append(ends, strings.Join(end, ","))
				if len(vals) == 0 {
					row += " not measured | |"
					continue
				}
				mean, lo, hi := stats(vals)
				cell := fmt.Sprintf("%.2f (%.2f–%.2f)", mean, lo, hi)
				if missed > 0 {
					cell += fmt.Sprintf(", %d not measured", missed)
				}
				row += fmt.Sprintf(" %s | %+.1f %% |", cell, 100*(mean-truth[dir])/truth[dir])
			}
			b.printf("%s %s |\n", row, strings.Join(ends, " / "))
		}
	}
	b.printf("\nRates in Mbit/s of TCP payload. Error = (mean figure − goodput) / goodput.\n")
	b.printf("\nUpload figure against what the server's kernel received (tcpi_bytes_received, sampled every 20 ms) over the figure's own window in the same run (mean error, lowest–highest): the method's error, apart from the machine's load moving the link between the iperf3 runs and wfh's.\n\n")
	head = "| line |"
	sep = "|---|"
	for _, bin := range bins {
		head += " " + bin.name + " |"
		sep += "---|"
	}
	b.printf("%s\n%s\n", head, sep)
	for k, s := range lines {
		row := fmt.Sprintf("| %g/%g Mbit/s |", s.down/1e6, s.up/1e6)
		for i := range bins {
			if len(errs[k][i]) == 0 {
				row += " — |"
				continue
			}
			mean, lo, hi := stats(errs[k][i])
			row += fmt.Sprintf(" %+.1f %% (%+.1f to %+.1f) |", 100*mean, 100*lo, 100*hi)
		}
		b.printf("%s\n", row)
	}
}

func stats(v []float64) (mean, lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		mean += x
		lo, hi = min(lo, x), max(hi, x)
	}
	return mean / float64(len(v)), lo, hi
}
