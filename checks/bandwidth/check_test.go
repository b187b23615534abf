package bandwidth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/internal/speedserver"
	"github.com/wfh-cli/wfh/report"
)

// Against wfh serve's handler paced to 20 Mbit/s each way, the check
// reads about 20 Mbit/s each way, reports progress, the bytes it used and
// why each direction ended. The bench (bench/bandwidth) measures accuracy
// on real links; this only proves the plumbing, with a wide margin for a
// busy test machine.
func TestMeasuresAPacedServer(t *testing.T) {
	base, _ := speedServer(t, 20)
	env, progress := testEnv(t, serverProfile(base))
	r, took := runCheck(t, fastConfig(), env)
	t.Logf("%s: %s (%v)", r.Status, r.Summary, took)
	if r.Status != report.Pass {
		t.Fatalf("status %s: %+v", r.Status, r.Findings)
	}
	for _, name := range []string{"download_mbps", "upload_mbps"} {
		v := metric(t, r, name)
		// Never above the pace (that would be a counting bug); the
		// floor only proves data flows, whatever else holds the CPU.
		if v == nil || *v < 5 || *v > 22 {
			t.Errorf("%s = %v, want up to 20", name, v)
		}
	}
	if v := metric(t, r, "idle_latency_ms"); v == nil || *v <= 0 || *v > 200 {
		t.Errorf("latency_ms = %v", v)
	}
	used := metric(t, r, "bytes_used")
	if used == nil || *used < 2e6 || *used > 30e6 {
		t.Errorf("bytes_used = %v", used)
	}
	if took > fastConfig().total+busySlack {
		t.Errorf("took %v, over its plan of %v", took, fastConfig().total)
	}
	if r.Facts["server_source"] != "profile" || !strings.HasPrefix(r.Facts["server"], "127.0.0.1:") {
		t.Errorf("facts %v", r.Facts)
	}
	var rates int
	for _, m := range progress.all() {
		if strings.HasPrefix(m, "download ") || strings.HasPrefix(m, "upload ") {
			rates++
		}
	}
	if rates < 2 {
		t.Errorf("no live rate in the progress messages: %q", progress.all())
	}
	for _, d := range []string{"download", "upload"} {
		it, ok := item(r, d)
		if !ok || it.Attributes["ended_by"] == "" || it.Attributes["connections"] != "4" {
			t.Errorf("item %s: %+v", d, it)
		}
		if r.Facts[d+"_end"] == "" {
			t.Errorf("no %s_end fact", d)
		}
	}
	reportschema.CheckResults(t, "bandwidth", "Internet speed", []report.Result{r})
}

// The verdict follows the call requirements and the profile's minimums.
func TestVerdictThresholds(t *testing.T) {
	dir := func(d direction, mbps float64) dirResult {
		return dirResult{dir: d, ended: endSettled, measured: true, bps: mbps * 1e6, over: 2 * time.Second, conns: 4}
	}
	tgt := &target{host: "speed.example:8080", source: "profile"}
	lat := summarize([]time.Duration{10 * time.Millisecond, 12 * time.Millisecond})
	cases := []struct {
		name       string
		down, up   float64
		lim        limits
		want       report.Status
		wantInText string
	}{
		{"fast", 100, 20, limits{}, report.Pass, ""},
		{"upload below HD", 100, 2.5, limits{}, report.Warn, "3.8 Mbit/s upload"},
		{"download below HD", 3, 20, limits{}, report.Warn, "Teams video meetings"},
		{"upload below video", 50, 0.6, limits{}, report.Fail, "too slow for video calls"},
		{"below the organisation's minimum", 15, 20, limits{minDown: 20}, report.Fail, "organisation's minimum of 20 Mbit/s"},
		{"above the minimums", 25, 6, limits{minDown: 20, minUp: 5}, report.Pass, ""},
	}
	var all []report.Result
	for _, tc := range cases {
		o := outcome{target: tgt, latency: lat, down: dir(download, tc.down), up: dir(upload, tc.up), limits: tc.lim}
		r := verdict(o, false)
		all = append(all, r)
		if r.Status != tc.want {
			t.Errorf("%s: %s, want %s (%+v)", tc.name, r.Status, tc.want, r.Findings)
		}
		var text strings.Builder
		for _, f := range r.Findings {
			text.WriteString(f.Message + " " + f.Fix + "\n")
			if f.Severity != report.Pass && f.Fix == "" {
				t.Errorf("%s: a problem without a fix: %q", tc.name, f.Message)
			}
		}
		if !strings.Contains(text.String(), tc.wantInText) {
			t.Errorf("%s: findings lack %q:\n%s", tc.name, tc.wantInText, text.String())
		}
	}
	// Ended by the budget, by time, not measured, no server at all.
	budgetDir := dir(download, 300)
	budgetDir.ended, budgetDir.over = endBudget, 1200*time.Millisecond
	stalled := dirResult{dir: upload, ended: endStalled}
	o := outcome{target: tgt, latency: lat, down: budgetDir, up: stalled, limits: limits{budget: 100e6}}
	r := verdict(o, false)
	if r.Status != report.Error || !strings.Contains(fmt.Sprint(r.Findings), "data budget") ||
		!strings.Contains(fmt.Sprint(r.Findings), "the server took no data") {
		t.Errorf("budget and stall: %s %+v", r.Status, r.Findings)
	}
	if m, _ := r.Metric("upload_mbps"); m.Value != nil || m.Note == "" {
		t.Errorf("an unmeasured upload must be null with a note: %+v", m)
	}
	all = append(all, r)
	none := verdict(outcome{problem: &problem{kind: "no_list", msg: "the list could not be fetched: it did not answer in time"}, limits: limits{budget: 250e6}}, false)
	if none.Status != report.Error || len(none.Findings) != 1 || none.Findings[0].Fix == "" {
		t.Errorf("no server: %+v", none)
	}
	all = append(all, none)
	reportschema.CheckResults(t, "bandwidth", "Internet speed", all)
}

