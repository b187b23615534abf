package speedserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	// maxLine bounds one text-protocol command; the longest real one,
	// "HI" with a UUID, is under 64 bytes.
	maxLine = 256
	// sniffBuffer holds the peeked bytes and one text-protocol line; HTTP
	// reads larger than it go straight to the socket.
	sniffBuffer = 512
	// maxTextLines: a PING every 200 ms for the longest test is well
	// under this.
	maxTextLines = 10_000
	// acceptBackoff is the pause after a temporary accept error (out of
	// file descriptors), as net/http does.
	acceptBackoff = 50 * time.Millisecond
	// refusedConnWhy explains the refusals of the connection layer.
	refusedConnWhy = "the connection was closed at once:"
)

// helloLine answers HI like an Ookla server does; speedtest-go reads the
// version from it. "wfh" at the end names the implementation.
const helloLine = "HELLO 2.11 (2.11.0) 2024-01-01.0000.wfh\n"

// Listen opens a TCP listener on addr with the configured congestion
// control. With the default (Config.Congestion empty), a system without
// CUBIC keeps its own default and the server logs one line; an algorithm
// named explicitly that the system refuses is a *CongestionError. Any
// other error (a bad address, a port in use) is returned as it is.
func (s *Server) Listen(ctx context.Context, addr string) (net.Listener, error) {
	algo := s.cfg.Congestion
	explicit := algo != ""
	if !explicit {
		algo = DefaultCongestion
	}
	var ccErr error
	lc := net.ListenConfig{}
	if algo != "system" {
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			if err := c.Control(func(fd uintptr) { ccErr = setCongestion(fd, algo) }); err != nil {
				ccErr = err
			}
			return nil // decided below, once the listener exists
		}
	}
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if ccErr != nil {
		if explicit {
			_ = ln.Close()
			return nil, congestionRefused(algo, ccErr)
		}
		s.cfg.Logf("congestion control %q not available (%v): using the system's default", algo, ccErr)
	}
	return ln, nil
}

// connState is where a connection stands, for the timeouts and for
// choosing which connection gives way under pressure.
type connState int32

const (
	stateSniff  connState = iota // accepted; its first bytes not yet read
	stateText                    // speaking the text protocol
	stateNew                     // handed to net/http, no request yet
	stateActive                  // a request is being served
	stateIdle                    // keep-alive, between requests
)

// muxConn is an accepted connection, counted against its address until
// closed.
type muxConn struct {
	net.Conn
	r        *bufio.Reader // what classification buffered, nil if nothing
	m        *muxListener
	key      netip.Addr
	accepted time.Time
	state    atomic.Int32
	since    atomic.Int64 // unix nanoseconds: when the current state began
	released bool         // guarded by m.mu
}

func (c *muxConn) Read(p []byte) (int, error) {
	if c.r != nil {
		return c.r.Read(p)
	}
	return c.Conn.Read(p)
}

func (c *muxConn) Close() error {
	c.m.release(c)
	return c.Conn.Close()
}

func (c *muxConn) set(st connState, at time.Time) {
	c.since.Store(at.UnixNano())
	c.state.Store(int32(st))
}

// yields says whether c may be closed to make room: it is not serving a
// request, so closing it loses nobody any data.
func (c *muxConn) yields(now time.Time, quiet time.Duration) bool {
	switch connState(c.state.Load()) {
	case stateSniff, stateNew, stateIdle:
		return true
	case stateText:
		return now.Sub(time.Unix(0, c.since.Load())) >= quiet
	}
	return false
}

// muxListener hands HTTP connections to net/http and serves the Ookla
// text protocol (HI, PING) itself, telling them apart by the first bytes.
// It also enforces the connection limits before any HTTP parsing: per
// address, the reserve for addresses holding few connections, the overall
// cap, and the timeouts of connections that are not serving a request.
type muxListener struct {
	net.Listener
	s         *Server
	conns     chan net.Conn
	done      chan struct{}
	once      sync.Once
	closeOnce sync.Once

	mu     sync.Mutex
	err    error // the inner listener's permanent error
	byAddr map[netip.Addr][]*muxConn
	open   int

	max        int // overall connection cap
	reserveAt  int // from here on, only addresses holding < reserveEach
	pressureAt int // from here on, the short timeouts
}

