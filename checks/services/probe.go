package services

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

const (
	// itemTimeout bounds one service, every step included (issue 28): a
	// name lookup, a connect, a TLS handshake and the protocol's first
	// exchange are a few round trips, which finish in well under a second
	// on any working path.
	itemTimeout = 5 * time.Second
	// resolveTimeout: a working resolver answers in well under a second;
	// 2 s allows one retry on a lossy link. A company name whose DNS
	// server sits behind a VPN that is not connected costs this and no more.
	resolveTimeout = 2 * time.Second
	// connectTimeout bounds the TCP connect: one round trip, which even a
	// satellite link or a VPN gateway on another continent completes in
	// well under 3 s; a silent firewall costs this.
	connectTimeout = 3 * time.Second
	// answerTimeout bounds each wait for the protocol's answer once
	// connected (a banner, a confirm, a TLS handshake, HTTP headers): a
	// server answers in one round trip, 2 s tells a slow one from
	// something that accepted the connection and will never answer.
	answerTimeout = 2 * time.Second
)

// outcome classifies what probing a service found.
type outcome string

const (
	outOK          outcome = "ok"              // the service answered as its kind: the protocol's own answer, recognised
	outOpen        outcome = "open"            // tcp kind: the port accepted a connection, nothing more is known
	outNotService  outcome = "not_the_service" // something answered on the port, but not this protocol
	outRejected    outcome = "rejected"        // the service answered and refuses to go on (an RDP negotiation failure, SMTP 554, IMAP BYE)
	outNoSTARTTLS  outcome = "no_starttls"     // a mail server that does not offer STARTTLS
	outHTTPError   outcome = "http_error"      // a web service that answered 5xx
	outExpired     outcome = "expired"         // TLS with an expired (or not yet valid) certificate
	outWrongName   outcome = "wrong_name"      // TLS with a certificate for other names
	outUntrusted   outcome = "untrusted"       // TLS with a certificate no trusted CA issued
	outTLSError    outcome = "tls_error"       // another TLS failure
	outStalled     outcome = "stalled"         // connected, then no answer in time
	outClosed      outcome = "closed"          // connected, then the server closed without an answer
	outRefused     outcome = "refused"         // the host answered that nothing listens on the port
	outReset       outcome = "reset"           // the connection was cut
	outTimeout     outcome = "timeout"         // no answer to the connect in time
	outUnreachable outcome = "unreachable"     // no route to the address
	outBlocked     outcome = "blocked_locally" // this computer refused to send (a firewall on it)
	outDNS         outcome = "dns_failed"      // the name did not resolve
	outInvalid     outcome = "invalid"         // the profile entry cannot be used
	outNotProbed   outcome = "not_probed"      // a sub-probe skipped: the main one failed, or no time was left
	outStopped     outcome = "stopped"         // the run was stopped (Ctrl-C) before an answer
	outNotTestable outcome = "not_testable"    // a sub-probe this computer cannot run
)

// outcomes lists every outcome, for the documentation test.
var outcomes = []outcome{outOK, outOpen, outNotService, outRejected, outNoSTARTTLS, outHTTPError, outExpired, outWrongName,
	outUntrusted, outTLSError, outStalled, outClosed, outRefused, outReset, outTimeout, outUnreachable, outBlocked, outDNS,
	outInvalid, outStopped}

// answered reports whether the service itself answered: it is reachable,
// whatever it then said. A certificate problem is an answer: the server
// completed a TLS handshake.
func (o outcome) answered() bool {
	switch o {
	case outOK, outOpen, outRejected, outNoSTARTTLS, outHTTPError, outExpired, outWrongName, outUntrusted, outTLSError:
		return true
	}
	return false
}

// certificate reports whether o is a certificate problem.
func (o outcome) certificate() bool {
	return o == outExpired || o == outWrongName || o == outUntrusted
}