// A server that accepts connections and never answers, one slow to accept,
// one that answers a web page or a redirect: a clear result each, within
// seconds, and no figure.
func TestHostileServersBeforeTheTest(t *testing.T) {
	silent := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var conns []net.Conn
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, c) // held open, never answered
				mu.Unlock()
			}
		}()
		t.Cleanup(func() {
			ln.Close()
			mu.Lock()
			for _, c := range conns {
				c.Close()
			}
			mu.Unlock()
		})
		return "http://" + ln.Addr().String() + "/"
	}
	// Slow to accept: the listener's backlog holds the connection and the
	// server accepts it only after 5 s.
	slowAccept := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s, _ := speedserver.New(speedserver.Config{})
		srv := &http.Server{Handler: s.Handler()}
		go func() {
			time.Sleep(5 * time.Second)
			_ = srv.Serve(ln)
		}()
		t.Cleanup(func() { srv.Close(); ln.Close() })
		return "http://" + ln.Addr().String() + "/"
	}
	page := func(t *testing.T) string {
		base, _ := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<!DOCTYPE html><html><body>Welcome to the hotel Wi-Fi</body></html>")
		}))
		return base
	}
	redirect := func(t *testing.T) string {
		base, _ := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://portal.example/login", http.StatusFound)
		}))
		return base
	}
	refused := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr + "/"
	}
	for _, tc := range []struct {
		name   string
		server func(*testing.T) string
		kind   string
		text   string
	}{
		{"accepts and never answers", silent, "timeout", "did not answer in time"},
		{"slow to accept", slowAccept, "timeout", "did not answer in time"},
		{"answers a web page", page, "not_speedtest", "a web page"},
		{"redirects elsewhere", redirect, "redirect", "portal.example"},
		{"refuses", refused, "refused", "refused the connection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, _ := testEnv(t, serverProfile(tc.server(t)))
			r, took := runCheck(t, fastConfig(), env)
			t.Logf("%s (%v): %s", r.Status, took, r.Summary)
			if r.Status != report.Error || r.Facts["problem"] != tc.kind {
				t.Errorf("status %s, problem %q, want error/%s: %+v", r.Status, r.Facts["problem"], tc.kind, r.Findings)
			}
			if !strings.Contains(r.Summary+fmt.Sprint(r.Findings), tc.text) {
				t.Errorf("the result does not say %q: %s %+v", tc.text, r.Summary, r.Findings)
			}
			for _, m := range []string{"download_mbps", "upload_mbps"} {
				if v := metric(t, r, m); v != nil {
					t.Errorf("%s = %v from a server that is not one", m, *v)
				}
			}
			if took > probeTimeout+busySlack {
				t.Errorf("took %v, want within the %v probe", took, probeTimeout)
			}
		})
	}
}

