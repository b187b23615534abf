package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/iostreams"
	"github.com/wfh-cli/wfh/report"
)

// lockedBuilder is written by the server's goroutines and read by the test.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func serveHarness() (*factory, *lockedBuilder) {
	ios, _, _ := iostreams.Test()
	errOut := &lockedBuilder{}
	ios.ErrOut = errOut
	ios.Out = io.Discard
	return &factory{ios: ios, registry: &checks.Registry{}}, errOut
}

// A bad listen address or a port in use: one line, a non-zero exit, at
// once.
func TestServeListenErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "--listen", "8080"}, exitUsage, "is not host:port"},
		{[]string{"serve", "--listen", "127.0.0.1:http-alt"}, exitUsage, "bad port"},
		{[]string{"serve", "--listen", "127.0.0.1:70000"}, exitUsage, "bad port"},
		{[]string{"serve", "--listen", "192.0.2.77:8080"}, exitUsage, "not one of this machine's"},
		{[]string{"serve", "--listen", busy.Addr().String()}, exitServeFailed, "already in use"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-body", "lots"}, exitUsage, "--max-body"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-body", "0MB"}, exitUsage, "--max-body must be from 1MB to 1GB, not 0B"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-body", "1B"}, exitUsage, "--max-body must be from 1MB to 1GB, not 1B"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-body", "2GB"}, exitUsage, "--max-body must be from 1MB to 1GB, not 2GB"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-clients", "0"}, exitUsage, "--max-clients must be from 1 to 100, not 0"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-clients", "101"}, exitUsage, "--max-clients must be from 1 to 100, not 101"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-clients", "-3"}, exitUsage, "--max-clients must be from 1 to 100, not -3"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-test", "0"}, exitUsage, "--max-test must be from 15s to 10m, not 0s"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-test", "-1s"}, exitUsage, "--max-test must be from 15s to 10m, not -1s"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-test", "10ms"}, exitUsage, "--max-test must be from 15s to 10m, not 10ms"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-test", "2h"}, exitUsage, "--max-test must be from 15s to 10m, not 2h0m0s"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-test", "soon"}, exitUsage, "--max-test"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--congestion", "c u b i c"}, exitUsage, "--congestion \"c u b i c\" is not an algorithm this system offers"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--congestion", "nosuch"}, exitUsage, "--congestion \"nosuch\" is not an algorithm this system offers; choose one of: "},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--token", "two words"}, exitUsage, "--token: the token has a space or control character at position 4"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--token", strings.Repeat("x", 257)}, exitUsage, "--token: the token is 257 characters long; use at most 256"},
	} {
		f, errOut := serveHarness()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		start := time.Now()
		code := execute(ctx, f, tc.args)
		cancel()
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d; stderr %q", tc.args, code, tc.code, errOut.String())
		}
		if lines := strings.Count(strings.TrimSpace(errOut.String()), "\n") + 1; lines != 1 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: want one line with %q, got %q", tc.args, tc.want, errOut.String())
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%v took %v", tc.args, took)
		}
	}
}

// A token from the environment that cannot be one (a newline from a file)
// is named by the variable it came from.
func TestServeTokenFromEnvironment(t *testing.T) {
	t.Setenv(tokenEnv, "s3cret\n")
	f, errOut := serveHarness()
	if code := execute(t.Context(), f, []string{"serve", "--listen", "127.0.0.1:0"}); code != exitUsage ||
		!strings.Contains(errOut.String(), "WFH_SERVE_TOKEN: the token has a space or control character at position 7 (a newline from a file?)") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}

