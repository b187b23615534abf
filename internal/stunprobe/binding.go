package stunprobe

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/pion/stun/v3"

	"github.com/wfh-cli/wfh/internal/neterr"
)

// Budgets. The calls check runs every probe of a run at once; these make
// the whole set end inside its 4 s.
const (
	// Budget is what the calls check allows the whole probe set, run
	// concurrently (issue 26): a diagnosis must not keep a user waiting.
	Budget = 4 * time.Second
	// ProbeTimeout caps one probe (name lookup, connect, handshake and
	// exchange) when the caller's context allows more: it leaves a
	// second of Budget for starting the probes and writing the verdict,
	// and is 10 times the round trip to any vendor's nearest relay.
	ProbeTimeout = 3 * time.Second
	// maxFrame bounds one STUN message read from a stream; a Binding
	// response is under 200 bytes and the length field allows 64 KiB.
	maxFrame = 4096
)

// Dialer opens connections; *net.Dialer and checks.Env's Dialer satisfy it.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Resolver looks up a server's addresses; *net.Resolver satisfies it.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// ListenPacketFunc opens an unconnected UDP socket; nil in a Prober means
// (&net.ListenConfig{}).ListenPacket.
type ListenPacketFunc func(ctx context.Context, network, address string) (net.PacketConn, error)

// Prober runs STUN and TURN probes. Its fields are the seams to the outside
// world; the zero value uses the system's.
type Prober struct {
	// Dialer opens the UDP (connected), TCP and TLS sockets of Binding
	// and Allocate; nil means a plain net.Dialer.
	Dialer Dialer
	// ListenPacket opens the one unconnected socket of the NAT probe;
	// it must create the socket where Dialer does (same namespace).
	ListenPacket ListenPacketFunc
	// Resolver looks up server names; nil means net.DefaultResolver.
	// IP literals are never looked up.
	Resolver Resolver
	// TLS is the base configuration of STUN and TURN over TLS (RootCAs:
	// the system roots plus the company CA); ServerName is set per
	// server. Nil means the system roots.
	TLS *tls.Config
	// Timeout caps each probe; 0 means ProbeTimeout.
	Timeout time.Duration
	// Now is the clock of round-trip times; nil means time.Now.
	Now func() time.Time
}

func (p *Prober) dialer() Dialer {
	if p.Dialer != nil {
		return p.Dialer
	}
	return &net.Dialer{}
}

func (p *Prober) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Prober) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return ProbeTimeout
}

// Result is the outcome of one Binding probe.
type Result struct {
	Target  Target  `json:"target"`
	Outcome Outcome `json:"outcome"`
	// Server is the address asked (the name resolved); invalid when the
	// name did not resolve.
	Server netip.AddrPort `json:"server"`
	// Local is this computer's end of the socket, when known.
	Local netip.AddrPort `json:"local"`
	// Mapped is the address the server saw: this computer's public
	// address and port after every NAT on the way. Private data: the
	// report redacts it. Valid only when Answered with a success.
	Mapped netip.AddrPort `json:"mapped"`
	// MappedXOR tells Mapped came from XOR-MAPPED-ADDRESS (false: the
	// RFC 3489 MAPPED-ADDRESS of an old server).
	MappedXOR bool `json:"mapped_xor,omitempty"`
	// Other is the server's RFC 5780 OTHER-ADDRESS, when it offers one.
	Other netip.AddrPort `json:"other"`
	// ErrorCode is the STUN error code when the server answered with an
	// error (which still proves the path); 0 otherwise.
	ErrorCode int `json:"error_code,omitempty"`
	// ViaAllocate tells the answer was to a knock's unauthenticated TURN
	// Allocate (usually 401 Unauthorized), not to the Binding.
	ViaAllocate bool `json:"via_allocate,omitempty"`
	// RTT is the STUN round trip of the answered request (over TCP and
	// TLS: after the connection was up); for a Connect probe, the TCP
	// connect time (one network round trip); 0 without an answer.
	RTT time.Duration `json:"rtt_ns"`
	// Connect is the time to set up TCP (and TLS) before the request, or
	// until a Connect probe's connection was usable; 0 for UDP.
	Connect time.Duration `json:"connect_ns,omitempty"`
	// Sends counts the requests sent (UDP retransmits; 1 over TCP/TLS).
	Sends int `json:"sends"`
	// Ignored counts replies that were dropped as not an answer.
	Ignored Ignored `json:"ignored"`
	// Took is the probe's wall time.
	Took time.Duration `json:"took_ns"`
	// Reason is one line saying what happened, for people: which step
	// failed or timed out and after how long.
	Reason string `json:"reason"`
	// Err is the underlying error, for debugging logs; nil when answered.
	Err error `json:"-"`
}