// hostileTransfers serves latency.txt properly and misbehaves on the
// transfers, so the check gets as far as measuring.
func hostileTransfers(t *testing.T, download, upload http.HandlerFunc) (string, *wireListener) {
	t.Helper()
	s, _ := speedserver.New(speedserver.Config{})
	good := paced(s.Handler(), 20)
	return startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, ".jpg") && download != nil:
			download(w, r)
		case strings.HasSuffix(r.URL.Path, "upload.php") && upload != nil:
			upload(w, r)
		default:
			good.ServeHTTP(w, r)
		}
	}))
}

// Servers that break off transfers, send fewer bytes than they announce,
// stall, answer a web page or confirm uploads they never read: the check
// ends inside its plan, says what happened, and its figure never exceeds
// what the server's own kernel sent or received.
func TestHostileServersDuringTheTest(t *testing.T) {
	shortBody := func(w http.ResponseWriter, r *http.Request) {
		// Announce 2 MB, send 100 kB, close.
		w.Header().Set("Content-Length", "2000000")
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(make([]byte, 100_000))
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	stall := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "2000000")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	html := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html>blocked by policy</html>")
	}
	closeEarly := func(w http.ResponseWriter, r *http.Request) {
		io.CopyN(io.Discard, r.Body, 50_000)
		panic(http.ErrAbortHandler)
	}
	liar := func(w http.ResponseWriter, r *http.Request) {
		// "Confirms" every upload at once without reading it.
		fmt.Fprintf(w, "size=%d", r.ContentLength)
	}
	flaky := func() http.HandlerFunc {
		s, _ := speedserver.New(speedserver.Config{})
		good := paced(s.Handler(), 80)
		var n atomic.Int64
		return func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1)%2 == 0 {
				shortBody(w, r)
				return
			}
			good.ServeHTTP(w, r)
		}
	}()
	for _, tc := range []struct {
		name       string
		down, up   http.HandlerFunc
		dirOK      map[string]bool // which directions must have a figure
		problem    string          // attribute on the failing direction
		failedNote bool
	}{
		{"download sends fewer bytes than announced", shortBody, nil, map[string]bool{"upload": true}, "closed_early", false},
		{"download breaks off every second transfer", flaky, nil, map[string]bool{"download": true, "upload": true}, "closed_early", true},
		{"download stalls after the headers", stall, nil, map[string]bool{"upload": true}, "", false},
		{"download answers a web page", html, nil, map[string]bool{"upload": true}, "not_speedtest", false},
		{"upload closed early", nil, closeEarly, map[string]bool{"download": true}, "", false},
		{"upload confirmed without being read", nil, liar, map[string]bool{"download": true}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, wl := hostileTransfers(t, tc.down, tc.up)
			env, _ := testEnv(t, serverProfile(base))
			cfg := fastConfig()
			if tc.down != nil && tc.problem != "" {
				// The server's answer, not the clock, must end these
				// downloads (in about 100 ms); a machine busy enough to
				// hold that answer back for seconds would otherwise end
				// them as stalled before it is read.
				cfg.maxDirection = 6 * time.Second
			}
			r, took := runCheck(t, cfg, env)
			t.Logf("%s (%v): %s", r.Status, took, r.Summary)
			for _, f := range r.Findings {
				t.Logf("  %s: %s", f.Severity, f.Message)
			}
			if took > cfg.total+busySlack {
				t.Errorf("took %v, over the plan of %v", took, cfg.total)
			}
			srvReceived, srvAcked := wl.totals()
			for _, d := range []string{"download", "upload"} {
				it, _ := item(r, d)
				v := metric(t, r, d+"_mbps")
				if tc.dirOK[d] != (v != nil) {
					t.Errorf("%s figure %v, want measured=%v (%s)", d, v, tc.dirOK[d], it.Summary)
				}
				if !tc.dirOK[d] && it.Status != report.Error {
					t.Errorf("%s item %+v, want error", d, it)
				}
				if tc.problem != "" && d == "download" && it.Attributes["problem"] != tc.problem {
					t.Errorf("%s problem %q, want %q", d, it.Attributes["problem"], tc.problem)
				}
			}
			// Never inflated: the bytes behind each figure crossed the wire.
			if v := metric(t, r, "download_mbps"); v != nil {
				it, _ := item(r, "download")
				secs := metricOf(it, "measured_seconds")
				if got := *v * 1e6 / 8 * secs; got > float64(srvAcked)*1.01 {
					t.Errorf("download figure implies %.0f bytes, the server's kernel saw %d acknowledged", got, srvAcked)
				}
			}
			if v := metric(t, r, "upload_mbps"); v != nil {
				it, _ := item(r, "upload")
				secs := metricOf(it, "measured_seconds")
				if got := *v * 1e6 / 8 * secs; got > float64(srvReceived)*1.01 {
					t.Errorf("upload figure implies %.0f bytes, the server's kernel received %d", got, srvReceived)
				}
			}
			if tc.failedNote && !strings.Contains(fmt.Sprint(r.Findings), "transfers failed") {
				t.Errorf("no note about the failed transfers: %+v", r.Findings)
			}
			reportschema.CheckResults(t, "bandwidth", "Internet speed", []report.Result{r})
		})
	}
}

