package bandwidth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/rttstats"
	"github.com/wfh-cli/wfh/report"
)

// Loaded latency: the round trip while the line is full, sampled during
// each direction's transfer (a LoadProbe), graded on DSLReports' scale
// (grade.go) and explained with its fix.
//
// A sample is the time a TCP connect takes: the SYN and the SYN-ACK cross
// both directions' queues exactly once, and no request waits behind the
// bulk transfer on a shared connection (an HTTP request on one of the
// transfer's own connections would measure that connection's send buffer,
// not the line). The kernel answers a SYN before the server program sees
// the connection, so a busy server adds nothing; a refused connect (RST)
// is also one round trip, which lets a router that listens on no port be
// measured too.
const (
	// loadedInterval spaces the samples: ten a second give 20 to 50
	// samples after the ramp in a 3–6 s direction, for a few hundred
	// bytes a second, nothing next to the transfer.
	loadedInterval = 100 * time.Millisecond
	// loadedTimeout makes a sample lost: a round trip of 2 s is F on any
	// scale, and the kernel's SYN retries (1 s, then 3 s; RFC 6298 §5.7)
	// would otherwise stretch one sample over the whole direction.
	loadedTimeout = 2 * time.Second
	// loadedSkip leaves the transfer's start out of the figures, as the
	// rate leaves out the ramp: TCP needs a few round trips to fill the
	// queue (at least 1 s, 4 idle round trips on a long path, as warmMin).
	loadedSkip = time.Second
	// loadedWindow is the stretch of the transfer the loaded figures come
	// from: its last two seconds, once the queue reached its steady state.
	// A deep queue fills for seconds (CUBIC regains its window in about
	// 4 s after a loss at 20 Mbit/s and 200 ms of queue), so figures from
	// the whole transfer would mix the filling with the full queue.
	loadedWindow = 2 * time.Second
	// steadyTolerance: the loaded round trip is steady when the medians of
	// the last two seconds, taken one second each, differ by at most this
	// share (or steadyFloor), the same idea as the rate's settling.
	steadyTolerance = 0.10
	steadyFloor     = 5 * time.Millisecond
	// minLoadedSamples is the fewest answered samples after the ramp that
	// make a figure; a direction the budget cut short uses all of them.
	minLoadedSamples = 5
	// gatewayPort is where the router is knocked: a router's web page
	// answers, a router without one refuses at once; either is one round
	// trip (the latency check's TCP mode uses the same port).
	gatewayPort = "443"
	// gatewayQueued: a router on the LAN answers in a few ms; a loaded
	// median of 30 ms (the end of DSLReports' A) means the queue is on
	// the way to the router.
	gatewayQueued = 30 * time.Millisecond
	// idleFine is the idle round trip below which calls are fine at rest:
	// Microsoft Teams' 100 ms, the latency check's warn level.
	idleFine = 100 * time.Millisecond
)

const (
	loadedMethod    = "tcp_connect"
	roleServer      = "server"
	roleGateway     = "gateway"
	summaryMarker   = "; under load: "
	itemKindLoaded  = "loaded_latency"
	seriesLoadedRTT = "loaded_rtt"
)

// loadedLatency is the LoadProbe. It holds settings only: every run's
// figures live in the closures During returns.
type loadedLatency struct {
	interval, timeout, skip time.Duration
	// gateway finds the independent target, the default gateway; an
	// invalid address means there is none (the error says why, when known).
	gateway func(ctx context.Context, env *checks.Env) (netip.Addr, error)
}

func newLoadedLatency() loadedLatency {
	return loadedLatency{interval: loadedInterval, timeout: loadedTimeout, skip: loadedSkip, gateway: defaultGateway}
}

// defaultGateway is the home router of the run's default path, the one
// every section of the report names.
func defaultGateway(ctx context.Context, env *checks.Env) (netip.Addr, error) {
	path, err := env.Net.Path(ctx)
	return path.Router, err
}

var _ LoadProbe = loadedLatency{}

// sampleState is what became of one sample.
type sampleState int

const (
	sampleAnswered  sampleState = iota
	sampleLost                  // no answer within the timeout
	sampleFailed                // an error other than silence (no route, refused by policy)
	sampleCancelled             // the transfer ended first: neither answered nor lost
)

