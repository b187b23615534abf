package dns

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	mdns "github.com/miekg/dns"
)

// fakeNet stands in for the network in unit tests: a checks.Dialer whose
// connections are answered by scripted DNS servers in this process (the
// operating system's resolver is a checkstest.Resolver). No socket is
// opened.

// action is what a scripted server does with one query.
type action struct {
	msg    *mdns.Msg     // the reply; nil with raw nil means silence
	raw    []byte        // bytes sent instead of msg (garbage)
	delay  time.Duration // wait before replying
	err    error         // the read fails with this instead (ICMP errors)
	silent bool          // never reply
}

type handler func(q *mdns.Msg) action

// fakeNet maps "addr:port" to a scripted server; dialling anything else
// fails with "network unreachable".
type fakeNet struct {
	mu      sync.Mutex
	servers map[string]handler // UDP
	tcp     map[string]handler
	queries map[string]int // per address, for assertions
}

func newFakeNet() *fakeNet {
	return &fakeNet{servers: map[string]handler{}, tcp: map[string]handler{}, queries: map[string]int{}}
}

func (n *fakeNet) serve(addr string, h handler) {
	n.servers[netip.MustParseAddrPort(addr).String()] = h
}
func (n *fakeNet) serveTCP(addr string, h handler) { n.tcp[netip.MustParseAddrPort(addr).String()] = h }

func (n *fakeNet) count(addr string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.queries[netip.MustParseAddrPort(addr).String()]
}

func (n *fakeNet) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	h, ok := n.servers[address]
	if network == "tcp" {
		h, ok = n.tcp[address]
	}
	if !ok {
		return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
	}
	n.mu.Lock()
	n.queries[address]++
	n.mu.Unlock()
	return &fakeConn{h: h, stream: network == "tcp", replies: make(chan []byte, 4), errs: make(chan error, 1), closed: make(chan struct{})}, nil
}

type fakeConn struct {
	h      handler
	stream bool

	mu       sync.Mutex
	deadline time.Time
	in       []byte // TCP bytes written so far
	pending  []byte // TCP bytes left to read

	replies   chan []byte
	errs      chan error
	closed    chan struct{}
	closeOnce sync.Once
}

func (c *fakeConn) Write(b []byte) (int, error) {
	wire := b
	if c.stream {
		c.mu.Lock()
		c.in = append(c.in, b...)
		if len(c.in) < 2 || len(c.in) < 2+int(binary.BigEndian.Uint16(c.in)) {
			c.mu.Unlock()
			return len(b), nil
		}
		wire = append([]byte(nil), c.in[2:]...)
		c.mu.Unlock()
	}
	q := new(mdns.Msg)
	if err := q.Unpack(wire); err != nil {
		return 0, err
	}
	a := c.h(q)
	go func() {
		if a.delay > 0 {
			select {
			case <-time.After(a.delay):
			case <-c.closed:
				return
			}
		}
		switch {
		case a.err != nil:
			c.errs <- a.err
		case a.silent || a.msg == nil && a.raw == nil:
		default:
			out := a.raw
			if out == nil {
				var err error
				if out, err = a.msg.Pack(); err != nil {
					panic(err)
				}
			}
			if c.stream {
				out = append(binary.BigEndian.AppendUint16(nil, uint16(len(out))), out...)
			}
			c.replies <- out
		}
	}()
	return len(b), nil
}

func (c *fakeConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	if len(c.pending) > 0 {
		n := copy(b, c.pending)
		c.pending = c.pending[n:]
		c.mu.Unlock()
		return n, nil
	}
	dl := c.deadline
	c.mu.Unlock()
	var timeout <-chan time.Time
	if !dl.IsZero() {
		t := time.NewTimer(time.Until(dl))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case out := <-c.replies:
		n := copy(b, out)
		if c.stream {
			c.mu.Lock()
			c.pending = append(c.pending, out[n:]...)
			c.mu.Unlock()
		}
		return n, nil
	case err := <-c.errs:
		return 0, &net.OpError{Op: "read", Net: "udp", Err: err}
	case <-timeout:
		return 0, os.ErrDeadlineExceeded
	case <-c.closed:
		return 0, net.ErrClosed
	}
}

func (c *fakeConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

func (c *fakeConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return nil
}
func (c *fakeConn) SetReadDeadline(t time.Time) error { return c.SetDeadline(t) }
func (c *fakeConn) SetWriteDeadline(time.Time) error  { return nil }
func (c *fakeConn) LocalAddr() net.Addr               { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000} }
func (c *fakeConn) RemoteAddr() net.Addr              { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }

// Scripted servers.

// zone answers the names in table (name → address) and NXDOMAIN for
// every other name; SOA queries for names in soa get an empty NOERROR.
func zone(table map[string]string) handler {
	return func(q *mdns.Msg) action {
		r := new(mdns.Msg)
		r.SetReply(q)
		name := strings.ToLower(strings.TrimSuffix(q.Question[0].Name, "."))
		addr, ok := table[name]
		switch {
		case !ok && q.Question[0].Qtype == mdns.TypeSOA && table["soa:"+name] != "":
		case !ok:
			r.Rcode = mdns.RcodeNameError
		case q.Question[0].Qtype == mdns.TypeA:
			r.Answer = append(r.Answer, &mdns.A{Hdr: mdns.RR_Header{Name: q.Question[0].Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 60},
				A: net.ParseIP(addr)})
		}
		return action{msg: r}
	}
}

func slowly(d time.Duration, h handler) handler {
	return func(q *mdns.Msg) action { a := h(q); a.delay = d; return a }
}

func rcode(rc int) handler {
	return func(q *mdns.Msg) action {
		r := new(mdns.Msg)
		r.SetRcode(q, rc)
		return action{msg: r}
	}
}

// everything answers every name with addr, as NXDOMAIN-rewriting
// provider servers do.
func everything(addr string) handler {
	return zone(nil).with(func(q *mdns.Msg, a *action) {
		r := new(mdns.Msg)
		r.SetReply(q)
		r.Answer = []mdns.RR{&mdns.A{Hdr: mdns.RR_Header{Name: q.Question[0].Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 60},
			A: net.ParseIP(addr)}}
		a.msg = r
	})
}

func (h handler) with(edit func(q *mdns.Msg, a *action)) handler {
	return func(q *mdns.Msg) action { a := h(q); edit(q, &a); return a }
}

func wrongID(h handler) handler {
	return h.with(func(_ *mdns.Msg, a *action) { a.msg.Id++ })
}

func wrongQuestion(h handler) handler {
	return h.with(func(_ *mdns.Msg, a *action) { a.msg.Question[0].Name = "elsewhere.example." })
}

// truncated replies with the TC bit and no answer, so the client must
// ask again over TCP (see fakeNet.serveTCP).
func truncated() handler {
	return func(q *mdns.Msg) action {
		r := new(mdns.Msg)
		r.SetReply(q)
		r.Truncated = true
		return action{msg: r}
	}
}

func silence() handler { return func(*mdns.Msg) action { return action{silent: true} } }

func portUnreachable() handler {
	return func(*mdns.Msg) action { return action{err: os.NewSyscallError("recvfrom", syscall.ECONNREFUSED)} }
}

func garbage() handler {
	return func(q *mdns.Msg) action {
		b := []byte{byte(q.Id >> 8), byte(q.Id), 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xff, 0xff}
		return action{raw: b}
	}
}
