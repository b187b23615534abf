package main

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/internal/watch"
	"github.com/wfh-cli/wfh/report"
)

// fakeNet is a scripted network and clock for wfh watch in-process: the
// clock jumps to each wait's end, and every probe's outcome depends on
// its send time only, so a watch of minutes runs in milliseconds.
type fakeNet struct {
	mu   sync.Mutex
	mono time.Duration
	wall time.Time
	// down says whether the path past the router is silent at t.
	down func(t time.Duration) bool
}

func newFakeNet(down func(time.Duration) bool) *fakeNet {
	return &fakeNet{wall: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), down: down}
}

func (n *fakeNet) Now() watch.Instant {
	n.mu.Lock()
	defer n.mu.Unlock()
	return watch.Instant{Wall: n.wall, Mono: n.mono}
}

func (n *fakeNet) SleepUntil(ctx context.Context, m time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if m > n.mono {
		n.wall = n.wall.Add(m - n.mono)
		n.mono = m
	}
	return nil
}

func (n *fakeNet) Method() watch.Method  { return watch.MethodICMP }
func (n *fakeNet) Cost(r watch.Rung) int { return 56 }
func (n *fakeNet) Read(context.Context) (watch.State, error) {
	return watch.State{HasDefault: true, Interface: "wlan0", Kind: "wifi", Gateway: fakeGW,
		WiFi: &watch.WiFiLink{BSSID: "aa:bb:cc:dd:ee:01", SignalDBm: -50, HasSignal: true, Channel: 36, Band: "5 GHz"}}, nil
}

var fakeGW = netip.MustParseAddr("192.168.1.1")

func (n *fakeNet) Plan(context.Context, watch.State) (watch.LadderPlan, error) {
	return watch.LadderPlan{Rungs: []watch.Rung{
		{Role: watch.RoleGateway, Label: "router", Addr: fakeGW, Level: watch.LevelHome},
		{Role: watch.RoleFirstHop, Label: "provider's router", Addr: netip.MustParseAddr("203.0.113.1"), Level: watch.LevelProvider},
		{Role: watch.RoleAnchor, Label: "internet 1.1.1.1", Addr: netip.MustParseAddr("1.1.1.1"), Level: watch.LevelBeyond},
		{Role: watch.RoleDNSLookup, Label: "DNS lookup of www.google.com", Addr: fakeGW, Name: "www.google.com", Level: watch.LevelHome},
	}}, nil
}

func (n *fakeNet) Probe(ctx context.Context, r watch.Rung, _ time.Duration) watch.Result {
	at, _ := watch.SendTime(ctx)
	if n.down != nil && n.down(at) && r.Role != watch.RoleGateway && r.Role != watch.RoleDNSLookup {
		return watch.Result{Outcome: watch.Lost, Bytes: 28}
	}
	return watch.Result{Outcome: watch.Answered, RTT: 5 * time.Millisecond, Bytes: 56}
}

func (n *fakeNet) sources(watch.Targets) (watchSources, error) {
	return watchSources{echo: n, dns: n, state: n, ladder: n, clock: n}, nil
}

func outageAt(from, to time.Duration) func(time.Duration) bool {
	return func(t time.Duration) bool { return t >= from && t < to }
}

func newWatchHarness(t *testing.T, n *fakeNet) *harness {
	t.Helper()
	h := newHarness(t)
	h.f.watchSources = n.sources
	h.f.identity = func(host *report.Host) report.Known {
		host.Hostname, host.User = "alice-laptop", "alice"
		return report.Known{Hostname: "alice-laptop", User: "alice"}
	}
	return h
}

func TestWatchFlagErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--for", "5s"}, exitUsage, "--for must be between 10s and 24h"},
		{[]string{"--for", "25h"}, exitUsage, "--for must be between"},
		{[]string{"--every", "100ms"}, exitUsage, "--every must be between 200ms and 1m0s"},
		{[]string{"--every", "2m"}, exitUsage, "--every must be between"},
		{[]string{"--for", "20s", "--every", "5s"}, exitUsage, "fewer than ten ticks"},
		{[]string{"--fail-on", "maybe"}, exitUsage, "--fail-on must be warn or fail"},
		{[]string{"--max-data", "plenty"}, exitUsage, "--max-data"},
		{[]string{"--max-data", "10kB"}, exitUsage, "--max-data must be between 100kB"},
		{[]string{"--max-data", "200kB"}, exitUsage, "needs at least"},
		{[]string{"--format", "markdown", "--output", filepath.Join(dir, "r.json")}, exitUsage, "contradicts"},
		{[]string{"--output", filepath.Join(dir, "no", "such", "r.html")}, exitNoReport, "does not exist"},
		{[]string{"extra"}, exitUsage, "unknown command"},
	} {
		h := newWatchHarness(t, newFakeNet(nil))
		code := h.run(context.Background(), append([]string{"watch"}, tc.args...)...)
		msg := h.stderr.String()
		if code != tc.code || !strings.Contains(msg, tc.want) || strings.Count(strings.TrimSpace(msg), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", tc.args, code, msg, tc.code, tc.want)
		}
	}
}

