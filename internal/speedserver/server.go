// Package speedserver is the speed-test endpoint behind `wfh serve`: the
// legacy speedtest.net HTTP protocol that speedtest-go and the bandwidth
// check speak (`latency.txt`, `random{N}x{N}.jpg`, `upload.php`), plus the
// Ookla text protocol's `HI` and `PING` lines on the same port, so that IT
// can measure the path from a teleworker's home to its own network or
// through its VPN.
//
// It is built to face the internet. Every limit holds per address (an IPv4
// address, or an IPv6 /64) below the server-wide one: open connections,
// tests, requests a minute; part of the connection cap is kept for
// addresses that hold few; connections that send nothing, headers or
// bodies too slowly, or idle under pressure are closed early. It can
// require a shared token, logs one line per test and a bounded number of
// refusals, and shuts down within seconds when its context ends.
package speedserver

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
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
	// 1 MB, wfh up to 30 MB to wfh serve; 32 MB leaves room for other
	// clients without letting one request run for minutes.
	DefaultMaxBody = 32_000_000
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
	// maxRequestsPerClient bounds one address's simultaneous requests:
	// speed-test clients open 4 to 16 connections.
	maxRequestsPerClient = 32
	// maxHeaderBytes bounds a request's header: speed-test clients send
	// a few hundred bytes, and net/http's default (1 MB) would let every
	// connection hold a megabyte.
	maxHeaderBytes = 8 << 10
	// refusedLogEvery rate-limits the log lines about one address so
	// that a scanner cannot flood the log.
	refusedLogEvery = time.Minute
	// quietTestBytes: a test that moved less than this is logged like a
	// refusal (once a minute per address, within the log budget), since
	// many addresses opening empty tests would otherwise flood the log.
	quietTestBytes = 1_000_000
	// busySamples is how many points of each test's transfer history are
	// kept: at one per sweep they cover more than busyWindow.
	busySamples = 16
)

// ServerName is the Server header of every answer; wfh's client reads it
// to know it may send bodies up to MaxBody, larger than public servers take.
const ServerName = "wfh-serve"