// Binding sends a STUN Binding request to t over t.Transport and says what
// came back. It always returns within the Prober's Timeout (or ctx's
// earlier deadline), never panics on what a server sends, and ignores
// (and counts) replies that are not an answer to its own request.
func (p *Prober) Binding(ctx context.Context, t Target) Result {
	return p.probe(ctx, t, probeBinding)
}

// Knock is Binding over UDP with an unauthenticated TURN Allocate sent
// beside each request: an answer to either proves the path, the Allocate's
// usually as 401 Unauthorized. It is the UDP probe of relays that are TURN
// servers first and may not answer a bare Binding (Microsoft's Teams
// Transport Relays). A server that grants the Allocate without credentials
// gets it released at once. Over TCP and TLS it is Binding.
func (p *Prober) Knock(ctx context.Context, t Target) Result {
	return p.probe(ctx, t, probeKnock)
}

// Connect opens a TCP connection to t, and completes a TLS handshake for a
// TLS target, without sending anything else: the probe of a calling app's
// fallback on 443, whose servers speak their own protocol there, not STUN.
// Answered means the connection (and handshake) came up; RTT is the TCP
// connect time, Connect the time until the connection was usable. A UDP
// target fails: there is nothing to connect.
func (p *Prober) Connect(ctx context.Context, t Target) Result {
	return p.probe(ctx, t, probeConnect)
}

// probeKind is what a probe sends once it has the server's address.
type probeKind int

const (
	probeBinding probeKind = iota
	probeKnock
	probeConnect
)

func (p *Prober) probe(ctx context.Context, t Target, kind probeKind) Result {
	start := p.now()
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	r := Result{Target: t}
	addr, err := p.resolve(ctx, t.Host)
	if err != nil {
		r.Outcome, r.Err = NoAddress, err
		if netOutcome(err, false) == Silent {
			r.Outcome = Silent
		}
		r.Reason = fmt.Sprintf("looking up %s failed: %s", t.Host, shortErr(err))
		if stopped(ctx) {
			r.Outcome, r.Reason = Stopped, fmt.Sprintf("stopped while looking up %s", t.Host)
		}
		r.Took = p.now().Sub(start)
		return r
	}
	r.Server = netip.AddrPortFrom(addr, uint16(t.Port))
	switch {
	case t.Transport == UDP && kind == probeConnect:
		r.Outcome, r.Reason = Failed, fmt.Sprintf("%s: a connect probe needs a TCP or TLS target", t)
	case t.Transport == UDP:
		p.bindingUDP(ctx, start, &r, kind == probeKnock)
	case (t.Transport == TCP || t.Transport == TLS) && kind == probeConnect:
		p.connectStream(ctx, start, &r)
	case t.Transport == TCP || t.Transport == TLS:
		p.bindingStream(ctx, start, &r)
	default:
		r.Outcome, r.Reason = Failed, fmt.Sprintf("unknown transport %q", t.Transport)
	}
	r.Took = p.now().Sub(start)
	if r.Outcome != Answered && stopped(ctx) {
		r.Outcome = Stopped
		r.Reason = fmt.Sprintf("stopped after %s, before %s answered over %s", p.since(start), r.Server, t.Transport)
	}
	return r
}

// resolve returns host's address, preferring IPv4: every calling app's
// relays have it, while IPv6 reachability at home is still uneven.
func (p *Prober) resolve(ctx context.Context, host string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), nil
	}
	var res Resolver = net.DefaultResolver
	if p.Resolver != nil {
		res = p.Resolver
	}
	addrs, err := res.LookupIPAddr(ctx, host)
	if err != nil {
		return netip.Addr{}, err
	}
	var v6 netip.Addr
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if ip.Is4() {
			return ip, nil
		}
		if !v6.IsValid() {
			v6 = ip.WithZone(a.Zone)
		}
	}
	if v6.IsValid() {
		return v6, nil
	}
	return netip.Addr{}, &net.DNSError{Err: noAddress, Name: host, IsNotFound: true}
}