func metricOf(it report.Item, name string) float64 {
	for _, m := range it.Metrics {
		if m.Name == name && m.Value != nil {
			return *m.Value
		}
	}
	return 0
}

// The data budget ends a direction and the report says so; the bytes used
// stay near the budget.
func TestDataBudget(t *testing.T) {
	base, _ := speedServer(t, 80)
	prof := serverProfile(base)
	prof.Bandwidth.MaxData = 8_000_000
	env, _ := testEnv(t, prof)
	r, _ := runCheck(t, fastConfig(), env)
	t.Logf("%s: %s %+v", r.Status, r.Summary, r.Findings)
	if r.Facts["download_end"] != string(endBudget) || r.Facts["upload_end"] != string(endBudget) {
		t.Errorf("ends %q/%q, want data_budget both", r.Facts["download_end"], r.Facts["upload_end"])
	}
	if !strings.Contains(fmt.Sprint(r.Findings), "The data budget") {
		t.Errorf("the budget is not mentioned: %+v", r.Findings)
	}
	// A tick at 80 Mbit/s moves 1 MB; two ticks of slack.
	if used := metric(t, r, "bytes_used"); used == nil || *used > 8e6+2.5e6 {
		t.Errorf("bytes_used %v over a budget of 8 MB", used)
	}
	if b := metric(t, r, "data_budget"); b == nil || *b != 8e6 {
		t.Errorf("data_budget %v", b)
	}
}

// Cancelled in the middle of the download, the check returns within 1 s
// and every connection it opened is closed.
func TestCancelReturnsFastAndClosesConnections(t *testing.T) {
	base, wl := speedServer(t, 10)
	env, _ := testEnv(t, serverProfile(base))
	c := &check{cfg: fastConfig()}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan report.Result, 1)
	go func() { done <- c.Run(ctx, env) }()
	time.Sleep(1500 * time.Millisecond) // the download is running
	if wl.open.Load() == 0 {
		t.Fatal("no connection open mid-test")
	}
	cancel()
	start := time.Now()
	select {
	case r := <-done:
		t.Logf("returned in %v: %s %s", time.Since(start), r.Status, r.Summary)
		if took := time.Since(start); took > busySlack {
			t.Errorf("returned %v after the cancel, want at once", took)
		}
		if r.Status != report.Error {
			t.Errorf("status %s after a cancel", r.Status)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not return after the cancel")
	}
	deadline := time.Now().Add(time.Second)
	for wl.open.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := wl.open.Load(); n > 0 {
		t.Errorf("%d connections still open 1 s after Run returned", n)
	}
}

// fakeProbe stands in for the loaded-latency sampler of a later issue.
type fakeProbe struct {
	mu    sync.Mutex
	calls []Load
	spans []time.Duration
}

func (p *fakeProbe) During(ctx context.Context, _ *checks.Env, load Load) func(*report.Result) {
	start := time.Now()
	<-ctx.Done()
	p.mu.Lock()
	p.calls = append(p.calls, load)
	p.spans = append(p.spans, time.Since(start))
	p.mu.Unlock()
	dir := load.Direction
	return func(r *report.Result) { r.Facts["probe_"+dir] = "ran" }
}

// A LoadProbe runs alongside each direction, learns the direction, the
// server and the idle RTT, is stopped when the transfer ends, and adds
// its figures to the result.
func TestLoadProbeHook(t *testing.T) {
	base, _ := speedServer(t, 20)
	env, _ := testEnv(t, serverProfile(base))
	p := &fakeProbe{}
	cfg := fastConfig()
	cfg.probes = []LoadProbe{p}
	r, _ := runCheck(t, cfg, env)
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) != 2 || p.calls[0].Direction != "download" || p.calls[1].Direction != "upload" {
		t.Fatalf("probe calls %+v", p.calls)
	}
	for i, l := range p.calls {
		if !strings.HasSuffix(l.Server, "/speedtest/upload.php") || l.IdleRTT <= 0 {
			t.Errorf("load %+v", l)
		}
		if p.spans[i] < 500*time.Millisecond || p.spans[i] > cfg.maxDirection+busySlack {
			t.Errorf("probe %d ran %v, not the transfer's span", i, p.spans[i])
		}
	}
	if r.Facts["probe_download"] != "ran" || r.Facts["probe_upload"] != "ran" {
		t.Errorf("annotations not applied: %v", r.Facts)
	}
}

