package speedserver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// These tests run the server on loopback with its limits made small and
// its times short, and connect from several 127.0.0.0/8 source addresses,
// which Linux routes to the loopback interface without any setup.

// serveLimited starts s with tune applied to its limits, and returns the
// listening address and the mux for looking at its counts.
func serveLimited(t *testing.T, cfg Config, tune func(*limits)) (*Server, string, *logBuf, func() int) {
	t.Helper()
	s, logs := newServer(t, cfg)
	if tune != nil {
		tune(&s.lim)
		s.addrs = newAddrTable(s.lim)
		s.maxSessions = s.cfg.MaxClients * s.lim.connsPerAddr
	}
	ln, err := s.Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := newMuxListener(ln, s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.serveMux(ctx, mux) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return s, ln.Addr().String(), logs, mux.openConns
}

// dialFrom connects to addr from the loopback source address src.
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// tryDialFrom is dialFrom for a connection the server may reset so fast
// that the dial itself fails; it returns nil then.
func tryDialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// clientFrom is an HTTP client whose connections come from src.
func clientFrom(src string) *http.Client {
	d := &net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// closedWithin says whether the server closes c within d (a read ends
// with EOF or a reset rather than a timeout). A nil c was never open.
func closedWithin(c net.Conn, d time.Duration) bool {
	if c == nil {
		return true
	}
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	return !isTimeout(err)
}

// waitFor polls cond for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// One address holds at most connsPerAddr connections: the next ones are
// reset at once, before any HTTP, and other addresses are untouched.
func TestPerAddressConnectionCap(t *testing.T) {
	_, addr, logs, open := serveLimited(t, Config{MaxClients: 4}, func(l *limits) {
		l.connsPerAddr, l.headerTimeout, l.pressureTimeout = 5, time.Minute, time.Minute
	})
	var held []net.Conn
	for range 12 {
		held = append(held, tryDialFrom(t, "127.0.0.2", addr))
	}
	if !waitFor(2*time.Second, func() bool { return open() == 5 }) {
		t.Fatalf("%d connections counted, want 5", open())
	}
	closed := 0
	for _, c := range held {
		if closedWithin(c, 300*time.Millisecond) {
			closed++
		}
	}
	if closed != 7 {
		t.Errorf("%d of 12 connections closed at once, want 7", closed)
	}
	if code, body := get(t, clientFrom("127.0.0.3"), "http://"+addr+"/latency.txt"); code != 200 {
		t.Errorf("another address: %d %s", code, body)
	}
	if !strings.Contains(logs.text(), "refused a connection from 127.0.0.2: the connection was closed at once: this address already holds 5 connections") ||
		strings.Count(logs.text(), "refused a connection") != 1 {
		t.Errorf("want one line about the refusals:\n%s", logs.text())
	}
}

// The last quarter of the connection cap is for addresses holding few;
// at the cap, a newcomer takes the place of a waiting connection of the
// address holding the most.
func TestReserveAndEviction(t *testing.T) {
	// cap 2×5 = 10, reserve from 8 for addresses holding < 2
	_, addr, _, open := serveLimited(t, Config{MaxClients: 2}, func(l *limits) {
		l.connsPerAddr, l.reserveEach, l.headerTimeout, l.pressureTimeout = 5, 2, time.Minute, time.Minute
	})
	heavy := make([]net.Conn, 0, 5)
	for range 5 {
		heavy = append(heavy, dialFrom(t, "127.0.0.2", addr))
	}
	waitFor(time.Second, func() bool { return open() == 5 })
	var second []net.Conn
	for range 5 {
		second = append(second, tryDialFrom(t, "127.0.0.3", addr))
	}
	// .3 gets 3 (up to 8 in all), then the reserve refuses it.
	if !waitFor(2*time.Second, func() bool { return open() == 8 }) {
		t.Fatalf("%d open, want 8", open())
	}
	for _, c := range second[3:] {
		if !closedWithin(c, 300*time.Millisecond) {
			t.Error("a heavy address got into the reserve")
		}
	}
	// Two newcomers holding nothing take the reserve.
	dialFrom(t, "127.0.0.4", addr)
	dialFrom(t, "127.0.0.5", addr)
	if !waitFor(2*time.Second, func() bool { return open() == 10 }) {
		t.Fatalf("%d open, want 10", open())
	}
	// At the cap, a third newcomer still gets in: one of .2's waiting
	// connections gives way.
	if code, body := get(t, clientFrom("127.0.0.6"), "http://"+addr+"/latency.txt"); code != 200 {
		t.Errorf("newcomer at the cap: %d %s", code, body)
	}
	evicted := 0
	for _, c := range heavy {
		if closedWithin(c, 100*time.Millisecond) {
			evicted++
		}
	}
	if evicted != 1 {
		t.Errorf("%d of the heaviest address's connections gave way, want 1", evicted)
	}
}

// A connection must send its whole request header within headerTimeout of
// being accepted, however it trickles; one idle between requests goes
// after idleTimeout; under pressure both wait pressureTimeout at most.
func TestSlowClientsClosed(t *testing.T) {
	// cap 40, pressure from 20
	_, addr, _, open := serveLimited(t, Config{MaxClients: 1}, func(l *limits) {
		l.headerTimeout, l.idleTimeout, l.textIdle, l.pressureTimeout = 1500*time.Millisecond, 3*time.Second, 3*time.Second, 800*time.Millisecond
	})
	silent := dialFrom(t, "127.0.0.2", addr)
	loris := dialFrom(t, "127.0.0.3", addr)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		fmt.Fprint(loris, "GET /latency.txt HTTP/1.1\r\nHost: x\r\n")
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			if _, err := fmt.Fprintf(loris, "X-%d: y\r\n", i); err != nil {
				return
			}
		}
	}()
	start := time.Now()
	for name, c := range map[string]net.Conn{"silent": silent, "slow headers": loris} {
		if !closedWithin(c, 4*time.Second) {
			t.Errorf("%s connection still open after %v", name, time.Since(start))
		} else if took := time.Since(start); took < time.Second {
			t.Errorf("%s connection closed after %v, before its header timeout", name, took)
		}
	}
	// A keep-alive connection after one request: kept while the server
	// is quiet...
	ka := dialFrom(t, "127.0.0.4", addr)
	fmt.Fprint(ka, "GET /latency.txt HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(ka)
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("keep-alive request: %v %v", resp, err)
	}
	if closedWithin(ka, 1500*time.Millisecond) {
		t.Error("an idle keep-alive connection closed early on a quiet server")
	}
	if !closedWithin(ka, 3*time.Second) {
		t.Error("an idle keep-alive connection outlived idleTimeout")
	}
	// ...and closed sooner under pressure: half the cap in use by uploads
	// that started and then wait (active, so they stay).
	for i := range 22 {
		c := dialFrom(t, fmt.Sprintf("127.0.1.%d", 1+i/2), addr)
		fmt.Fprint(c, "POST /upload.php HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999\r\n\r\n"+strings.Repeat("x", 40<<10))
	}
	if !waitFor(2*time.Second, func() bool { return open() >= 22 }) {
		t.Fatalf("%d open", open())
	}
	ka2 := dialFrom(t, "127.0.0.5", addr)
	fmt.Fprint(ka2, "GET /latency.txt HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, err := http.ReadResponse(bufio.NewReader(ka2), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("keep-alive request under pressure: %v %v", resp, err)
	}
	start = time.Now()
	if !closedWithin(ka2, 2500*time.Millisecond) {
		t.Error("an idle keep-alive connection was not closed early under pressure")
	}
	t.Logf("under pressure, idle closed after %v", time.Since(start).Round(10*time.Millisecond))
}