type loadedSample struct {
	at    time.Duration // when it was sent, from the transfer's start
	rtt   time.Duration
	state sampleState
}

// loadedTarget is one target's samples during one direction.
type loadedTarget struct {
	role, addr string
	samples    []loadedSample // in the order sent, cancelled ones left out
	why        string         // why nothing was sampled
	failure    string         // the last failure, when samples failed
}

// During samples the server and the gateway until ctx ends.
func (p loadedLatency) During(ctx context.Context, env *checks.Env, load Load) func(*report.Result) {
	targets := []*loadedTarget{{role: roleServer}}
	if a, err := serverAddr(load.Server); err != nil {
		targets[0].why = err.Error()
	} else {
		targets[0].addr = a
	}
	gw := &loadedTarget{role: roleGateway}
	if p.gateway != nil {
		a, err := p.gateway(ctx, env)
		switch {
		case a.IsValid():
			gw.addr = net.JoinHostPort(a.String(), gatewayPort)
		case err != nil:
			gw.why = "the default gateway could not be found (" + probeutil.ShortErr(err) + ")"
		default:
			gw.why = "there is no default gateway"
		}
		targets = append(targets, gw)
	}
	// The transfer goes on until the round trip to the server is steady
	// (or the direction's time limit): a deep queue takes seconds to fill.
	release := func() {}
	if load.Hold != nil && load.Release != nil && targets[0].addr != "" {
		load.Hold()
		release = load.Release
	}
	defer release()
	var wg sync.WaitGroup
	for _, t := range targets {
		if t.addr != "" {
			onSteady := func() {}
			if t.role == roleServer {
				onSteady = release
			}
			wg.Go(func() { p.sample(ctx, env, t, onSteady) })
		}
	}
	wg.Wait()
	path, _ := env.Net.Path(ctx)
	return func(r *report.Result) { p.annotate(r, load, targets, path) }
}

// serverAddr is the host:port of the speed-test server's URL.
func serverAddr(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", errors.New("the server's address could not be read")
	}
	if u.Port() != "" {
		return u.Host, nil
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}

// sample connects to t.addr every interval until ctx ends. Each connect
// runs on its own, as ping sends on schedule, so a slow answer does not
// delay the next sample.
//
// onSteady is called once the samples say the queue reached its steady
// state (see steady).
func (p loadedLatency) sample(ctx context.Context, env *checks.Env, t *loadedTarget, onSteady func()) {
	d := env.Dialer
	if d == nil {
		d = &net.Dialer{}
	}
	now := env.Clock()
	start := now()
	var mu sync.Mutex
	var all []loadedSample
	var wg sync.WaitGroup
	tick := time.NewTicker(p.interval)
	defer tick.Stop()
	once := func() {
		sent := now()
		mu.Lock()
		i := len(all)
		all = append(all, loadedSample{at: sent.Sub(start), state: sampleCancelled})
		mu.Unlock()
		wg.Go(func() {
			sctx, cancel := context.WithTimeout(ctx, p.timeout)
			defer cancel()
			c, err := d.DialContext(sctx, "tcp", t.addr)
			rtt := now().Sub(sent)
			if c != nil {
				_ = c.Close()
			}
			s := loadedSample{at: sent.Sub(start), rtt: rtt}
			switch {
			case err == nil || probeutil.ClassifyNetErr(err) == probeutil.NetErrRefused:
				s.state = sampleAnswered
			case ctx.Err() != nil:
				s.state = sampleCancelled
			case errors.Is(sctx.Err(), context.DeadlineExceeded) || probeutil.IsTimeout(err):
				s.state = sampleLost
			default:
				s.state = sampleFailed
			}
			mu.Lock()
			all[i] = s
			if s.state == sampleFailed {
				if t.failure == "" {
					env.Debugf("loaded latency to %s: %v", t.addr, err)
				}
				_, t.failure = probeutil.DescribeNetErr(err, nil)
			}
			isSteady := steady(all, sent.Sub(start), p.skip)
			mu.Unlock()
			if isSteady {
				onSteady()
			}
		})
	}
	once()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
			once()
		}
	}
	wg.Wait()
	t.samples = slices.DeleteFunc(all, func(s loadedSample) bool { return s.state == sampleCancelled })
	if len(t.samples) == 0 && t.why == "" {
		t.why = "the transfer ended before a sample was answered"
	}
}

