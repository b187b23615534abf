package bandwidth

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

func TestGradeScale(t *testing.T) {
	for _, c := range []struct {
		ms   float64
		want grade
		st   report.Status
	}{
		{-3, gradeAPlus, report.Pass}, {0, gradeAPlus, report.Pass}, {4.9, gradeAPlus, report.Pass},
		{5, gradeA, report.Pass}, {29.9, gradeA, report.Pass}, {30, gradeB, report.Pass},
		{59.9, gradeB, report.Pass}, {60, gradeC, report.Warn}, {199, gradeC, report.Warn},
		{200, gradeD, report.Fail}, {399, gradeD, report.Fail}, {400, gradeF, report.Fail}, {5000, gradeF, report.Fail},
	} {
		g := gradeOf(time.Duration(c.ms * float64(time.Millisecond)))
		if g != c.want || g.status() != c.st {
			t.Errorf("%v ms: grade %s (%s), want %s (%s)", c.ms, g, g.status(), c.want, c.st)
		}
	}
	if worse(gradeA, gradeD) != gradeD || worse(gradeF, gradeB) != gradeF || worse("", gradeC) != gradeC || worse(gradeB, "") != gradeB {
		t.Error("worse")
	}
}

// Lost samples rank above every answer; the ramp is left out unless too
// few samples remain.
func TestLoadedFigures(t *testing.T) {
	p := loadedLatency{interval: 100 * time.Millisecond, timeout: 2 * time.Second, skip: time.Second}
	ms := func(v int) time.Duration { return time.Duration(v) * time.Millisecond }
	var ss []loadedSample
	for i := range 10 { // the ramp: 1 s of short round trips
		ss = append(ss, loadedSample{at: ms(i * 100), rtt: ms(5)})
	}
	for i := range 10 {
		ss = append(ss, loadedSample{at: ms(1000 + i*100), rtt: ms(100 + i*10)})
	}
	f := p.figures(&loadedTarget{samples: ss})
	if f.answered != 10 || f.median != ms(140) || f.p90 != ms(180) || f.medianOver {
		t.Errorf("%+v", f)
	}
	// Six of ten lost: the median is over the timeout.
	lost := append([]loadedSample(nil), ss[:10]...)
	for i := range 10 {
		s := loadedSample{at: ms(1000 + i*100), rtt: ms(300)}
		if i < 6 {
			s.state = sampleLost
		}
		lost = append(lost, s)
	}
	f = p.figures(&loadedTarget{samples: lost})
	if !f.medianOver || !f.p90Over || f.lost != 6 || f.answered != 4 {
		t.Errorf("%+v", f)
	}
	// Cut short: only the ramp exists, so it is used.
	f = p.figures(&loadedTarget{samples: ss[:4]})
	if f.answered != 4 || f.median != ms(5) {
		t.Errorf("%+v", f)
	}
	// Every sample failed.
	f = p.figures(&loadedTarget{samples: []loadedSample{{state: sampleFailed}}, failure: "no route"})
	if !strings.Contains(f.why, "no route") {
		t.Errorf("%+v", f)
	}
}

func fastLoaded(gw string) loadedLatency {
	return loadedLatency{interval: 20 * time.Millisecond, timeout: 300 * time.Millisecond, skip: 100 * time.Millisecond,
		gateway: func(context.Context, *checks.Env) (netip.Addr, error) {
			if gw == "" {
				return netip.Addr{}, nil
			}
			return netip.MustParseAddr(gw), nil
		}}
}

func runProbe(t *testing.T, p loadedLatency, d checks.Dialer, dir string, idle time.Duration, span time.Duration) func(*report.Result) {
	t.Helper()
	env := &checks.Env{Dialer: d, Now: time.Now}
	ctx, cancel := context.WithTimeout(t.Context(), span)
	defer cancel()
	start := time.Now()
	f := p.During(ctx, env, Load{Direction: dir, Server: "http://192.0.2.10:8080/speedtest/upload.php?token=x", IdleRTT: idle})
	if took := time.Since(start); took > span+busySlack {
		t.Errorf("During returned %v after its context ended", took-span)
	}
	return f
}

