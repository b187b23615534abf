package main

import (
	"context"
	"crypto/hmac"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/reportpost"
	"github.com/wfh-cli/wfh/report"
)

const (
	postToken  = "Bearer tok-9f8e7d6c5b4a"
	postSecret = "shared-secret-0123456789"
)

// helpdesk is IT's receiver, on loopback with TLS; its certificate reaches
// wfh as the profile's company_ca, the way IT would trust an internal
// server.
type helpdesk struct {
	*httptest.Server
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
	answer  func(n int, w http.ResponseWriter, r *http.Request) // n counts from 1; nil: 204
}

func newHelpdesk(t *testing.T) *helpdesk {
	t.Helper()
	hd := &helpdesk{}
	hd.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hd.mu.Lock()
		hd.bodies = append(hd.bodies, body)
		hd.headers = append(hd.headers, r.Header.Clone())
		n, answer := len(hd.bodies), hd.answer
		hd.mu.Unlock()
		if answer != nil {
			answer(n, w, r)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hd.Close)
	return hd
}

func (hd *helpdesk) requests() ([][]byte, []http.Header) {
	hd.mu.Lock()
	defer hd.mu.Unlock()
	return append([][]byte(nil), hd.bodies...), append([]http.Header(nil), hd.headers...)
}

// caFile writes the server's certificate as a PEM file.
func caFile(t *testing.T, srv *httptest.Server, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "helpdesk-ca.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// postProfile writes a profile that posts to url with the token and the
// secret from the environment, trusting ca.
func postProfile(t *testing.T, dir, url, ca string) string {
	t.Helper()
	path := filepath.Join(dir, "acme.yaml")
	body := "name: Acme\ncompany_ca: " + ca + "\nreport:\n  post_url: " + url +
		"\n  post_authorization_env: ACME_WFH_TOKEN\n  post_secret_env: ACME_WFH_SECRET\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// postHarness is a harness whose environment holds the token and secret,
// whose poster waits milliseconds between attempts, and whose host
// identity is planted so that redaction has something to redact.
func postHarness(t *testing.T, env map[string]string) *harness {
	h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Warn, "slow from alice-thinkpad at 203.0.113.9")})
	h.f.fleet.getenv = func(k string) string { return env[k] }
	h.f.fleet.poster = &reportpost.Poster{AttemptTimeout: 2 * time.Second, Budget: 6 * time.Second,
		Backoff: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}}
	h.f.identity = func(host *report.Host) report.Known {
		host.Hostname, host.User = "alice-thinkpad", "alice"
		return report.Known{Hostname: "alice-thinkpad", User: "alice", HomeDir: "/home/alice"}
	}
	return h
}

var postEnv = map[string]string{"ACME_WFH_TOKEN": postToken, "ACME_WFH_SECRET": postSecret}

// assertNoSecrets: the token and the secret appear nowhere wfh writes.
func assertNoSecrets(t *testing.T, h *harness, files ...string) {
	t.Helper()
	out := h.stdout.String() + h.stderr.String()
	for _, f := range files {
		data, _ := os.ReadFile(f)
		out += string(data)
	}
	for _, secret := range []string{"tok-9f8e7d6c5b4a", postSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("%q appears in wfh's output or report", secret)
		}
	}
}

