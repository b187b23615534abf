// Command calibrate measures the lab's impairment stage against the
// reference tools and prints the calibration table of docs/testing.md:
// set values next to what iputils ping and iperf3 measure through the
// four-namespace Topology.
//
// Run it as root on Linux with the Debian packages iproute2, iputils-ping
// and iperf3, on an otherwise idle machine:
//
//	go run ./internal/netlab/cmd/calibrate
//
// It touches nothing outside the namespaces it creates and removes them
// when it ends, also on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
)

func main() {
	quick := flag.Bool("quick", false, "fewer settings and probes (about 40 s instead of about 3 min)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	owner := &netlab.Standalone{}
	var out strings.Builder
	err := netlab.Try(func() {
		lab := netlab.New(owner)
		tp := lab.Topology()
		c := &calibration{ctx: ctx, tp: tp, quick: *quick, w: &out}
		c.run()
	})
	owner.Close()
	fmt.Print(out.String())
	if err != nil {
		fmt.Fprintln(os.Stderr, "calibrate:", err)
		if errors.Is(err, netlab.ErrSkipped) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type calibration struct {
	ctx   context.Context
	tp    *netlab.Topology
	quick bool
	w     *strings.Builder
}

func (c *calibration) printf(format string, args ...any) {
	fmt.Fprintf(c.w, format, args...)
	fmt.Fprintf(os.Stderr, format, args...) // live progress while it runs
}

// must turns a measurement error into the Try error that ends the run.
func must[T any](v T, err error) T {
	if err != nil {
		netlab.Stop(fmt.Errorf("measurement failed: %w", err))
	}
	return v
}

func (c *calibration) clear() {
	for _, lk := range c.tp.Links() {
		lk.SetBoth(netlab.Impairment{})
	}
}

func (c *calibration) run() {
	host, _ := os.Hostname()
	c.printf("Calibration of the netlab impairment stage (%s, %d CPUs, %s, %s)\n\n",
		runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), host, time.Now().UTC().Format("2006-01-02"))
	ceiling := c.ceiling()
	c.rtt()
	c.jitter()
	c.loss()
	c.rate(ceiling)
	c.loaded()
}

// server is where every measurement ends: the far end of all three links.
const server = netlab.TopoServerIPv4

func (c *calibration) ceiling() float64 {
	c.clear()
	c.printf("## Harness ceiling (no impairment, iperf3 -P 4 -C cubic, 5 s)\n\n")
	c.printf("| direction | goodput |\n|---|---|\n")
	up := must(netlab.Iperf3(c.ctx, c.tp.Home.NS, c.tp.Server.NS, server, netlab.Iperf3Options{Seconds: 5, Streams: 4}))
	down := must(netlab.Iperf3(c.ctx, c.tp.Home.NS, c.tp.Server.NS, server, netlab.Iperf3Options{Seconds: 5, Streams: 4, Reverse: true}))
	c.printf("| home → server | %s |\n| server → home | %s |\n\n", mbit(up.BitsPerSecond), mbit(down.BitsPerSecond))
	return math.Min(up.BitsPerSecond, down.BitsPerSecond)
}

func (c *calibration) rtt() {
	c.printf("## Round-trip time (delay set each way on the provider link; ping, 100 probes at 20 ms)\n\n")
	c.printf("| one-way delay set | RTT expected | median measured | error | p90 | within max(2 ms, 5 %%) |\n|---|---|---|---|---|---|\n")
	delays := []time.Duration{0, 5, 10, 20, 40, 80}
	if c.quick {
		delays = []time.Duration{0, 20}
	}
	var errs []time.Duration
	for _, d := range delays {
		d *= time.Millisecond
		c.clear()
		c.tp.ProviderLink.SetBoth(netlab.Impairment{Delay: d})
		r := must(c.tp.Home.Ping(c.ctx, server, 100, 20*time.Millisecond))
		want := 2 * d
		e := r.Median() - want
		if d > 0 {
			errs = append(errs, max(e, -e))
		}
		// The target the stage's own test once asserted (TestStageDelay),
		// scored here where the machine is quiet.
		tol := max(2*time.Millisecond, want/20)
		c.printf("| %v | %v | %s | %+.2f ms | %s | %s |\n", d, want, ms(r.Median()), float64(e)/1e6, ms(netlab.Percentile(r.RTTs, 90)), yes(max(e, -e) <= tol))
	}
	c.printf("\nMedian absolute error over the delays set: %s (the clean path's own RTT is in the first row).\n\n", ms(netlab.Percentile(errs, 50)))
}

func (c *calibration) jitter() {
	c.printf("## Jitter (20 ms ± J uniform each way on the provider link; ping, 300 probes at 20 ms)\n\n")
	c.printf("| J set | mean RTT | mean abs ΔRTT expected (0.935·J) | measured |\n|---|---|---|---|\n")
	js := []time.Duration{2, 5, 10}
	if c.quick {
		js = []time.Duration{2}
	}
	for _, j := range js {
		j *= time.Millisecond
		c.clear()
		c.tp.ProviderLink.SetBoth(netlab.Impairment{Delay: 20 * time.Millisecond, Jitter: j})
		r := must(c.tp.Home.Ping(c.ctx, server, 300, 20*time.Millisecond))
		var sum time.Duration
		for _, x := range r.RTTs {
			sum += x
		}
		mean := sum / time.Duration(max(len(r.RTTs), 1))
		// Two independent uniform ±J draws per round trip: ΔRTT is a sum of
		// four, whose mean absolute value is 0.935·J (the normal
		// approximation, √(2/π)·2J/√3, gives 0.92·J).
		want := time.Duration(0.935 * float64(j))
		c.printf("| ±%v | %s | %s | %s |\n", j, ms(mean), ms(want), ms(r.MeanAbsDelta()))
	}
	c.printf("\nUp to ±5 ms, packets 20 ms apart never wait for one another; at ±10 ms two replies can leave the server back to back and FIFO order holds the second back.\n\n")
}

func (c *calibration) loss() {
	n := 4000
	ps := []float64{0.01, 0.05, 0.10, 0.20}
	if c.quick {
		n, ps = 1000, []float64{0.10}
	}
	c.printf("## Loss (set on the beyond link, server-bound only; ping, %d probes at 2 ms)\n\n", n)
	c.printf("| loss set | realised | 99.9 %% binomial interval | inside |\n|---|---|---|---|\n")
	for _, p := range ps {
		c.clear()
		c.tp.BeyondLink.Set(netlab.Impairment{Loss: p}, netlab.Impairment{})
		r := must(c.tp.Home.Ping(c.ctx, server, n, 2*time.Millisecond))
		sd := math.Sqrt(p * (1 - p) / float64(r.Sent))
		lo, hi := p-3.29*sd, p+3.29*sd
		got := r.LossRate()
		c.printf("| %.0f %% | %.2f %% (%d of %d) | %.2f–%.2f %% | %s |\n", p*100, got*100, r.Sent-r.Received(), r.Sent, lo*100, hi*100, yes(got >= lo && got <= hi))
	}
	c.printf("\n")
}

func (c *calibration) rate(ceiling float64) {
	c.printf("## Rate (set on the home link, upload; iperf3 -C cubic, 1 stream, 5 s after 1 s warm-up)\n\n")
	c.printf("Expected goodput is the rate × 1448/1500: the stage counts whole IP packets, TCP with timestamps carries 1448 payload bytes in 1500. Settings above 70 %% of the harness ceiling (%s) are harness-limited and not scored.\n\n", mbit(ceiling))
	c.printf("| rate set | goodput expected | iperf3 | error | within 3 %% | |\n|---|---|---|---|---|---|\n")
	rates := []float64{5e6, 20e6, 50e6, 100e6, 300e6, 1000e6}
	if c.quick {
		rates = []float64{20e6}
	}
	for _, rate := range rates {
		c.clear()
		c.tp.HomeLink.Set(netlab.Impairment{Rate: int64(rate)}, netlab.Impairment{})
		r := must(netlab.Iperf3(c.ctx, c.tp.Home.NS, c.tp.Server.NS, server, netlab.Iperf3Options{Seconds: 5}))
		want := rate * 1448 / 1500
		errPct := 100 * (r.BitsPerSecond - want) / want
		// The target the stage's own test once asserted (TestStageRate).
		note, onTarget := "", yes(math.Abs(errPct) <= 3)
		if rate > 0.7*ceiling {
			note, onTarget = "harness-limited", "—"
		}
		c.printf("| %s | %s | %s | %+.2f %% | %s | %s |\n", netlab.FormatRate(int64(rate)), mbit(want), mbit(r.BitsPerSecond), errPct, onTarget, note)
	}
	c.printf("\n")
}

func (c *calibration) loaded() {
	c.printf("## Loaded RTT (20 Mbit/s upload on the home link with the queue set; ping every 200 ms during iperf3 -P 4 -C cubic, 10 s)\n\n")
	c.printf("| queue set | idle RTT | loaded median | loaded p90 | increase | increase / queue |\n|---|---|---|---|---|---|\n")
	queues := []time.Duration{50, 100, 200}
	if c.quick {
		queues = []time.Duration{100}
	}
	for _, q := range queues {
		q *= time.Millisecond
		c.clear()
		c.tp.HomeLink.Set(netlab.Impairment{Rate: 20e6, Queue: q}, netlab.Impairment{})
		idle := must(c.tp.Home.Ping(c.ctx, server, 10, 100*time.Millisecond))
		done := make(chan error, 1)
		go func() {
			_, err := netlab.Iperf3(c.ctx, c.tp.Home.NS, c.tp.Server.NS, server, netlab.Iperf3Options{Seconds: 10, Streams: 4})
			done <- err
		}()
		// Let TCP fill the queue during iperf3's warm-up second and the
		// next, then sample for 7 s while the transfer runs.
		select {
		case <-time.After(2500 * time.Millisecond):
		case <-c.ctx.Done():
		}
		loaded := must(c.tp.Home.Ping(c.ctx, server, 35, 200*time.Millisecond))
		if err := <-done; err != nil {
			must(0, err)
		}
		inc := loaded.Median() - idle.Median()
		c.printf("| %v | %s | %s | %s | %s | %.2f |\n", q, ms(idle.Median()), ms(loaded.Median()), ms(netlab.Percentile(loaded.RTTs, 90)), ms(inc), float64(inc)/float64(q))
	}
	c.printf("\nA full tail-drop queue adds its size to every packet behind it; CUBIC keeps it close to full, so the increase approaches the queue set.\n")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }
func mbit(bps float64) string   { return fmt.Sprintf("%.2f Mbit/s", bps/1e6) }
func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}
