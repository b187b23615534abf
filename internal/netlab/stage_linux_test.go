package netlab

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests here send traffic through the stage and check what it does:
// it delays, drops, shapes. A busy machine (two CPU hogs, the race
// detector) holds the stage's goroutines back, which only ever adds delay
// and takes rate away, so the tests check delay from below and rate from
// above; how close the stage comes to its settings is the calibration's
// job (go run ./internal/netlab/cmd/calibrate), on a quiet machine.

// needTool skips the test when a Debian package's program is missing.
func needTool(t *testing.T, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not found: install the Debian package %s", name, pkg)
	}
}

// pingRTTs pings addr from ns count times at interval.
func pingRTTs(t *testing.T, ns *NS, addr string, count int, interval time.Duration) (rtts []time.Duration, sent int) {
	t.Helper()
	r, err := ns.Ping(context.Background(), addr, count, interval)
	if err != nil {
		t.Fatal(err)
	}
	return r.RTTs, r.Sent
}

func median(ds []time.Duration) time.Duration { return Percentile(ds, 50) }

func TestTopologyHopsCostOneTTLEach(t *testing.T) {
	lab := New(t)
	needTool(t, "ping", "iputils-ping")
	tp := lab.Topology()
	// Impair every link so every probe really crosses every stage.
	for _, lk := range tp.Links() {
		lk.SetBoth(Impairment{Delay: time.Millisecond})
	}
	for _, tc := range []struct {
		ttl  int
		want string
	}{
		{1, "From " + TopoGatewayIPv4 + " "},
		{2, "From " + TopoISPIPv4 + " "},
		{3, "from " + TopoServerIPv4 + ":"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, _ := tp.Home.Command(ctx, "ping", "-n", "-c", "1", "-W", "2", "-t", strconv.Itoa(tc.ttl), TopoServerIPv4).CombinedOutput()
		cancel()
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("TTL %d: want a reply %q, ping said:\n%s", tc.ttl, tc.want, out)
		}
	}
	// IPv6: the hop limit and neighbour discovery work through the stages.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, _ := tp.Home.Command(ctx, "ping", "-6", "-n", "-c", "1", "-W", "2", "-t", "3", TopoServerIPv6).CombinedOutput()
	if !strings.Contains(string(out), "from "+TopoServerIPv6) {
		t.Errorf("IPv6 with hop limit 3 did not reach the server:\n%s", out)
	}
	for _, lk := range tp.Links() {
		if lk.Up.Stats().Sent == 0 || lk.Down.Stats().Sent == 0 {
			t.Errorf("%s link: a stage forwarded nothing (up %+v, down %+v)", lk.Name, lk.Up.Stats(), lk.Down.Stats())
		}
	}
}

func TestStageDelay(t *testing.T) {
	lab := New(t)
	needTool(t, "ping", "iputils-ping")
	tp := lab.Topology()
	tp.ProviderLink.SetBoth(Impairment{Delay: 20 * time.Millisecond})
	rtts, sent := pingRTTs(t, tp.Home.NS, TopoServerIPv4, 50, 20*time.Millisecond)
	if len(rtts) != sent {
		t.Fatalf("%d of %d replies on a link without loss", len(rtts), sent)
	}
	// Every reply waits the 40 ms set: none comes back sooner than that,
	// less the 40 µs (earlyBy) each of the six stages may release early.
	const want = 40 * time.Millisecond
	if fastest := Percentile(rtts, 0); fastest < want-6*earlyBy {
		t.Errorf("fastest RTT %v with 20 ms each way, want at least %v", fastest, want)
	}
	t.Logf("median RTT %v (set %v, error %v)", median(rtts), want, median(rtts)-want)
}