// noAddress is the lookup error of a name that resolves to no usable
// address.
const noAddress = "no address"

func udpNetwork(a netip.Addr) string {
	if a.Is4() {
		return "udp4"
	}
	return "udp6"
}

func (p *Prober) bindingUDP(ctx context.Context, start time.Time, r *Result, knock bool) {
	conn, err := p.dialer().DialContext(ctx, udpNetwork(r.Server.Addr()), r.Server.String())
	if err != nil {
		r.Outcome, r.Err = netOutcome(err, true), err
		r.Reason = fmt.Sprintf("could not open a UDP socket to %s: %s", r.Server, shortErr(err))
		return
	}
	reportPortUnreachable(conn)
	r.Local = addrPortOf(conn.LocalAddr())
	s := newSession(connectedConn{c: conn, peer: r.Server}, p.now)
	ex := s.exchange(ctx, r.Server, r.Server, 0, knock)
	s.close()
	r.Sends, r.Ignored = ex.sends, s.counts()
	p.finishDatagram(ctx, start, r, ex)
}

// finishDatagram turns a UDP exchange into the Result's outcome and reason.
func (p *Prober) finishDatagram(ctx context.Context, start time.Time, r *Result, ex exchangeResult) {
	switch {
	case ex.ok:
		answered(r, ex.reply)
	case ex.sendErr != nil:
		r.Outcome, r.Err = netOutcome(ex.sendErr, true), ex.sendErr
		if r.Outcome == BlockedLocally {
			r.Reason = fmt.Sprintf("this computer refused to send UDP to %s (a firewall on this computer): %s", r.Server, shortErr(ex.sendErr))
		} else {
			r.Reason = fmt.Sprintf("sending UDP to %s failed: %s", r.Server, shortErr(ex.sendErr))
		}
	case ex.readErr != nil:
		r.Outcome, r.Err = netOutcome(ex.readErr, true), ex.readErr
		switch r.Outcome {
		case Refused:
			r.Reason = fmt.Sprintf("UDP to %s was refused (ICMP port unreachable) after %s: a firewall rejects it or no server listens", r.Server, requests(ex.sends))
		case Unreachable:
			r.Reason = fmt.Sprintf("UDP to %s: %s", r.Server, shortErr(ex.readErr))
		default:
			r.Reason = fmt.Sprintf("reading the answer from %s failed: %s", r.Server, shortErr(ex.readErr))
		}
	default:
		r.Err = ctx.Err()
		waited := p.since(start)
		if r.Ignored.Total() > 0 {
			r.Outcome = Garbage
			r.Reason = fmt.Sprintf("no STUN answer over UDP from %s within %s (%s); %s", r.Server, waited, requests(ex.sends), ignoredWords(r.Ignored))
			return
		}
		r.Outcome = Silent
		r.Reason = fmt.Sprintf("no answer over UDP from %s within %s (%s): UDP is dropped on the way or the server is down", r.Server, waited, requests(ex.sends))
	}
}

// answered fills r from a response.
func answered(r *Result, rep reply) {
	r.Outcome, r.RTT, r.Err = Answered, rep.rtt, nil
	r.Other = rep.resp.other
	r.ViaAllocate = rep.resp.method == stun.MethodAllocate
	request := ""
	if r.ViaAllocate {
		request = " the TURN Allocate"
	}
	if rep.resp.errorCode != 0 {
		r.ErrorCode = rep.resp.errorCode
		r.Reason = fmt.Sprintf("%s answered%s in %s with STUN error %d %q (the path works)", r.Server, request, roundRTT(rep.rtt), rep.resp.errorCode, rep.resp.errorReason)
		return
	}
	r.Mapped, r.MappedXOR = rep.resp.mapped, rep.resp.xor
	r.Reason = fmt.Sprintf("%s answered over %s in %s", r.Server, r.Target.Transport, roundRTT(rep.rtt))
}

