package bandwidth

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/speedserver"
	"github.com/wfh-cli/wfh/report"
)

// These tests run the check in-process from the home namespace of the
// link-truth topology (internal/netlab) against wfh serve's server in the
// server namespace, through the impairment stage. They prove behaviour on a
// real kernel and real TCP; accuracy against iperf3 is the bench's job
// (bench/bandwidth), so the margins here are wide. They need root.

// labServer serves wfh serve in the server namespace and returns its base URL.
func labServer(t *testing.T, tp *netlab.Topology, cfg speedserver.Config) string {
	t.Helper()
	cfg.Logf = t.Logf
	s, err := speedserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tp.Server.Listen("tcp", netlab.TopoServerIPv4+":8080")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + netlab.TopoServerIPv4 + ":8080/"
}

func labEnv(t *testing.T, tp *netlab.Topology, base string) *checks.Env {
	env, _ := testEnv(t, serverProfile(base))
	env.Dialer = &netlab.Dialer{NS: tp.Home.NS}
	return env
}

// A 20 Mbit/s link with 40 ms RTT: both figures measured, never above
// the link's goodput (20 × 1448/1500 Mbit/s; more would be a counting
// bug), the idle latency never below the 40 ms set, and the check within
// its time. How close the figures come to iperf3's is the bench's job
// (go run ./bench/bandwidth): a busy machine slows the stages and the
// transfer, so a lower bound here would measure the machine.
func TestLabShapedLink(t *testing.T) {
	lab := netlab.New(t)
	tp := lab.Topology()
	base := labServer(t, tp, speedserver.Config{})
	tp.ProviderLink.SetBoth(netlab.Impairment{Rate: 20e6, Delay: 20 * time.Millisecond})
	r, took := runCheck(t, defaultConfig(), labEnv(t, tp, base))
	t.Logf("%s (%v): %s", r.Status, took, r.Summary)
	for _, f := range r.Findings {
		t.Logf("  %s: %s", f.Severity, f.Message)
	}
	goodput := 20.0 * 1448 / 1500
	for _, m := range []string{"download_mbps", "upload_mbps"} {
		// 5 %: the rate is averaged over samples 100 ms apart.
		if v := metric(t, r, m); v == nil || *v <= 0 || *v > goodput*1.05 {
			t.Errorf("%s = %v on a link with %.1f Mbit/s of goodput", m, v, goodput)
		}
	}
	if v := metric(t, r, "idle_latency_ms"); v == nil || *v < 39 {
		t.Errorf("idle latency %v, below the 40 ms set", v)
	}
	if r.Status == report.Error {
		t.Errorf("status %s: %s", r.Status, r.Summary)
	}
	if took > total+busySlack {
		t.Errorf("took %v", took)
	}
}

// Without kernel byte counters (Wine, older Windows) on a slow uplink:
// the fallback's first bodies are small, so the upload is measured, not
// "stalled", and never above the link.
func TestLabSlowUplinkWithoutKernelCounters(t *testing.T) {
	lab := netlab.New(t)
	tp := lab.Topology()
	base := labServer(t, tp, speedserver.Config{})
	tp.ProviderLink.Set(netlab.Impairment{Rate: 5e6, Delay: 10 * time.Millisecond}, netlab.Impairment{Rate: 10e6, Delay: 10 * time.Millisecond})
	cfg := defaultConfig()
	cfg.noKernelCounters = true
	r, took := runCheck(t, cfg, labEnv(t, tp, base))
	t.Logf("%s (%v): %s", r.Status, took, r.Summary)
	if e := r.Facts["upload_end"]; e == string(endStalled) || e == string(endFailed) {
		t.Fatalf("upload ended %s", e)
	}
	want := 5.0 * 1448 / 1500
	if v := metric(t, r, "upload_mbps"); v == nil || *v < want*0.8 || *v > want*1.05 {
		t.Errorf("upload_mbps = %v, want %.2f within -20/+5 %%", v, want)
	}
}

// With the server unreachable (every packet toward it dropped), the check
// says so within seconds.
func TestLabServerUnreachable(t *testing.T) {
	lab := netlab.New(t)
	tp := lab.Topology()
	base := labServer(t, tp, speedserver.Config{})
	tp.BeyondLink.SetBoth(netlab.Impairment{Loss: 1})
	r, took := runCheck(t, defaultConfig(), labEnv(t, tp, base))
	t.Logf("%s (%v): %s", r.Status, took, r.Summary)
	if r.Status != report.Error || !strings.Contains(r.Summary, "did not answer in time") || took > probeTimeout+busySlack {
		t.Errorf("%v %+v", took, r)
	}
}

// A slow link that the data budget cuts short, and a token-protected
// server: the token in the address reaches every request.
func TestLabTokenAndBudget(t *testing.T) {
	lab := netlab.New(t)
	tp := lab.Topology()
	base := labServer(t, tp, speedserver.Config{Token: "s3cret"})
	tp.ProviderLink.SetBoth(netlab.Impairment{Rate: 100e6, Delay: 5 * time.Millisecond})
	env := labEnv(t, tp, base+"?token=s3cret")
	env.Profile.Bandwidth.MaxData = 10_000_000
	r, _ := runCheck(t, defaultConfig(), env)
	t.Logf("%s: %s", r.Status, r.Summary)
	if r.Facts["download_end"] != string(endBudget) || metric(t, r, "download_mbps") == nil {
		t.Errorf("facts %v, metrics %+v", r.Facts, r.Metrics)
	}
	if strings.Contains(r.Summary+r.Facts["server"], "s3cret") {
		t.Errorf("the token leaked into the report: %s %v", r.Summary, r.Facts)
	}
	// Without the token: refused, with the fix.
	r, _ = runCheck(t, defaultConfig(), labEnv(t, tp, base))
	if r.Status != report.Error || !strings.Contains(r.Summary, "token") {
		t.Errorf("without the token: %s %s", r.Status, r.Summary)
	}
	_ = http.StatusOK
}