// --help states each flag's rule and the fixed limits.
func TestServeHelpStatesTheRules(t *testing.T) {
	ios, out, _ := iostreams.Test()
	f := &factory{ios: ios, registry: &checks.Registry{}}
	if code := execute(t.Context(), f, []string{"serve", "--help"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"from 1 to 100", "from 15s to 10m", "from 1MB to 1GB", "at most 256 characters",
		"lists as available, or \"system\"", "Per address", "40 open connections", "600 requests a minute", "IPv6 /64",
		"2  usage error"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

// wfh serve serves the protocol, logs its start and each test, and stops
// cleanly (exit 0) when its context ends, as on SIGTERM.
func TestServeRunsAndStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f, errOut := serveHarness()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	t.Setenv(tokenEnv, "s3cret")
	go func() { done <- execute(ctx, f, []string{"serve", "--listen", addr}) }()
	deadline := time.Now().Add(5 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/speedtest/latency.txt?token=s3cret")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if body != "test=test" {
		t.Fatalf("latency.txt: %q; stderr %q", body, errOut.String())
	}
	if resp, err := http.Get("http://" + addr + "/speedtest/latency.txt"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the token from %s: %v %v", tokenEnv, resp, err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after a clean stop; stderr %q", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	log := errOut.String()
	for _, want := range []string{"listening on " + addr, "token required", "at most 8 tests at once", "test from 127.0.0.1", "stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "s3cret") {
		t.Errorf("the token is in the log:\n%s", log)
	}
}

// --quick leaves out the checks that load the network; --max-data sets
// their budget over the profile's; bad values are usage errors.
func TestQuickAndMaxData(t *testing.T) {
	var seen []string
	var budget int64
	loud := stubCheck{id: "speed", needs: checks.Needs{LoadsNetwork: true}, run: func(_ context.Context, env *checks.Env) checks.Result {
		budget = int64(env.Profile.Bandwidth.MaxData)
		seen = append(seen, "speed")
		return checks.Result{Status: report.Pass, Summary: "fast"}
	}}
	quiet := stubCheck{id: "local", run: func(context.Context, *checks.Env) checks.Result {
		seen = append(seen, "local")
		return checks.Result{Status: report.Pass, Summary: "ok"}
	}}
	h := newHarness(t, loud, quiet)
	if code := h.run(t.Context(), "doctor", "--quick", "--format", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr)
	}
	if strings.Join(seen, ",") != "local" {
		t.Errorf("--quick ran %v", seen)
	}
	seen = nil
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.yaml")
	os.WriteFile(prof, []byte("bandwidth:\n  max_data: 100MB\n"), 0o600)
	if code := h.run(t.Context(), "doctor", "--profile", prof, "--only", "speed", "--format", "json"); code != 0 || budget != 100_000_000 {
		t.Errorf("profile budget: exit %d, budget %d", code, budget)
	}
	if code := h.run(t.Context(), "doctor", "--profile", prof, "--max-data", "40MB", "--only", "speed", "--format", "json"); code != 0 || budget != 40_000_000 {
		t.Errorf("--max-data over the profile: exit %d, budget %d", code, budget)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"doctor", "--quick", "--only", "speed"}, "--quick leaves no check to run"},
		{[]string{"doctor", "--max-data", "250"}, "no unit"},
		{[]string{"doctor", "--max-data", "1MB"}, "--max-data must be between 5MB and 10GB"},
		{[]string{"doctor", "--max-data", "plenty"}, "not an amount of data"},
	} {
		h := newHarness(t, loud, quiet)
		if code := h.run(t.Context(), tc.args...); code != exitUsage || !strings.Contains(h.stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, h.stderr, tc.want)
		}
	}
}

// A malformed bandwidth.server in the profile is a usage error: one line
// naming the key and the fix, exit 2, before any check runs.
func TestMalformedBandwidthServer(t *testing.T) {
	dir := t.TempDir()
	for _, bad := range []string{"speedtest.acme.example:8080", "ftp://speed.acme.example/", "http://", "http://speed acme/"} {
		prof := filepath.Join(dir, "p.yaml")
		os.WriteFile(prof, []byte("bandwidth:\n  server: \""+bad+"\"\n"), 0o600)
		ran := false
		h := newHarness(t, stubCheck{id: "speed", needs: checks.Needs{LoadsNetwork: true}, run: func(context.Context, *checks.Env) checks.Result {
			ran = true
			return checks.Result{Status: report.Pass, Summary: "x"}
		}})
		code := h.run(t.Context(), "doctor", "--profile", prof)
		msg := strings.TrimSpace(h.stderr.String())
		if code != exitUsage || ran || strings.Contains(msg, "\n") || !strings.Contains(msg, "bandwidth.server") ||
			!strings.Contains(msg, "write the speed-test server's web address") {
			t.Errorf("%q: exit %d, ran %v, stderr %q", bad, code, ran, msg)
		}
	}
}
