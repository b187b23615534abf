//go:build linux

package latency

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// These tests run the check in the test process against the link-truth
// topology (internal/netlab): every socket the check opens is opened
// inside the home namespace, so its probes cross the real stages. They
// measure time, so they never run in parallel (the suite runs with -p 1).

// secondAnchor is a second address of the server, on its loopback, so the
// ladder has two internet anchors beyond the provider like a real one.
const secondAnchor = "10.200.4.1"

// lab is the topology with the check wired to its home namespace.
type lab struct {
	tp  *netlab.Topology
	c   *check
	env *checks.Env
}

// routeTable is /proc/net/route of the home namespace: default via the
// home router (10.200.1.1, little-endian hex 0101C80A).
const routeTable = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
	"eth0\t00000000\t0101C80A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"

func newLab(t *testing.T) *lab {
	t.Helper()
	l := netlab.New(t)
	tp := l.Topology()
	tp.Server.Run("ip", "addr", "add", secondAnchor+"/32", "dev", "lo")
	p := profile.Default()
	p.Latency.Anchors = []string{netlab.TopoServerIPv4, secondAnchor}
	env := &checks.Env{
		Now: time.Now,
		FS: fstest.MapFS{
			"proc/net/route":  {Data: []byte(routeTable)},
			"etc/resolv.conf": {Data: []byte("nameserver 127.0.0.53\nnameserver " + netlab.TopoISPIPv4 + "\n")},
		},
		Dialer:  &netlab.Dialer{NS: tp.Home.NS},
		Profile: p,
		OS:      "linux",
		Logf:    t.Logf,
	}
	c := New().(*check)
	c.net = systemNet{within: tp.Home.NS.Do}
	return &lab{tp: tp, c: c, env: env}
}

// run runs the check under its budget, as the runner would, and checks
// that the result fits the schema.
func (l *lab) run(t *testing.T) (report.Result, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), l.c.Budget())
	defer cancel()
	start := time.Now()
	res := l.c.Run(ctx, l.env)
	took := time.Since(start)
	if took > l.c.Budget() {
		t.Errorf("the check took %v, over its budget of %v", took, l.c.Budget())
	}
	reportschema.CheckResults(t, l.c.ID(), l.c.Title(), []report.Result{res})
	return res, took
}