// openStream connects to r.Server over TCP and, for a TLS target,
// completes the handshake. It returns the stream and the TCP connect time,
// or nil with r's outcome and reason set. The connection's deadline is
// ctx's; the caller closes the stream.
func (p *Prober) openStream(ctx context.Context, start time.Time, r *Result) (net.Conn, time.Duration) {
	t0 := p.now()
	conn, err := p.dialer().DialContext(ctx, "tcp", r.Server.String())
	if err != nil {
		r.Outcome, r.Err = netOutcome(err, false), err
		r.Reason = p.connectReason(start, r.Server, err, r.Outcome)
		return nil, 0
	}
	tcp := p.now().Sub(t0)
	r.Local = addrPortOf(conn.LocalAddr())
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl) // an error here surfaces on the first read
	}
	if r.Target.Transport != TLS {
		r.Connect = tcp
		return conn, tcp
	}
	tc := tls.Client(conn, p.tlsConfig(r.Target.Host))
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = conn.Close()
		r.Outcome, r.Err = netOutcome(err, false), err
		switch {
		case r.Outcome == Silent || ctx.Err() != nil:
			r.Outcome = Silent
			r.Reason = fmt.Sprintf("TLS handshake with %s timed out after %s (TCP connected): something holds the connection without answering", r.Server, p.since(start))
		case r.Outcome == Closed:
			r.Reason = fmt.Sprintf("TLS handshake with %s: the connection was closed (not a TLS server there, or a filter cut it)", r.Server)
		default:
			r.Outcome = TLSFailed
			r.Reason = fmt.Sprintf("TLS handshake with %s failed: %s", r.Server, shortErr(err))
		}
		return nil, tcp
	}
	r.Connect = p.now().Sub(t0)
	return tc, tcp
}

// connectStream is the Connect probe: the connection coming up is the
// answer.
func (p *Prober) connectStream(ctx context.Context, start time.Time, r *Result) {
	stream, tcp := p.openStream(ctx, start, r)
	if stream == nil {
		return
	}
	_ = stream.Close()
	r.Outcome, r.RTT, r.Err = Answered, tcp, nil
	if r.Target.Transport == TLS {
		r.Reason = fmt.Sprintf("TLS handshake with %s done in %s (TCP connect %s)", r.Server, roundRTT(r.Connect), roundRTT(tcp))
		return
	}
	r.Reason = fmt.Sprintf("TCP connect to %s in %s", r.Server, roundRTT(tcp))
}

// bindingStream asks over TCP or TLS: one request on a fresh connection,
// then framed messages are read until the answer, the deadline, or
// something that is not STUN (after which the stream cannot be re-framed).
func (p *Prober) bindingStream(ctx context.Context, start time.Time, r *Result) {
	stream, _ := p.openStream(ctx, start, r)
	if stream == nil {
		return
	}
	defer stream.Close()
	m, err := newBindingRequest(0)
	if err != nil {
		r.Outcome, r.Err, r.Reason = Failed, err, err.Error()
		return
	}
	sent := p.now()
	if _, err := stream.Write(m.Raw); err != nil {
		r.Outcome, r.Err = netOutcome(err, false), err
		r.Reason = fmt.Sprintf("sending the request to %s failed: %s", r.Server, shortErr(err))
		return
	}
	r.Sends = 1
	br := bufio.NewReaderSize(stream, maxFrame)
	for {
		frame, err := readFrame(br)
		if err != nil {
			r.Err = err
			var bad badFrameError
			switch {
			case errors.As(err, &bad):
				r.Ignored.Unparseable++
				r.Outcome = Garbage
				r.Reason = fmt.Sprintf("%s sent something that is not STUN over %s", r.Server, r.Target.Transport)
			case netOutcome(err, false) == Silent || ctx.Err() != nil:
				r.Outcome = Silent
				if r.Ignored.Total() > 0 {
					r.Outcome = Garbage
				}
				r.Reason = fmt.Sprintf("no STUN answer over %s from %s within %s after connecting", r.Target.Transport, r.Server, p.since(start))
			default:
				r.Outcome = netOutcome(err, false)
				if r.Outcome == Failed {
					r.Outcome = Closed
				}
				r.Reason = fmt.Sprintf("%s closed the %s connection without a STUN answer", r.Server, r.Target.Transport)
			}
			return
		}
		at := p.now()
		resp, perr := parseResponse(frame)
		switch {
		case perr != nil:
			// The frame was whole, so the stream stays in step: read on.
			r.Ignored.Unparseable++
		case resp.tx != m.TransactionID:
			r.Ignored.WrongTransaction++
		case resp.method != stun.MethodBinding:
			r.Ignored.Unparseable++
		default:
			answered(r, reply{resp: resp, rtt: at.Sub(sent)})
			return
		}
	}
}

