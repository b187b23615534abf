package stunprobe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/stun/v3"
	"github.com/pion/transport/v4/stdnet"
	"github.com/pion/turn/v4"
)

// Credentials are a TURN server's long-term credentials (RFC 8489 §9.2).
// They print, format and marshal as "[redacted]", so a Credentials value
// can sit in a logged or reported struct without leaking.
type Credentials struct {
	username, password string
}

// NewCredentials holds a user name and password for Allocate.
func NewCredentials(username, password string) Credentials {
	return Credentials{username: username, password: password}
}

// IsZero tells whether no credentials were given.
func (c Credentials) IsZero() bool { return c.username == "" && c.password == "" }

const redacted = "[redacted]"

func (Credentials) String() string               { return redacted }
func (Credentials) GoString() string             { return redacted }
func (Credentials) Format(f fmt.State, _ rune)   { _, _ = io.WriteString(f, redacted) }
func (Credentials) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

func (c Credentials) scrub(s string) string     { return scrubSecrets(s, c.username, c.password) }
func (c Credentials) scrubErr(err error) string { return c.scrub(shortErr(err)) }

// scrubSecrets replaces every occurrence of the secrets in s. Library
// errors never quote credentials today; this keeps it so if one starts.
func scrubSecrets(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

// TURNOutcome is what one TURN allocation attempt found.
type TURNOutcome string

const (
	// Allocated: the server gave a relay address (and the probe released
	// it at once).
	Allocated TURNOutcome = "allocated"
	// WrongCredentials: the server refused the user name or password
	// (401 after authenticating, or 441).
	WrongCredentials TURNOutcome = "wrong_credentials"
	// QuotaReached: 486, the user has as many allocations as allowed.
	QuotaReached TURNOutcome = "quota_reached"
	// TURNRejected: another STUN error (403 Forbidden, 508 Insufficient
	// Capacity, ...); ErrorCode says which.
	TURNRejected TURNOutcome = "rejected"
	// TURNUnreachable: the server could not be reached (refused, no
	// route, name not found, TLS failed, blocked locally); Path says how.
	TURNUnreachable TURNOutcome = "unreachable"
	// TURNTimeout: no complete answer before the deadline.
	TURNTimeout TURNOutcome = "timeout"
	// TURNStopped: the caller cancelled the probe before it finished.
	TURNStopped TURNOutcome = "stopped"
	// TURNFailed: anything else; Reason says what.
	TURNFailed TURNOutcome = "failed"
)

// STUN error codes of RFC 8489 §14.8 and RFC 8656 §18.
const (
	codeUnauthorized     = 401
	codeForbidden        = 403
	codeStaleNonce       = 438
	codeWrongCredentials = 441
	codeQuotaReached     = 486
)

// TURNResult is the outcome of one allocation attempt.
type TURNResult struct {
	Target  Target      `json:"target"`
	Outcome TURNOutcome `json:"outcome"`
	// Path is the transport-level outcome: Answered once the server
	// answered anything, else why not (Silent, Refused, TLSFailed, ...).
	Path   Outcome        `json:"path"`
	Server netip.AddrPort `json:"server"`
	// Relayed is the relay address the server allocated; private to the
	// company (the report may show it); valid when Allocated.
	Relayed netip.AddrPort `json:"relayed"`
	// ErrorCode is the server's STUN error code, when it sent one.
	ErrorCode int `json:"error_code,omitempty"`
	// Took is the probe's wall time: connect, challenge, authenticated
	// request.
	Took time.Duration `json:"took_ns"`
	// Reason is one line for people. It never contains the credentials.
	Reason string `json:"reason"`
}

// turnStreamRTO disables pion's retransmissions on TCP and TLS, where the
// stream already retransmits: a duplicate request would only confuse.
const turnStreamRTO = time.Hour

// closeGrace bounds the wait for pion's Allocate to return once its
// socket is closed; it returns at once in practice, and the probe's own
// deadline must not depend on it.
const closeGrace = 200 * time.Millisecond

// Allocate asks the TURN server t for a UDP relay with long-term
// credentials over t.Transport (UDP, TCP or TLS, run them concurrently to
// learn which fallback works), then releases the allocation. It returns
// within the Prober's Timeout; neither its result nor its reason ever
// contains the user name or password.
func (p *Prober) Allocate(ctx context.Context, t Target, cred Credentials) (r TURNResult) {
	start := p.now()
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	r = TURNResult{Target: t}
	defer func() {
		r.Took = p.now().Sub(start)
		if r.Outcome != Allocated && r.ErrorCode == 0 && stopped(ctx) {
			r.Outcome, r.Path = TURNStopped, Stopped
			r.Reason = fmt.Sprintf("stopped after %s, before %s finished the allocation", p.since(start), r.Target)
		}
		r.Reason = cred.scrub(r.Reason)
	}()
	addr, err := p.resolve(ctx, t.Host)
	if err != nil {
		r.Outcome, r.Path = TURNUnreachable, NoAddress
		r.Reason = fmt.Sprintf("looking up %s failed: %s", t.Host, cred.scrubErr(err))
		return r
	}
	r.Server = netip.AddrPortFrom(addr, uint16(t.Port))

	network := "tcp"
	if t.Transport == UDP {
		network = udpNetwork(addr)
	}
	conn, err := p.dialer().DialContext(ctx, network, r.Server.String())
	if err != nil {
		r.Path = netOutcome(err, t.Transport == UDP)
		r.Outcome = TURNUnreachable
		if r.Path == Silent {
			r.Outcome = TURNTimeout
		}
		r.Reason = cred.scrub(p.connectReason(start, r.Server, err, r.Path))
		return r
	}
	var pc net.PacketConn
	switch t.Transport {
	case UDP:
		reportPortUnreachable(conn)
		pc = &datagramPacketConn{Conn: conn, peer: r.Server}
	case TLS:
		if dl, ok := ctx.Deadline(); ok {
			_ = conn.SetDeadline(dl) // bounds a stalled handshake; cleared below
		}
		tc := tls.Client(conn, p.tlsConfig(t.Host))
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			r.Path = netOutcome(err, false)
			switch {
			case r.Path == Silent || ctx.Err() != nil:
				r.Outcome, r.Path = TURNTimeout, Silent
				r.Reason = fmt.Sprintf("TLS handshake with %s timed out after %s", r.Server, p.since(start))
			default:
				r.Outcome, r.Path = TURNUnreachable, TLSFailed
				r.Reason = fmt.Sprintf("TLS handshake with %s failed: %s", r.Server, cred.scrubErr(err))
			}
			return r
		}
		_ = conn.SetDeadline(time.Time{})
		pc = turn.NewSTUNConn(tc)
	default:
		pc = turn.NewSTUNConn(conn)
	}
	w := newWatchConn(pc)
	defer w.Close()
	p.allocate(ctx, start, &r, w, cred)
	return r
}