// route is how traffic to a service leaves this computer.
type route struct {
	// Local is this computer's address on the connection.
	Local netip.Addr
	// Interface owns Local; Tunnel says it is a VPN's tunnel. Known is
	// false when no interface has Local (or it was not learnt).
	Interface string
	Tunnel    bool
	Known     bool
}

// prober probes one service.
type prober struct {
	env   *checks.Env
	owner ownerFunc
	now   func() time.Time
	avd   avdTargets
}

// udpAddr is ap as a net.Addr, for routeOf.
func udpAddr(ap netip.AddrPort) net.Addr { return net.UDPAddrFromAddrPort(ap) }

// dialResult is a TCP connection and what opening it showed.
type dialResult struct {
	conn    net.Conn
	connect time.Duration
	route   route
}

// dial connects to addr:port over TCP within connectTimeout.
func (p *prober) dial(ctx context.Context, addr netip.Addr, port int) (dialResult, outcome, string) {
	if p.env.Dialer == nil {
		return dialResult{}, outUnreachable, "no network access in this run"
	}
	dctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	start := p.now()
	conn, err := p.env.Dialer.DialContext(dctx, "tcp", netip.AddrPortFrom(addr, uint16(port)).String())
	if err != nil {
		p.env.Debugf("connect %v port %d: %v", addr, port, err)
		out, detail := p.netErr(ctx, err)
		return dialResult{}, out, detail
	}
	return dialResult{conn: conn, connect: p.now().Sub(start), route: p.routeOf(conn.LocalAddr())}, "", ""
}

// netErrWords words connection failures for company services: a refused
// connection says whose side it is on.
var netErrWords = probeutil.NetErrWords{
	probeutil.NetErrRefused:         "connection refused: nothing accepts connections on that port",
	probeutil.NetErrHostUnreachable: "no route to it from this computer",
	probeutil.NetErrTimeout:         "no answer in time",
}

// netErr sorts a connection error into an outcome and words it.
func (p *prober) netErr(ctx context.Context, err error) (outcome, string) {
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
		return outStopped, "the run was stopped before it answered"
	}
	k, detail := probeutil.DescribeNetErr(err, netErrWords)
	switch k {
	case probeutil.NetErrRefused:
		return outRefused, detail
	case probeutil.NetErrReset:
		return outReset, detail
	case probeutil.NetErrTimeout:
		return outTimeout, detail
	case probeutil.NetErrStopped:
		return outStopped, detail
	case probeutil.NetErrNoSuchHost, probeutil.NetErrLookup:
		return outDNS, detail
	case probeutil.NetErrTLS:
		return outTLSError, detail
	case probeutil.NetErrBlocked:
		return outBlocked, detail
	}
	return outUnreachable, detail
}

// answerErr sorts an error while waiting for the protocol's answer on an
// open connection.
func (p *prober) answerErr(ctx context.Context, err error) (outcome, string) {
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
		return outStopped, "the run was stopped before it answered"
	}
	k := probeutil.ClassifyNetErr(err)
	switch {
	case k == probeutil.NetErrTimeout:
		return outStalled, "it accepted the connection, then sent no answer in time"
	case k == probeutil.NetErrReset:
		return outClosed, "it accepted the connection, then closed it without an answer"
	}
	out, detail := p.netErr(ctx, err)
	return out, "connected, then " + detail
}

// routeOf maps a socket's local address to its interface.
func (p *prober) routeOf(a net.Addr) route {
	var ip netip.Addr
	switch a := a.(type) {
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	case *net.UDPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	default:
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			ip = ap.Addr()
		}
	}
	ip = ip.Unmap()
	r := route{Local: ip}
	if ip.IsValid() && p.owner != nil {
		r.Interface, r.Tunnel, r.Known = p.owner(ip)
	}
	return r
}

// egressTimeout: a UDP "connect" only asks the kernel for a route; it
// returns at once.
const egressTimeout = time.Second