// Config tunes a Server. The zero value serves with the defaults above.
type Config struct {
	// Token, when set, must come with every request as ?token=… or
	// "Authorization: Bearer …". The text protocol is off then, because
	// it has no place for a token.
	Token string
	// MaxClients is how many clients (by address) may test at once.
	MaxClients int
	// MaxTest is the longest one client may keep testing.
	MaxTest time.Duration
	// MaxBody is the largest upload body accepted, in bytes.
	MaxBody int64
	// Congestion names the TCP congestion control for the server's
	// sockets ("cubic", "bbr"); "system" keeps the system's default.
	// Empty means DefaultCongestion when the system has it, else the
	// system's default with one log line; a name given here must be
	// available, or New or Listen returns a *CongestionError.
	Congestion string
	// Logf receives one line per test and per problem; nil discards.
	Logf func(format string, args ...any)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server serves speed tests. Create it with New.
type Server struct {
	cfg     Config
	lim     limits
	payload []byte // incompressible bytes repeated into every download

	mu       sync.Mutex
	sessions map[netip.Addr]*session // by address key
	addrs    *addrTable
	logs     logBudget
	prunedAt time.Time
	// maxSessions bounds the tests remembered, busy or not: one needs a
	// connection, so the connection cap is never lower.
	maxSessions int
}

// session is one client's test: the requests from one address with no
// pause longer than idleEnd.
type session struct {
	start, last time.Time
	requests    int
	inflight    int
	// down and up count the bytes as they go, so that a test logged at
	// shutdown includes its unfinished requests.
	down, up atomic.Int64
	// history of moved, one point per sweep, to tell a test moving data
	// from one that only holds its place.
	samples   [busySamples]sample
	next      int
	sampledAt time.Time
}

type sample struct {
	at    time.Time
	moved int64
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
	switch {
	case cfg.MaxClients < MinMaxClients || cfg.MaxClients > MaxMaxClients:
		return nil, fmt.Errorf("max clients must be from %d to %d, got %d", MinMaxClients, MaxMaxClients, cfg.MaxClients)
	case cfg.MaxTest < MinMaxTest || cfg.MaxTest > MaxMaxTest:
		return nil, fmt.Errorf("max test duration must be from %s to %s, got %s", MinMaxTest, MaxMaxTest, cfg.MaxTest)
	case cfg.MaxBody < MinMaxBody || cfg.MaxBody > MaxMaxBody:
		return nil, fmt.Errorf("max body must be from %d to %d bytes, got %d", int64(MinMaxBody), int64(MaxMaxBody), cfg.MaxBody)
	}
	if err := CheckToken(cfg.Token); err != nil {
		return nil, err
	}
	if cfg.Congestion != "" {
		if err := checkCongestion(cfg.Congestion); err != nil {
			return nil, err
		}
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
	lim := defaultLimits()
	return &Server{cfg: cfg, lim: lim, payload: p, sessions: map[netip.Addr]*session{},
		addrs: newAddrTable(lim), maxSessions: cfg.MaxClients * lim.connsPerAddr}, nil
}

// CheckToken says whether t can be a token: printable, without spaces
// (a token read from a file with its newline would never match), at most
// MaxTokenLen characters. Empty means no token.
func CheckToken(t string) error {
	if len(t) > MaxTokenLen {
		return fmt.Errorf("the token is %d characters long; use at most %d", len(t), MaxTokenLen)
	}
	if i := strings.IndexFunc(t, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }); i >= 0 {
		return fmt.Errorf("the token has a space or control character at position %d (a newline from a file?); use printable characters only", i+1)
	}
	return nil
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

// Handler returns the HTTP side of the server. Served through Serve, it
// also gets the connection limits and the sweeps that end slow and idle
// clients; on its own it has the request-level limits only.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	// Every answer must go out at the minimum rate too: without a
	// deadline, a client that sends requests and never reads would hold
	// its connection busy for good (net/http clears it after each one).
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.lim.blockTimeout))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Server", ServerName)
	key := keyOfRemote(r.RemoteAddr)
	now := s.cfg.Now()
	s.mu.Lock()
	wait, ok := s.addrs.take(key, 1, now)
	s.mu.Unlock()
	if !ok {
		s.refuseRequest(w, r, key, http.StatusTooManyRequests, wait,
			fmt.Sprintf("more than %.0f requests a minute from one address; try again in %d s", s.lim.perMinute, retrySeconds(wait)))
		return
	}
	switch s.checkToken(r) {
	case tokenMissing:
		w.Header().Set("WWW-Authenticate", `Bearer realm="wfh serve"`)
		s.logRefused(r, key, "no token")
		http.Error(w, "this server needs a token: add ?token= and the token to its address (bandwidth.server in the profile), or send the header \"Authorization: Bearer\" and the token", http.StatusUnauthorized)
		return
	case tokenWrong:
		s.mu.Lock()
		s.addrs.spend(key, s.lim.wrongTokenCost-1, now)
		s.mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Bearer realm="wfh serve", error="invalid_token"`)
		s.logRefused(r, key, "wrong token")
		http.Error(w, "the token sent is not this server's token: check the token in the server's address (bandwidth.server in the profile)", http.StatusUnauthorized)
		return
	}
	name := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	var handle func(http.ResponseWriter, *http.Request, *session) (down, up int64)
	switch {
	case name == "latency.txt" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		handle = s.latency
	case name == "upload.php" && r.Method == http.MethodPost:
		s.upload(w, r, key)
		return
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
	sess, status, why := s.enter(key)
	if sess == nil {
		s.refuseRequest(w, r, key, status, 0, why)
		return
	}
	down, up := handle(w, r, sess)
	s.leave(key, sess, down+up)
}

// refuseRequest answers a request that will not be served, with a retry
// time for 429 and 503, and closes its connection without waiting for a
// body nobody will read.
func (s *Server) refuseRequest(w http.ResponseWriter, r *http.Request, key netip.Addr, status int, wait time.Duration, why string) {
	s.logRefused(r, key, why)
	switch {
	case wait > 0:
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(wait)))
	case status == http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "30")
	}
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
		_ = http.NewResponseController(w).SetReadDeadline(time.Now())
	}
	http.Error(w, why, status)
}

func retrySeconds(d time.Duration) int { return max(1, int((d+time.Second-1)/time.Second)) }

type tokenResult int

const (
	tokenOK tokenResult = iota
	tokenMissing
	tokenWrong
)

// checkToken compares the tokens a request carries, in the query or as a
// Bearer credential (the scheme is case-insensitive, RFC 9110 §11.1), with
// the server's, in constant time.
func (s *Server) checkToken(r *http.Request) tokenResult {
	if s.cfg.Token == "" {
		return tokenOK
	}
	var given []string
	if q := r.URL.Query(); q.Has("token") {
		given = append(given, q["token"]...)
	}
	for _, auth := range r.Header.Values("Authorization") {
		scheme, cred, ok := strings.Cut(strings.TrimSpace(auth), " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			given = append(given, strings.TrimSpace(cred))
		}
	}
	result := tokenMissing
	for _, g := range given {
		if g == "" {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(g), []byte(s.cfg.Token)) == 1 {
			return tokenOK
		}
		result = tokenWrong
	}
	return result
}

// enter admits a request into its client's test, or says why not. A new
// test needs one of MaxClients places, counting only the tests that are
// moving data (busy): one that only pings, pauses or trickles bytes holds
// no place, so slow or silent clients cannot keep real ones out.
func (s *Server) enter(key netip.Addr) (*session, int, string) {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(now)
	sess := s.sessions[key]
	if sess == nil {
		busy := 0
		for _, other := range s.sessions {
			if other.busy(now, s.lim) {
				busy++
			}
		}
		if busy >= s.cfg.MaxClients || len(s.sessions) >= s.maxSessions {
			return nil, http.StatusServiceUnavailable,
				fmt.Sprintf("the server is busy with %d tests; try again in a minute", max(busy, s.cfg.MaxClients))
		}
		sess = &session{start: now, last: now, sampledAt: now}
		s.sessions[key] = sess
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

// busy says whether the test moved at least busyBytes in the last
// busyWindow (or since it started, without history that old).
func (sess *session) busy(now time.Time, lim limits) bool {
	var base int64
	var baseAt time.Time
	for _, p := range sess.samples {
		if !p.at.IsZero() && !p.at.After(now.Add(-lim.busyWindow)) && p.at.After(baseAt) {
			base, baseAt = p.moved, p.at
		}
	}
	return sess.moved()-base >= lim.busyBytes
}

func (sess *session) moved() int64 { return sess.down.Load() + sess.up.Load() }

func (sess *session) sample(now time.Time, every time.Duration) {
	if now.Sub(sess.sampledAt) < every {
		return
	}
	sess.samples[sess.next] = sample{at: now, moved: sess.moved()}
	sess.next = (sess.next + 1) % len(sess.samples)
	sess.sampledAt = now
}

// leave ends a request of sess that moved n bytes.
func (s *Server) leave(key netip.Addr, sess *session, n int64) {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess.inflight--
	sess.last = now
	if n >= s.lim.refundBytes {
		s.addrs.give(key, 1, now)
	}
}

// expireLocked ends the tests that have been idle for idleEnd and logs
// one line for each, and samples the others' transfers.
func (s *Server) expireLocked(now time.Time) {
	for key, sess := range s.sessions {
		if sess.inflight == 0 && now.Sub(sess.last) >= idleEnd {
			delete(s.sessions, key)
			s.logTestLocked(key, sess, now)
			continue
		}
		sess.sample(now, s.lim.sweepEvery)
	}
}

func (s *Server) logTestLocked(key netip.Addr, sess *session, now time.Time) {
	if sess.moved() < quietTestBytes && !s.mayLogLocked(key, now, true) {
		return
	}
	s.cfg.Logf("test from %s: %.1f s, %s down, %s up, %d requests", showKey(key),
		sess.last.Sub(sess.start).Seconds(), mb(sess.down.Load()), mb(sess.up.Load()), sess.requests)
}

func mb(n int64) string { return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB" }

// logBudget caps the refusal lines a minute across all addresses.
type logBudget struct {
	start          time.Time
	lines, dropped int
}

// mayLogLocked says whether a refusal (or, with quiet, a test that moved
// almost nothing) of key may be logged now: at most one of each a minute
// per address, and logPerMinute in all. A minute's dropped lines are
// counted in one line when the next minute starts.
func (s *Server) mayLogLocked(key netip.Addr, now time.Time, quiet bool) bool {
	s.rollLogLocked(now)
	e := s.addrs.get(key, now)
	mark := &e.loggedAt
	if quiet {
		mark = &e.quietAt
	}
	if !mark.IsZero() && now.Sub(*mark) < refusedLogEvery {
		return false
	}
	if s.logs.lines >= s.lim.logPerMinute {
		s.logs.dropped++
		return false
	}
	s.logs.lines++
	*mark = now
	return true
}

func (s *Server) rollLogLocked(now time.Time) {
	if now.Sub(s.logs.start) < time.Minute {
		return
	}
	if s.logs.dropped > 0 {
		s.cfg.Logf("%d more refusals or empty tests in the last minute were not logged one by one (at most %d lines a minute)", s.logs.dropped, s.lim.logPerMinute)
	}
	s.logs = logBudget{start: now}
}

// logRefused logs a refused request within the log's limits, without
// the query (where a token may be) and with the token blanked should a
// client put it in the path.
func (s *Server) logRefused(r *http.Request, key netip.Addr, why string) {
	s.mu.Lock()
	ok := s.mayLogLocked(key, s.cfg.Now(), false)
	s.mu.Unlock()
	if ok {
		path := r.URL.Path
		if s.cfg.Token != "" {
			path = strings.ReplaceAll(path, s.cfg.Token, "[token]")
		}
		s.cfg.Logf("refused %s %s from %s: %s", r.Method, strconv.Quote(path), showKey(key), why)
	}
}

// noteRefused logs a refused connection within the log's limits.
func (s *Server) noteRefused(key netip.Addr, why string) {
	s.mu.Lock()
	ok := s.mayLogLocked(key, s.cfg.Now(), false)
	s.mu.Unlock()
	if ok {
		s.cfg.Logf("refused a connection from %s: %s", showKey(key), why)
	}
}

func (s *Server) latency(w http.ResponseWriter, _ *http.Request, _ *session) (int64, int64) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", "9")
	_, _ = io.WriteString(w, "test=test")
	return 9, 0
}

// download sends the file in blocks, each with its own write deadline, so
// a client reading slower than the minimum rate loses its request within
// blockTimeout instead of holding it for the whole test.
func (s *Server) download(w http.ResponseWriter, r *http.Request, sess *session) (int64, int64) {
	size := DownloadSize(downloadSide(r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]))
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	if r.Method == http.MethodHead {
		return 0, 0
	}
	rc := http.NewResponseController(w)
	end := time.Now().Add(s.cfg.MaxTest)
	var sent int64
	for sent < size {
		off := int(sent % int64(len(s.payload)))
		n := min(int64(len(s.payload)-off), size-sent, s.lim.block)
		_ = rc.SetWriteDeadline(earliest(time.Now().Add(s.lim.blockTimeout), end))
		k, err := w.Write(s.payload[off : off+int(n)])
		sent += int64(k)
		sess.down.Add(int64(k))
		if err != nil {
			break
		}
	}
	return sent, 0
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

var (
	// errTooSlow: a body block did not arrive within blockTimeout.
	errTooSlow = errors.New("upload too slow")
	// errTooLong: the request passed the test's length.
	errTooLong = errors.New("upload too long")
)

// paceReader reads an upload body at the minimum rate or fails: every
// block bytes must arrive within blockTimeout of the previous block, and
// all of it before end. It counts what it reads into moved once set.
type paceReader struct {
	r       io.Reader
	rc      *http.ResponseController
	block   int64
	timeout time.Duration
	end     time.Time
	got     int64 // bytes of the current block
	armed   bool
	total   int64
	moved   *atomic.Int64
}

func (p *paceReader) arm() {
	_ = p.rc.SetReadDeadline(earliest(time.Now().Add(p.timeout), p.end))
	p.armed = true
}

func (p *paceReader) Read(b []byte) (int, error) {
	if !p.armed {
		p.arm()
	}
	n, err := p.r.Read(b)
	p.total += int64(n)
	p.got += int64(n)
	if p.moved != nil {
		p.moved.Add(int64(n))
	}
	if p.got >= p.block {
		p.got = 0
		p.arm()
	}
	if err != nil && isTimeout(err) {
		if time.Now().Before(p.end) {
			return n, errTooSlow
		}
		return n, errTooLong
	}
	return n, err
}

// answer gives the upload's answer its own write deadline: the one set
// when the request arrived has passed if the body took longer.
func (p *paceReader) answer() {
	_ = p.rc.SetWriteDeadline(time.Now().Add(p.timeout))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// upload reads the body's first block (or all of it, if smaller) before
// the request joins a test: a client that sends headers and then trickles
// its body never takes a test's place.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, key netip.Addr) {
	body := &paceReader{r: http.MaxBytesReader(w, r.Body, s.cfg.MaxBody), rc: http.NewResponseController(w),
		block: s.lim.block, timeout: s.lim.blockTimeout, end: time.Now().Add(s.cfg.MaxTest)}
	n, err := io.CopyN(io.Discard, body, s.lim.block)
	if err != nil && err != io.EOF {
		body.answer()
		s.bodyFailed(w, r, key, err)
		return
	}
	sess, status, why := s.enter(key)
	if sess == nil {
		body.answer()
		s.refuseRequest(w, r, key, status, 0, why)
		return
	}
	sess.up.Add(n)
	body.moved = &sess.up
	if err == nil {
		var m int64
		m, err = io.Copy(io.Discard, body)
		n += m
	}
	body.answer()
	if err != nil && err != io.EOF {
		s.bodyFailed(w, r, key, err)
	} else {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = fmt.Fprintf(w, "size=%d", n)
	}
	s.leave(key, sess, n)
}

// bodyFailed answers an upload whose body broke a limit, when the client
// can still read the answer.
func (s *Server) bodyFailed(w http.ResponseWriter, r *http.Request, key netip.Addr, err error) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.logRefused(r, key, "upload larger than the limit")
		http.Error(w, fmt.Sprintf("upload larger than the server's limit of %d bytes", s.cfg.MaxBody), http.StatusRequestEntityTooLarge)
	case errors.Is(err, errTooSlow):
		msg := fmt.Sprintf("upload slower than the server's minimum (%d kB within %s)", s.lim.block>>10, s.lim.blockTimeout)
		s.logRefused(r, key, msg)
		w.Header().Set("Connection", "close")
		http.Error(w, msg, http.StatusRequestTimeout)
	case errors.Is(err, errTooLong):
		w.Header().Set("Connection", "close")
		http.Error(w, fmt.Sprintf("upload longer than the server's test limit of %s", s.cfg.MaxTest), http.StatusRequestTimeout)
	}
}

// sweep ends idle tests, samples the running ones, and forgets addresses
// at rest.
func (s *Server) sweep(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(now)
	s.rollLogLocked(now)
	if now.Sub(s.prunedAt) >= 10*time.Second {
		s.addrs.prune(now, refusedLogEvery)
		s.prunedAt = now
	}
}

// Serve serves on ln until ctx ends, then stops accepting, lets running
// requests finish for a few seconds, closes everything and returns nil.
// Any other error ends it early.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serveMux(ctx, newMuxListener(ln, s))
}

func (s *Server) serveMux(ctx context.Context, mux *muxListener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.lim.headerTimeout,
		IdleTimeout:       s.lim.idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         mux.connState,
		// net/http's own lines (a client's TLS attempt, a bad request)
		// would let anyone write to the log at will.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(mux) }()

	tick := time.NewTicker(s.lim.sweepEvery)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			mux.closeAll()
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		case <-tick.C:
			now := s.cfg.Now()
			s.sweep(now)
			mux.sweep(now)
		case <-ctx.Done():
			_ = mux.Close()
			mux.closeWaiting()
			sctx, cancel := context.WithTimeout(context.Background(), s.lim.shutdownGrace)
			if err := srv.Shutdown(sctx); err != nil {
				_ = srv.Close()
			}
			cancel()
			mux.closeAll()
			<-done
			now := s.cfg.Now()
			s.mu.Lock()
			for key, sess := range s.sessions {
				delete(s.sessions, key)
				s.logTestLocked(key, sess, now)
			}
			s.mu.Unlock()
			return nil
		}
	}
}