// An upload whose body trickles is ended with 408 once a block misses its
// deadline, and never takes a test's place: with one place, a real client
// tests while the trickler trickles.
func TestSlowUploadNeverHoldsATest(t *testing.T) {
	_, addr, logs, _ := serveLimited(t, Config{MaxClients: 1}, func(l *limits) { l.block, l.blockTimeout = 4<<10, time.Second })
	c := dialFrom(t, "127.0.0.2", addr)
	fmt.Fprint(c, "POST /upload.php HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	if code, body := get(t, clientFrom("127.0.0.3"), "http://"+addr+"/random100x100.jpg"); code != 200 {
		t.Errorf("a real client while the body trickles: %d %s", code, body)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("trickling body: %v %v", resp, err)
	}
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "slower than the server's minimum") {
		t.Errorf("408 body %q", b)
	}
	if !strings.Contains(logs.text(), "from 127.0.0.2: upload slower than the server's minimum") {
		t.Errorf("log:\n%s", logs.text())
	}
	// A body that starts fast and then trickles joins the test and is
	// ended the same way.
	c2 := dialFrom(t, "127.0.0.4", addr)
	fmt.Fprint(c2, "POST /upload.php HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat("x", 5000))
	start := time.Now()
	_ = c2.SetReadDeadline(time.Now().Add(4 * time.Second))
	resp, err = http.ReadResponse(bufio.NewReader(c2), nil)
	if err != nil || resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("fast start, then nothing: %v %v", resp, err)
	}
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Errorf("ended after %v, want about 1 s", took)
	}
}