// egress learns the route to dst without sending anything: a UDP socket
// "connected" to it gets the source address of the route the kernel
// picks, with every policy rule applied (a route-table lookup would miss
// wg-quick's table of its own). For a service that did not connect.
func (p *prober) egress(ctx context.Context, dst netip.Addr) route {
	if p.env.Dialer == nil || !dst.IsValid() {
		return route{}
	}
	ctx, cancel := context.WithTimeout(ctx, egressTimeout)
	defer cancel()
	network := "udp4"
	if dst.Is6() {
		network = "udp6"
	}
	// Port 9 (discard): any port would do, nothing is sent.
	conn, err := p.env.Dialer.DialContext(ctx, network, netip.AddrPortFrom(dst, 9).String())
	if err != nil {
		p.env.Debugf("route to %v: %v", dst, err)
		return route{}
	}
	defer conn.Close()
	return p.routeOf(conn.LocalAddr())
}

// resolve returns host's address, IPv4 first (company networks reached
// through a VPN are IPv4 far more often than not), and words a failure.
func (p *prober) resolve(ctx context.Context, host string) (netip.Addr, outcome, string) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), "", ""
	}
	if p.env.Resolver == nil {
		return netip.Addr{}, outDNS, "no resolver in this run"
	}
	rctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	ias, err := p.env.Resolver.LookupIPAddr(rctx, host)
	if err != nil {
		p.env.Debugf("look up %s: %v", host, err)
		var dnsErr *net.DNSError
		switch {
		case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
			return netip.Addr{}, outStopped, "the run was stopped before the name was looked up"
		case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
			return netip.Addr{}, outDNS, "its name does not exist for this computer's DNS servers"
		case rctx.Err() != nil:
			return netip.Addr{}, outDNS, "no answer from the DNS server for its name"
		}
		_, detail := probeutil.DescribeNetErr(err, nil)
		return netip.Addr{}, outDNS, "its name could not be looked up: " + detail
	}
	var v6 netip.Addr
	for _, ia := range ias {
		a, ok := netip.AddrFromSlice(ia.IP)
		if !ok {
			continue
		}
		if a = a.Unmap(); a.Is4() {
			return a, "", ""
		}
		if !v6.IsValid() {
			v6 = a.WithZone(ia.Zone)
		}
	}
	if v6.IsValid() {
		return v6, "", ""
	}
	return netip.Addr{}, outDNS, "its name has no address"
}

// tlsResult is a TLS handshake's outcome.
type tlsResult struct {
	conn *tls.Conn
	peer []*x509.Certificate
	out  outcome // "" when the chain verified
	// detail words a failure or a certificate problem.
	detail string
	// expires is the leaf certificate's end, when one was sent.
	expires time.Time
	// version is the TLS version agreed ("TLS 1.3").
	version string
}

// oldestTLS is the oldest TLS version current clients accept: browsers,
// Windows' Remote Desktop client and mail apps refuse TLS 1.0 and 1.1
// (RFC 8996 deprecates both).
const oldestTLS = tls.VersionTLS12

// handshake runs a TLS handshake on conn for host, verifying the chain by
// hand against env.Roots (the system's roots plus the company CA) at the
// env's time, so a wrong certificate is named rather than just failing.
// With verify false (RDP, whose servers use self-signed certificates) the
// chain is only recorded.
func (p *prober) handshake(ctx context.Context, conn net.Conn, host string, verify bool) tlsResult {
	var peer []*x509.Certificate
	cfg := &tls.Config{
		InsecureSkipVerify: true, // verified below, by hand, to name the problem
		VerifyConnection: func(cs tls.ConnectionState) error {
			peer = cs.PeerCertificates
			return nil
		},
		MinVersion: tls.VersionTLS10, // old RDP and mail servers: their version is reported, not refused here
	}
	if _, err := netip.ParseAddr(host); err != nil {
		cfg.ServerName = host
	}
	tc := tls.Client(conn, cfg)
	hctx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	deadline(hctx, conn)
	if err := tc.HandshakeContext(hctx); err != nil {
		p.env.Debugf("TLS handshake with %s: %v", host, err)
		if hctx.Err() != nil && ctx.Err() == nil || probeutil.IsTimeout(err) {
			return tlsResult{out: outStalled, detail: "it accepted the connection, but the secure connection did not complete in time"}
		}
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			return tlsResult{out: outStopped, detail: "the run was stopped before it answered"}
		}
		k := probeutil.ClassifyNetErr(err)
		if k == probeutil.NetErrReset {
			return tlsResult{out: outTLSError, detail: "the secure connection failed: the server closed it during the handshake"}
		}
		return tlsResult{out: outTLSError, detail: "the secure connection failed"}
	}
	cs := tc.ConnectionState()
	r := tlsResult{conn: tc, peer: peer, version: tls.VersionName(cs.Version)}
	if len(peer) > 0 {
		r.expires = peer[0].NotAfter
	}
	if verify {
		r.out, r.detail = p.verifyPeer(peer, host)
		if r.out == "" && cs.Version < oldestTLS {
			r.out, r.detail = outTLSError, "the server offers only "+r.version+", which current apps refuse (RFC 8996)"
		}
	}
	return r
}

