// Package speedserver is the speed-test endpoint behind `wfh serve`: the
// legacy speedtest.net HTTP protocol that speedtest-go and the bandwidth
// check speak (`latency.txt`, `random{N}x{N}.jpg`, `upload.php`), plus the
// Ookla text protocol's `HI` and `PING` lines on the same port, so that IT
// can measure the path from a teleworker's home to its own network or
// through its VPN.
//
// It is built to face the internet: it limits concurrent clients, request
// bodies and the length of a test, can require a shared token, logs one
// line per test, and shuts down cleanly when its context ends.
package speedserver

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults for Config fields left at zero.
const (
	// DefaultMaxClients: a speed test saturates the server's uplink, so a
	// handful of simultaneous tests already share it; eight keeps each
	// figure meaningful on a 1 Gbit/s server while a help desk tests a few
	// homes at once.
	DefaultMaxClients = 8
	// DefaultMaxTest is longer than any client's test (wfh's takes at most
	// 15 s, speedtest-go's CLI about 30 s) and short enough that a client
	// cannot turn the server into a free download source.
	DefaultMaxTest = 60 * time.Second
	// DefaultMaxBody bounds one upload request: speedtest-go posts about
	// 1 MB, wfh at most 4 MB; 32 MB leaves room for other clients without
	// letting one request run for minutes.
	DefaultMaxBody = 32 << 20
	// DefaultCongestion is what Windows, macOS and most servers use, so
	// the figure reflects a typical TCP rather than the host's choice.
	DefaultCongestion = "cubic"
)

const (
	// maxSide bounds random{N}x{N}.jpg: 4000 is the largest file public
	// speed-test servers offer (about 32 MB).
	maxSide = 4000
	// idleEnd ends a client's test once it has sent nothing for this long:
	// clients pause for well under a second between a test's phases.
	idleEnd = 3 * time.Second
	// maxRequestsPerClient bounds one client's simultaneous requests:
	// speed-test clients open 4 to 16 connections.
	maxRequestsPerClient = 32
	// readHeaderTimeout drops connections that never send a request.
	readHeaderTimeout = 10 * time.Second
	// idleConnTimeout closes keep-alive connections a client forgot.
	idleConnTimeout = 30 * time.Second
	// shutdownGrace lets running requests finish on SIGTERM; a test
	// request lasts a few seconds.
	shutdownGrace = 5 * time.Second
	// refusedLogEvery rate-limits the log line about refused requests so
	// that a scanner cannot flood the log.
	refusedLogEvery = time.Minute
)

// ServerName is the Server header of every answer.
const ServerName = "wfh-serve"