// A client that stops reading a download loses it within blockTimeout
// once the socket buffers are full, not after the whole test's limit.
func TestSlowReaderCut(t *testing.T) {
	_, addr, _, open := serveLimited(t, Config{}, func(l *limits) { l.blockTimeout = time.Second })
	c := dialFrom(t, "127.0.0.2", addr)
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(64 << 10)
	}
	fmt.Fprint(c, "GET /random4000x4000.jpg HTTP/1.1\r\nHost: x\r\n\r\n")
	if !waitFor(5*time.Second, func() bool { return open() == 1 }) {
		t.Fatal("the server did not accept the connection")
	}
	if !waitFor(8*time.Second, func() bool { return open() == 0 }) {
		t.Fatalf("a download nobody reads still holds its connection")
	}
	n, _ := io.Copy(io.Discard, c)
	if n >= DownloadSize(4000) {
		t.Errorf("read %d bytes, the whole file", n)
	}
}

// Only tests that move data hold one of MaxClients places: a test that
// pinged once and went quiet, or trickles, does not keep a new one out;
// one that downloads does.
func TestBusyTestsHoldPlaces(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	s, _ := newServer(t, Config{MaxClients: 1, Now: clock.Now})
	h := s.Handler()
	step := func(d time.Duration) {
		for end := clock.Now().Add(d); clock.Now().Before(end); {
			clock.advance(s.lim.sweepEvery)
			s.sweep(clock.Now())
		}
	}
	if w := do(t, h, "GET", "/latency.txt", "192.0.2.1:1", nil); w.Code != 200 {
		t.Fatal(w.Code)
	}
	if w := do(t, h, "GET", "/latency.txt", "192.0.2.2:1", nil); w.Code != 200 {
		t.Errorf("a test that only pings holds the place: %d", w.Code)
	}
	// A download (2 MB) makes .2's test busy: .3 waits.
	do(t, h, "GET", "/random1000x1000.jpg", "192.0.2.2:1", nil)
	if w := do(t, h, "GET", "/latency.txt", "192.0.2.3:1", nil); w.Code != http.StatusServiceUnavailable {
		t.Errorf("with a busy test: %d, want 503", w.Code)
	}
	// Two seconds later .2 has moved nothing more but keeps requesting
	// small files: after busyWindow its place is free.
	for range 4 {
		step(time.Second)
		do(t, h, "GET", "/random10x10.jpg", "192.0.2.2:1", nil)
	}
	if w := do(t, h, "GET", "/latency.txt", "192.0.2.3:1", nil); w.Code != 200 {
		t.Errorf("after the busy test went quiet: %d", w.Code)
	}
}

