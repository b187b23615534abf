//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The attack on `wfh serve` that issue 24 describes, against the real
// binary (built without -race, as users run it) on loopback: 1,000 hostile
// connections from one address and 200 from 50 others, while a
// well-behaved client runs 20 small tests. What it asserts is what a user
// sees: every test completes, the server's memory stays under 64 MB, and
// it stops within 5 s of SIGTERM. The figures are logged (go test -v).
//
//	go test -count=1 -v -run TestServeUnderAttack ./cmd/wfh/
const (
	// attackRamp lets every hostile connection open before the first
	// test, so the tests run against the whole attack.
	attackRamp = 3 * time.Second
	// goodTests small tests, one started every goodEvery: the attack
	// runs through 20 s of tests, long enough for every timeout of the
	// server (headers 5 s, body blocks 8 s) to have turned over.
	goodTests = 20
	goodEvery = time.Second
	// goodTimeout is what a user would wait for a small test; a test that
	// takes longer has failed.
	goodTimeout = 10 * time.Second
	// rssBound and stopBound are the promises.
	rssBound  = 64 << 20
	stopBound = 5 * time.Second
	// hostileRetry is how long a hostile connection waits before coming
	// back once the server closed it: an attacker would come back at
	// once, but 1,000 loops retrying at once would measure the test
	// machine's two CPUs rather than the server.
	hostileRetry = time.Second
)

func TestServeUnderAttack(t *testing.T) {
	bin := wfhBinary(t)
	raiseFileLimit(t, 4096)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	var serverLog lockedBuilder
	cmd := exec.Command(bin, "serve", "--listen", addr)
	cmd.Stderr = &serverLog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	base := "http://" + addr
	if !waitReady(base, 10*time.Second) {
		t.Fatalf("wfh serve did not answer; log:\n%s", serverLog.String())
	}

	ctx, stopAttack := context.WithCancel(context.Background())
	defer stopAttack()
	var wg sync.WaitGroup
	one := &hostileStats{}
	many := &hostileStats{}
	for i := range 1000 {
		wg.Go(func() { hostile(ctx, "127.0.0.2", addr, hostileKind(i%3), one) })
	}
	for i := range 200 {
		src := fmt.Sprintf("127.0.0.%d", 10+i%50)
		wg.Go(func() { hostile(ctx, src, addr, hostileKind(i/50%len(hostileKinds)), many) })
	}
	time.Sleep(attackRamp)
	atStart := fmt.Sprintf("%d from 127.0.0.2 and %d from the 50 others connected", one.open.Load(), many.open.Load())

	var took []time.Duration
	var failed []string
	next := time.Now()
	for i := range goodTests {
		time.Sleep(time.Until(next))
		next = next.Add(goodEvery)
		start := time.Now()
		if err := smallTest(base); err != nil {
			failed = append(failed, fmt.Sprintf("test %d: %v", i+1, err))
		}
		took = append(took, time.Since(start))
	}
	hwm, rss := memoryOf(t, cmd.Process.Pid)
	atEnd := fmt.Sprintf("%d from 127.0.0.2 and %d from the 50 others connected", one.open.Load(), many.open.Load())
	// The attack goes on through the shutdown; its counts stop here, as
	// the closed port refuses everything after.
	attempts := fmt.Sprintf("127.0.0.2 %d (closed within 0.2 s: %d), the 50 others %d (closed within 0.2 s: %d)",
		one.attempts.Load(), one.resetAtOnce.Load(), many.attempts.Load(), many.resetAtOnce.Load())

	stopStart := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	var exitErr error
	var stopped time.Duration
	select {
	case exitErr = <-exited:
		stopped = time.Since(stopStart)
		exited <- exitErr // for the cleanup
	case <-time.After(3 * stopBound):
		stopped = 3 * stopBound
	}
	stopAttack()
	wg.Wait()

	sorted := slices.Clone(took)
	slices.Sort(sorted)
	lines := strings.Count(serverLog.String(), "\n")
	t.Logf("wfh serve under attack: 1,000 hostile connections from 127.0.0.2, 200 from 50 other addresses (idle, slow headers, slow bodies)")
	t.Logf("  hostile connections, after the %v ramp: %s; at the end: %s", attackRamp, atStart, atEnd)
	t.Logf("  hostile connection attempts until SIGTERM: %s", attempts)
	t.Logf("  small tests from 127.0.0.1 (3 pings, 500 kB down, 1 MB up): %d of %d completed", goodTests-len(failed), goodTests)
	t.Logf("  time per test: min %v, median %v, max %v; all: %v", sorted[0].Round(time.Millisecond),
		sorted[len(sorted)/2].Round(time.Millisecond), sorted[len(sorted)-1].Round(time.Millisecond), roundAll(took))
	t.Logf("  server memory: peak RSS (VmHWM) %.1f MB, RSS at the end %.1f MB (bound %d MB)", float64(hwm)/(1<<20), float64(rss)/(1<<20), rssBound>>20)
	t.Logf("  SIGTERM to exit: %v (bound %v), %v", stopped.Round(10*time.Millisecond), stopBound, exitErr)
	t.Logf("  server log: %d lines", lines)

	for _, f := range failed {
		t.Errorf("a well-behaved client failed during the attack: %s", f)
	}
	if hwm > rssBound {
		t.Errorf("peak RSS %d MB, over %d MB", hwm>>20, rssBound>>20)
	}
	if stopped > stopBound || exitErr != nil {
		t.Errorf("SIGTERM: stopped after %v with %v; want exit 0 within %v", stopped, exitErr, stopBound)
	}
	// One line a minute per address and 30 refusal lines a minute in all,
	// whatever the attack: the log stays readable.
	if lines > 60 {
		t.Errorf("%d log lines in half a minute", lines)
	}
	if t.Failed() {
		t.Logf("server log:\n%s", serverLog.String())
	}
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// smallTest is what a speed-test client does, in little: pings, one
// download, one upload, on fresh connections, from 127.0.0.1.
func smallTest(base string) error {
	d := &net.Dialer{Timeout: 3 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}}
	tr := &http.Transport{DialContext: d.DialContext}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: goodTimeout}
	ctx, cancel := context.WithTimeout(context.Background(), goodTimeout)
	defer cancel()
	fetch := func(method, path string, body []byte) (string, error) {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
		if err != nil {
			return "", err
		}
		resp, err := c.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return "", fmt.Errorf("%s %s: %s %q", method, path, resp.Status, b)
		}
		return string(b), err
	}
	for range 3 {
		if b, err := fetch("GET", "/speedtest/latency.txt", nil); err != nil || b != "test=test" {
			return fmt.Errorf("ping: %q %v", b, err)
		}
	}
	if b, err := fetch("GET", "/speedtest/random500x500.jpg", nil); err != nil || len(b) != 500_000 {
		return fmt.Errorf("download: %d bytes, %v", len(b), err)
	}
	if b, err := fetch("POST", "/speedtest/upload.php", make([]byte, 1_000_000)); err != nil || b != "size=1000000" {
		return fmt.Errorf("upload: %q %v", b, err)
	}
	return nil
}