// A fine download and a bloated upload: per-direction figures, the worse
// grade overall, the fix, the plain idle-fine/loaded-F wording, and a
// report that validates. The fake dialer answers after real sleeps, which
// a busy machine stretches (never shortens): figures are checked from
// below, and grades on the side of their edge that lateness cannot cross.
func TestLoadedProbeGrades(t *testing.T) {
	p := fastLoaded("192.0.2.1")
	fine := &checkstest.Dialer{Routes: map[string]checkstest.Route{"192.0.2.10:8080": {RTT: 22 * time.Millisecond},
		"192.0.2.1:443": {RTT: time.Millisecond, Refused: true}}}
	bloated := &checkstest.Dialer{Routes: map[string]checkstest.Route{"192.0.2.10:8080": {RTT: 250 * time.Millisecond},
		"192.0.2.1:443": {RTT: time.Millisecond}}}
	down := runProbe(t, p, fine, "download", 20*time.Millisecond, 800*time.Millisecond)
	up := runProbe(t, p, bloated, "upload", 20*time.Millisecond, 1200*time.Millisecond)

	r := report.Result{Status: report.Pass, Summary: "Download 20 Mbit/s, upload 20 Mbit/s, latency 20 ms (h:8080)", Facts: map[string]string{}}
	down(&r)
	// +2 ms: A+ on a quiet machine; anything that passes (B or better,
	// under +60 ms) on a busy one.
	if g := grade(r.Facts["bufferbloat_grade"]); g.status() != report.Pass || r.Status != report.Pass ||
		!strings.Contains(r.Summary, "(h:8080); under load: bufferbloat grade "+string(g)+" (+") {
		t.Errorf("after download: %s %v %q", r.Status, r.Facts, r.Summary)
	}
	up(&r)
	// +230 ms: grade D, or F if the machine held the answers back.
	upGrade := grade(r.Facts["bufferbloat_grade_upload"])
	if upGrade.rank() < gradeD.rank() || r.Facts["bufferbloat_grade"] != string(upGrade) ||
		grade(r.Facts["bufferbloat_grade_download"]).status() != report.Pass {
		t.Errorf("facts %v", r.Facts)
	}
	if r.Status != report.Fail {
		t.Errorf("status %s", r.Status)
	}
	if strings.Count(r.Summary, summaryMarker) != 1 || !strings.Contains(r.Summary, "bufferbloat grade "+string(upGrade)+" (+") {
		t.Errorf("summary %q", r.Summary)
	}
	for name, lo := range map[string]float64{"loaded_latency_download_ms": 22, "loaded_latency_upload_ms": 250,
		"latency_increase_download_ms": 2, "latency_increase_upload_ms": 230, "latency_increase_ms": 230} {
		if v := metric(t, r, name); v == nil || *v < lo {
			t.Errorf("%s = %v, want at least %v", name, v, lo)
		}
	}
	var found bool
	for _, f := range r.Findings {
		if f.Severity == report.Fail {
			found = true
			if !strings.Contains(f.Message, "fine for calls while it is quiet") || !strings.Contains(f.Message, "grade "+string(upGrade)) ||
				f.Fix != "Your router's queue fills when you upload: turn on SQM/Smart Queue/QoS, or pause cloud backups during calls." {
				t.Errorf("finding %+v", f)
			}
		}
	}
	if !found {
		t.Errorf("no failing finding: %+v", r.Findings)
	}
	if len(r.Items) != 4 || len(r.Series) != 4 {
		t.Fatalf("items %+v series %d", r.Items, len(r.Series))
	}
	for _, it := range r.Items {
		if it.Kind != itemKindLoaded || it.Attributes["method"] != loadedMethod || strings.Contains(it.Attributes["address"], "token") {
			t.Errorf("item %+v", it)
		}
	}
	reportschema.CheckResults(t, "bandwidth", "Internet speed", []report.Result{r})
}