// allocate runs pion's TURN client on w and classifies what it returns.
func (p *Prober) allocate(ctx context.Context, start time.Time, r *TURNResult, w *watchConn, cred Credentials) {
	rto := firstRTO
	if r.Target.Transport != UDP {
		rto = turnStreamRTO
	}
	stdNet, err := stdnet.NewNet()
	if err != nil {
		r.Outcome, r.Path = TURNFailed, Failed
		r.Reason = "could not start the TURN client: " + cred.scrubErr(err)
		return
	}
	client, err := turn.NewClient(&turn.ClientConfig{
		TURNServerAddr: r.Server.String(),
		Username:       cred.username,
		Password:       cred.password,
		RTO:            rto,
		Conn:           w,
		Net:            literalNet{stdNet},
		LoggerFactory:  &logging.DefaultLoggerFactory{Writer: io.Discard, DefaultLogLevel: logging.LogLevelDisabled},
	})
	if err != nil {
		r.Outcome, r.Path = TURNFailed, Failed
		r.Reason = "could not start the TURN client: " + cred.scrubErr(err)
		return
	}
	if err := client.Listen(); err != nil {
		r.Outcome, r.Path = TURNFailed, Failed
		r.Reason = "could not start the TURN client: " + cred.scrubErr(err)
		return
	}
	type allocation struct {
		relay net.PacketConn
		err   error
	}
	done := make(chan allocation, 1)
	go func() {
		relay, err := client.Allocate()
		done <- allocation{relay, err}
	}()
	var a allocation
	finished := false
	select {
	case a = <-done:
		finished = true
	case <-ctx.Done():
	case <-w.dead:
	}
	if !finished {
		// Closing the client ends pion's transactions, so Allocate returns.
		client.Close()
		_ = w.Close()
		select {
		case a = <-done:
		case <-time.After(closeGrace):
			a.err = errors.New("the TURN client did not stop")
		}
		if a.err == nil && a.relay != nil {
			_ = a.relay.Close()
			a.relay, a.err = nil, errors.New("allocation arrived after the deadline")
		}
	}
	seen := w.stats()
	if seen.responses > 0 {
		r.Path = Answered
	}
	if a.err == nil {
		r.Outcome, r.Path = Allocated, Answered
		r.Relayed = addrPortOf(a.relay.LocalAddr())
		// Release at once (a Refresh with lifetime 0): the probe must not
		// hold one of the user's allocations for the default 10 minutes.
		_ = a.relay.Close()
		client.Close()
		r.Reason = fmt.Sprintf("%s gave a relay over %s in %s", r.Server, r.Target.Transport, roundRTT(p.now().Sub(start)))
		return
	}
	client.Close()
	var te *stun.TurnError
	var tev stun.TurnError
	code := 0
	switch {
	case errors.As(a.err, &te):
		code = int(te.ErrorCodeAttr.Code)
	case errors.As(a.err, &tev):
		code = int(tev.ErrorCodeAttr.Code)
	}
	if code != 0 {
		r.Path, r.ErrorCode = Answered, code
		switch code {
		case codeUnauthorized, codeWrongCredentials:
			r.Outcome = WrongCredentials
			r.Reason = fmt.Sprintf("%s refused the TURN user name or password (STUN error %d): check the credentials configured for it", r.Server, code)
		case codeQuotaReached:
			r.Outcome = QuotaReached
			r.Reason = fmt.Sprintf("%s refused a relay: this user already has as many as allowed (STUN error 486)", r.Server)
		default:
			r.Outcome = TURNRejected
			r.Reason = fmt.Sprintf("%s refused a relay with STUN error %d", r.Server, code)
		}
		return
	}
	switch {
	case seen.writeErr != nil:
		r.Path = netOutcome(seen.writeErr, r.Target.Transport == UDP)
		r.Outcome = TURNUnreachable
		r.Reason = fmt.Sprintf("sending to %s failed: %s", r.Server, cred.scrubErr(seen.writeErr))
	case seen.readErr != nil && !errors.Is(seen.readErr, net.ErrClosed) && !isTimeout(seen.readErr):
		r.Path = netOutcome(seen.readErr, r.Target.Transport == UDP)
		r.Outcome = TURNUnreachable
		switch r.Path {
		case Refused:
			r.Reason = fmt.Sprintf("TURN over %s to %s was refused: a firewall rejects it or no server listens", r.Target.Transport, r.Server)
		case Closed:
			r.Reason = fmt.Sprintf("%s closed the %s connection without a TURN answer", r.Server, r.Target.Transport)
		default:
			r.Reason = fmt.Sprintf("reading from %s failed: %s", r.Server, cred.scrubErr(seen.readErr))
		}
	case ctx.Err() != nil || isTimeout(seen.readErr):
		r.Outcome = TURNTimeout
		switch {
		case seen.responses > 0:
			r.Reason = fmt.Sprintf("%s answered the first TURN request, then not the authenticated one within %s", r.Server, p.since(start))
		case seen.garbage > 0:
			r.Path = Garbage
			r.Reason = fmt.Sprintf("no TURN answer from %s within %s; %d unreadable replies came back", r.Server, p.since(start), seen.garbage)
		default:
			r.Path = Silent
			r.Reason = fmt.Sprintf("no answer over %s from %s within %s: it is dropped on the way or the server is down", r.Target.Transport, r.Server, p.since(start))
		}
	default:
		r.Outcome = TURNFailed
		if r.Path == "" {
			r.Path = Failed
		}
		r.Reason = fmt.Sprintf("TURN allocation at %s failed: %s", r.Server, cred.scrubErr(a.err))
	}
}

