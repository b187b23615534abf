package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
)

// itServer serves profiles over TLS on loopback, as IT's intranet would.
type itServer struct {
	*httptest.Server
	mu     sync.Mutex
	files  map[string]string
	status int
}

func newITServer(t *testing.T) *itServer {
	t.Helper()
	s := &itServer{files: map[string]string{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		body, ok := s.files[r.URL.Path]
		status := s.status
		s.mu.Unlock()
		switch {
		case status != 0:
			w.WriteHeader(status)
		case !ok:
			http.NotFound(w, r)
		default:
			w.Write([]byte(body))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *itServer) set(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = body
}

func (s *itServer) fail(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// urlHarness fetches profiles from srv, keeps them in cache, and reads
// the environment from env.
func urlHarness(t *testing.T, srv *itServer, cache string, env map[string]string, now time.Time) *harness {
	h := newHarness(t, fleetChecks()...)
	h.f.fleet.profileClient = srv.Client()
	h.f.fleet.cacheDir = cache
	h.f.fleet.getenv = func(k string) string { return env[k] }
	h.f.now = func() time.Time { return now }
	return h
}

func TestDoctorProfileFromURL(t *testing.T) {
	srv := newITServer(t)
	body := "name: Acme fleet\nchecks:\n  skip: [bandwidth]\n"
	srv.set("/wfh/acme.yaml", body)
	cache := t.TempDir()
	day1 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	addr := srv.URL + "/wfh/acme.yaml#sha256=" + sha(body)

	h := urlHarness(t, srv, cache, nil, day1)
	if code := h.run(context.Background(), "doctor", "--profile", addr, "--format", "json"); code != exitOK {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if err := reportschema.Validate([]byte(h.stdout.String())); err != nil {
		t.Fatal(err)
	}
	r := decode(t, h.stdout.String())
	src := r.ProfileSource
	if r.Profile != "Acme fleet" || len(r.Results) != 1 || src == nil || src.URL != srv.URL+"/wfh/acme.yaml" || !src.Pinned ||
		src.FromCache || src.AgeSeconds != 0 || src.SHA256 != sha(body) {
		t.Fatalf("report %+v, source %+v", r, src)
	}
	if h.stderr.Len() != 0 {
		t.Errorf("stderr %q", h.stderr.String())
	}

	// Two days later, the server is down: WFH_PROFILE names the same
	// address, and the saved copy is used, with a warning and its age.
	srv.fail(http.StatusServiceUnavailable)
	day3 := day1.Add(49 * time.Hour)
	h = urlHarness(t, srv, cache, map[string]string{"WFH_PROFILE": addr}, day3)
	if code := h.run(context.Background(), "doctor", "--format", "prometheus"); code != exitOK {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	want := "wfh: warning: the profile " + srv.URL + "/wfh/acme.yaml cannot be fetched (the server answered HTTP 503 Service Unavailable); using the copy saved 2 days ago (2026-11-24 09:00 UTC)\n"
	if h.stderr.String() != want {
		t.Errorf("stderr %q\nwant   %q", h.stderr.String(), want)
	}
	if !strings.Contains(h.stdout.String(), `wfh_profile_age_seconds{mode="full"} 176400`) {
		t.Errorf("the metrics lack the profile's age:\n%s", h.stdout.String())
	}
	h = urlHarness(t, srv, cache, map[string]string{"WFH_PROFILE": addr}, day3)
	h.run(context.Background(), "doctor", "--format", "json")
	if r := decode(t, h.stdout.String()); r.ProfileSource == nil || !r.ProfileSource.FromCache || r.ProfileSource.AgeSeconds != 176400 {
		t.Errorf("source %+v", r.ProfileSource)
	}

	// --profile beats WFH_PROFILE.
	h = urlHarness(t, srv, cache, map[string]string{"WFH_PROFILE": addr}, day3)
	local := filepath.Join(t.TempDir(), "local.yaml")
	os.WriteFile(local, []byte("name: Local\n"), 0o644)
	h.run(context.Background(), "doctor", "--profile", local, "--format", "json")
	if r := decode(t, h.stdout.String()); r.Profile != "Local" || r.ProfileSource != nil {
		t.Errorf("--profile lost to WFH_PROFILE: %+v", r)
	}
}

func TestDoctorProfileURLFailures(t *testing.T) {
	srv := newITServer(t)
	srv.set("/acme.yaml", "name: Acme\n")
	for _, tc := range []struct {
		name, addr, want string
		env              map[string]string
	}{
		{"pin mismatch", srv.URL + "/acme.yaml#sha256=" + strings.Repeat("0", 64),
			"the profile's SHA-256 is " + sha("name: Acme\n") + ", not the pinned " + strings.Repeat("0", 64), nil},
		{"not found, nothing saved", srv.URL + "/gone.yaml", "cannot be fetched (the server answered HTTP 404 Not Found) and no copy was saved by an earlier run", nil},
		{"plain http", "http://it.acme.example/acme.yaml", "is not encrypted (http://)", nil},
		{"from the environment", "", "(from WFH_PROFILE)", map[string]string{"WFH_PROFILE": srv.URL + "/gone.yaml"}},
	} {
		h := urlHarness(t, srv, t.TempDir(), tc.env, time.Now())
		args := []string{"doctor", "--format", "json"}
		if tc.addr != "" {
			args = append(args, "--profile", tc.addr)
		}
		code := h.run(context.Background(), args...)
		if code != exitUsage || !strings.Contains(h.stderr.String(), tc.want) || strings.Count(h.stderr.String(), "\n") != 1 || h.stdout.Len() != 0 {
			t.Errorf("%s: exit %d, stderr %q, want one line with %q", tc.name, code, h.stderr.String(), tc.want)
		}
	}
}

func TestProfileInit(t *testing.T) {
	h := newHarness(t)
	if code := h.run(context.Background(), "profile", "init"); code != 0 || h.stdout.String() != profile.Template() {
		t.Fatalf("exit %d", code)
	}
	p, err := profile.Parse("init.yaml", []byte(h.stdout.String()), profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "" || p.Timeout != 0 || len(p.Checks.Only) != 0 {
		t.Errorf("the template sets something: %+v", p)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "acme.yaml")
	h = newHarness(t)
	if code := h.run(context.Background(), "profile", "init", path); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if data, _ := os.ReadFile(path); string(data) != profile.Template() {
		t.Error("the file is not the template")
	}
	h = newHarness(t)
	if code := h.run(context.Background(), "profile", "init", path); code != exitUsage || !strings.Contains(h.stderr.String(), "already exists") {
		t.Errorf("existing file: exit %d %q", code, h.stderr.String())
	}
	os.WriteFile(path, []byte("name: old\n"), 0o644)
	h = newHarness(t)
	if code := h.run(context.Background(), "profile", "init", "--force", path); code != 0 {
		t.Errorf("--force: exit %d", code)
	}
	if data, _ := os.ReadFile(path); string(data) != profile.Template() {
		t.Error("--force did not replace the file")
	}
	h = newHarness(t)
	if code := h.run(context.Background(), "profile", "init", filepath.Join(dir, "no", "such", "dir", "p.yaml")); code != exitNoReport {
		t.Errorf("unwritable: exit %d %q", code, h.stderr.String())
	}
}

func TestProfileValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "acme.yaml")
	os.WriteFile(good, []byte("name: Acme\ntimeout: 2m\ndns:\n  company_names:\n    - name: sso.acme.example\n"), 0o644)
	h := newHarness(t, fleetChecks()...)
	if code := h.run(context.Background(), "profile", "validate", good); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	want := good + `: a valid wfh profile, "Acme"
It sets:
  name:               Acme
  timeout:            2m
  dns.company_names:  [{name: sso.acme.example}]
Every other key keeps its default (wfh profile init shows them).
`
	if h.stdout.String() != want {
		t.Errorf("got\n%s\nwant\n%s", h.stdout.String(), want)
	}

	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: Acme\nchecks:\n  only: [latencyy]\n"), 0o644)
	h = newHarness(t, fleetChecks()...)
	code := h.run(context.Background(), "profile", "validate", bad)
	if code != exitUsage || !strings.Contains(h.stderr.String(), `bad.yaml:3: checks.only names an unknown check "latencyy"; did you mean "latency"?`) ||
		strings.Count(h.stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}

	// An address: fetched now, with the hash and the pinned address.
	srv := newITServer(t)
	srv.set("/acme.yaml", "name: Acme\n")
	h = urlHarness(t, srv, t.TempDir(), nil, time.Now())
	if code := h.run(context.Background(), "profile", "validate", srv.URL+"/acme.yaml"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	for _, want := range []string{"sha256: " + sha("name: Acme\n"), "pinned address: " + srv.URL + "/acme.yaml#sha256=" + sha("name: Acme\n")} {
		if !strings.Contains(h.stdout.String(), want) {
			t.Errorf("lacks %q:\n%s", want, h.stdout.String())
		}
	}
	// Never from the saved copy.
	srv.fail(500)
	h.stdout.Reset()
	h.stderr.Reset()
	if code := h.run(context.Background(), "profile", "validate", srv.URL+"/acme.yaml"); code != exitUsage || !strings.Contains(h.stderr.String(), "cannot be fetched: the server answered HTTP 500") {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
}
