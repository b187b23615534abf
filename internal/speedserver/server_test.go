package speedserver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/showwin/speedtest-go/speedtest"
)

// logBuf collects log lines safely from the server's goroutines.
type logBuf struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuf) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logBuf) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// fakeClock is a settable clock for session limits.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newServer(t *testing.T, cfg Config) (*Server, *logBuf) {
	t.Helper()
	logs := &logBuf{}
	cfg.Logf = logs.logf
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

// serve runs s on a loopback port until the test ends and returns its
// base URL.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := s.Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after its context ended")
		}
	})
	return "http://" + ln.Addr().String()
}

func do(t *testing.T, h http.Handler, method, target, remote string, body io.Reader) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	if remote != "" {
		r.RemoteAddr = remote
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestProtocol(t *testing.T) {
	s, _ := newServer(t, Config{})
	h := s.Handler()
	for _, dir := range []string{"/speedtest/", "/"} {
		w := do(t, h, "GET", dir+"latency.txt", "", nil)
		if w.Code != 200 || w.Body.String() != "test=test" {
			t.Errorf("%slatency.txt: %d %q", dir, w.Code, w.Body.String())
		}
		w = do(t, h, "GET", dir+"random1000x1000.jpg", "", nil)
		if w.Code != 200 || w.Body.Len() != 2_000_000 || w.Header().Get("Content-Length") != "2000000" ||
			w.Header().Get("Content-Type") != "image/jpeg" {
			t.Errorf("%srandom1000x1000.jpg: %d, %d bytes, headers %v", dir, w.Code, w.Body.Len(), w.Header())
		}
		w = do(t, h, "POST", dir+"upload.php", "", strings.NewReader(strings.Repeat("x", 12345)))
		if w.Code != 200 || w.Body.String() != "size=12345" {
			t.Errorf("%supload.php: %d %q", dir, w.Code, w.Body.String())
		}
	}
	for _, bad := range []string{"/random0x0.jpg", "/random5000x5000.jpg", "/random10x10.png", "/index.html", "/upload.php/x"} {
		if w := do(t, h, "GET", bad, "", nil); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, w.Code)
		}
	}
	if w := do(t, h, "HEAD", "/random350x350.jpg", "", nil); w.Code != 200 || w.Body.Len() != 0 ||
		w.Header().Get("Content-Length") != strconv.FormatInt(DownloadSize(350), 10) {
		t.Errorf("HEAD: %d, %d bytes, %v", w.Code, w.Body.Len(), w.Header())
	}
	if w := do(t, h, "GET", "/random4000x4000.jpg", "", nil); w.Body.Len() != 32_000_000 {
		t.Errorf("largest file: %d bytes", w.Body.Len())
	}
}

func TestUploadLimit(t *testing.T) {
	s, _ := newServer(t, Config{MaxBody: 1 << 20})
	w := do(t, s.Handler(), "POST", "/upload.php", "", strings.NewReader(strings.Repeat("x", 1<<20+1)))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized upload: %d %q", w.Code, w.Body.String())
	}
}

