package profile

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// profileServer is IT's web server, on loopback with a test certificate:
// it serves files from a map the test changes, and can be told to fail.
type profileServer struct {
	*httptest.Server
	mu     sync.Mutex
	files  map[string]string
	status int           // answer every request with this status, when set
	stall  chan struct{} // when set, send headers and one byte, then wait for it to close
	html   bool
	hits   map[string]int
}

func newProfileServer(t *testing.T) *profileServer {
	t.Helper()
	ps := &profileServer{files: map[string]string{}, hits: map[string]int{}}
	ps.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps.mu.Lock()
		body, ok := ps.files[r.URL.Path]
		status, stall, html := ps.status, ps.stall, ps.html
		ps.hits[r.URL.Path]++
		ps.mu.Unlock()
		switch {
		case status != 0:
			w.WriteHeader(status)
			return
		case stall != nil:
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte("n"))
			w.(http.Flusher).Flush()
			select {
			case <-stall:
			case <-r.Context().Done():
			}
			return
		case html:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<html><body>Sign in</body></html>"))
			return
		case !ok:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/yaml")
		w.Write([]byte(body))
	}))
	t.Cleanup(ps.Close)
	return ps
}

func (ps *profileServer) set(path, body string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.files[path] = body
}

func (ps *profileServer) fail(status int) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.status = status
}

func (ps *profileServer) fetcher(t *testing.T, now time.Time) *Fetcher {
	return &Fetcher{Client: ps.Client(), CacheDir: filepath.Join(t.TempDir(), "cache"), Now: func() time.Time { return now },
		Timeout: 2 * time.Second, UserAgent: "wfh-test"}
}

var fetchNow = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func TestFetchProfile(t *testing.T) {
	ps := newProfileServer(t)
	body := "name: Acme remote\ntimeout: 2m\n"
	ps.set("/wfh/acme.yaml", body)
	f := ps.fetcher(t, fetchNow)

	res, err := f.Fetch(context.Background(), ps.URL+"/wfh/acme.yaml", known)
	if err != nil {
		t.Fatal(err)
	}
	if res.Profile.Name != "Acme remote" || res.Profile.Timeout.Std() != 2*time.Minute || res.Profile.Path != ps.URL+"/wfh/acme.yaml" {
		t.Errorf("profile %+v", res.Profile)
	}
	src := res.Source
	if src.SHA256 != sha256Hex([]byte(body)) || src.Pinned || src.FromCache || src.Age != 0 || !src.FetchedAt.Equal(fetchNow) || src.CacheProblem != "" {
		t.Errorf("source %+v", src)
	}
	if len(res.Settings) != 2 || res.Settings[1].Path != "timeout" {
		t.Errorf("settings %+v", res.Settings)
	}

	// Pinned: the same profile with its hash, in either case.
	pinned := ps.URL + "/wfh/acme.yaml#sha256=" + strings.ToUpper(src.SHA256)
	res, err = f.Fetch(context.Background(), pinned, known)
	if err != nil || !res.Source.Pinned {
		t.Fatalf("pinned: %+v %v", res, err)
	}
	// The query (a token, perhaps) and credentials never show.
	res, err = f.Fetch(context.Background(), strings.Replace(ps.URL, "https://", "https://it:s3cret@", 1)+"/wfh/acme.yaml?token=t0ken", known)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(res.Source.URL, "s3cret") || strings.Contains(res.Source.URL, "t0ken") || strings.Contains(res.Profile.Path, "t0ken") {
		t.Errorf("a secret in the address is shown: %q", res.Source.URL)
	}
}

func TestFetchPinMismatch(t *testing.T) {
	ps := newProfileServer(t)
	ps.set("/acme.yaml", "name: changed\n")
	f := ps.fetcher(t, fetchNow)
	// A copy saved earlier must not hide a mismatch either.
	ps.set("/acme.yaml", "name: original\n")
	if _, err := f.Fetch(context.Background(), ps.URL+"/acme.yaml", known); err != nil {
		t.Fatal(err)
	}
	ps.set("/acme.yaml", "name: changed\n")
	pin := sha256Hex([]byte("name: original\n"))
	_, err := f.Fetch(context.Background(), ps.URL+"/acme.yaml#sha256="+pin, known)
	var pe *Error
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "the profile's SHA-256 is "+sha256Hex([]byte("name: changed\n"))+", not the pinned "+pin) {
		t.Fatalf("err %v", err)
	}
	if strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("more than one line: %q", err)
	}
}