// Config tunes a Server. The zero value serves with the defaults above.
type Config struct {
	// Token, when set, must come with every request as ?token=… or
	// "Authorization: Bearer …". The text protocol is off then, because
	// it has no place for a token.
	Token string
	// MaxClients is how many clients (by IP address) may test at once.
	MaxClients int
	// MaxTest is the longest one client may keep testing.
	MaxTest time.Duration
	// MaxBody is the largest upload body accepted, in bytes.
	MaxBody int64
	// Congestion names the TCP congestion control for the server's
	// sockets ("cubic", "bbr"); "system" keeps the system's default.
	// Empty means DefaultCongestion.
	Congestion string
	// Logf receives one line per test and per problem; nil discards.
	Logf func(format string, args ...any)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server serves speed tests. Create it with New.
type Server struct {
	cfg     Config
	payload []byte // incompressible bytes repeated into every download

	mu       sync.Mutex
	sessions map[string]*session // by client IP, guarded by mu
	refused  map[string]time.Time
	textConn map[net.Conn]struct{} // open text-protocol connections
}

// session is one client's test: the requests from one IP address with no
// pause longer than idleEnd.
type session struct {
	start, last time.Time
	down, up    int64
	requests    int
	inflight    int
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.MaxClients == 0 {
		cfg.MaxClients = DefaultMaxClients
	}
	if cfg.MaxTest == 0 {
		cfg.MaxTest = DefaultMaxTest
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Congestion == "" {
		cfg.Congestion = DefaultCongestion
	}
	switch {
	case cfg.MaxClients < 0:
		return nil, fmt.Errorf("max clients must be at least 1, got %d", cfg.MaxClients)
	case cfg.MaxTest < time.Second:
		return nil, fmt.Errorf("max test duration must be at least 1s, got %s", cfg.MaxTest)
	case cfg.MaxBody < 1<<20:
		return nil, fmt.Errorf("max body must be at least 1 MB, got %d bytes", cfg.MaxBody)
	case strings.ContainsAny(cfg.Congestion, " /\x00") || len(cfg.Congestion) > 15:
		return nil, fmt.Errorf("congestion control %q is not an algorithm name (cubic, bbr, reno, or system)", cfg.Congestion)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	// 1 MiB of pseudo-random bytes: as incompressible as the JPEG files of
	// public servers, so a compressing proxy cannot inflate a figure.
	p := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i+8 <= len(p); i += 8 {
		v := r.Uint64()
		for k := range 8 {
			p[i+k] = byte(v >> (8 * k))
		}
	}
	return &Server{cfg: cfg, payload: p, sessions: map[string]*session{},
		refused: map[string]time.Time{}, textConn: map[net.Conn]struct{}{}}, nil
}

// randomRE matches the download files speedtest-go and speedtest-cli ask
// for; the path's directory is ignored so that both /speedtest/… and /…
// work.
var randomRE = regexp.MustCompile(`^random([1-9][0-9]{0,3})x([1-9][0-9]{0,3})\.jpg$`)

// downloadSide returns N for "randomNxN.jpg" with 1 ≤ N ≤ maxSide, else 0.
func downloadSide(name string) int {
	m := randomRE.FindStringSubmatch(name)
	if m == nil || m[1] != m[2] {
		return 0
	}
	side, _ := strconv.Atoi(m[1])
	if side > maxSide {
		return 0
	}
	return side
}

// DownloadSize is the body size of random{side}x{side}.jpg: two bytes a
// pixel, close to the JPEG files public servers hold (random1000x1000.jpg
// is about 2 MB there too).
func DownloadSize(side int) int64 { return int64(side) * int64(side) * 2 }

// Handler returns the HTTP side of the server.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	// Tells wfh's client it may send bodies up to MaxBody, larger than
	// public servers take.
	w.Header().Set("Server", ServerName)
	if !s.authorized(r) {
		s.logRefused(r, "no valid token")
		http.Error(w, "a valid token is required", http.StatusUnauthorized)
		return
	}
	name := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	var handle func(http.ResponseWriter, *http.Request, *session) (down, up int64)
	switch {
	case name == "latency.txt" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		handle = s.latency
	case name == "upload.php" && r.Method == http.MethodPost:
		handle = s.upload
	case name == "upload.php" && r.Method == http.MethodGet:
		// speedtest-cli probes upload.php with a GET; answer like the
		// legacy servers do, without data.
		handle = func(w http.ResponseWriter, _ *http.Request, _ *session) (int64, int64) {
			_, _ = io.WriteString(w, "size=0")
			return 0, 0
		}
	case downloadSide(name) > 0 && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		handle = s.download
	default:
		http.NotFound(w, r)
		return
	}
	sess, status, why := s.enter(clientIP(r))
	if sess == nil {
		s.logRefused(r, why)
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "30")
		}
		http.Error(w, why, status)
		return
	}
	down, up := handle(w, r, sess)
	s.leave(sess, down, up)
}

// authorized compares the token in constant time.
func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	got := r.URL.Query().Get("token")
	if auth := r.Header.Get("Authorization"); got == "" && strings.HasPrefix(auth, "Bearer ") {
		got = strings.TrimPrefix(auth, "Bearer ")
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.Token)) == 1
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// enter admits a request into its client's test, or says why not.
func (s *Server) enter(ip string) (*session, int, string) {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(now)
	sess := s.sessions[ip]
	if sess == nil {
		if len(s.sessions) >= s.cfg.MaxClients {
			return nil, http.StatusServiceUnavailable,
				fmt.Sprintf("the server is busy with %d tests; try again in a minute", len(s.sessions))
		}
		sess = &session{start: now}
		s.sessions[ip] = sess
	}
	if now.Sub(sess.start) > s.cfg.MaxTest {
		return nil, http.StatusTooManyRequests,
			fmt.Sprintf("this test has run longer than the server's limit of %s", s.cfg.MaxTest)
	}
	if sess.inflight >= maxRequestsPerClient {
		return nil, http.StatusTooManyRequests,
			fmt.Sprintf("more than %d simultaneous requests from one client", maxRequestsPerClient)
	}
	sess.inflight++
	sess.requests++
	sess.last = now
	return sess, 0, ""
}

