package stunprobe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/stun/v3"
)

// Retransmission over UDP. RFC 8489 §6.2.1 starts at 500 ms and allows 39.5
// s in all; a diagnosis has a few seconds, so wfh sends sooner and stops
// at the caller's deadline.
const (
	// firstRTO is the wait before the first resend: every vendor relay
	// and company STUN server answers within 250 ms on a working line, and
	// a lost first packet should not cost most of the budget.
	firstRTO = 250 * time.Millisecond
	// maxSends caps the requests of one exchange: with the RTO doubling
	// they leave at 0, 0.25, 0.75, 1.75 and 3.75 s, so a probe that ends
	// at ProbeTimeout (3 s) has sent four and survives three losses.
	maxSends = 5
	// maxDatagram is the receive buffer: larger than any STUN response
	// (they fit one unfragmented packet), and a larger datagram is
	// garbage anyway.
	maxDatagram = 2048
)

// Ignored counts what came back but was not an answer to the probe; all
// of it is dropped, none of it fails the probe on its own.
type Ignored struct {
	// WrongTransaction: well-formed STUN responses to a request this
	// probe did not send (or already had its answer for).
	WrongTransaction int `json:"wrong_transaction,omitempty"`
	// WrongSource: responses from another address than the one asked.
	// A connected UDP socket never sees these: the operating system
	// drops them first, so only the NAT probe counts them.
	WrongSource int `json:"wrong_source,omitempty"`
	// Unparseable: datagrams or frames that are not a well-formed Binding
	// response (not STUN, truncated, bad fingerprint, malformed address).
	Unparseable int `json:"unparseable,omitempty"`
}

// Total is the number of ignored datagrams.
func (g Ignored) Total() int { return g.WrongTransaction + g.WrongSource + g.Unparseable }

// datagramConn is a UDP socket as a session uses it: connected to one
// server (whose ICMP errors it then receives) or not (so one local port
// can ask several servers, which the NAT probe needs).
type datagramConn interface {
	send(b []byte, to netip.AddrPort) error
	recv(b []byte) (n int, from netip.AddrPort, err error)
	close() error
}

// connectedConn is a dialled UDP socket: every datagram it reads came from
// peer, since the kernel filters the rest.
type connectedConn struct {
	c    net.Conn
	peer netip.AddrPort
}

func (c connectedConn) send(b []byte, _ netip.AddrPort) error { _, err := c.c.Write(b); return err }
func (c connectedConn) recv(b []byte) (int, netip.AddrPort, error) {
	n, err := c.c.Read(b)
	return n, c.peer, err
}
func (c connectedConn) close() error { return c.c.Close() }

// unconnectedConn is a listening UDP socket that talks to many peers.
type unconnectedConn struct{ pc net.PacketConn }

func (c unconnectedConn) send(b []byte, to netip.AddrPort) error {
	_, err := c.pc.WriteTo(b, net.UDPAddrFromAddrPort(to))
	return err
}
func (c unconnectedConn) recv(b []byte) (int, netip.AddrPort, error) {
	n, a, err := c.pc.ReadFrom(b)
	return n, addrPortOf(a), err
}
func (c unconnectedConn) close() error { return c.pc.Close() }