// Each address may make perMinute requests a minute; large transfers are
// given back, a wrong token costs ten; other addresses are unaffected.
func TestRequestRateLimit(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	s, logs := newServer(t, Config{Now: clock.Now, Token: "right-token"})
	s.lim.perMinute = 20
	s.addrs = newAddrTable(s.lim)
	h := s.Handler()
	for i := range 10 {
		if w := do(t, h, "GET", "/random1000x1000.jpg?token=right-token", "192.0.2.1:1", nil); w.Code != 200 {
			t.Fatalf("download %d: %d", i, w.Code)
		}
	}
	for i := range 20 {
		if w := do(t, h, "GET", "/latency.txt?token=right-token", "192.0.2.1:1", nil); w.Code != 200 {
			t.Fatalf("ping %d after refunded downloads: %d", i, w.Code)
		}
	}
	w := do(t, h, "GET", "/latency.txt?token=right-token", "192.0.2.1:1", nil)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "3" {
		t.Errorf("request 21: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if w := do(t, h, "GET", "/latency.txt?token=right-token", "192.0.2.2:1", nil); w.Code != 200 {
		t.Errorf("another address: %d", w.Code)
	}
	clock.advance(3 * time.Second)
	if w := do(t, h, "GET", "/latency.txt?token=right-token", "192.0.2.1:1", nil); w.Code != 200 {
		t.Errorf("after Retry-After: %d", w.Code)
	}
	// Two wrong tokens use up a budget of 20.
	do(t, h, "GET", "/latency.txt?token=guess1", "192.0.2.3:1", nil)
	do(t, h, "GET", "/latency.txt?token=guess2", "192.0.2.3:1", nil)
	if w := do(t, h, "GET", "/latency.txt?token=guess3", "192.0.2.3:1", nil); w.Code != http.StatusTooManyRequests {
		t.Errorf("third guess: %d, want 429", w.Code)
	}
	if strings.Contains(logs.text(), "guess") {
		t.Errorf("a token guess reached the log:\n%s", logs.text())
	}
}

// The log holds at most logPerMinute refusal lines a minute across
// addresses, and says how many it left out.
func TestLogBudget(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	s, logs := newServer(t, Config{Now: clock.Now, Token: "right-token"})
	h := s.Handler()
	for i := range 100 {
		do(t, h, "GET", "/latency.txt", fmt.Sprintf("192.0.2.%d:1", i), nil)
	}
	if n := strings.Count(logs.text(), "refused"); n != s.lim.logPerMinute {
		t.Errorf("%d refusal lines, want %d", n, s.lim.logPerMinute)
	}
	clock.advance(time.Minute)
	s.sweep(clock.Now())
	if !strings.Contains(logs.text(), "70 more refusals or empty tests in the last minute were not logged") {
		t.Errorf("no summary:\n%s", logs.text())
	}
}

// The address table never holds more than maxAddrs, forgets addresses at
// rest, and IPv6 addresses count by /64.
func TestAddrTableBounded(t *testing.T) {
	lim := defaultLimits()
	lim.maxAddrs = 50
	tab := newAddrTable(lim)
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range 1000 {
		k := addrKey(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
		tab.take(k, 1, now)
		if len(tab.m) > 50 {
			t.Fatalf("%d entries", len(tab.m))
		}
	}
	now = now.Add(time.Minute)
	tab.prune(now, time.Minute)
	if len(tab.m) != 0 {
		t.Errorf("%d entries at rest kept", len(tab.m))
	}
	a := keyOfRemote("[2001:db8:1:2:aaaa::1]:443")
	b := keyOfRemote("[2001:db8:1:2:bbbb::9%eth0]:80")
	c := keyOfRemote("[2001:db8:1:3::1]:443")
	if a != b || a == c || showKey(a) != "2001:db8:1:2::/64" {
		t.Errorf("IPv6 keys: %v %v %v (%s)", a, b, c, showKey(a))
	}
	if k := keyOfRemote("[::ffff:192.0.2.7]:80"); showKey(k) != "192.0.2.7" {
		t.Errorf("IPv4-mapped: %s", showKey(k))
	}
	if k := keyOfRemote("not an address"); k.IsValid() || showKey(k) != "an unknown address" {
		t.Errorf("unparsable: %v", k)
	}
}

// Cancelling Serve with hostile connections open (silent, slow headers, a
// trickling body, a download nobody reads) returns within the shutdown
// grace, as SIGTERM must.
func TestShutdownWithHostileClients(t *testing.T) {
	s, logs := newServer(t, Config{})
	ln, err := s.Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	dialFrom(t, "127.0.0.2", addr)
	fmt.Fprint(dialFrom(t, "127.0.0.3", addr), "GET / HTTP/1.1\r\nHost")
	fmt.Fprint(dialFrom(t, "127.0.0.4", addr), "POST /upload.php HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999\r\n\r\n"+strings.Repeat("x", 40<<10))
	fmt.Fprint(dialFrom(t, "127.0.0.5", addr), "GET /random4000x4000.jpg HTTP/1.1\r\nHost: x\r\n\r\n")
	fmt.Fprint(dialFrom(t, "127.0.0.6", addr), "HI\n")
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if took := time.Since(start); took > s.lim.shutdownGrace+time.Second {
		t.Errorf("shutdown took %v", took)
	}
	if !strings.Contains(logs.text(), "test from 127.0.0.5") {
		t.Errorf("the interrupted download was not logged:\n%s", logs.text())
	}
}

func FuzzCheckToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer  abc ", "Basic x", "", "Bearer", " Bearer\tabc"} {
		f.Add(s, "token=abc")
	}
	s, err := New(Config{Token: "abc"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, auth, query string) {
		r, err := http.NewRequest("GET", "http://x/latency.txt?"+query, nil)
		if err != nil {
			return
		}
		r.Header.Set("Authorization", auth)
		got := s.checkToken(r)
		if got == tokenOK && !strings.Contains(auth+r.URL.RawQuery, "abc") {
			t.Errorf("%q %q accepted", auth, query)
		}
		r.Header.Set("Authorization", "Bearer abc")
		if s.checkToken(r) != tokenOK {
			t.Errorf("the right Bearer token with query %q refused", query)
		}
	})
}