func newMuxListener(ln net.Listener, s *Server) *muxListener {
	max := s.cfg.MaxClients * s.lim.connsPerAddr
	m := &muxListener{Listener: ln, s: s, conns: make(chan net.Conn), done: make(chan struct{}),
		byAddr: map[netip.Addr][]*muxConn{}, max: max, reserveAt: max - max/4, pressureAt: max / 2}
	go m.loop()
	return m
}

func (m *muxListener) loop() {
	for {
		c, err := m.Listener.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
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
		mc, victim, why := m.admit(c)
		if victim != nil {
			_ = victim.Conn.Close()
		}
		if mc == nil {
			refuse(c)
			m.s.noteRefused(keyOfAddr(c.RemoteAddr()), refusedConnWhy+" "+why)
			continue
		}
		go m.classify(mc)
	}
}

// refuse closes c with a reset: no FIN handshake, no TIME_WAIT on the
// server, nothing for the kernel to keep.
func refuse(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// admit counts c against its address, or says why it may not stay. When
// the server is full, a connection from an address holding few takes the
// place of a connection that serves no request from the address holding
// the most; that one is returned as victim, to be closed.
func (m *muxListener) admit(c net.Conn) (mc *muxConn, victim *muxConn, why string) {
	key := keyOfAddr(c.RemoteAddr())
	now := m.s.cfg.Now()
	lim := m.s.lim
	m.mu.Lock()
	defer m.mu.Unlock()
	held := len(m.byAddr[key])
	switch {
	case held >= lim.connsPerAddr:
		return nil, nil, fmt.Sprintf("this address already holds %d connections, the most one address may", held)
	case m.open >= m.reserveAt && held >= lim.reserveEach:
		return nil, nil, fmt.Sprintf("the server is near its %d connections and this address holds %d already", m.max, held)
	case m.open >= m.max:
		victim = m.victimLocked(held, now)
		if victim == nil {
			return nil, nil, fmt.Sprintf("the server holds its most connections (%d), all busy", m.max)
		}
		m.removeLocked(victim)
	}
	mc = &muxConn{Conn: c, m: m, key: key, accepted: now}
	mc.set(stateSniff, now)
	m.byAddr[key] = append(m.byAddr[key], mc)
	m.open++
	return mc, victim, ""
}

// victimLocked picks the connection that gives way to a newcomer holding
// held connections: the longest-waiting of those that serve no request,
// from the address holding the most, if that is at least two more.
func (m *muxListener) victimLocked(held int, now time.Time) *muxConn {
	if held >= m.s.lim.reserveEach {
		return nil
	}
	var heavy []*muxConn
	for _, cs := range m.byAddr {
		if len(cs) > len(heavy) {
			heavy = cs
		}
	}
	if len(heavy) < held+2 {
		return nil
	}
	var pick *muxConn
	for _, c := range heavy {
		if c.yields(now, m.s.lim.pressureTimeout) && (pick == nil || c.since.Load() < pick.since.Load()) {
			pick = c
		}
	}
	return pick
}

func (m *muxListener) release(c *muxConn) {
	m.mu.Lock()
	m.removeLocked(c)
	m.mu.Unlock()
}

func (m *muxListener) removeLocked(c *muxConn) {
	if c.released {
		return
	}
	c.released = true
	cs := m.byAddr[c.key]
	for i, x := range cs {
		if x == c {
			cs[i] = cs[len(cs)-1]
			cs[len(cs)-1] = nil
			cs = cs[:len(cs)-1]
			break
		}
	}
	if len(cs) == 0 {
		delete(m.byAddr, c.key)
	} else {
		m.byAddr[c.key] = cs
	}
	m.open--
}

// sweep closes the connections that overstayed: no whole request header
// within headerTimeout of being accepted, idle longer than idleTimeout or
// textIdle; once the server is under pressure (half its connections in
// use), all three wait pressureTimeout at most.
func (m *muxListener) sweep(now time.Time) {
	lim := m.s.lim
	var doomed []*muxConn
	m.mu.Lock()
	header, idle, text := lim.headerTimeout, lim.idleTimeout, lim.textIdle
	if m.open >= m.pressureAt {
		header, idle, text = min(header, lim.pressureTimeout), min(idle, lim.pressureTimeout), min(text, lim.pressureTimeout)
	}
	for _, cs := range m.byAddr {
		for _, c := range cs {
			since := time.Unix(0, c.since.Load())
			switch connState(c.state.Load()) {
			case stateSniff, stateNew:
				if now.Sub(c.accepted) >= header {
					doomed = append(doomed, c)
				}
			case stateIdle:
				if now.Sub(since) >= idle {
					doomed = append(doomed, c)
				}
			case stateText:
				if now.Sub(since) >= text {
					doomed = append(doomed, c)
				}
			}
		}
	}
	m.mu.Unlock()
	for _, c := range doomed {
		_ = c.Close()
	}
}

// closeWaiting closes every connection that serves no request, as a
// shutdown begins: net/http waits for connections that have not sent a
// request yet, and does not know the text-protocol ones.
func (m *muxListener) closeWaiting() {
	var doomed []*muxConn
	m.mu.Lock()
	for _, cs := range m.byAddr {
		for _, c := range cs {
			if connState(c.state.Load()) != stateActive {
				doomed = append(doomed, c)
			}
		}
	}
	m.mu.Unlock()
	for _, c := range doomed {
		_ = c.Close()
	}
}

// closeAll closes every connection still open.
func (m *muxListener) closeAll() {
	var doomed []*muxConn
	m.mu.Lock()
	for _, cs := range m.byAddr {
		doomed = append(doomed, cs...)
	}
	m.mu.Unlock()
	for _, c := range doomed {
		_ = c.Close()
	}
}

// openConns is the number of connections counted, for tests.
func (m *muxListener) openConns() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.open
}

