package speedserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	// sniffTimeout bounds how long a new connection may stay silent
	// before its first bytes say which protocol it speaks.
	sniffTimeout = 10 * time.Second
	// textIdle closes a text-protocol connection nobody uses.
	textIdle = 30 * time.Second
	// maxLine bounds one text-protocol command; the longest real one,
	// "HI" with a UUID, is under 64 bytes.
	maxLine = 256
	// connsPerClient sizes the overall connection cap: each admitted
	// client may hold this many, so the cap never bites a real test.
	connsPerClient = maxRequestsPerClient + 8
	// acceptBackoff is the pause after a temporary accept error (out of
	// file descriptors), as net/http does.
	acceptBackoff = 50 * time.Millisecond
)

// helloLine answers HI like an Ookla server does; speedtest-go reads the
// version from it. "wfh" at the end names the implementation.
const helloLine = "HELLO 2.11 (2.11.0) 2024-01-01.0000.wfh\n"

// Listen opens a TCP listener on addr with the configured congestion
// control. When the system refuses the algorithm, it keeps the system's
// default and logs one line; any other error (a bad address, a port in
// use) is returned.
func (s *Server) Listen(ctx context.Context, addr string) (net.Listener, error) {
	algo := s.cfg.Congestion
	var ccErr error
	lc := net.ListenConfig{}
	if algo != "system" {
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			if err := c.Control(func(fd uintptr) { ccErr = setCongestion(fd, algo) }); err != nil {
				ccErr = err
			}
			return nil // never fatal: the default algorithm still serves
		}
	}
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if ccErr != nil {
		s.cfg.Logf("congestion control %q not available (%v): using the system's default", algo, ccErr)
	}
	return ln, nil
}

// muxListener hands HTTP connections to net/http and serves the Ookla
// text protocol (HI, PING) itself, telling them apart by the first bytes.
type muxListener struct {
	net.Listener
	s     *Server
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once

	mu  sync.Mutex
	err error // the inner listener's permanent error

	open atomic.Int64 // connections accepted and not yet closed
	max  int64
}

func newMuxListener(ln net.Listener, s *Server) *muxListener {
	m := &muxListener{Listener: ln, s: s, conns: make(chan net.Conn), done: make(chan struct{}),
		max: int64(s.cfg.MaxClients * connsPerClient)}
	go m.loop()
	return m
}

func (m *muxListener) loop() {
	for {
		c, err := m.Listener.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(acceptBackoff)
				continue
			}
			select {
			case <-m.done:
			default:
				if !errors.Is(err, net.ErrClosed) {
					m.mu.Lock()
					m.err = err
					m.mu.Unlock()
				}
				m.shut()
			}
			return
		}
		if m.open.Add(1) > m.max {
			m.open.Add(-1)
			_ = c.Close()
			continue
		}
		go m.classify(&countedConn{Conn: c, open: &m.open})
	}
}

func (m *muxListener) Accept() (net.Conn, error) {
	select {
	case c := <-m.conns:
		return c, nil
	case <-m.done:
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.err != nil {
			return nil, m.err
		}
		return nil, net.ErrClosed
	}
}

func (m *muxListener) shut() { m.once.Do(func() { close(m.done) }) }

func (m *muxListener) Close() error {
	m.shut()
	return m.Listener.Close()
}

// classify reads the first bytes of c to route it.
func (m *muxListener) classify(c net.Conn) {
	if m.s.cfg.Token != "" {
		m.hand(c) // no text protocol with a token: it cannot carry one
		return
	}
	br := bufio.NewReaderSize(c, 4096)
	_ = c.SetReadDeadline(time.Now().Add(sniffTimeout))
	head, err := br.Peek(2)
	if err != nil {
		_ = c.Close()
		return
	}
	text := isTextCommand(head)
	if !text && string(head) == "GE" {
		// GET (HTTP) or GETIP (text): one more pair of bytes decides.
		if more, err := br.Peek(4); err == nil {
			text = string(more) == "GETI"
		}
	}
	_ = c.SetReadDeadline(time.Time{})
	pc := &peekedConn{Conn: c, r: br}
	if text {
		m.s.serveText(pc, br)
		return
	}
	m.hand(pc)
}

// isTextCommand tells the Ookla control commands (HI, PING, QUIT,
// CAPABILITIES, INITPLOSS, PLOSS) from HTTP methods by their first bytes.
func isTextCommand(head []byte) bool {
	switch string(head) {
	case "HI", "PI", "QU", "CA", "IN", "PL":
		return true
	}
	return false
}

func (m *muxListener) hand(c net.Conn) {
	select {
	case m.conns <- c:
	case <-m.done:
		_ = c.Close()
	}
}

// countedConn releases its slot in the connection cap once closed.
type countedConn struct {
	net.Conn
	open *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

// peekedConn reads first what classification buffered.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// serveText answers the Ookla control lines speedtest-go's TCP ping uses:
// HI → HELLO, PING → PONG with the server's clock in milliseconds, QUIT.
// Anything else (the packet-loss commands) is answered with ERROR, which
// clients read as "not supported here".
func (s *Server) serveText(c net.Conn, br *bufio.Reader) {
	s.mu.Lock()
	if len(s.textConn) >= s.cfg.MaxClients*connsPerClient {
		s.mu.Unlock()
		_ = c.Close()
		return
	}
	s.textConn[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.textConn, c)
		s.mu.Unlock()
		_ = c.Close()
	}()
	lines := 0
	for {
		_ = c.SetReadDeadline(time.Now().Add(textIdle))
		line, err := br.ReadSlice('\n')
		if err != nil || len(line) > maxLine {
			return
		}
		lines++
		// A PING every 200 ms for the longest test is well under this.
		if lines > 10_000 {
			return
		}
		cmd := strings.TrimSpace(string(line))
		var reply string
		switch {
		case cmd == "HI" || strings.HasPrefix(cmd, "HI "):
			reply = helloLine
		case cmd == "PING" || strings.HasPrefix(cmd, "PING "):
			// speedtest-go expects exactly 13 digits of milliseconds.
			reply = fmt.Sprintf("PONG %013d\n", s.cfg.Now().UnixMilli())
		case cmd == "GETIP":
			host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
			reply = "YOURIP " + host + "\n"
		case cmd == "QUIT":
			return
		default:
			reply = "ERROR\n"
		}
		_ = c.SetWriteDeadline(time.Now().Add(textIdle))
		if _, err := c.Write([]byte(reply)); err != nil {
			return
		}
	}
}