// verifyPeer verifies a server's chain for host at the env's time.
func (p *prober) verifyPeer(peer []*x509.Certificate, host string) (outcome, string) {
	now := p.env.Clock()()
	_, problem, err := probeutil.VerifyChain(peer, host, p.env.Roots, now)
	switch problem {
	case probeutil.CertOK:
		return "", ""
	case probeutil.CertMissing:
		return outTLSError, "the server sent no certificate"
	case probeutil.CertWrongName:
		return outWrongName, "its certificate is for " + probeutil.CertNames(peer[0]) + ", not " + probeutil.CleanText(host, 100)
	case probeutil.CertUntrusted:
		return outUntrusted, "its certificate was issued by " + probeutil.IssuerName(peer[0]) + ", which this computer does not trust"
	case probeutil.CertExpired:
		return outExpired, fmt.Sprintf("its certificate expired on %s (this computer's date is %s)", peer[0].NotAfter.UTC().Format("2006-01-02"), now.UTC().Format("2006-01-02"))
	case probeutil.CertNotYetValid:
		return outExpired, fmt.Sprintf("its certificate is valid only from %s (this computer's date is %s)", peer[0].NotBefore.UTC().Format("2006-01-02"), now.UTC().Format("2006-01-02"))
	}
	p.env.Debugf("certificate of %s: %v", host, err)
	return outTLSError, "its certificate could not be verified"
}

// deadline sets conn's deadline to answerTimeout from now, or ctx's
// deadline when that is sooner.
func deadline(ctx context.Context, conn net.Conn) {
	_ = conn.SetDeadline(soonest(ctx, answerTimeout))
}

// soonest is d from now, or ctx's deadline when that is sooner.
func soonest(ctx context.Context, d time.Duration) time.Time {
	t := time.Now().Add(d)
	if dl, ok := ctx.Deadline(); ok && dl.Before(t) {
		t = dl
	}
	return t
}

// closeOnDone closes conn when ctx ends, so that a blocked read returns
// at once when the run is stopped; the returned func ends the watch.
func closeOnDone(ctx context.Context, conn net.Conn) func() {
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	return func() { stop() }
}

// cleanWord makes a server's word safe to show, at most n bytes.
func cleanWord(s string, n int) string { return probeutil.CleanText(s, n) }

// maxSession bounds what one probe reads from a server in all: banners,
// capability lists and a certificate chain are a few kilobytes.
const maxSession = 64 << 10

// limitedConn reads at most maxSession bytes from a connection.
type limitedConn struct {
	net.Conn
	left int
}

func (c *limitedConn) Read(b []byte) (int, error) {
	if c.left <= 0 {
		return 0, errTooMuch
	}
	if len(b) > c.left {
		b = b[:c.left]
	}
	n, err := c.Conn.Read(b)
	c.left -= n
	return n, err
}

var errTooMuch = errors.New("the server sent more than a probe reads")

func limit(c net.Conn) net.Conn { return &limitedConn{Conn: c, left: maxSession} }