// steady reports whether the answered round trips of the last second and
// the second before it have medians within steadyTolerance (or
// steadyFloor) of each other, after the ramp skip; now is the latest
// send time. Lost samples count as unsteady: the queue is overflowing
// or the link is failing, and either way a longer look is better.
func steady(all []loadedSample, now, skip time.Duration) bool {
	if now < skip+2*time.Second {
		return false
	}
	window := func(from, to time.Duration) ([]time.Duration, bool) {
		var rtts []time.Duration
		for _, s := range all {
			if s.at < from || s.at >= to {
				continue
			}
			switch s.state {
			case sampleAnswered:
				rtts = append(rtts, s.rtt)
			case sampleLost, sampleFailed:
				return nil, false
			}
		}
		return rtts, len(rtts) >= minLoadedSamples
	}
	a, ok1 := window(now-2*time.Second, now-time.Second)
	b, ok2 := window(now-time.Second, now)
	if !ok1 || !ok2 {
		return false
	}
	ma, _ := rttstats.Median(a)
	mb, _ := rttstats.Median(b)
	diff := max(ma-mb, mb-ma)
	return diff <= max(steadyFloor, time.Duration(steadyTolerance*float64(max(ma, mb))))
}

// loadedFigures summarises one target's samples.
type loadedFigures struct {
	median, p90 time.Duration // 0 with over set when the rank fell on a lost sample
	medianOver  bool          // the median is over the timeout
	p90Over     bool
	answered    int
	lost        int
	failed      int
	why         string // why there is no figure
}

// figures takes the samples of the transfer's last loadedWindow (those
// after skip, or all of them, when too few were), counting lost ones as longer than any answer.
func (p loadedLatency) figures(t *loadedTarget) loadedFigures {
	var f loadedFigures
	if t.why != "" {
		f.why = t.why
		return f
	}
	pick := func(from time.Duration) (rtts []time.Duration, lost, failed int) {
		for _, s := range t.samples {
			if s.at < from {
				continue
			}
			switch s.state {
			case sampleAnswered:
				rtts = append(rtts, s.rtt)
			case sampleLost:
				lost++
			case sampleFailed:
				failed++
			}
		}
		return rtts, lost, failed
	}
	from := p.skip
	if n := len(t.samples); n > 0 {
		from = max(from, t.samples[n-1].at-loadedWindow)
	}
	rtts, lost, failed := pick(from)
	if len(rtts)+lost < minLoadedSamples {
		rtts, lost, failed = pick(p.skip)
	}
	if len(rtts)+lost < minLoadedSamples {
		rtts, lost, failed = pick(0)
	}
	f.answered, f.lost, f.failed = len(rtts), lost, failed
	if len(rtts)+lost == 0 {
		f.why = "no sample was answered"
		if t.failure != "" {
			f.why = "it could not be reached (" + t.failure + ")"
		}
		return f
	}
	// A lost sample waited past the timeout: it ranks above every answer.
	series := append(slices.Clone(rtts), slices.Repeat([]time.Duration{rttstats.Lost}, lost)...)
	f.median, f.medianOver, _ = rttstats.QuantileCountingLost(series, 0.5)
	f.p90, f.p90Over, _ = rttstats.QuantileCountingLost(series, 0.9)
	return f
}