func metric(t *testing.T, items []report.Metric, name string) float64 {
	t.Helper()
	for _, m := range items {
		if m.Name == name {
			if m.Value == nil {
				t.Fatalf("%s not measured: %s", name, m.Note)
			}
			return *m.Value
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func item(t *testing.T, res report.Result, role role) report.Item {
	t.Helper()
	for _, it := range res.Items {
		if it.Kind == string(role) {
			return it
		}
	}
	t.Fatalf("no %s item in %+v", role, res.Items)
	return report.Item{}
}

func within(got, want, tol float64) bool { return got >= want-tol && got <= want+tol }

// timed runs a timing measurement up to twice. CI runs the suite alone
// (-p 1), but on a shared development machine another process can take
// the CPU for a few milliseconds, which reads as delay and jitter. Both
// attempts are logged; only a second miss fails the test.
func timed(t *testing.T, measure func() (problems []string)) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		problems := measure()
		if len(problems) == 0 {
			return
		}
		if attempt == 2 {
			for _, p := range problems {
				t.Error(p)
			}
			return
		}
		t.Logf("attempt %d missed (%s); once more, in case the machine was busy", attempt, strings.Join(problems, "; "))
	}
}

// TestLabJitter: 20 ms ± 2 ms uniform per direction on the home link (the
// Wi-Fi), no loss. Every target's round trip is 40 ms; with independent
// uniform draws per direction the mean |ΔRTT| is E|U1+U2-U3-U4| = 14/15·J
// (≈ 0.93·J). Reorder lets each packet keep its own draw: otherwise the
// stage's FIFO rule would couple the probes of different targets.
func TestLabJitter(t *testing.T) {
	l := newLab(t)
	const J = 2 * time.Millisecond
	l.tp.HomeLink.SetBoth(netlab.Impairment{Delay: 20 * time.Millisecond, Jitter: J, Reorder: true})
	timed(t, func() (problems []string) {
		res, took := l.run(t)
		if res.Status != report.Pass {
			problems = append(problems, fmt.Sprintf("status %s: %s %+v", res.Status, res.Summary, res.Findings))
		}
		const wantRTT = 40.0
		tol := max(2, wantRTT*0.05)
		for _, it := range res.Items {
			if it.Status == report.Skipped {
				continue
			}
			if got := metric(t, it.Metrics, "rtt_avg_ms"); !within(got, wantRTT, tol) {
				problems = append(problems, fmt.Sprintf("%s: RTT %.2f ms, want %.0f ± %.0f", it.Label, got, wantRTT, tol))
			}
			if got := metric(t, it.Metrics, "loss_percent"); got != 0 {
				t.Errorf("%s: loss %.1f %% on a link without loss", it.Label, got)
			}
		}
		wantJitter := 14.0 / 15 * msOf(J)
		gotJitter := metric(t, res.Metrics, "jitter_ms")
		if !within(gotJitter, wantJitter, wantJitter/4) {
			problems = append(problems, fmt.Sprintf("jitter %.3f ms, want %.3f ± 25 %%", gotJitter, wantJitter))
		}
		if res.Facts["method"] != string(methodICMPRaw) {
			t.Errorf("method %q as root without ping_group_range, want icmp_raw", res.Facts["method"])
		}
		// The ladder: router, provider hop (found by TTL), DNS server (the
		// same address as the provider hop), two anchors.
		if hop := item(t, res, roleFirstHop); hop.Attributes["address"] != netlab.TopoISPIPv4 {
			t.Errorf("first hop %+v", hop)
		}
		if dns := item(t, res, roleResolver); dns.Attributes["address"] != netlab.TopoISPIPv4 {
			t.Errorf("resolver %+v", dns)
		}
		// One series per address: the DNS server shares the provider hop's.
		if len(res.Series) != 4 || len(res.Series[0].Samples) != echoCount {
			t.Errorf("%d series, first with %d samples", len(res.Series), len(res.Series[0].Samples))
		}
		if m := metric(t, res.Metrics, "path_mtu_bytes"); m != 1500 {
			t.Errorf("path MTU %v on a 1500-byte path", m)
		}
		t.Logf("set 20 ms ±2 ms each way on the home link: RTT %.2f ms (want 40), jitter %.3f ms (want %.3f), loss %.1f %%, calls %s; check took %v",
			metric(t, res.Metrics, "rtt_ms"), gotJitter, wantJitter, metric(t, res.Metrics, "loss_percent"), res.Facts["call_quality"], took)
		return problems
	})
}

// TestLabLossLocated puts 10 % loss (each direction) on one link at a
// time and expects the segment named: with the default 100 echoes per
// target, 19 % of round trips lost against none is unambiguous.
func TestLabLossLocated(t *testing.T) {
	for _, tc := range []struct {
		link  func(*netlab.Topology) *netlab.Link
		where string
		text  string
	}{
		{func(tp *netlab.Topology) *netlab.Link { return tp.HomeLink }, locHome, "Loss starts at your router"},
		{func(tp *netlab.Topology) *netlab.Link { return tp.ProviderLink }, locProvider, "loss starts in your provider's network"},
		{func(tp *netlab.Topology) *netlab.Link { return tp.BeyondLink }, locBeyond, "The problem is beyond your provider"},
	} {
		t.Run(tc.where, func(t *testing.T) {
			l := newLab(t)
			tc.link(l.tp).SetBoth(netlab.Impairment{Loss: 0.10})
			res, took := l.run(t)
			if got := res.Facts["loss_location"]; got != tc.where {
				t.Errorf("loss location %q, want %q; findings %+v", got, tc.where, res.Findings)
			}
			found := false
			for _, f := range res.Findings {
				found = found || strings.Contains(f.Message, tc.text)
			}
			if !found {
				t.Errorf("no finding says %q: %+v", tc.text, res.Findings)
			}
			// Both directions lose 10 %: 19 % of round trips.
			loss := metric(t, res.Metrics, "loss_percent")
			if loss < 12 || loss > 27 || res.Status != report.Fail {
				t.Errorf("loss %.1f %%, status %s", loss, res.Status)
			}
			var row []string
			for _, it := range res.Items {
				if it.Status != report.Skipped {
					row = append(row, fmt.Sprintf("%s %.1f %%", it.Label, metric(t, it.Metrics, "loss_percent")))
				}
			}
			t.Logf("10 %% each way on the %s link: %s; verdict %q; took %v", tc.link(l.tp).Name, strings.Join(row, ", "), res.Facts["loss_location"], took)
		})
	}
}

// TestLabSetVersusMeasured compares the check's figures with the link's
// settings for several links, as a table for docs/testing.md.
func TestLabSetVersusMeasured(t *testing.T) {
	type row struct {
		name      string
		set       func(*netlab.Topology)
		rtt, jit  float64 // expected at the anchors, ms
		loss      float64 // expected at the anchors, percent
		rttTol    float64
		lossLimit float64 // tolerated absolute error, percent
	}
	rows := []row{
		{"clean", func(*netlab.Topology) {}, 0, 0, 0, 2, 0},
		{"provider 50 ms each way", func(tp *netlab.Topology) {
			tp.ProviderLink.SetBoth(netlab.Impairment{Delay: 50 * time.Millisecond})
		}, 100, 0, 0, 5, 0},
		{"home 10 ms ±5 ms each way", func(tp *netlab.Topology) {
			tp.HomeLink.SetBoth(netlab.Impairment{Delay: 10 * time.Millisecond, Jitter: 5 * time.Millisecond, Reorder: true})
		}, 20, 14.0 / 15 * 5, 0, 2, 0},
		{"beyond 150 ms each way, 2 % loss each way", func(tp *netlab.Topology) {
			tp.BeyondLink.SetBoth(netlab.Impairment{Delay: 150 * time.Millisecond, Loss: 0.02})
		}, 300, 0, 100 * (1 - 0.98*0.98), 15, 4},
	}
	var table []string
	for _, r := range rows {
		t.Run(strings.ReplaceAll(r.name, " ", "_"), func(t *testing.T) {
			l := newLab(t)
			r.set(l.tp)
			timed(t, func() (problems []string) {
				res, took := l.run(t)
				rtt := metric(t, res.Metrics, "rtt_ms")
				jit := metric(t, res.Metrics, "jitter_ms")
				loss := metric(t, res.Metrics, "loss_percent")
				if !within(rtt, r.rtt, r.rttTol) {
					problems = append(problems, fmt.Sprintf("RTT %.2f ms, want %.0f ± %.0f", rtt, r.rtt, r.rttTol))
				}
				if r.jit > 0 && !within(jit, r.jit, r.jit/4) {
					problems = append(problems, fmt.Sprintf("jitter %.3f ms, want %.3f ± 25 %%", jit, r.jit))
				}
				// The stages add a few tenths of a millisecond of their own.
				if r.jit == 0 && jit > 1 {
					problems = append(problems, fmt.Sprintf("jitter %.3f ms on a link without jitter", jit))
				}
				if !within(loss, r.loss, r.lossLimit) {
					t.Errorf("loss %.2f %%, want %.2f ± %.0f", loss, r.loss, r.lossLimit)
				}
				if len(problems) == 0 {
					table = append(table, fmt.Sprintf("| %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.1f | %s | %.1f s |",
						r.name, r.rtt, rtt, r.jit, jit, r.loss, loss, res.Facts["call_quality"], took.Seconds()))
				}
				return problems
			})
		})
	}
	t.Logf("\n| link setting | RTT set (ms) | RTT measured | jitter expected (ms) | jitter measured | loss expected (%%) | loss measured | calls | check took |\n|---|---|---|---|---|---|---|---|---|\n%s", strings.Join(table, "\n"))
}

// TestLabPathMTU: the provider link's MTU at 1380 (both ends) is what the
// check reports.
func TestLabPathMTU(t *testing.T) {
	l := newLab(t)
	l.tp.HomeRouter.Run("ip", "link", "set", "dev", l.tp.HomeRouter.Next.Iface, "mtu", "1380")
	l.tp.ISP.Run("ip", "link", "set", "dev", l.tp.ISP.Prev.Iface, "mtu", "1380")
	res, _ := l.run(t)
	if m := metric(t, res.Metrics, "path_mtu_bytes"); m != 1380 {
		t.Errorf("path MTU %v, want 1380", m)
	}
	if res.Status != report.Warn {
		t.Errorf("status %s with a 1380-byte path: %+v", res.Status, res.Findings)
	}
}

// TestLabBadTargets: a target that never answers, a malformed host, a name
// that does not resolve and one whose lookup hangs each get a clear line,
// and the check stays inside its budget.
func TestLabBadTargets(t *testing.T) {
	l := newLab(t)
	l.env.Resolver = &checkstest.Resolver{Hang: map[string]bool{"slow.wfh.test": true}}
	// Nothing answers on 10.200.3.99: the server's link has no such host.
	l.env.Profile.Latency.Anchors = []string{netlab.TopoServerIPv4, "10.200.3.99", "bad host!", "nowhere.wfh.test", "slow.wfh.test"}
	res, took := l.run(t)
	want := map[string]string{
		"internet 10.200.3.99":      "did not answer any of 100 probes",
		"internet bad host!":        `not a host name or IP address`,
		"internet nowhere.wfh.test": "the name did not resolve",
		"internet slow.wfh.test":    "did not answer within 2s",
	}
	for _, it := range res.Items {
		if w, ok := want[it.Label]; ok {
			if !strings.Contains(it.Summary, w) {
				t.Errorf("%s: %q, want %q", it.Label, it.Summary, w)
			}
			delete(want, it.Label)
		}
	}
	if len(want) > 0 {
		t.Errorf("no item for %v in %+v", want, res.Items)
	}
	if res.Status != report.Warn {
		t.Errorf("status %s: a profile mistake warns; %+v", res.Status, res.Findings)
	}
	if took > 8*time.Second {
		t.Errorf("took %v", took)
	}
	t.Logf("took %v; summary %q", took, res.Summary)
}

// limitICMP makes a router answer pings and send Time Exceeded at most
// 10 times a second (burst 5), as many routers limit what their own CPU
// sends: nftables in the router's output chain, so the packets it
// forwards are untouched.
func limitICMP(ns *netlab.NS) {
	ns.Nft(`table inet wfh_limit {
	chain out {
		type filter hook output priority 0; policy accept;
		icmp type { echo-reply, time-exceeded } limit rate over 10/second drop
		icmpv6 type { echo-reply, time-exceeded } limit rate over 10/second drop
	}
}`)
}

// TestLabLimitingRouter: a router limiting its answers to 10 a second
// answers about a quarter of 50 pings a second. That reads as limiting,
// not as loss; with real loss behind it, as loss at home or at the
// provider, which the limiting router cannot tell apart. Verdicts, not
// figures: the counts that decide them are far from the thresholds.
func TestLabLimitingRouter(t *testing.T) {
	for _, tc := range []struct {
		name     string
		limit    func(*netlab.Topology) *netlab.NS
		lossy    func(*netlab.Topology) *netlab.Link
		role     role
		where    string
		status   report.Status
		noteText string
	}{
		{"router", func(tp *netlab.Topology) *netlab.NS { return tp.HomeRouter.NS }, nil, roleGateway, locNone, report.Pass, "Your router answers only some pings"},
		{"provider's router", func(tp *netlab.Topology) *netlab.NS { return tp.ISP.NS }, nil, roleFirstHop, locNone, report.Pass, "Your provider's first router answers only some pings"},
		{"router, loss on the provider link", func(tp *netlab.Topology) *netlab.NS { return tp.HomeRouter.NS },
			func(tp *netlab.Topology) *netlab.Link { return tp.ProviderLink }, roleGateway, locHomeOrProvider, report.Fail, "Your router answers only some pings"},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			l := newLab(t)
			limitICMP(tc.limit(l.tp))
			if tc.lossy != nil {
				tc.lossy(l.tp).SetBoth(netlab.Impairment{Loss: 0.10})
			}
			res, took := l.run(t)
			if got := res.Facts["loss_location"]; got != tc.where && !(tc.where == locNone && got == "") {
				t.Errorf("loss location %q, want %q; findings %+v", got, tc.where, res.Findings)
			}
			if res.Status != tc.status {
				t.Errorf("status %s, want %s: %s %+v", res.Status, tc.status, res.Summary, res.Findings)
			}
			it := item(t, res, tc.role)
			if it.Status != report.Pass || !strings.Contains(it.Summary, "answers only some pings itself") {
				t.Errorf("%s: %s %q", it.Label, it.Status, it.Summary)
			}
			// Its figures come from the answers it sent.
			if metric(t, it.Metrics, "received") == 0 || metric(t, it.Metrics, "rtt_avg_ms") <= 0 {
				t.Errorf("%s: no round trip from the answers it sent: %+v", it.Label, it.Metrics)
			}
			found := false
			for _, f := range res.Findings {
				found = found || strings.Contains(f.Message, tc.noteText)
			}
			if !found {
				t.Errorf("no finding says %q: %+v", tc.noteText, res.Findings)
			}
			t.Logf("%s limits to 10/s: %s %.0f %% unanswered; verdict %q, %s; took %v", tc.name, it.Label,
				metric(t, it.Metrics, "loss_percent"), res.Facts["loss_location"], res.Status, took)
		})
	}
}