// connState follows net/http's view of each connection.
func (m *muxListener) connState(c net.Conn, st http.ConnState) {
	mc, ok := c.(*muxConn)
	if !ok {
		return
	}
	switch st {
	case http.StateNew:
		mc.set(stateNew, mc.accepted)
	case http.StateActive:
		mc.set(stateActive, m.s.cfg.Now())
	case http.StateIdle:
		mc.set(stateIdle, m.s.cfg.Now())
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

// Close stops accepting. Only the first call closes the inner listener,
// so that http.Server.Shutdown after Serve's own Close reports no error.
func (m *muxListener) Close() error {
	var err error
	m.closeOnce.Do(func() {
		m.shut()
		err = m.Listener.Close()
	})
	return err
}

// classify reads the first bytes of c to route it.
func (m *muxListener) classify(c *muxConn) {
	if m.s.cfg.Token != "" {
		m.hand(c) // no text protocol with a token: it cannot carry one
		return
	}
	br := bufio.NewReaderSize(c.Conn, sniffBuffer)
	// The sweep closes a silent connection too; this deadline only
	// spares a goroutine a wait when no sweep runs.
	_ = c.SetReadDeadline(time.Now().Add(m.s.lim.headerTimeout))
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
	c.r = br
	if text {
		c.set(stateText, m.s.cfg.Now())
		m.s.serveText(c, br)
		return
	}
	m.hand(c)
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

func (m *muxListener) hand(c *muxConn) {
	select {
	case m.conns <- c:
	case <-m.done:
		_ = c.Close()
	}
}

// serveText answers the Ookla control lines speedtest-go's TCP ping uses:
// HI → HELLO, PING → PONG with the server's clock in milliseconds, QUIT.
// Anything else (the packet-loss commands) is answered with ERROR, which
// clients read as "not supported here".
func (s *Server) serveText(c *muxConn, br *bufio.Reader) {
	defer c.Close()
	for lines := 0; lines < maxTextLines; lines++ {
		// The sweep closes a connection quiet for textIdle (less under
		// pressure); this deadline only backs it up.
		_ = c.SetReadDeadline(time.Now().Add(s.lim.textIdle))
		line, err := br.ReadSlice('\n')
		if err != nil || len(line) > maxLine {
			return
		}
		c.set(stateText, s.cfg.Now())
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
		_ = c.SetWriteDeadline(time.Now().Add(s.lim.textIdle))
		if _, err := c.Write([]byte(reply)); err != nil {
			return
		}
	}
}