func TestFetchRefusals(t *testing.T) {
	ps := newProfileServer(t)
	ps.set("/big.yaml", "#"+strings.Repeat("x", maxFileSize)+"\n")
	ps.set("/bad.yaml", "timeout: 90\n")
	f := ps.fetcher(t, fetchNow)
	for _, tc := range []struct{ addr, want string }{
		{ps.URL + "/big.yaml", "is larger than 1 MiB"},
		{ps.URL + "/bad.yaml", "/bad.yaml:1: timeout must be a duration with a unit"},
		{ps.URL + "/x.yaml#version=2", "has a # part that is not a pin"},
		{ps.URL + "/x.yaml#sha256=abc", "has a # part that is not a pin"},
		{"http://it.acme.example/wfh.yaml", "is not encrypted (http://)"},
		{"ftp://it.acme.example/wfh.yaml", "is not a web address"},
		{"https:///wfh.yaml", "is not a web address"},
	} {
		_, err := f.Fetch(context.Background(), tc.addr, known)
		var pe *Error
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.addr, err, tc.want)
		}
	}
	// A big file is refused even with a saved copy: the server answered.
	ps.set("/big.yaml", "name: small\n")
	if _, err := f.Fetch(context.Background(), ps.URL+"/big.yaml", known); err != nil {
		t.Fatal(err)
	}
	ps.set("/big.yaml", "#"+strings.Repeat("x", maxFileSize)+"\n")
	if _, err := f.Fetch(context.Background(), ps.URL+"/big.yaml", known); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("big file with a saved copy: %v", err)
	}
}

// TestFetchUnreachableUsesCache: what the saved copy stands in for (no
// network, a server error, a 404, a stall, a sign-in page), with the
// copy's age and the reason; and without a copy, one line saying so.
func TestFetchUnreachableUsesCache(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(ps *profileServer) (restore func())
		reason string
	}{
		{"server error", func(ps *profileServer) func() { ps.fail(500); return func() {} }, "the server answered HTTP 500 Internal Server Error"},
		{"not found", func(ps *profileServer) func() { ps.fail(404); return func() {} }, "the server answered HTTP 404 Not Found"},
		{"sign-in page", func(ps *profileServer) func() { ps.mu.Lock(); ps.html = true; ps.mu.Unlock(); return func() {} }, "web page, not the file"},
		{"stalled", func(ps *profileServer) func() {
			ch := make(chan struct{})
			ps.mu.Lock()
			ps.stall = ch
			ps.mu.Unlock()
			return func() { close(ch) }
		}, "no answer within the time limit"},
		{"offline", func(ps *profileServer) func() { ps.Close(); return func() {} }, "connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := newProfileServer(t)
			ps.set("/acme.yaml", "name: Acme\n")
			f := ps.fetcher(t, fetchNow)
			f.Timeout = 500 * time.Millisecond
			addr := ps.URL + "/acme.yaml"

			// Without a saved copy: one clear line.
			fresh := *f
			fresh.CacheDir = filepath.Join(t.TempDir(), "empty")
			restore := tc.break_(ps)
			start := time.Now()
			_, err := fresh.Fetch(context.Background(), addr, known)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s, past the 500 ms limit plus margin", took)
			}
			if err == nil || !strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), "no copy was saved by an earlier run") {
				t.Errorf("without a copy: %v", err)
			}
			restore()
			if tc.name == "offline" {
				return // the server is gone; the cached case is below with a fresh one
			}
		})
	}

	// With a copy saved a day and a half earlier.
	for _, status := range []int{500, 404} {
		ps := newProfileServer(t)
		ps.set("/acme.yaml", "name: Acme\n")
		f := ps.fetcher(t, fetchNow.Add(-36*time.Hour))
		if _, err := f.Fetch(context.Background(), ps.URL+"/acme.yaml", known); err != nil {
			t.Fatal(err)
		}
		f.Now = func() time.Time { return fetchNow }
		ps.fail(status)
		res, err := f.Fetch(context.Background(), ps.URL+"/acme.yaml", known)
		if err != nil {
			t.Fatal(err)
		}
		src := res.Source
		if !src.FromCache || src.Age != 36*time.Hour || res.Profile.Name != "Acme" || !strings.Contains(src.FetchProblem, "HTTP") {
			t.Errorf("%d: source %+v", status, src)
		}
	}

	// Offline: the server is gone.
	ps := newProfileServer(t)
	ps.set("/acme.yaml", "name: Acme\n")
	f := ps.fetcher(t, fetchNow.Add(-time.Hour))
	addr := ps.URL + "/acme.yaml#sha256=" + sha256Hex([]byte("name: Acme\n"))
	if _, err := f.Fetch(context.Background(), addr, known); err != nil {
		t.Fatal(err)
	}
	ps.Close()
	f.Now = func() time.Time { return fetchNow }
	res, err := f.Fetch(context.Background(), addr, known)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Source.FromCache || res.Source.Age != time.Hour || !res.Source.Pinned {
		t.Errorf("offline: %+v", res.Source)
	}
	// The saved copy must match the pin too.
	other := strings.Repeat("0", 64)
	if _, err := f.Fetch(context.Background(), ps.URL+"/acme.yaml#sha256="+other, known); err == nil || !strings.Contains(err.Error(), "does not match the pin") {
		t.Errorf("pin against the saved copy: %v", err)
	}
	// wfh profile validate never uses the copy.
	f.NoCache = true
	if _, err := f.Fetch(context.Background(), addr, known); err == nil || !strings.Contains(err.Error(), "cannot be fetched") {
		t.Errorf("NoCache: %v", err)
	}
	// A damaged copy is not used.
	f.NoCache = false
	files, _ := filepath.Glob(filepath.Join(f.CacheDir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	os.WriteFile(files[0], []byte(`{"url":"x"}`), 0o644)
	if _, err := f.Fetch(context.Background(), addr, known); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged copy: %v", err)
	}
}