// The token: missing and wrong are told apart (body and RFC 6750 header),
// the Bearer scheme is case-insensitive, the query and the header both
// work, and neither the token nor a wrong one reaches the log, which has
// one refusal line a minute per address.
func TestToken(t *testing.T) {
	s, logs := newServer(t, Config{Token: "s3cret-token"})
	h := s.Handler()
	req := func(target string, auth ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", target, nil)
		for _, a := range auth {
			r.Header.Add("Authorization", a)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for _, tc := range []struct {
		name, target string
		auth         []string
		code         int
		body, header string
	}{
		{"none", "/latency.txt", nil, 401, "this server needs a token", `Bearer realm="wfh serve"`},
		{"empty query", "/latency.txt?token=", nil, 401, "needs a token", `Bearer realm="wfh serve"`},
		{"other scheme", "/latency.txt", []string{"Basic czNjcmV0"}, 401, "needs a token", `Bearer realm="wfh serve"`},
		{"wrong query", "/latency.txt?token=wrong-guess", nil, 401, "is not this server's token", `error="invalid_token"`},
		{"wrong bearer", "/latency.txt", []string{"Bearer wrong-guess"}, 401, "is not this server's token", `error="invalid_token"`},
		{"query", "/latency.txt?token=s3cret-token", nil, 200, "test=test", ""},
		{"Bearer", "/latency.txt", []string{"Bearer s3cret-token"}, 200, "test=test", ""},
		{"bearer", "/latency.txt", []string{"bearer s3cret-token"}, 200, "test=test", ""},
		{"BEARER spaced", "/latency.txt", []string{"  BEARER   s3cret-token "}, 200, "test=test", ""},
		{"wrong query, right header", "/latency.txt?token=old", []string{"Bearer s3cret-token"}, 200, "test=test", ""},
	} {
		w := req(tc.target, tc.auth...)
		if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.body) || !strings.Contains(w.Header().Get("WWW-Authenticate"), tc.header) {
			t.Errorf("%s: %d %q, WWW-Authenticate %q; want %d %q %q", tc.name, w.Code, w.Body.String(),
				w.Header().Get("WWW-Authenticate"), tc.code, tc.body, tc.header)
		}
		if tc.code == 401 && (strings.Contains(w.Body.String(), "s3cret") || strings.Contains(w.Body.String(), "wrong-guess")) {
			t.Errorf("%s: the answer repeats a token: %q", tc.name, w.Body.String())
		}
	}
	if n := strings.Count(logs.text(), "refused"); n != 1 {
		t.Errorf("want one refusal line (rate-limited per address), got:\n%s", logs.text())
	}
	// A token put in the path is blanked in the log.
	s2, logs2 := newServer(t, Config{Token: "s3cret-token"})
	do(t, s2.Handler(), "GET", "/s3cret-token/x?token=s3cret-tokenx", "", nil)
	for _, l := range []*logBuf{logs, logs2} {
		if strings.Contains(l.text(), "s3cret") || strings.Contains(l.text(), "wrong-guess") {
			t.Errorf("a token reached the log:\n%s", l.text())
		}
	}
	if !strings.Contains(logs2.text(), `"/[token]/x"`) || !strings.Contains(logs2.text(), "wrong token") {
		t.Errorf("log of a wrong token in the path: %q", logs2.text())
	}
}

func TestClientLimitsAndTestLog(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	s, logs := newServer(t, Config{MaxClients: 2, MaxTest: 15 * time.Second, Now: clock.Now})
	h := s.Handler()
	for _, ip := range []string{"192.0.2.1:1000", "192.0.2.2:1000"} {
		if w := do(t, h, "GET", "/random350x350.jpg", ip, nil); w.Code != 200 {
			t.Fatalf("%s: %d", ip, w.Code)
		}
	}
	w := do(t, h, "GET", "/latency.txt", "192.0.2.3:1000", nil)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("third client: %d %v, want 503 with Retry-After", w.Code, w.Header())
	}
	// The first client keeps testing past the limit.
	clock.advance(2 * time.Second)
	do(t, h, "GET", "/latency.txt", "192.0.2.1:1000", nil)
	clock.advance(2 * time.Second)
	do(t, h, "GET", "/latency.txt", "192.0.2.1:1000", nil)
	clock.advance(2 * time.Second)
	do(t, h, "GET", "/latency.txt", "192.0.2.1:1000", nil)
	clock.advance(2 * time.Second)
	do(t, h, "GET", "/latency.txt", "192.0.2.1:1000", nil)
	for range 3 {
		clock.advance(2 * time.Second)
		do(t, h, "GET", "/latency.txt", "192.0.2.1:1000", nil)
	}
	clock.advance(1500 * time.Millisecond)
	if w := do(t, h, "GET", "/latency.txt", "192.0.2.1:1000", nil); w.Code != http.StatusTooManyRequests {
		t.Errorf("after 15.5 s of testing: %d, want 429", w.Code)
	}
	// Client 2 has been idle for 15.5 s: its test ended, one line logged,
	// and a new client may start.
	if w := do(t, h, "GET", "/latency.txt", "192.0.2.3:1000", nil); w.Code != 200 {
		t.Errorf("new client after an idle one ended: %d", w.Code)
	}
	if !strings.Contains(logs.text(), "test from 192.0.2.2: 0.0 s, 0.2 MB down, 0.0 MB up, 1 requests") {
		t.Errorf("no test line for the idle client:\n%s", logs.text())
	}
}