func (p *Prober) tlsConfig(host string) *tls.Config {
	var c *tls.Config
	if p.TLS != nil {
		c = p.TLS.Clone()
	} else {
		c = &tls.Config{}
	}
	// Per server, always: a base ServerName would make every server's
	// certificate be checked against one name.
	c.ServerName = host
	return c
}

// badFrameError: the stream carried something that is not a STUN frame.
type badFrameError struct{ why string }

func (e badFrameError) Error() string { return "not a STUN frame: " + e.why }

// readFrame reads one STUN message from a stream (RFC 8489 §6.2.2: no
// extra framing; the header's length field says how much follows).
func readFrame(r *bufio.Reader) ([]byte, error) {
	hdr, err := r.Peek(headerSize)
	if err != nil {
		if len(hdr) > 0 && errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if binary.BigEndian.Uint32(hdr[4:8]) != magicCookie || hdr[0]&0xC0 != 0 {
		return nil, badFrameError{"no STUN magic cookie"}
	}
	n := headerSize + int(binary.BigEndian.Uint16(hdr[2:4]))
	if n > maxFrame {
		return nil, badFrameError{fmt.Sprintf("%d-byte message", n)}
	}
	frame := make([]byte, n)
	if _, err := io.ReadFull(r, frame); err != nil {
		return nil, err
	}
	return frame, nil
}

// connectReason words a failed TCP connect.
func (p *Prober) connectReason(start time.Time, server netip.AddrPort, err error, o Outcome) string {
	switch o {
	case Silent:
		return fmt.Sprintf("TCP connect to %s timed out after %s: the port is filtered on the way or the server is down", server, p.since(start))
	case Refused:
		return fmt.Sprintf("TCP connect to %s was refused: nothing listens there, or a firewall rejects it", server)
	case Unreachable:
		return fmt.Sprintf("TCP connect to %s: %s", server, shortErr(err))
	case BlockedLocally:
		return fmt.Sprintf("this computer refused to connect to %s (a firewall on this computer): %s", server, shortErr(err))
	}
	return fmt.Sprintf("TCP connect to %s failed: %s", server, shortErr(err))
}

// requests is "1 request" or "4 requests".
func requests(n int) string {
	if n == 1 {
		return "1 request"
	}
	return fmt.Sprintf("%d requests", n)
}

// since is how long a probe has run, rounded for a Reason ("within 3s").
func (p *Prober) since(start time.Time) string { return roundDur(p.now().Sub(start)) }

func roundRTT(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d < 100*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

func roundDur(d time.Duration) string { return d.Round(100 * time.Millisecond).String() }

// ignoredWords says what came back instead of an answer: "3 replies that
// were not an answer came back (2 unreadable, 1 for another request)".
func ignoredWords(g Ignored) string {
	var parts []string
	if g.Unparseable > 0 {
		parts = append(parts, fmt.Sprintf("%d unreadable", g.Unparseable))
	}
	if g.WrongTransaction > 0 {
		parts = append(parts, fmt.Sprintf("%d for another request", g.WrongTransaction))
	}
	if g.WrongSource > 0 {
		parts = append(parts, fmt.Sprintf("%d from another address", g.WrongSource))
	}
	noun := "replies"
	if g.Total() == 1 {
		noun = "reply"
	}
	return fmt.Sprintf("%d %s that were not an answer came back (%s)", g.Total(), noun, strings.Join(parts, ", "))
}

// shortErr says what an error means in one short, printable line. A
// network or system error is worded by internal/neterr ("connection
// refused", "no answer in time"), never by its text, which is the
// platform's ("wsarecv: An existing connection was forcibly closed by the
// remote host.", "winapi error #10045") and reaches the report through
// Reason. A protocol's own error (a TURN error response) keeps its text.
func shortErr(err error) string {
	if err == nil {
		return ""
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.Err == noAddress {
		return "it has no address"
	}
	if k, words := neterr.Describe(err, nil); k != neterr.Other || neterr.Platform(err) {
		return words
	}
	return clip(err.Error(), 120)
}