func waitReady(base string, d time.Duration) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/latency.txt"); err == nil {
			resp.Body.Close()
			return resp.StatusCode == 200
		}
	}
	return false
}

type hostileKind int

const (
	hostileIdle      hostileKind = iota // connects and sends nothing
	hostileLoris                        // a header line a second, never the end
	hostileSlowBody                     // a whole header, then a body byte a second
	hostileHalfBody                     // 40 kB of body at once, then a byte a second
	hostileKeepAlive                    // one request, then idle on the kept-alive connection
)

var hostileKinds = []hostileKind{hostileKeepAlive, hostileLoris, hostileSlowBody, hostileHalfBody}

type hostileStats struct {
	attempts, resetAtOnce, open atomic.Int64
}

// hostile keeps one hostile connection of kind open from src as long as
// ctx lasts, coming back hostileRetry after the server closes it.
func hostile(ctx context.Context, src, addr string, kind hostileKind, st *hostileStats) {
	d := &net.Dialer{Timeout: 3 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	for ctx.Err() == nil {
		st.attempts.Add(1)
		start := time.Now()
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			st.open.Add(1)
			misbehave(ctx, c, kind)
			st.open.Add(-1)
			c.Close()
		}
		if time.Since(start) < 200*time.Millisecond {
			st.resetAtOnce.Add(1)
		}
		select {
		case <-ctx.Done():
		case <-time.After(hostileRetry + rand.N(hostileRetry/2)):
		}
	}
}

// misbehave acts out kind on c until the server closes it or ctx ends.
func misbehave(ctx context.Context, c net.Conn, kind hostileKind) {
	var first string
	switch kind {
	case hostileLoris:
		first = "GET /speedtest/latency.txt HTTP/1.1\r\nHost: x\r\n"
	case hostileSlowBody:
		first = "POST /speedtest/upload.php HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"
	case hostileHalfBody:
		first = "POST /speedtest/upload.php HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" + strings.Repeat("x", 40<<10)
	case hostileKeepAlive:
		first = "GET /speedtest/latency.txt HTTP/1.1\r\nHost: x\r\n\r\n"
	}
	if first != "" {
		if _, err := io.WriteString(c, first); err != nil {
			return
		}
	}
	br := bufio.NewReader(c)
	buf := make([]byte, 512)
	for i := 0; ctx.Err() == nil; i++ {
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		_, err := br.Read(buf)
		var ne net.Error
		switch {
		case err == nil:
			continue // an answer (or the keep-alive response): read on until closed
		case errors.As(err, &ne) && ne.Timeout():
		default:
			return // closed by the server
		}
		var more string
		switch kind {
		case hostileLoris:
			more = "X-Wait-" + strconv.Itoa(i) + ": y\r\n"
		case hostileSlowBody, hostileHalfBody:
			more = "x"
		}
		if more != "" {
			if _, err := io.WriteString(c, more); err != nil {
				return
			}
		}
	}
}

// memoryOf reads a process's peak and current resident memory, in bytes.
func memoryOf(t *testing.T, pid int) (hwm, rss int64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[2] == "kB" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			switch f[0] {
			case "VmHWM:":
				hwm = n << 10
			case "VmRSS:":
				rss = n << 10
			}
		}
	}
	if hwm == 0 {
		t.Fatalf("no VmHWM in /proc/%d/status", pid)
	}
	return hwm, rss
}

// raiseFileLimit makes room for n open files in this process (the
// attack's connections), or skips.
func raiseFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	lim.Cur = n
	lim.Max = max(lim.Max, n)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("needs %d open files (ulimit -n), and cannot raise the limit: %v", n, err)
	}
}