// Discovery reads the list from the injected URL, tries the nearest
// servers, skips the dead and the fake, and measures against the one that
// answers like a speed-test server.
func TestDiscoveryFromAListServer(t *testing.T) {
	good, _ := speedServer(t, 20)
	page, _ := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html>not a speed test</html>")
	}))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String() + "/"
	ln.Close()
	type entry struct {
		URL      string  `json:"url"`
		Name     string  `json:"name"`
		Sponsor  string  `json:"sponsor"`
		ID       string  `json:"id"`
		Host     string  `json:"host"`
		Distance float64 `json:"distance"`
	}
	list := []entry{
		{URL: dead + "speedtest/upload.php", Name: "Dead", Sponsor: "A", ID: "1", Distance: 5},
		{URL: page + "speedtest/upload.php", Name: "Fake", Sponsor: "B", ID: "2", Distance: 6},
		{URL: good + "speedtest/upload.php", Name: "Here", Sponsor: "Loopback Ltd", ID: "3", Distance: 7},
	}
	body, _ := json.Marshal(list)
	var asked sync.Map
	listURL, _ := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Store("yes", r.URL.String())
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	cfg := fastConfig()
	cfg.listURL = listURL + "api/js/servers?engine=js&limit=10"
	env, _ := testEnv(t, nil)
	r, _ := runCheck(t, cfg, env)
	if _, ok := asked.Load("yes"); !ok {
		t.Fatal("the list server was not asked")
	}
	t.Logf("%s: %s", r.Status, r.Summary)
	if r.Facts["server_source"] != "nearest" || r.Facts["server_name"] != "Loopback Ltd (Here)" {
		t.Errorf("facts %v", r.Facts)
	}
	var servers, failed int
	for _, it := range r.Items {
		if it.Kind == "server" {
			servers++
			if it.Status == report.Fail {
				failed++
			}
		}
	}
	if servers != 3 || failed != 2 {
		t.Errorf("%d servers listed, %d failed; want 3 and 2: %+v", servers, failed, r.Items)
	}
	if v := metric(t, r, "download_mbps"); v == nil {
		t.Errorf("no download figure from the discovered server")
	}
	reportschema.CheckResults(t, "bandwidth", "Internet speed", []report.Result{r})
}

// No list (unreachable, or a web page instead): one clear error within
// seconds.
func TestDiscoveryWithoutAList(t *testing.T) {
	page, _ := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html>captive portal</html>")
	}))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String() + "/servers"
	ln.Close()
	for name, u := range map[string]string{"unreachable": dead, "web page": page, "not loopback": "https://speedtest.invalid/servers"} {
		t.Run(name, func(t *testing.T) {
			cfg := fastConfig()
			cfg.listURL = u
			env, _ := testEnv(t, nil)
			r, took := runCheck(t, cfg, env)
			t.Logf("%s (%v): %s", r.Status, took, r.Summary)
			if r.Status != report.Error || r.Facts["problem"] != "no_list" || len(r.Findings) != 1 {
				t.Errorf("%+v", r)
			}
			if took > listTimeout+busySlack {
				t.Errorf("took %v", took)
			}
		})
	}
}

// A malformed server address in a profile that skipped validation (a
// test's own) is one clear error; the loader itself refuses it first.
func TestMalformedServerAddress(t *testing.T) {
	env, _ := testEnv(t, serverProfile("ftp://speed.example/"))
	r, took := runCheck(t, fastConfig(), env)
	if r.Status != report.Error || r.Facts["problem"] != "bad_address" || took > busySlack {
		t.Errorf("%v %+v", took, r)
	}
	dir := t.TempDir()
	path := dir + "/p.yaml"
	if err := os.WriteFile(path, []byte("bandwidth:\n  server: speedtest.acme.example:8080\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := profile.Load(path, profile.Options{})
	if err == nil || !strings.Contains(err.Error(), "bandwidth.server") || strings.Contains(err.Error(), "\n") {
		t.Errorf("loader: %v", err)
	}
}