func TestStageLoss(t *testing.T) {
	lab := New(t)
	needTool(t, "ping", "iputils-ping")
	tp := lab.Topology()
	const p = 0.10
	tp.BeyondLink.Set(Impairment{Loss: p}, Impairment{})
	rtts, sent := pingRTTs(t, tp.Home.NS, TopoServerIPv4, 1500, 2*time.Millisecond)
	lost := sent - len(rtts)
	// 4.5 standard deviations: a false failure once in ~150,000 runs.
	if sent < 1000 || !binomialOK(lost, sent, p, 4.5) {
		t.Errorf("lost %d of %d with %.0f%% loss set: %.2f%%", lost, sent, p*100, 100*float64(lost)/float64(sent))
	} else {
		t.Logf("lost %d of %d (%.2f%%)", lost, sent, 100*float64(lost)/float64(sent))
	}
	if st := tp.BeyondLink.Up.Stats(); st.Lost == 0 {
		t.Errorf("stage counted no loss: %+v", st)
	}
}

// runIperf3 measures TCP goodput from client to an iperf3 server on addr.
func runIperf3(t *testing.T, client, server *NS, addr string, secs int) float64 {
	t.Helper()
	r, err := Iperf3(context.Background(), client, server, addr, Iperf3Options{Seconds: secs})
	if err != nil {
		t.Fatal(err)
	}
	return r.BitsPerSecond
}

func TestStageRate(t *testing.T) {
	lab := New(t)
	needTool(t, "iperf3", "iperf3")
	tp := lab.Topology()
	const rate = 20e6
	tp.HomeLink.Set(Impairment{Rate: rate}, Impairment{})
	got := runIperf3(t, tp.Home.NS, tp.Server.NS, TopoServerIPv4, 4)
	// The rate counts IP bytes; TCP with timestamps carries 1448 bytes of
	// payload in a 1500-byte packet.
	// The shaper never lets more through than the rate (3 %: iperf3's
	// own accounting over 4 s); a busy machine can only take rate away,
	// and a quarter of it still shows the link carries traffic.
	want := rate * 1448 / 1500
	if got > want*1.03 || got < want/4 {
		t.Errorf("iperf3 goodput %.2f Mbit/s with 20 Mbit/s set (%.2f of goodput)", got/1e6, want/1e6)
	}
	t.Logf("goodput %.2f Mbit/s, want %.2f (error %.2f%%)", got/1e6, want/1e6, 100*(got-want)/want)
}

func TestStageCleanup(t *testing.T) {
	var names []string
	var stages []*Stage
	t.Run("lab", func(t *testing.T) {
		lab := New(t)
		needTool(t, "ping", "iputils-ping")
		tp := lab.Topology()
		for _, h := range []Hop{tp.Home, tp.HomeRouter, tp.ISP, tp.Server} {
			names = append(names, h.Name())
		}
		for _, lk := range tp.Links() {
			lk.SetBoth(Impairment{Delay: 50 * time.Millisecond})
			stages = append(stages, lk.Up, lk.Down)
		}
		// A process in the lab and packets still held by the stages when
		// it ends.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p := tp.Home.Command(context.Background(), "ping", "-n", "-i", "0.01", TopoServerIPv4)
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		_ = ctx
		time.Sleep(200 * time.Millisecond)
	})
	if len(names) == 0 {
		return // skipped
	}
	list := netnsList(t)
	for _, n := range names {
		if strings.Contains(list, n) {
			t.Errorf("namespace %s remains after the test", n)
		}
	}
	for _, st := range stages {
		st.mu.Lock()
		closed := st.closed
		st.mu.Unlock()
		if !closed {
			t.Errorf("stage on %s still open", st.iface)
		}
	}
	// Stage devices live only in the lab's namespaces; none is on the host.
	if out, _ := exec.Command("ip", "-o", "link", "show").Output(); strings.Contains(string(out), "stage") {
		t.Errorf("a stage device is on the host:\n%s", out)
	}
	if out, _ := exec.Command("pgrep", "-af", "ping -n -i 0.01 "+TopoServerIPv4).Output(); len(out) > 0 {
		t.Errorf("ping still runs after the test:\n%s", out)
	}
}