// TestFetchCompanyCA: a fetched profile's company_ca is fetched relative to
// it, must carry a pin that matches, and ends up in a file the checks
// read; offline, the saved CA comes with the saved profile.
func TestFetchCompanyCA(t *testing.T) {
	ps := newProfileServer(t)
	dir := t.TempDir()
	caPEM, err := os.ReadFile(writeCert(t, dir, "ca.pem", true))
	if err != nil {
		t.Fatal(err)
	}
	pin := sha256Hex(caPEM)
	ps.set("/it/certs/acme-ca.pem", string(caPEM))
	ps.set("/it/wfh/acme.yaml", "company_ca: ../certs/acme-ca.pem#sha256="+pin+"\n")
	f := ps.fetcher(t, fetchNow)
	res, err := f.Fetch(context.Background(), ps.URL+"/it/wfh/acme.yaml", known)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(res.Profile.CompanyCA)
	if err != nil || string(saved) != string(caPEM) || !strings.HasPrefix(res.Profile.CompanyCA, f.CacheDir) {
		t.Fatalf("CA at %q: %v", res.Profile.CompanyCA, err)
	}
	if res.Settings[0].Value != res.Profile.CompanyCA {
		t.Errorf("validate shows company_ca as %q", res.Settings[0].Value)
	}

	// Offline: profile and CA from the cache.
	os.Remove(res.Profile.CompanyCA)
	ps.fail(503)
	res, err = f.Fetch(context.Background(), ps.URL+"/it/wfh/acme.yaml", known)
	if err != nil || !res.Source.FromCache {
		t.Fatalf("offline: %+v %v", res, err)
	}
	if saved, err := os.ReadFile(res.Profile.CompanyCA); err != nil || string(saved) != string(caPEM) {
		t.Errorf("offline CA: %v", err)
	}
	ps.fail(0)

	for _, tc := range []struct{ profile, want string }{
		{"company_ca: ../certs/acme-ca.pem\n", "has no #sha256= pin, which a profile fetched from a web address needs"},
		{"company_ca: ../certs/acme-ca.pem#sha256=" + strings.Repeat("1", 64) + "\n", "company_ca: the SHA-256 of " + ps.URL + "/it/certs/acme-ca.pem is " + pin},
		// A CA the server does not have is like an unreachable profile.
		{"company_ca: ../certs/other.pem#sha256=" + pin + "\n", "cannot be fetched (company_ca " + ps.URL + "/it/certs/other.pem: the server answered HTTP 404 Not Found)"},
		{"company_ca: ../wfh/acme2.yaml#sha256=" + sha256Hex([]byte("name: x\n")) + "\n", "has no PEM certificate"},
	} {
		ps.set("/it/wfh/acme2.yaml", "name: x\n") // not a certificate
		ps.set("/it/wfh/acme3.yaml", tc.profile)
		g := ps.fetcher(t, fetchNow)
		_, err := g.Fetch(context.Background(), ps.URL+"/it/wfh/acme3.yaml", known)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.profile, err, tc.want)
		}
	}
}

