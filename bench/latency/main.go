// Command latency is the bench of the latency check: it runs
// `wfh doctor --only latency` in the home namespace of internal/netlab's
// link-truth topology, again and again, with loss set on one link at a
// time, and prints how the check's figures and verdicts compare with the
// truth the stages enforce.
//
// Per setting: the round-trip loss the internet anchors must see,
// 1 − (1 − p)² for a loss p each direction; the check's pooled loss per
// run, and how many runs fall inside the 99 % binomial interval of that
// truth for the probes sent; the segment the check names and in how many
// runs it is the right one; the check's own duration. Then routers that
// limit their ICMP answers to 10 a second (nftables in the router's
// output chain), which must read as limiting, not as loss.
//
// Run it as root on Linux with iproute2 and nftables, on a machine that
// is not busy (the stages run in user space: under load they add delay,
// and with it late answers):
//
//	sudo go run ./bench/latency            # 10 runs per setting, about 8 minutes
//	sudo go run ./bench/latency -runs 3    # a quick look
//
// It builds wfh itself and touches nothing outside the namespaces it
// creates, which it removes when it ends, also on Ctrl-C.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
)

// secondAnchor is a second address of the server, on its loopback, so the
// ladder has two anchors beyond the provider like a real one.
const secondAnchor = "10.200.4.1"

// setting is one row: loss p each direction on one link, and which
// routers limit their answers.
type setting struct {
	link     string // "home", "provider", "beyond" or "" for none
	p        float64
	limitGW  bool
	limitISP bool
}

func (s setting) String() string {
	var parts []string
	if s.link != "" {
		parts = append(parts, fmt.Sprintf("%g %% each way on the %s link", s.p*100, s.link))
	}
	if s.limitGW {
		parts = append(parts, "router answers 10/s")
	}
	if s.limitISP {
		parts = append(parts, "provider's router answers 10/s")
	}
	if len(parts) == 0 {
		return "clean"
	}
	return strings.Join(parts, ", ")
}

// truth is the round-trip loss the anchors see.
func (s setting) truth() float64 { return 1 - (1-s.p)*(1-s.p) }

// want is the verdict the check should give.
func (s setting) want() string {
	switch {
	case s.link == "":
		return "none"
	case s.limitGW && s.link != "beyond":
		// The router's own answers cannot show loss on the home link.
		return "home_or_provider"
	case s.limitISP && s.link != "home":
		// Nor the provider's router's loss on the provider link.
		return "past_router"
	}
	return s.link
}

func main() {
	runs := flag.Int("runs", 10, "runs per setting")
	bin := flag.String("wfh", "", "a wfh binary to use instead of building one")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	tmp, err := os.MkdirTemp("", "wfh-bench-latency-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	if *bin == "" {
		if *bin, err = build(tmp); err != nil {
			fail(err)
		}
	}
	prof := filepath.Join(tmp, "bench.yaml")
	body := "name: latency bench\nlatency:\n  anchors: [\"" + netlab.TopoServerIPv4 + "\", \"" + secondAnchor + "\"]\n"
	if err := os.WriteFile(prof, []byte(body), 0o644); err != nil {
		fail(err)
	}

	var settings []setting
	settings = append(settings, setting{})
	for _, p := range []float64{0.01, 0.03, 0.10} {
		for _, link := range []string{"home", "provider", "beyond"} {
			settings = append(settings, setting{link: link, p: p})
		}
	}
	settings = append(settings,
		setting{limitGW: true},
		setting{limitISP: true},
		setting{link: "provider", p: 0.03, limitGW: true},
		setting{link: "beyond", p: 0.03, limitISP: true})

	owner := &netlab.Standalone{}
	var out strings.Builder
	err = netlab.Try(func() {
		lab := netlab.New(owner)
		tp := lab.Topology()
		tp.Server.Run("ip", "addr", "add", secondAnchor+"/32", "dev", "lo")
		tp.Home.ResolvConf("nameserver " + netlab.TopoISPIPv4 + "\n")
		b := &bench{ctx: ctx, tp: tp, bin: *bin, prof: prof, w: &out, runs: *runs, limited: map[*netlab.NS]bool{}}
		b.run(settings)
	})
	owner.Close()
	fmt.Print(out.String())
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		if errors.Is(err, netlab.ErrSkipped) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// build compiles cmd/wfh from this module.
func build(dir string) (string, error) {
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("go list: %w", err)
	}
	bin := filepath.Join(dir, "wfh")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/wfh")
	cmd.Dir = strings.TrimSpace(string(root))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build wfh: %v: %s", err, out)
	}
	return bin, nil
}

type bench struct {
	ctx  context.Context
	tp   *netlab.Topology
	bin  string
	prof string
	w    *strings.Builder
	runs int
	// limited holds the routers whose answers are limited now.
	limited map[*netlab.NS]bool
}