// literalNet resolves the IP literals the probe gives pion in either
// family; pion's default resolves with "udp4", which rejects IPv6. Every
// other method is the standard library's.
type literalNet struct{ *stdnet.Net }

func (literalNet) ResolveUDPAddr(_ string, address string) (*net.UDPAddr, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return nil, fmt.Errorf("TURN server address %q: %w", address, err)
	}
	return net.UDPAddrFromAddrPort(ap), nil
}

// datagramPacketConn lets pion use a dialled (connected) UDP socket, which,
// unlike a listening one, learns of ICMP port unreachable.
type datagramPacketConn struct {
	net.Conn
	peer netip.AddrPort
}

func (c *datagramPacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, err := c.Conn.Read(b)
	return n, net.UDPAddrFromAddrPort(c.peer), err
}

func (c *datagramPacketConn) WriteTo(b []byte, _ net.Addr) (int, error) { return c.Conn.Write(b) }

// watchConn wraps the TURN client's socket: it remembers the first read
// and write errors (which pion drops), signals when reading stops, and
// counts what arrives, so the probe can say why an allocation failed.
type watchConn struct {
	net.PacketConn
	dead chan struct{} // closed at the first read error

	mu        sync.Mutex
	once      sync.Once
	readErr   error // guarded by mu
	writeErr  error // guarded by mu
	responses int   // STUN messages read, guarded by mu
	garbage   int   // other datagrams read, guarded by mu
}

type watchStats struct {
	readErr, writeErr  error
	responses, garbage int
}

func newWatchConn(pc net.PacketConn) *watchConn {
	return &watchConn{PacketConn: pc, dead: make(chan struct{})}
}

func (w *watchConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, a, err := w.PacketConn.ReadFrom(b)
	w.mu.Lock()
	switch {
	case err != nil:
		if w.readErr == nil {
			w.readErr = err
		}
	case n >= headerSize && stun.IsMessage(b[:n]):
		w.responses++
	default:
		w.garbage++
	}
	w.mu.Unlock()
	if err != nil {
		w.once.Do(func() { close(w.dead) })
	}
	return n, a, err
}

func (w *watchConn) WriteTo(b []byte, a net.Addr) (int, error) {
	n, err := w.PacketConn.WriteTo(b, a)
	if err != nil {
		w.mu.Lock()
		if w.writeErr == nil {
			w.writeErr = err
		}
		w.mu.Unlock()
	}
	return n, err
}

func (w *watchConn) stats() watchStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return watchStats{readErr: w.readErr, writeErr: w.writeErr, responses: w.responses, garbage: w.garbage}
}