// TestFetchRedirects: an https:// address may move, but never onto a
// plain http:// one it has not pinned, and not in a loop.
func TestFetchRedirects(t *testing.T) {
	ps := newProfileServer(t)
	ps.set("/new.yaml", "name: moved\n")
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("name: plain\n")) }))
	defer plain.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/old.yaml", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new.yaml", http.StatusFound) })
	mux.HandleFunc("/new.yaml", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("name: moved\n")) })
	mux.HandleFunc("/loop.yaml", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop.yaml", http.StatusFound) })
	// To a plain address that is not this computer's: the name resolves
	// to loopback only in /etc/hosts-less tests, so use a non-loopback
	// literal that is never dialled (the redirect is refused first).
	mux.HandleFunc("/downgrade.yaml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://192.0.2.1/x.yaml", http.StatusFound)
	})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	f := &Fetcher{Client: srv.Client(), CacheDir: t.TempDir(), Timeout: 2 * time.Second}
	if res, err := f.Fetch(context.Background(), srv.URL+"/old.yaml", known); err != nil || res.Profile.Name != "moved" {
		t.Errorf("moved: %v %v", res, err)
	}
	for _, tc := range []struct{ path, want string }{
		{"/loop.yaml", "more than 5 redirects"},
		{"/downgrade.yaml", "which is not https://"},
	} {
		_, err := f.Fetch(context.Background(), srv.URL+tc.path, known)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.path, err)
		}
	}
	// http:// is accepted on loopback.
	g := &Fetcher{CacheDir: t.TempDir(), Timeout: 2 * time.Second}
	if res, err := g.Fetch(context.Background(), plain.URL+"/p.yaml", known); err != nil || res.Profile.Name != "plain" {
		t.Errorf("loopback http: %v %v", res, err)
	}
}

func TestParseProfileAddress(t *testing.T) {
	pin := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		in, display, pin, err string
	}{
		{"https://it.acme.example/wfh.yaml", "https://it.acme.example/wfh.yaml", "", ""},
		{"  https://it.acme.example/wfh.yaml#sha256=" + strings.ToUpper(pin), "https://it.acme.example/wfh.yaml", pin, ""},
		{"http://it.acme.example/wfh.yaml#sha256=" + pin, "http://it.acme.example/wfh.yaml", pin, ""},
		{"http://127.0.0.1:8080/wfh.yaml", "http://127.0.0.1:8080/wfh.yaml", "", ""},
		{"http://[::1]/wfh.yaml", "http://[::1]/wfh.yaml", "", ""},
		{"http://localhost/wfh.yaml", "http://localhost/wfh.yaml", "", ""},
		{"https://u:p@it.acme.example/wfh.yaml?k=v", "https://it.acme.example/wfh.yaml", "", ""},
		{"http://it.acme.example/wfh.yaml", "", "", "is not encrypted"},
		{"http://127.0.0.1.nip.example/wfh.yaml", "", "", "is not encrypted"},
		{"https://it.acme.example/wfh.yaml#sha256=" + pin + "0", "", "", "not a pin"},
		{"it.acme.example/wfh.yaml", "", "", "not a web address"},
	} {
		a, err := parseProfileAddress(tc.in)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case a.display != tc.display || a.pin != tc.pin:
			t.Errorf("%q: %q %q", tc.in, a.display, a.pin)
		}
	}
}

func FuzzParseProfileAddress(f *testing.F) {
	for _, s := range []string{"https://a/b#sha256=" + strings.Repeat("0", 64), "http://[::1]:0/", "https://%zz", "http://u@/", "#", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseProfileAddress(s)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		if a.u.Fragment != "" || a.u.Host == "" || strings.Contains(a.display, "#") {
			t.Errorf("%q parsed to %+v", s, a)
		}
	})
}