func (b *bench) printf(format string, args ...any) {
	fmt.Fprintf(b.w, format, args...)
	fmt.Fprintf(os.Stderr, format, args...) // live progress
}

// apply sets one setting on the lab, from clean.
func (b *bench) apply(s setting) {
	for _, lk := range b.tp.Links() {
		lk.SetBoth(netlab.Impairment{})
	}
	for ns := range b.limited {
		ns.Nft("delete table inet wfh_limit\n")
		delete(b.limited, ns)
	}
	switch s.link {
	case "home":
		b.tp.HomeLink.SetBoth(netlab.Impairment{Loss: s.p})
	case "provider":
		b.tp.ProviderLink.SetBoth(netlab.Impairment{Loss: s.p})
	case "beyond":
		b.tp.BeyondLink.SetBoth(netlab.Impairment{Loss: s.p})
	}
	if s.limitGW {
		b.limit(b.tp.HomeRouter.NS)
	}
	if s.limitISP {
		b.limit(b.tp.ISP.NS)
	}
}

// limit makes a router answer pings and send Time Exceeded at most 10
// times a second (burst 5), leaving what it forwards alone.
func (b *bench) limit(ns *netlab.NS) {
	b.limited[ns] = true
	ns.Nft(`table inet wfh_limit {
	chain out {
		type filter hook output priority 0; policy accept;
		icmp type { echo-reply, time-exceeded } limit rate over 10/second drop
		icmpv6 type { echo-reply, time-exceeded } limit rate over 10/second drop
	}
}`)
}

// runResult is what one run of the check said.
type runResult struct {
	where            string
	sent, lost       int // the anchors', pooled
	limiting         []string
	gwLoss, ispLoss  float64
	probes, rate     float64 // per target
	seconds          float64 // the check's own duration
	status, location string
}

type metric struct {
	Name  string   `json:"name"`
	Value *float64 `json:"value"`
}