func (s *Server) leave(sess *session, down, up int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess.inflight--
	sess.down += down
	sess.up += up
	sess.last = s.cfg.Now()
}

// expireLocked ends the tests that have been idle for idleEnd and logs
// one line for each.
func (s *Server) expireLocked(now time.Time) {
	for ip, sess := range s.sessions {
		if sess.inflight == 0 && now.Sub(sess.last) >= idleEnd {
			delete(s.sessions, ip)
			s.logTestLocked(ip, sess)
		}
	}
}

func (s *Server) logTestLocked(ip string, sess *session) {
	s.cfg.Logf("test from %s: %.1f s, %s down, %s up, %d requests", ip,
		sess.last.Sub(sess.start).Seconds(), mb(sess.down), mb(sess.up), sess.requests)
}

func mb(n int64) string { return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB" }

// logRefused logs a refused request at most once a minute per address.
func (s *Server) logRefused(r *http.Request, why string) {
	ip := clientIP(r)
	now := s.cfg.Now()
	s.mu.Lock()
	last, seen := s.refused[ip]
	if !seen || now.Sub(last) >= refusedLogEvery {
		s.refused[ip] = now
		s.mu.Unlock()
		s.cfg.Logf("refused %s %s from %s: %s", r.Method, strconv.Quote(r.URL.Path), ip, why)
		return
	}
	s.mu.Unlock()
}

func (s *Server) latency(w http.ResponseWriter, _ *http.Request, _ *session) (int64, int64) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", "9")
	_, _ = io.WriteString(w, "test=test")
	return 9, 0
}

func (s *Server) download(w http.ResponseWriter, r *http.Request, _ *session) (int64, int64) {
	size := DownloadSize(downloadSide(r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]))
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	if r.Method == http.MethodHead {
		return 0, 0
	}
	// A client that stops reading must not hold the handler past the
	// test's limit.
	_ = http.NewResponseController(w).SetWriteDeadline(s.cfg.Now().Add(s.cfg.MaxTest))
	var sent int64
	for sent < size {
		chunk := s.payload
		if rest := size - sent; rest < int64(len(chunk)) {
			chunk = chunk[:rest]
		}
		n, err := w.Write(chunk)
		sent += int64(n)
		if err != nil {
			break
		}
	}
	return sent, 0
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, _ *session) (int64, int64) {
	_ = http.NewResponseController(w).SetReadDeadline(s.cfg.Now().Add(s.cfg.MaxTest))
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	n, err := io.Copy(io.Discard, body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("upload larger than the server's limit of %d bytes", s.cfg.MaxBody), http.StatusRequestEntityTooLarge)
		}
		return 0, n
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = fmt.Fprintf(w, "size=%d", n)
	return 0, n
}

// Serve serves on ln until ctx ends, then stops accepting, lets running
// requests finish for a few seconds, closes everything and returns nil.
// Any other error ends it early.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	mux := newMuxListener(ln, s)
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleConnTimeout,
		ErrorLog:          nil,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(mux) }()

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			s.closeText()
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		case <-tick.C:
			s.mu.Lock()
			s.expireLocked(s.cfg.Now())
			s.mu.Unlock()
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			err := srv.Shutdown(sctx)
			cancel()
			if err != nil {
				_ = srv.Close()
			}
			s.closeText()
			<-done
			s.mu.Lock()
			for ip, sess := range s.sessions {
				delete(s.sessions, ip)
				s.logTestLocked(ip, sess)
			}
			s.mu.Unlock()
			return nil
		}
	}
}

func (s *Server) closeText() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.textConn {
		_ = c.Close()
	}
}