func TestTextProtocolOnTheSamePort(t *testing.T) {
	s, _ := newServer(t, Config{})
	base := serve(t, s)
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	for _, tc := range []struct{ send, prefix string }{
		{"HI\n", "HELLO "},
		{"PING 1700000000000\n", "PONG "},
		{"GETIP\n", "YOURIP 127.0.0.1"},
		{"PLOSS\n", "ERROR"},
	} {
		if _, err := io.WriteString(c, tc.send); err != nil {
			t.Fatal(err)
		}
		line, err := br.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, tc.prefix) {
			t.Errorf("%q → %q, %v", tc.send, line, err)
		}
		if tc.prefix == "PONG " && len(line) != 19 {
			t.Errorf("PONG line is %d bytes, speedtest-go wants 19: %q", len(line), line)
		}
	}
	// HTTP on the same port still works.
	resp, err := http.Get(base + "/speedtest/latency.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "test=test" {
		t.Errorf("HTTP after text: %q", b)
	}
}

// speedtest-go itself, pointed at the server, measures latency over HTTP
// and TCP, downloads and uploads: the server speaks its protocol.
func TestSpeedtestGoClient(t *testing.T) {
	s, logs := newServer(t, Config{})
	base := serve(t, s)
	client := speedtest.New()
	client.SetCaptureTime(700 * time.Millisecond)
	srv, err := client.CustomServer(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := srv.PingTestContext(ctx, nil); err != nil || srv.Latency <= 0 {
		t.Fatalf("HTTP ping: %v, latency %v", err, srv.Latency)
	}
	lat, err := srv.TCPPing(ctx, 2, time.Millisecond, nil)
	if err != nil || len(lat) != 2 {
		t.Errorf("TCP ping: %v %v", lat, err)
	}
	if err := srv.DownloadTestContext(ctx); err != nil || srv.DLSpeed <= 0 {
		t.Errorf("download: %v, %v", err, srv.DLSpeed)
	}
	client.Reset()
	if err := srv.UploadTestContext(ctx); err != nil || srv.ULSpeed <= 0 {
		t.Errorf("upload: %v, %v", err, srv.ULSpeed)
	}
	client.Reset()
	_ = logs
}

func TestServeShutsDownWithARunningDownload(t *testing.T) {
	s, logs := newServer(t, Config{})
	ln, err := s.Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	// A reader that never reads: the download blocks in the server.
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /random4000x4000.jpg HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(s.lim.shutdownGrace + 5*time.Second):
		t.Fatal("Serve did not return")
	}
	// Two seconds of slack: a busy machine (two CPU hogs, the race
	// detector) holds the shutdown's goroutines back for up to a second.
	if took := time.Since(start); took > s.lim.shutdownGrace+2*time.Second {
		t.Errorf("shutdown took %v", took)
	}
	if !strings.Contains(logs.text(), "test from 127.0.0.1") {
		t.Errorf("the interrupted test was not logged:\n%s", logs.text())
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the port still accepts connections after shutdown")
	}
}

func TestListenErrors(t *testing.T) {
	s, _ := newServer(t, Config{})
	if _, err := s.Listen(t.Context(), "not an address"); err == nil {
		t.Error("a bad address was accepted")
	}
	ln, err := s.Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := s.Listen(t.Context(), ln.Addr().String()); err == nil {
		t.Error("a port in use was accepted")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{MaxClients: -1},
		{MaxClients: 101},
		{MaxTest: time.Millisecond},
		{MaxTest: -time.Second},
		{MaxTest: 14 * time.Second},
		{MaxTest: 11 * time.Minute},
		{MaxBody: 10},
		{MaxBody: 999_999},
		{MaxBody: 1_000_000_001},
		{Congestion: "cu bic"},
		{Congestion: "nosuchalgo"},
		{Token: "s3cret\n"},
		{Token: "two words"},
		{Token: strings.Repeat("x", 257)},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	for _, cfg := range []Config{
		{MaxClients: 1, MaxTest: 15 * time.Second, MaxBody: 1_000_000},
		{MaxClients: 100, MaxTest: 10 * time.Minute, MaxBody: 1_000_000_000, Token: strings.Repeat("x", 256)},
		{Congestion: "system", Token: "ünïcode-tökén"},
	} {
		if _, err := New(cfg); err != nil {
			t.Errorf("%+v refused: %v", cfg, err)
		}
	}
}