// addrPortOf converts a socket address; the zero AddrPort when it is not
// an IP address.
func addrPortOf(a net.Addr) netip.AddrPort {
	switch v := a.(type) {
	case *net.UDPAddr:
		ap := v.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	case *net.TCPAddr:
		ap := v.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	case nil:
		return netip.AddrPort{}
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// session runs Binding transactions on one datagram socket. One reader
// goroutine matches each datagram to its request by transaction ID and
// source address, and counts the rest.
type session struct {
	conn datagramConn
	now  func() time.Time

	mu      sync.Mutex
	pending map[txID]attempt // guarded by mu
	ignored Ignored          // guarded by mu
	readErr error            // first read error, guarded by mu; set before dead closes
	dead    chan struct{}    // closed when the reader stops
}

// attempt is one request on the wire: a transaction sends one per
// (re)transmission, each with its own ID, so an answer tells which send
// it answers and the round trip is exact.
type attempt struct {
	tx     *transaction
	sent   time.Time
	method stun.Method // what was asked: an answer of another method is not one
}

// transaction waits for the answer to one question.
type transaction struct {
	from    netip.AddrPort // the only source an answer may come from
	replies chan reply     // buffered 1: the reader never blocks
}

type reply struct {
	resp response
	rtt  time.Duration
}

func newSession(conn datagramConn, now func() time.Time) *session {
	s := &session{conn: conn, now: now, pending: map[txID]attempt{}, dead: make(chan struct{})}
	go s.read()
	return s
}

// close closes the socket, which ends the reader.
func (s *session) close() {
	_ = s.conn.close() // the only error is "already closed"
	<-s.dead
}

func (s *session) read() {
	defer close(s.dead)
	buf := make([]byte, maxDatagram+1)
	for {
		n, from, err := s.conn.recv(buf)
		if err != nil {
			s.mu.Lock()
			s.readErr = err
			s.mu.Unlock()
			return
		}
		at := s.now()
		resp, perr := parseResponse(buf[:min(n, maxDatagram+1)])
		if n > maxDatagram {
			perr = errNotSTUN
		}
		s.mu.Lock()
		switch a, ok := s.pending[resp.tx]; {
		case perr != nil:
			s.ignored.Unparseable++
		case !ok:
			s.ignored.WrongTransaction++
		case from != a.tx.from:
			s.ignored.WrongSource++
		case resp.method != a.method:
			s.ignored.Unparseable++
		default:
			for id, other := range s.pending {
				if other.tx == a.tx {
					delete(s.pending, id)
				}
			}
			a.tx.replies <- reply{resp: resp, rtt: at.Sub(a.sent)}
		}
		s.mu.Unlock()
	}
}

// release deletes the allocation an open TURN server granted to a knock
// (a Refresh with lifetime 0, sent once: a server that ignores it frees the
// allocation at its lifetime's end anyway).
func (s *session) release(dst netip.AddrPort) {
	if m, err := newReleaseRequest(); err == nil {
		_ = s.conn.send(m.Raw, dst) // best effort; the answer is not awaited
	}
}

// counts returns the ignored counters so far.
func (s *session) counts() Ignored {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ignored
}

// exchangeResult is how one transaction ended.
type exchangeResult struct {
	reply   reply
	ok      bool  // an answer came (reply.resp.method says to which request)
	sends   int   // requests sent
	sendErr error // the socket refused to send
	readErr error // the socket reported an error (ICMP) before an answer
}

// exchange sends Binding requests (with CHANGE-REQUEST flags change) to dst
// until one is answered from `from`, the socket fails, sends run out and
// ctx ends; with knock, an unauthenticated Allocate goes with each Binding
// and an answer to either ends the transaction. Without an answer it waits
// for ctx: the caller's deadline is the only timeout.
func (s *session) exchange(ctx context.Context, dst, from netip.AddrPort, change uint32, knock bool) exchangeResult {
	tx := &transaction{from: from, replies: make(chan reply, 1)}
	defer func() {
		s.mu.Lock()
		for id, a := range s.pending {
			if a.tx == tx {
				delete(s.pending, id)
			}
		}
		s.mu.Unlock()
	}()
	var res exchangeResult
	timer := time.NewTimer(0)
	defer timer.Stop()
	rto := firstRTO
	send := func(m *stun.Message, method stun.Method) error {
		s.mu.Lock()
		s.pending[m.TransactionID] = attempt{tx: tx, sent: s.now(), method: method}
		s.mu.Unlock()
		return s.conn.send(m.Raw, dst)
	}
	for {
		select {
		case r := <-tx.replies:
			res.reply, res.ok = r, true
			if r.resp.method == stun.MethodAllocate && r.resp.errorCode == 0 {
				s.release(dst)
			}
			return res
		case <-s.dead:
			// An answer may have been queued just before the error.
			select {
			case r := <-tx.replies:
				res.reply, res.ok = r, true
			default:
				s.mu.Lock()
				res.readErr = s.readErr
				s.mu.Unlock()
			}
			return res
		case <-ctx.Done():
			return res
		case <-timer.C:
			m, err := newBindingRequest(change)
			if err != nil {
				res.sendErr = err
				return res
			}
			err = send(m, stun.MethodBinding)
			if err == nil && knock {
				var a *stun.Message
				if a, err = newAllocateRequest(); err == nil {
					err = send(a, stun.MethodAllocate)
				}
			}
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return res
				}
				res.sendErr = err
				return res
			}
			res.sends++
			if res.sends < maxSends {
				timer.Reset(rto)
				rto *= 2
			}
		}
	}
}