// annotate adds one direction's figures to the result and recomputes the
// overall grade from every direction annotated so far, so that it holds
// whichever directions ran.
func (p loadedLatency) annotate(r *report.Result, load Load, targets []*loadedTarget, path netstate.Path) {
	dir := load.Direction
	if r.Facts == nil {
		r.Facts = map[string]string{}
	}
	var srv, gw loadedFigures
	var gwMeasured bool
	for _, t := range targets {
		f := p.figures(t)
		it := report.Item{Label: loadedLabel(dir, t.role), Kind: itemKindLoaded, Status: report.Pass,
			Attributes: map[string]string{"direction": dir, "target": t.role, "method": loadedMethod}}
		if t.addr != "" {
			it.Attributes["address"] = t.addr
		}
		it.Metrics = append(it.Metrics,
			msMetric("rtt_median_ms", f.median, f.medianOver, f.why, p.timeout),
			msMetric("rtt_p90_ms", f.p90, f.p90Over, f.why, p.timeout),
			report.Measured("samples", float64(f.answered+f.lost+f.failed), ""),
			report.Measured("lost", float64(f.lost), ""))
		if f.why != "" {
			it.Status = report.Skipped
			it.Summary = "not measured: " + f.why
		} else {
			it.Summary = "median " + formatLoaded(f.median, f.medianOver, p.timeout) + ", 90th percentile " + formatLoaded(f.p90, f.p90Over, p.timeout)
		}
		if t.role == roleServer {
			srv = f
		} else {
			gw, gwMeasured = f, f.why == ""
		}
		r.Items = append(r.Items, it)
		if len(t.samples) > 0 {
			s := report.Series{Name: seriesLoadedRTT, Unit: "ms", Item: it.Label, IntervalSeconds: p.interval.Seconds()}
			for _, x := range t.samples {
				if x.state != sampleAnswered {
					s.Samples = append(s.Samples, nil)
					continue
				}
				v := round(ms1(x.rtt), 1)
				s.Samples = append(s.Samples, &v)
			}
			r.Series = append(r.Series, s)
		}
	}

	// The server's figures are the direction's.
	loadedName, incName := "loaded_latency_"+dir+"_ms", "latency_increase_"+dir+"_ms"
	r.Metrics = append(r.Metrics, msMetric(loadedName, srv.median, srv.medianOver, srv.why, p.timeout))
	var g grade
	var inc time.Duration
	switch {
	case srv.why != "":
		r.Metrics = append(r.Metrics, report.NotMeasured(incName, "ms", srv.why))
	case load.IdleRTT <= 0:
		r.Metrics = append(r.Metrics, report.NotMeasured(incName, "ms", "the idle round trip was not measured"))
	case srv.medianOver:
		// More than half the samples got no answer in the timeout: the
		// increase is at least this, which is F on the scale.
		g = gradeOf(p.timeout - load.IdleRTT)
		r.Metrics = append(r.Metrics, report.NotMeasured(incName, "ms",
			fmt.Sprintf("over %s: most samples got no answer", formatMS(p.timeout-load.IdleRTT))))
	default:
		inc = max(srv.median-load.IdleRTT, 0)
		g = gradeOf(inc)
		r.Metrics = append(r.Metrics, report.Measured(incName, round(ms1(inc), 1), "ms"))
	}
	if g != "" {
		r.Facts["bufferbloat_grade_"+dir] = string(g)
		if f := loadedFinding(dir, g, load.IdleRTT, srv, inc, p.timeout); f.Message != "" {
			checks.AddFindings(r, f)
		}
	}
	if gwMeasured && srv.why == "" {
		checks.AddFindings(r, gatewayNote(dir, gw, p.timeout, path))
	}
	overall(r)
}

func loadedLabel(dir, role string) string {
	if role == roleServer {
		return dir + ", speed-test server"
	}
	return dir + ", your router"
}

// msMetric is a round trip in ms, or not measured with why; a figure over
// the timeout is not a number either, and says so.
func msMetric(name string, d time.Duration, over bool, why string, timeout time.Duration) report.Metric {
	switch {
	case why != "":
		return report.NotMeasured(name, "ms", why)
	case over:
		return report.NotMeasured(name, "ms", "over "+formatMS(timeout)+": most samples got no answer")
	}
	return report.Measured(name, round(ms1(d), 1), "ms")
}

func formatLoaded(d time.Duration, over bool, timeout time.Duration) string {
	if over {
		return "over " + formatMS(timeout)
	}
	return formatMS(d)
}