// TestWatchPiped: piped, standard output carries valid JSON lines that
// end with the summary; the report goes to --output; an outage makes the
// exit status 1.
func TestWatchPiped(t *testing.T) {
	h := newWatchHarness(t, newFakeNet(outageAt(20*time.Second, 30*time.Second)))
	out := filepath.Join(t.TempDir(), "watch.json")
	code := h.run(context.Background(), "watch", "--for", "1m", "--output", out)
	if code != exitChecks {
		t.Fatalf("exit %d, want 1; stderr %s", code, h.stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(h.stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), h.stdout.String())
	}
	for _, l := range lines {
		if err := reportschema.ValidateWatchLine([]byte(l)); err != nil {
			t.Error(err)
		}
	}
	if !strings.HasPrefix(lines[0], `{"type":"event","kind":"outage"`) || !strings.Contains(lines[1], `"report":"`+out+`"`) {
		t.Errorf("lines:\n%s", h.stdout.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := reportschema.Validate(data); err != nil {
		t.Error(err)
	}
	rep, err := report.ReadJSON(bytes.NewReader(data))
	if err != nil || rep.Watch == nil || rep.Redaction != "on" || rep.Host.Hostname != report.RedactedHostname {
		t.Fatalf("report %v %+v", err, rep.Host)
	}
	if strings.Contains(string(data), "203.0.113.1") || !strings.Contains(string(data), "1.1.1.1") {
		t.Error("the provider's public address is not redacted, or the anchor is")
	}
	if h.stderr.Len() != 0 {
		t.Errorf("stderr (not a terminal) %q", h.stderr.String())
	}

	// wfh report shows it again, as a page with its timeline
	page := filepath.Join(t.TempDir(), "watch.html")
	h2 := newWatchHarness(t, newFakeNet(nil))
	if code := h2.run(context.Background(), "report", out, "--output", page); code != 0 {
		t.Fatalf("wfh report: exit %d: %s", code, h2.stderr.String())
	}
	html, _ := os.ReadFile(page)
	for _, want := range []string{"wfh watch: ", `class="chart timeline"`, "Outage of 10 s", "Watch: 1 outage"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("the page has no %q", want)
		}
	}
}

// TestWatchQuietExitsZero: nothing happened, exit 0; --format json
// without --output on a pipe writes the report instead of the lines.
func TestWatchQuietFormatOnPipe(t *testing.T) {
	h := newWatchHarness(t, newFakeNet(nil))
	if code := h.run(context.Background(), "watch", "--for", "30s", "--format", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if err := reportschema.Validate([]byte(h.stdout.String())); err != nil {
		t.Fatalf("%v\n%s", err, h.stdout.String())
	}
	rep := decode(t, h.stdout.String())
	if rep.Overall != report.Pass || rep.Results[0].Summary != "No drops in 30 s: the connection held the whole time." {
		t.Errorf("%s: %q", rep.Overall, rep.Results[0].Summary)
	}
}

// TestWatchTerminal: on a terminal the live view is drawn on standard
// error and erased, and the report follows on standard output.
func TestWatchTerminal(t *testing.T) {
	h := newWatchHarness(t, newFakeNet(outageAt(15*time.Second, 20*time.Second)))
	h.f.ios.SetStdoutTTY(true)
	h.f.ios.SetStderrTTY(true)
	h.f.ios.SetStdoutWidth(72)
	code := h.run(context.Background(), "watch", "--for", "40s")
	if code != exitChecks {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	errOut := h.stderr.String()
	if !strings.Contains(errOut, "Ctrl-C ends the watch") || !strings.Contains(errOut, "\x1b[J") {
		t.Errorf("no live view on stderr: %q", errOut[:min(len(errOut), 300)])
	}
	out := h.stdout.String()
	if !strings.HasPrefix(out, "wfh watch") || !strings.Contains(out, "Events: 1 outage") || strings.Contains(out, `"type"`) {
		t.Errorf("report:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if n := len([]rune(ansiRE.ReplaceAllString(l, ""))); n > 72 {
			t.Errorf("%d columns: %q", n, l)
		}
	}
}

// brokenPipe fails every write, as a pipe whose reader ended.
type brokenPipe struct{}

func (brokenPipe) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "|1", Err: syscall.EPIPE}
}

// TestWatchClosedStdout: the reader of the lines went away: the watch
// stops, saves its report, and says so in one line (exit 3).
func TestWatchClosedStdout(t *testing.T) {
	h := newWatchHarness(t, newFakeNet(outageAt(15*time.Second, 20*time.Second)))
	h.f.ios.Out = brokenPipe{}
	out := filepath.Join(t.TempDir(), "watch.json")
	code := h.run(context.Background(), "watch", "--for", "8h", "--output", out)
	msg := strings.TrimSpace(h.stderr.String())
	if code != exitNoReport || strings.Contains(msg, "\n") || !strings.Contains(msg, "broken pipe") || !strings.Contains(msg, "saved to "+out) {
		t.Fatalf("exit %d, stderr %q", code, msg)
	}
	rep, err := report.ReadJSON(mustOpen(t, out))
	if err != nil || rep.Watch.Ended != report.WatchEndedOutputFailed || rep.Watch.WatchedSeconds > 60 {
		t.Fatalf("report: %v %+v", err, rep.Watch)
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestWatchFullDisk: the report cannot be written on a full disk (a tiny
// tmpfs, filled): one line, exit 3.
func TestWatchFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	// fill it, leaving less than any report needs
	filler, _ := os.Create(filepath.Join(dir, "filler"))
	_, _ = filler.Write(make([]byte, 60<<10))
	filler.Close()
	h := newWatchHarness(t, newFakeNet(outageAt(15*time.Second, 20*time.Second)))
	out := filepath.Join(dir, "watch.html")
	code := h.run(context.Background(), "watch", "--for", "1m", "--output", out)
	msg := strings.TrimSpace(h.stderr.String())
	if code != exitNoReport || strings.Contains(msg, "\n") || !strings.Contains(msg, "no space left on device") {
		t.Fatalf("exit %d, stderr %q", code, msg)
	}
	t.Logf("%s", msg)
}

// TestWatchInterrupted: Ctrl-C (the context ends) writes the report of
// the time watched, marked interrupted, and exits 130.
func TestWatchInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := newFakeNet(nil)
	n.down = func(at time.Duration) bool {
		if at > 45*time.Second {
			cancel()
		}
		return false
	}
	h := newWatchHarness(t, n)
	out := filepath.Join(t.TempDir(), "watch.md")
	code := h.run(ctx, "watch", "--output", out)
	// The fake clock runs on while the cancel reaches the watch: the
	// report covers 45 s or a few ticks more, never the whole --for.
	covered := regexp.MustCompile(`interrupted: the report covers the (4[5-9]|5[0-9]) s watched`)
	if code != exitInterrupted || !covered.MatchString(h.stderr.String()) {
		t.Fatalf("exit %d: %q", code, h.stderr.String())
	}
	md, _ := os.ReadFile(out)
	if !bytes.Contains(md, []byte("**Interrupted:** the watch was stopped")) {
		t.Errorf("markdown:\n%s", md)
	}
}

// TestWatchCtrlCRealBinary: the real binary, with no network at all
// (unshare -n), gets SIGINT after a few seconds, writes its report and
// exits 130.
func TestWatchCtrlCRealBinary(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("unshare -n needs root")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare not found (Debian package util-linux)")
	}
	bin := wfhBinary(t)
	out := filepath.Join(t.TempDir(), "watch.json")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "-n", bin, "watch", "--output", out)
	cmd.Env = append(os.Environ(), "WFH_PROFILE=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	_ = cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v, stderr %s", err, stderr.String())
	}
	if !strings.HasPrefix(stderr.String(), "wfh: interrupted: the report covers the") {
		t.Errorf("stderr %q", stderr.String())
	}
	rep, err := report.ReadJSON(mustOpen(t, out))
	if err != nil || !rep.Interrupted || rep.Watch.Ended != report.WatchEndedInterrupted {
		t.Fatalf("report %v %+v", err, rep)
	}
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")