func TestDoctorPostsTheReport(t *testing.T) {
	hd := newHelpdesk(t)
	dir := t.TempDir()
	prof := postProfile(t, dir, hd.URL+"/wfh?team=emea", caFile(t, hd.Server, dir))
	out := filepath.Join(dir, "wfh.json")
	h := postHarness(t, postEnv)
	if code := h.run(context.Background(), "doctor", "--profile", prof, "--format", "json", "--output", out); code != exitOK {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	local, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	bodies, headers := hd.requests()
	if len(bodies) != 1 {
		t.Fatalf("%d posts", len(bodies))
	}
	if string(bodies[0]) != string(local) {
		t.Errorf("the body differs from the local JSON report:\n%s\n---\n%s", bodies[0], local)
	}
	hdr := headers[0]
	ts, err := strconv.ParseInt(hdr.Get(reportpost.HeaderTimestamp), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		t.Errorf("timestamp %q", hdr.Get(reportpost.HeaderTimestamp))
	}
	if want := reportpost.Sign([]byte(postSecret), ts, bodies[0]); !hmac.Equal([]byte(hdr.Get(reportpost.HeaderSignature)), []byte(want)) {
		t.Errorf("signature %q, want %q", hdr.Get(reportpost.HeaderSignature), want)
	}
	if hdr.Get("Authorization") != postToken || hdr.Get("Content-Type") != "application/json" || !strings.HasPrefix(hdr.Get("User-Agent"), "wfh/") {
		t.Errorf("headers %v", hdr)
	}
	if strings.Contains(string(bodies[0]), "alice") || strings.Contains(string(bodies[0]), "203.0.113.9") {
		t.Errorf("the posted report is not redacted:\n%s", bodies[0])
	}
	if h.stderr.Len() != 0 {
		t.Errorf("a post that worked printed %q", h.stderr.String())
	}
	assertNoSecrets(t, h, out)
}

// TestDoctorPostsRedactedWithNoRedact: --no-redact keeps the person's own
// copy whole; IT still receives the redacted report.
func TestDoctorPostsRedactedWithNoRedact(t *testing.T) {
	hd := newHelpdesk(t)
	dir := t.TempDir()
	prof := postProfile(t, dir, hd.URL+"/wfh", caFile(t, hd.Server, dir))
	h := postHarness(t, postEnv)
	h.run(context.Background(), "doctor", "--profile", prof, "--format", "json", "--no-redact")
	bodies, _ := hd.requests()
	if !strings.Contains(h.stdout.String(), "alice-thinkpad") {
		t.Error("--no-redact lost the local copy's data")
	}
	if len(bodies) != 1 || strings.Contains(string(bodies[0]), "alice") || !strings.Contains(string(bodies[0]), `"redaction": "on"`) {
		t.Errorf("posted:\n%s", bodies)
	}
}

func TestDoctorPostRetriesAndFails(t *testing.T) {
	hd := newHelpdesk(t)
	hd.answer = func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}
	dir := t.TempDir()
	prof := postProfile(t, dir, hd.URL+"/wfh", caFile(t, hd.Server, dir))
	h := postHarness(t, postEnv)
	if code := h.run(context.Background(), "doctor", "--profile", prof, "--format", "json"); code != exitOK || h.stderr.Len() != 0 {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
	if bodies, _ := hd.requests(); len(bodies) != 2 {
		t.Errorf("%d requests, want a 500 and then the 200", len(bodies))
	}

	// Always 500: the run's exit status and report stay, and one line says why.
	hd = newHelpdesk(t)
	hd.answer = func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }
	prof = postProfile(t, dir, hd.URL+"/wfh?key=q-s3cret", caFile(t, hd.Server, dir))
	out := filepath.Join(dir, "wfh.json")
	h = postHarness(t, postEnv)
	code := h.run(context.Background(), "doctor", "--profile", prof, "--format", "json", "--output", out, "--fail-on", "warn")
	want := "wfh: warning: the report was not posted to " + hd.URL + "/wfh: the receiver answered HTTP 500 Internal Server Error (after 3 attempts); the report itself was written as usual\n"
	if code != exitChecks || h.stderr.String() != want {
		t.Errorf("exit %d, stderr %q\nwant %q", code, h.stderr.String(), want)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the report was not written: %v", err)
	}
	if strings.Contains(h.stderr.String(), "q-s3cret") {
		t.Error("the address's query reached the warning")
	}
	assertNoSecrets(t, h, out)
}