// A server that stops answering under load: most samples lost, grade F
// without a made-up figure; a gateway that cannot be reached is "not
// measured" with the reason.
func TestLoadedProbeLostAndUnreachable(t *testing.T) {
	p := fastLoaded("192.0.2.1")
	d := &checkstest.Dialer{Routes: map[string]checkstest.Route{"192.0.2.10:8080": {Silent: true}}}
	f := runProbe(t, p, d, "upload", 10*time.Millisecond, time.Second)
	r := report.Result{Status: report.Pass, Facts: map[string]string{}}
	f(&r)
	if r.Facts["bufferbloat_grade"] != "D" && r.Facts["bufferbloat_grade"] != "F" {
		// The test's timeout is 300 ms, so "more than 290 ms" grades D.
		t.Errorf("grade %v", r.Facts)
	}
	if m, _ := r.Metric("loaded_latency_upload_ms"); m.Value != nil || !strings.Contains(m.Note, "no answer") {
		t.Errorf("metric %+v", m)
	}
	it, ok := item(r, "upload, your router")
	if !ok || it.Status != report.Skipped || !strings.Contains(it.Summary, "could not be reached") {
		t.Errorf("gateway item %+v", it)
	}
	reportschema.CheckResults(t, "bandwidth", "Internet speed", []report.Result{r})

	// No gateway and no idle figure: loaded figures, no grade.
	p = fastLoaded("")
	f = runProbe(t, p, &checkstest.Dialer{Routes: map[string]checkstest.Route{"192.0.2.10:8080": {RTT: 5 * time.Millisecond}}}, "download", 0, 500*time.Millisecond)
	r = report.Result{Facts: map[string]string{}}
	f(&r)
	if _, ok := r.Facts["bufferbloat_grade"]; ok {
		t.Errorf("graded without an idle figure: %v", r.Facts)
	}
	if m, _ := r.Metric("latency_increase_ms"); m.Value != nil {
		t.Errorf("%+v", m)
	}
	if it, ok := item(r, "download, your router"); !ok || !strings.Contains(it.Summary, "no default gateway") {
		t.Errorf("%+v", it)
	}
}

// The whole check on loopback with the probe in place: the server's
// samples are answered, the figures appear, the check stays in time.
func TestLoadedInCheck(t *testing.T) {
	base, _ := speedServer(t, 20)
	env, _ := testEnv(t, serverProfile(base))
	cfg := fastConfig()
	r, took := runCheck(t, cfg, env)
	if r.Facts["bufferbloat_grade"] == "" || metric(t, r, "loaded_latency_download_ms") == nil || metric(t, r, "latency_increase_ms") == nil {
		t.Errorf("%s: %v %+v", r.Summary, r.Facts, r.Metrics)
	}
	if took > cfg.total+busySlack {
		t.Errorf("took %v", took)
	}
	reportschema.CheckResults(t, "bandwidth", "Internet speed", []report.Result{r})
}

func FuzzServerAddr(f *testing.F) {
	for _, s := range []string{"http://h:8080/speedtest/upload.php", "https://h/x", "http://[::1]/", "", "::", "http://%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := serverAddr(s)
		if err != nil {
			return
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			t.Errorf("%q gave %q: %v", s, a, err)
		}
	})
}

// Every name the probe reports is documented in the bandwidth section.
func TestLoadedFieldsDocumented(t *testing.T) {
	p := fastLoaded("192.0.2.1")
	r := report.Result{Facts: map[string]string{}}
	for _, dir := range []string{"download", "upload"} {
		runProbe(t, p, &checkstest.Dialer{Routes: map[string]checkstest.Route{"192.0.2.10:8080": {RTT: 5 * time.Millisecond}, "192.0.2.1:443": {RTT: time.Millisecond}}},
			dir, time.Millisecond, 300*time.Millisecond)(&r)
	}
	names := reportschema.FieldNames(r)
	for _, n := range []string{itemKindLoaded, loadedMethod, roleServer, roleGateway} {
		names[n] = true
	}
	reportschema.AssertDocumented(t, "bandwidth", names)
}

func TestSteady(t *testing.T) {
	ms := time.Millisecond
	series := func(rtt func(at time.Duration) time.Duration, until time.Duration) []loadedSample {
		var out []loadedSample
		for at := time.Duration(0); at < until; at += 100 * ms {
			out = append(out, loadedSample{at: at, rtt: rtt(at), state: sampleAnswered})
		}
		return out
	}
	flat := func(time.Duration) time.Duration { return 180 * ms }
	rising := func(at time.Duration) time.Duration { return 20*ms + at/20 } // +50 ms a second
	for _, tc := range []struct {
		name string
		all  []loadedSample
		now  time.Duration
		want bool
	}{
		{"full queue, flat", series(flat, 4*time.Second), 3900 * ms, true},
		{"too early: still in the ramp", series(flat, 2500*ms), 2400 * ms, false},
		{"queue still filling", series(rising, 4*time.Second), 3900 * ms, false},
		{"small wobble under the floor", series(func(at time.Duration) time.Duration { return 10*ms + at%(400*ms)/100 }, 4*time.Second), 3900 * ms, true},
	} {
		if got := steady(tc.all, tc.now, time.Second); got != tc.want {
			t.Errorf("%s: steady %v, want %v", tc.name, got, tc.want)
		}
	}
	lossy := series(flat, 4*time.Second)
	lossy[35].state = sampleLost
	if steady(lossy, 3900*ms, time.Second) {
		t.Error("a lost sample in the window counted as steady")
	}
}