func FuzzKeyOfRemote(f *testing.F) {
	for _, s := range []string{"192.0.2.1:80", "[2001:db8::1]:80", "[fe80::1%eth0]:1", "[::ffff:1.2.3.4]:5", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, remote string) {
		k := keyOfRemote(remote)
		if k.IsValid() && (k.Is4In6() || k.Zone() != "" || (k.Is6() && k != addrKey(k))) {
			t.Errorf("%q → %v is not a normalized key", remote, k)
		}
		_ = showKey(k)
	})
}

// A client that sends requests and never reads the answers loses its
// connection once the answers stop fitting in the socket buffers, like a
// slow download.
func TestPipelinedNonReaderCut(t *testing.T) {
	_, addr, _, open := serveLimited(t, Config{}, func(l *limits) { l.blockTimeout = time.Second })
	c := dialFrom(t, "127.0.0.2", addr)
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4 << 10)
	}
	if !waitFor(5*time.Second, func() bool { return open() == 1 }) {
		t.Fatal("the server did not accept the connection")
	}
	// Answers of 20 kB (random100x100.jpg) fill the buffers within a few
	// hundred requests; latency.txt's few bytes needed tens of thousands,
	// more than a busy machine's race-detector build parsed in 10 s.
	req := strings.Repeat("GET /latency.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /random100x100.jpg HTTP/1.1\r\nHost: x\r\n\r\n", 50)
	// Keep asking until the server cuts the connection (or the wait below
	// gives up): how many answers fit in the socket buffers depends on the
	// kernel's autotuning, so a fixed number of requests may all fit and
	// leave an idle connection that proves nothing.
	stop := time.Now().Add(12 * time.Second)
	go func() {
		for time.Now().Before(stop) {
			if _, err := io.WriteString(c, req); err != nil {
				return
			}
		}
	}()
	if !waitFor(10*time.Second, func() bool { return open() == 0 }) {
		t.Fatalf("a client that never reads still holds its connection")
	}
}

// An upload that lasts longer than blockTimeout at a fine rate gets its
// answer: the deadline set when the request arrived does not cut it.
func TestLongUploadAnswered(t *testing.T) {
	_, addr, _, _ := serveLimited(t, Config{}, func(l *limits) { l.block, l.blockTimeout = 1<<10, time.Second })
	c := dialFrom(t, "127.0.0.2", addr)
	const size = 30 << 10
	fmt.Fprintf(c, "POST /upload.php HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
	// 2 kB every 150 ms: above the minimum of 1 kB a second, over 2 s.
	for sent := 0; sent < size; sent += 2 << 10 {
		if _, err := c.Write(make([]byte, 2<<10)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != fmt.Sprintf("size=%d", size) {
		t.Errorf("%d %q", resp.StatusCode, b)
	}
}