func TestDoctorPostStalledReceiverEndsInTime(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	hd := newHelpdesk(t)
	// The receiver never answers while the test runs, whatever the
	// client does: a handler that also returned on its request's context
	// answered 200 once in a suite run on a busy machine.
	hd.answer = func(_ int, w http.ResponseWriter, r *http.Request) {
		<-release
	}
	dir := t.TempDir()
	prof := postProfile(t, dir, hd.URL+"/wfh", caFile(t, hd.Server, dir))
	h := postHarness(t, postEnv)
	h.f.fleet.poster.AttemptTimeout, h.f.fleet.poster.Budget = 300*time.Millisecond, 2*time.Second
	start := time.Now()
	code := h.run(context.Background(), "doctor", "--profile", prof, "--format", "json")
	took := time.Since(start)
	// The post's budget is the contract; the margin is for a busy machine.
	if took > 2*time.Second+3*time.Second {
		t.Errorf("the run took %s with a 2 s post budget", took)
	}
	if code != exitOK || !strings.Contains(h.stderr.String(), "no answer within 300ms (after 3 attempts)") || strings.Count(h.stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
	if decode(t, h.stdout.String()).Overall != report.Warn {
		t.Error("the report changed")
	}
}

// TestDoctorPostRedirectNotFollowed: a receiver that redirects, here to
// another host with a certificate wfh also trusts, never gets the report
// or the token there.
func TestDoctorPostRedirectNotFollowed(t *testing.T) {
	other := newHelpdesk(t)
	hd := newHelpdesk(t)
	hd.answer = func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/collect", http.StatusTemporaryRedirect)
	}
	dir := t.TempDir()
	ca := caFile(t, hd.Server, dir)
	otherCA, _ := os.ReadFile(caFile(t, other.Server, t.TempDir()))
	f, _ := os.OpenFile(ca, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(otherCA)
	f.Close()
	prof := postProfile(t, dir, hd.URL+"/wfh", ca)
	h := postHarness(t, postEnv)
	code := h.run(context.Background(), "doctor", "--profile", prof, "--format", "json")
	if code != exitOK || !strings.Contains(h.stderr.String(), "HTTP 307 Temporary Redirect, a redirect to https://localhost:") ||
		!strings.Contains(h.stderr.String(), "which wfh does not follow") {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
	if bodies, _ := other.requests(); len(bodies) != 0 {
		t.Errorf("the other host received %d requests", len(bodies))
	}
	assertNoSecrets(t, h)
}

func TestDoctorPostMissingSecretOrBadFlag(t *testing.T) {
	hd := newHelpdesk(t)
	dir := t.TempDir()
	prof := postProfile(t, dir, hd.URL+"/wfh", caFile(t, hd.Server, dir))
	h := postHarness(t, map[string]string{"ACME_WFH_TOKEN": postToken})
	code := h.run(context.Background(), "doctor", "--profile", prof, "--format", "json")
	want := "wfh: warning: the report was not posted to " + hd.URL + "/wfh: the environment variable ACME_WFH_SECRET, which the profile names in report.post_secret_env, is not set; the report itself was written as usual\n"
	if code != exitOK || h.stderr.String() != want {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
	if bodies, _ := hd.requests(); len(bodies) != 0 {
		t.Error("posted without the secret")
	}

	for _, bad := range []string{"http://helpdesk.acme.example/wfh", "helpdesk.acme.example", "https://helpdesk.acme.example/wfh#x"} {
		h = postHarness(t, postEnv)
		if code := h.run(context.Background(), "doctor", "--post", bad); code != exitUsage || !strings.HasPrefix(h.stderr.String(), "wfh: --post ") {
			t.Errorf("--post %s: exit %d, stderr %q", bad, code, h.stderr.String())
		}
	}
}

// TestDoctorPostFlagBeatsProfile: --post sends to its own address, with
// the profile's token and secret.
func TestDoctorPostFlagBeatsProfile(t *testing.T) {
	hd, flagged := newHelpdesk(t), newHelpdesk(t)
	dir := t.TempDir()
	ca := caFile(t, hd.Server, dir)
	flaggedCA, _ := os.ReadFile(caFile(t, flagged.Server, t.TempDir()))
	f, _ := os.OpenFile(ca, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(flaggedCA)
	f.Close()
	prof := postProfile(t, dir, hd.URL+"/wfh", ca)
	h := postHarness(t, postEnv)
	h.run(context.Background(), "doctor", "--profile", prof, "--post", flagged.URL+"/other", "--format", "prometheus")
	a, _ := hd.requests()
	b, headers := flagged.requests()
	if len(a) != 0 || len(b) != 1 || headers[0].Get("Authorization") != postToken {
		t.Errorf("profile's address got %d, --post's got %d", len(a), len(b))
	}
	// Whatever the local format, IT receives JSON.
	if len(b) == 1 && !strings.HasPrefix(string(b[0]), "{") {
		t.Errorf("posted %.40q", b[0])
	}
	assertNoSecrets(t, h)
}