func (b *bench) once() runResult {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	cmd := b.tp.Home.Command(ctx, b.bin, "doctor", "--only", "latency", "--profile", b.prof, "--format", "json", "--no-redact")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "NO_COLOR=1"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		netlab.Stop(fmt.Errorf("wfh doctor: %v: %s", err, stderr.String()))
	}
	var rep struct {
		Results []struct {
			Status          string            `json:"status"`
			DurationSeconds float64           `json:"duration_seconds"`
			Facts           map[string]string `json:"facts"`
			Items           []struct {
				Label      string            `json:"label"`
				Kind       string            `json:"kind"`
				Summary    string            `json:"summary"`
				Attributes map[string]string `json:"attributes"`
				Metrics    []metric          `json:"metrics"`
			} `json:"items"`
		} `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || len(rep.Results) != 1 {
		netlab.Stop(fmt.Errorf("wfh report: %v: %s", err, stdout.String()))
	}
	res := rep.Results[0]
	r := runResult{where: res.Facts["loss_location"], seconds: res.DurationSeconds, status: res.Status}
	if r.where == "" {
		r.where = "none"
	}
	get := func(ms []metric, name string) float64 {
		for _, m := range ms {
			if m.Name == name && m.Value != nil {
				return *m.Value
			}
		}
		return math.NaN()
	}
	for _, it := range res.Items {
		sent, recv := get(it.Metrics, "sent"), get(it.Metrics, "received")
		switch it.Kind {
		case "anchor":
			r.sent += int(sent)
			r.lost += int(sent - recv)
			r.probes, r.rate = sent, get(it.Metrics, "probe_rate")
		case "gateway":
			r.gwLoss = get(it.Metrics, "loss_percent")
		case "first_hop":
			r.ispLoss = get(it.Metrics, "loss_percent")
		}
		if strings.Contains(it.Summary, "answers only some pings itself") && !slices.Contains(r.limiting, it.Kind) {
			r.limiting = append(r.limiting, it.Kind)
		}
	}
	return r
}

func (b *bench) run(settings []setting) {
	host, _ := os.Hostname()
	load, _ := os.ReadFile("/proc/loadavg")
	b.printf("Latency bench (%s, %d CPUs, %s, %s), load average at the start: %s\n\n",
		runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), host, time.Now().UTC().Format("2006-01-02 15:04"), strings.Join(strings.Fields(string(load))[:3], " "))
	b.printf("`wfh doctor --only latency` in the home namespace, %d runs per setting; anchors %s and %s (the server), router %s, provider's router %s (also the DNS server).\n\n",
		b.runs, netlab.TopoServerIPv4, secondAnchor, netlab.TopoGatewayIPv4, netlab.TopoISPIPv4)
	b.printf("| setting | round-trip truth | measured (mean, range) | runs inside the 99 %% interval | all runs pooled | located | runs right | check took (median, max) |\n")
	b.printf("|---|---|---|---|---|---|---|---|\n")
	var limitRows []string
	var probes, rate float64
	for _, s := range settings {
		b.apply(s)
		var rs []runResult
		for i := range b.runs {
			r := b.once()
			rs = append(rs, r)
			fmt.Fprintf(os.Stderr, "  %s run %d: anchors lost %d of %d, %q, routers %.0f %% / %.0f %%, limiting %v, %.2f s\n",
				s, i+1, r.lost, r.sent, r.where, r.gwLoss, r.ispLoss, r.limiting, r.seconds)
		}
		q := s.truth()
		inside, sent, lost := 0, 0, 0
		var rates, secs []float64
		where := map[string]int{}
		for _, r := range rs {
			lo, hi := interval(r.sent, q, 0.99)
			if r.lost >= lo && r.lost <= hi {
				inside++
			}
			sent += r.sent
			lost += r.lost
			rates = append(rates, 100*float64(r.lost)/float64(r.sent))
			secs = append(secs, r.seconds)
			where[r.where]++
		}
		lo, hi := interval(sent, q, 0.99)
		pooled := "inside"
		if lost < lo || lost > hi {
			pooled = "OUTSIDE"
		}
		sort.Float64s(secs)
		b.printf("| %s | %.2f %% | %.2f %% (%.1f–%.1f) | %d of %d | %.2f %% of %d, 99 %%: %.2f–%.2f %%, %s | %s | %d of %d | %.2f s, %.2f s |\n",
			s, 100*q, mean(rates), slices.Min(rates), slices.Max(rates), inside, len(rs),
			100*float64(lost)/float64(sent), sent, 100*float64(lo)/float64(sent), 100*float64(hi)/float64(sent), pooled,
			verdicts(where), where[s.want()], len(rs), secs[len(secs)/2], secs[len(secs)-1])
		if s.limitGW || s.limitISP {
			named := 0
			for _, r := range rs {
				ok := (!s.limitGW || slices.Contains(r.limiting, "gateway")) && (!s.limitISP || slices.Contains(r.limiting, "first_hop"))
				if ok && r.where == s.want() {
					named++
				}
			}
			var gw, isp []float64
			for _, r := range rs {
				gw, isp = append(gw, r.gwLoss), append(isp, r.ispLoss)
			}
			limitRows = append(limitRows, fmt.Sprintf("| %s | %.0f %% | %.0f %% | %d of %d | %s |", s, mean(gw), mean(isp), named, len(rs), verdicts(where)))
		}
		probes, rate = rs[0].probes, rs[0].rate
	}
	b.printf("\nRouters limiting their own ICMP answers to 10 a second (nftables `limit rate over 10/second drop` on echo-reply and time-exceeded in the router's output chain): the router's unanswered share, and in how many runs the router is named as limiting (\"answers only some pings itself\") with the verdict the loss behind it calls for (none when there is none):\n\n")
	b.printf("| setting | router unanswered (mean) | provider's router unanswered (mean) | limiting, verdict right | verdicts |\n|---|---|---|---|---|\n")
	for _, row := range limitRows {
		b.printf("%s\n", row)
	}
	load, _ = os.ReadFile("/proc/loadavg")
	b.printf("\nLoad average at the end: %s. Each target got %.0f probes at %.0f a second. Truth 1 − (1 − p)²: independent loss p each way. The 99 %% interval is the central 99 %% of Binomial(probes sent to the anchors, truth); a run's loss is the anchors' pooled (the call figure). \"Check took\" is the check's own duration in the report.\n", strings.Join(strings.Fields(string(load))[:3], " "), probes, rate)
}

// interval is the central c interval of Binomial(n, p): the counts lo..hi
// with at most (1 − c)/2 of the probability below lo and above hi.
func interval(n int, p, c float64) (lo, hi int) {
	tail := (1 - c) / 2
	var cum float64
	lo = 0
	for k := 0; k <= n; k++ {
		cum += pmf(n, k, p)
		if cum > tail {
			lo = k
			break
		}
	}
	cum = 0
	hi = n
	for k := n; k >= 0; k-- {
		cum += pmf(n, k, p)
		if cum > tail {
			hi = k
			break
		}
	}
	return lo, hi
}

func pmf(n, k int, p float64) float64 {
	if p <= 0 {
		if k == 0 {
			return 1
		}
		return 0
	}
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return math.Exp(a - b - c + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// verdicts lists the verdicts given, most frequent first.
func verdicts(m map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var l []kv
	for k, v := range m {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v || l[i].v == l[j].v && l[i].k < l[j].k })
	var parts []string
	for _, e := range l {
		parts = append(parts, fmt.Sprintf("%s %d", e.k, e.v))
	}
	return strings.Join(parts, ", ")
}
