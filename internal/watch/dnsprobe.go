package watch

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/miekg/dns"
	"github.com/wfh-cli/wfh/internal/neterr"
)

// DNSProber looks a name up at one DNS server directly, over UDP, the
// way an app's lookup reaches the server: not through the system's cache,
// which would answer from memory while the server is down.
type DNSProber struct {
	// Dial, when set, opens the socket (tests, namespaces).
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// TCP asks over TCP instead: on a system that cannot open a UDP
	// socket at all (UDPUnavailable). Every DNS server must answer over
	// TCP (RFC 7766); the round trip is timed from the open connection,
	// so it is one round trip, as over UDP.
	TCP bool
}

// udpHeaders is the IPv4 and UDP header of each packet.
const udpHeaders = 20 + 8

// tcpHeaders is the IPv4 and TCP header of a data packet, and
// tcpLength the two bytes that frame a DNS message over TCP.
const (
	tcpHeaders = 20 + 20
	tcpLength  = 2
)

// Method is dns.
func (DNSProber) Method() Method { return MethodDNS }

func query(name string) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	m.RecursionDesired = true
	return m
}

// Cost is the query and an answer with one address record; over TCP,
// also the connection's setup and its reset (TCPProber's cost).
func (p DNSProber) Cost(r Rung) int {
	q := query(r.Name).Len()
	v6 := r.Addr.Is6() && !r.Addr.Is4In6()
	if p.TCP {
		setup := tcpBytes4
		hdr := tcpHeaders + tcpLength
		if v6 {
			setup, hdr = tcpBytes6, hdr+20
		}
		return setup + 2*hdr + q + q + 16
	}
	extra := 0
	if v6 {
		extra = 2 * 20
	}
	return 2*udpHeaders + q + q + 16 + extra
}

// UDPUnavailable says why this system cannot open a UDP socket, or nil
// when it can. It opens one on loopback and closes it: nothing is sent.
//
// Wine 8.0 is such a system: Go's net package turns off
// SIO_UDP_NETRESET on every UDP socket it makes on Windows
// (go.dev/issue/68614), Wine does not implement that ioctl and answers
// WSAEOPNOTSUPP, and the socket is closed before a packet leaves. Real
// Windows implements it (Windows 8 and later; Go 1.26 runs on 10 and
// later), so there the lookups go over UDP.
func UDPUnavailable() error {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		if neterr.Unsupported(err) {
			return fmt.Errorf("the system lacks an operation every UDP socket needs: %w", err)
		}
		return nil // another failure (no loopback): not a reason to leave UDP
	}
	_ = pc.Close()
	return nil
}

// Probe asks r.Addr (port r.Port, 53 when unset) for r.Name's address.
// Any answer counts but SERVFAIL and REFUSED, which say the server could
// not answer; NXDOMAIN is an answer (the server works).
func (p DNSProber) Probe(ctx context.Context, r Rung, timeout time.Duration) Result {
	if p.TCP {
		return p.probeTCP(ctx, r, timeout)
	}
	port := r.Port
	if port == 0 {
		port = 53
	}
	server := net.JoinHostPort(r.Addr.Unmap().String(), strconv.Itoa(port))
	q := query(r.Name)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hdr := udpHeaders
	if r.Addr.Is6() && !r.Addr.Is4In6() {
		hdr += 20
	}
	sent := hdr + q.Len()
	start := time.Now()
	var resp *dns.Msg
	var err error
	if p.Dial != nil {
		var conn net.Conn
		conn, err = p.Dial(ctx, "udp", server)
		if err == nil {
			co := &dns.Conn{Conn: conn}
			defer co.Close()
			if d, ok := ctx.Deadline(); ok {
				_ = co.SetDeadline(d)
			}
			if err = co.WriteMsg(q); err == nil {
				resp, err = co.ReadMsg()
			}
		}
	} else {
		c := &dns.Client{Net: "udp", Timeout: timeout}
		resp, _, err = c.ExchangeContext(ctx, q, server)
	}
	took := time.Since(start)
	switch {
	case err != nil && neterr.Unsupported(err):
		// The socket could not be made, nothing was sent: ask over TCP
		// (a system UDPUnavailable did not catch).
		return p.probeTCP(ctx, r, timeout)
	case err != nil && noRoute(err):
		return Result{Outcome: NoRoute, Err: err}
	case err != nil:
		return Result{Outcome: Lost, Bytes: sent, Err: err}
	}
	got := sent + hdr + resp.Len()
	if resp.Rcode == dns.RcodeServerFailure || resp.Rcode == dns.RcodeRefused {
		return Result{Outcome: Lost, Bytes: got}
	}
	return Result{Outcome: Answered, RTT: took, Bytes: got}
}

// probeTCP asks over a fresh TCP connection, timed from the open
// connection, and resets it after the answer, so the server keeps
// nothing. A connection that cannot be made (refused, silent) is a
// server that did not answer.
func (p DNSProber) probeTCP(ctx context.Context, r Rung, timeout time.Duration) Result {
	port := r.Port
	if port == 0 {
		port = 53
	}
	server := net.JoinHostPort(r.Addr.Unmap().String(), strconv.Itoa(port))
	v6 := r.Addr.Is6() && !r.Addr.Is4In6()
	setup, hdr := tcpBytes4, tcpHeaders+tcpLength
	if v6 {
		setup, hdr = tcpBytes6, hdr+20
	}
	dial := p.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	// The connection's setup and the query share the probe's bound: a
	// server slow to accept is as slow to answer an app.
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := dial(ctx, "tcp", server)
	switch {
	case err != nil && noRoute(err):
		return Result{Outcome: NoRoute, Err: err}
	case err != nil:
		// SYN (and a reset, when refused): a third of the setup.
		return Result{Outcome: Lost, Bytes: setup / 3, Err: err}
	}
	defer func() {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // a reset, not a FIN exchange
		}
		conn.Close()
	}()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	q := query(r.Name)
	sent := setup + hdr + q.Len()
	co := &dns.Conn{Conn: conn}
	start := time.Now()
	var resp *dns.Msg
	if err = co.WriteMsg(q); err == nil {
		resp, err = co.ReadMsg()
	}
	took := time.Since(start)
	if err != nil {
		return Result{Outcome: Lost, Bytes: sent, Err: err}
	}
	got := sent + hdr + resp.Len()
	if resp.Rcode == dns.RcodeServerFailure || resp.Rcode == dns.RcodeRefused {
		return Result{Outcome: Lost, Bytes: got}
	}
	return Result{Outcome: Answered, RTT: took, Bytes: got}
}