// loadedFinding explains a grade of C or worse and names the fix.
func loadedFinding(dir string, g grade, idleRTT time.Duration, srv loadedFigures, inc time.Duration, timeout time.Duration) checks.Conclusion {
	st := g.status()
	if st == report.Pass {
		return checks.Conclusion{}
	}
	rise := "+" + formatMS(inc)
	if srv.medianOver {
		rise = "more than +" + formatMS(timeout-idleRTT)
	}
	loaded := formatLoaded(srv.median, srv.medianOver, timeout)
	what := "calls may lag and break up while anyone at home " + verb(dir) + "s"
	if st == report.Fail {
		what = "calls will stutter and talk over each other whenever anyone at home " + verb(dir) + "s"
	}
	var msg string
	if idleRTT < idleFine {
		msg = fmt.Sprintf("Your connection is fine for calls while it is quiet (round trip %s), but while you %s the round trip rises to %s (%s, bufferbloat grade %s): %s.",
			formatMS(idleRTT), verb(dir), loaded, rise, g, what)
	} else {
		msg = fmt.Sprintf("While you %s, the round trip rises from %s to %s (%s, bufferbloat grade %s): %s.",
			verb(dir), formatMS(idleRTT), loaded, rise, g, what)
	}
	return checks.Conclusion{Severity: st, Message: msg, Fix: loadedFix(dir)}
}

func verb(dir string) string {
	if dir == upload.String() {
		return "upload"
	}
	return "download"
}

// loadedFix is the wording for uploads, and its counterpart for
// downloads.
func loadedFix(dir string) string {
	if dir == upload.String() {
		return "Your router's queue fills when you upload: turn on SQM/Smart Queue/QoS, or pause cloud backups during calls."
	}
	return "Your router's queue fills when you download: turn on SQM/Smart Queue/QoS, or pause large downloads and streaming during calls."
}

// gatewayNote says where the queue is: a router on the LAN answers in a
// few ms, so a slow answer under load puts the queue between this
// computer and the router.
func gatewayNote(dir string, gw loadedFigures, timeout time.Duration, path netstate.Path) checks.Conclusion {
	if gw.medianOver || gw.median >= gatewayQueued {
		// Wi-Fi is named only when the default path is Wi-Fi.
		where := "the router itself, or the link to it"
		if path.OnWiFi() {
			where = "Wi-Fi, or the router itself"
		}
		return checks.Conclusion{Severity: report.Pass, Message: fmt.Sprintf(
			"While you %sed, your router took %s to answer: the queue is between this computer and the router (%s).",
			verb(dir), formatLoaded(gw.median, gw.medianOver, timeout), where)}
	}
	return checks.Conclusion{Severity: report.Pass, Message: fmt.Sprintf(
		"While you %sed, your router still answered in %s: any queue is at or past the router's connection to the internet (router, modem or provider).",
		verb(dir), formatMS(gw.median))}
}

// overall sets the grade and the increase of the whole run, the worse
// direction's, and the summary's last part. It reads only what annotate
// put in r, so it can run again after each direction.
func overall(r *report.Result) {
	var g grade
	var inc *float64
	for _, d := range []direction{download, upload} {
		g = worse(g, grade(r.Facts["bufferbloat_grade_"+d.String()]))
		if m, ok := r.Metric("latency_increase_" + d.String() + "_ms"); ok && m.Value != nil && (inc == nil || *m.Value > *inc) {
			inc = m.Value
		}
	}
	r.Metrics = slices.DeleteFunc(r.Metrics, func(m report.Metric) bool { return m.Name == report.KeyLatencyIncreaseMs })
	if inc != nil {
		r.Metrics = append(r.Metrics, report.Measured(report.KeyLatencyIncreaseMs, *inc, "ms"))
	} else {
		r.Metrics = append(r.Metrics, report.NotMeasured(report.KeyLatencyIncreaseMs, "ms", "no direction's round trip under load was measured"))
	}
	if i := strings.Index(r.Summary, summaryMarker); i >= 0 {
		r.Summary = r.Summary[:i]
	}
	if g == "" {
		delete(r.Facts, report.KeyBufferbloatGrade)
		return
	}
	r.Facts[report.KeyBufferbloatGrade] = string(g)
	r.Summary += summaryMarker + "bufferbloat grade " + string(g)
	if inc != nil {
		r.Summary += " (+" + formatMS(time.Duration(*inc*float64(time.Millisecond))) + ")"
	}
}
