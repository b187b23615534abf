package netlab

import (
	"crypto/tls"
	"errors"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ServeHTTP serves h over plain HTTP inside the namespace on addr
// ("10.200.2.1:80", ":0", "[::]:0" for both families) until the test ends,
// and returns the address it listens on.
func (ns *NS) ServeHTTP(addr string, h http.Handler) string {
	ns.lab.t.Helper()
	return ns.serve(addr, nil, h)
}

// ServeTLS is ServeHTTP over TLS with cert (for example from CA.Issue).
func (ns *NS) ServeTLS(addr string, cert tls.Certificate, h http.Handler) string {
	ns.lab.t.Helper()
	return ns.serve(addr, &tls.Config{Certificates: []tls.Certificate{cert}}, h)
}

func (ns *NS) serve(addr string, cfg *tls.Config, h http.Handler) string {
	t := ns.lab.t
	t.Helper()
	ln, err := ns.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("netlab: serve in %s: %v", ns.name, err)
	}
	bound := ln.Addr().String()
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	logs := &testLog{t: t}
	srv := &http.Server{
		Handler: h,
		// A client that stalls must not pin a connection past the test.
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(logs, "netlab server "+bound+": ", 0),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("netlab: server %s: %v", bound, err)
		}
		logs.stop()
	})
	return bound
}

// testLog forwards a server's error log (TLS handshake failures, mostly)
// to t.Log until stop, after which it drops lines: logging after the test
// has ended would panic.
type testLog struct {
	t       TB
	mu      sync.Mutex
	stopped bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (l *testLog) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}
