package vpn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/rttstats"
)

const (
	// resolveTimeout: a working resolver answers in well under a second;
	// 2 s allows one retry on a lossy link. A company name whose DNS
	// server sits behind a dead tunnel costs this and no more.
	resolveTimeout = 2 * time.Second
	// connectTimeout covers TCP connect plus a TLS handshake: three round
	// trips, which even a congested satellite link and a VPN gateway on
	// another continent finish in 3 s. A blackholing target costs this.
	connectTimeout = 3 * time.Second
	// requestTimeout bounds one whole HTTP probe (connect, TLS, request,
	// response headers): intranet pages start answering in well under
	// 2 s once connected.
	requestTimeout = 5 * time.Second
	// repeatTimeout bounds each repeated connect: past 1.5 s it is a
	// retransmission (see retransmitDelay) or a loss either way.
	repeatTimeout = 1500 * time.Millisecond
	// repeats is how many connects follow the first probe: three in all
	// tell one slow handshake from a slow path without taking long.
	repeats = 2
	// retransmitDelay: a connect this much slower than the fastest one
	// waited for a lost SYN to be sent again; TCP's initial retransmission
	// timeout is 1 s (RFC 6298, section 2.1), and every OS wfh runs on
	// uses it.
	retransmitDelay = 900 * time.Millisecond
	// maxBody bounds what a target's page may make us read.
	maxBody = 64 << 10
)

// outcome classifies one probe.
type outcome string

const (
	outOK          outcome = "ok"          // answered (TCP connect, or an HTTP answer that is not an error)
	outRedirect    outcome = "redirect"    // HTTP redirect: reached, but it sends you elsewhere (often a sign-in page)
	outHTTPError   outcome = "http_error"  // reached; the server answered 5xx
	outWrongName   outcome = "wrong_name"  // TLS completed with a certificate for another name
	outUntrusted   outcome = "untrusted"   // TLS completed with a certificate no trusted CA signed
	outExpired     outcome = "expired"     // TLS completed with an expired (or not yet valid) certificate
	outTLSError    outcome = "tls_error"   // another TLS failure
	outRefused     outcome = "refused"     // the host answered, nothing listens on the port
	outReset       outcome = "reset"       // the connection was cut
	outTimeout     outcome = "timeout"     // no answer in time
	outStalled     outcome = "stalled"     // connected, then the TLS handshake or the answer never came: large packets lost
	outUnreachable outcome = "unreachable" // no route
	outDNS         outcome = "dns_failed"  // the name did not resolve
	outInvalid     outcome = "invalid"     // the profile entry cannot be used
	outNotProbed   outcome = "not_probed"  // a udp-silent gateway: nothing answers a probe
	outNoAddress   outcome = "no_address"  // resolved, but to no usable address
)

// reached reports whether something at the target's address answered:
// packets went there and back, whatever the service thought of us.
func (o outcome) reached() bool {
	switch o {
	case outOK, outRedirect, outHTTPError, outWrongName, outUntrusted, outExpired, outTLSError, outRefused:
		return true
	}
	return false
}

// targetProbe is what probing one target found.
type targetProbe struct {
	Target target
	Addr   netip.Addr
	// Interface is the interface traffic to Addr leaves by, "" when unknown.
	Interface string
	// Stale: the route to Addr leaves by an address no interface of the
	// run's network state has, so the interfaces changed since it was read
	// (a VPN that connects on demand came up).
	Stale      bool
	Out        outcome
	Detail     string
	HTTPStatus int
	RedirectTo string
	// Connects are the TCP connect times that succeeded; Lost counts the
	// attempts that failed or waited for a retransmission.
	Connects []time.Duration
	Lost     int
	Tries    int
	// Response is the time from the first connect to the response
	// headers of an HTTP target.
	Response time.Duration
}

// median returns the median connect time.
func (p targetProbe) median() (time.Duration, bool) { return rttstats.Median(p.Connects) }

// resolve returns the target host's addresses, IPv4 first (company
// networks reached through a VPN are IPv4 far more often than not).
func resolve(ctx context.Context, env *checks.Env, host string) ([]netip.Addr, outcome, string) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, "", ""
	}
	if env.Resolver == nil {
		return nil, outDNS, "no resolver"
	}
	rctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	ias, err := env.Resolver.LookupIPAddr(rctx, host)
	if err != nil {
		var dnsErr *net.DNSError
		switch {
		case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
			return nil, outDNS, "the name does not exist for this computer's DNS servers"
		case rctx.Err() != nil:
			return nil, outDNS, "no answer from the DNS server"
		}
		env.Debugf("look up %s: %v", host, err)
		_, detail := probeutil.DescribeNetErr(err, nil)
		return nil, outDNS, detail
	}
	var v4, v6 []netip.Addr
	for _, ia := range ias {
		a, ok := netip.AddrFromSlice(ia.IP)
		if !ok {
			continue
		}
		if a = a.Unmap(); a.Is4() {
			v4 = append(v4, a)
		} else {
			v6 = append(v6, a.WithZone(ia.Zone))
		}
	}
	if len(v4)+len(v6) == 0 {
		return nil, outNoAddress, "the name has no address"
	}
	return append(v4, v6...), "", ""
}

// probeTarget resolves a target, finds the interface its route uses, and
// probes it: an HTTP request (redirects not followed) for a web address, a
// TCP connect for host:port; then repeated connects for the time and
// retransmission figures. The run's network state says which interface
// the route to the target takes.
func probeTarget(ctx context.Context, env *checks.Env, t target) targetProbe {
	p := targetProbe{Target: t}
	if t.Problem != "" {
		p.Out, p.Detail = outInvalid, t.Problem
		return p
	}
	addrs, out, detail := resolve(ctx, env, t.Host)
	if out != "" {
		p.Out, p.Detail = out, detail
		return p
	}
	p.Addr = addrs[0]
	if name, err := egress(ctx, env.Net, p.Addr); err == nil {
		p.Interface = name
	} else {
		p.Stale = errors.Is(err, errUnknownSource)
		env.Debugf("route to %v: %v", p.Addr, err)
	}
	dst := net.JoinHostPort(p.Addr.String(), t.Port)
	if t.isHTTP() {
		probeHTTP(ctx, env, &p, dst)
	} else {
		p.Tries++
		start := time.Now()
		conn, err := dialTimeout(ctx, env, dst, connectTimeout)
		if err != nil {
			p.Out, p.Detail = classifyNetErr(err)
			if p.Out != outRefused {
				p.Lost++
			}
			return p
		}
		p.Connects = append(p.Connects, time.Since(start))
		conn.Close()
		p.Out = outOK
	}
	if !p.Out.reached() || p.Out == outRefused || len(p.Connects) == 0 {
		return p
	}
	for range repeats {
		if ctx.Err() != nil {
			break
		}
		p.Tries++
		start := time.Now()
		conn, err := dialTimeout(ctx, env, dst, repeatTimeout)
		if err != nil {
			p.Lost++
			continue
		}
		conn.Close()
		p.Connects = append(p.Connects, time.Since(start))
	}
	// A connect that waited for a retransmitted SYN is a loss too.
	fastest := slices.Min(p.Connects)
	for _, d := range p.Connects {
		if d-fastest >= retransmitDelay {
			p.Lost++
		}
	}
	return p
}

func dialTimeout(ctx context.Context, env *checks.Env, addr string, d time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if env.Dialer == nil {
		return nil, errors.New("no dialer")
	}
	return env.Dialer.DialContext(ctx, "tcp", addr)
}

// probeHTTP sends one GET to the target's URL, connecting to the resolved
// address (so the figures and the route are for that address) with the
// URL's name for TLS. Certificates are verified by hand, as the network
// check does, so a wrong certificate is told apart from no answer.
func probeHTTP(ctx context.Context, env *checks.Env, p *targetProbe, dst string) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	p.Tries++
	// The transport dials and shakes hands on goroutines of its own, which
	// may still run when Do returns on a timeout: what they learn is
	// guarded and copied once.
	var mu sync.Mutex
	var connected time.Time
	var connect time.Duration
	var peer []*x509.Certificate
	transport := &http.Transport{
		Proxy:             nil, // company services are reached through the tunnel, not a proxy
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			start := time.Now()
			dctx, dcancel := context.WithTimeout(ctx, connectTimeout)
			defer dcancel()
			if env.Dialer == nil {
				return nil, errors.New("no dialer")
			}
			conn, err := env.Dialer.DialContext(dctx, "tcp", dst)
			if err == nil {
				mu.Lock()
				connected, connect = time.Now(), time.Since(start)
				mu.Unlock()
			}
			return conn, err
		},
		TLSHandshakeTimeout: connectTimeout,
		TLSClientConfig: &tls.Config{
			ServerName:         p.Target.Host,
			InsecureSkipVerify: true, // verified below against env.Roots, by hand
			VerifyConnection: func(cs tls.ConnectionState) error {
				mu.Lock()
				peer = cs.PeerCertificates
				mu.Unlock()
				return nil
			},
		},
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.Target.URL.String(), nil)
	if err != nil {
		p.Out, p.Detail = outInvalid, "is not a valid web address"
		return
	}
	req.Header.Set("User-Agent", "wfh (VPN check)")
	resp, err := client.Do(req)
	mu.Lock()
	gotConn, gotPeer := connected, peer
	if !connected.IsZero() {
		p.Connects = append(p.Connects, connect)
	}
	mu.Unlock()
	if resp != nil {
		defer resp.Body.Close()
	}
	if p.Target.URL.Scheme == "https" && len(gotPeer) > 0 {
		if out, detail := verifyPeer(env, gotPeer, p.Target.Host); out != outOK {
			p.Out, p.Detail = out, detail
			return
		}
	}
	if err != nil {
		env.Debugf("%s: %v", p.Target.Raw, err)
		k, detail := probeutil.DescribeNetErr(err, netErrWords)
		out := outcomeOf(k)
		switch {
		case gotConn.IsZero():
			p.Out, p.Detail = out, detail
			if out != outRefused {
				p.Lost++
			}
		case out == outTimeout && p.Target.URL.Scheme == "https" && len(gotPeer) == 0:
			p.Out, p.Detail = outStalled, "connected, but the secure connection did not complete in time"
		case out == outTimeout:
			p.Out, p.Detail = outStalled, "connected, but no answer to the request in time"
		case p.Target.URL.Scheme == "https" && len(gotPeer) == 0 && (k == probeutil.NetErrTLS || k == probeutil.NetErrOther):
			p.Out, p.Detail = outTLSError, "connected, but the secure connection failed"
		case p.Target.URL.Scheme == "https" && len(gotPeer) == 0:
			p.Out, p.Detail = outTLSError, "connected, but the secure connection failed: "+detail
		default:
			p.Out, p.Detail = out, "connected, then "+detail
		}
		return
	}
	p.Response = time.Since(gotConn)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	p.HTTPStatus = resp.StatusCode
	switch {
	case resp.StatusCode >= 500:
		p.Out, p.Detail = outHTTPError, fmt.Sprintf("the server answered with an error (%s)", probeutil.CleanText(resp.Status, 60))
	case resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "":
		p.Out = outRedirect
		p.RedirectTo = redirectTarget(p.Target.URL, resp.Header.Get("Location"))
	default:
		p.Out = outOK
	}
}

// redirectTarget resolves a Location header against the request URL and
// keeps scheme, host and path: a query may carry a session token.
func redirectTarget(base *url.URL, loc string) string {
	u, err := base.Parse(loc)
	if err != nil {
		return probeutil.CleanText(loc, 100)
	}
	return probeutil.CleanText(u.Scheme+"://"+u.Host+u.EscapedPath(), 160)
}

// gatewayProbe is what probing the VPN gateway found.
type gatewayProbe struct {
	Config    gatewayConfig
	Addrs     []netip.Addr
	Interface string
	Out       outcome
	Detail    string
	Connect   time.Duration
}

// probeGateway resolves the gateway and, unless it is udp-silent,
// connects to it (tcp) or completes a verified TLS handshake (tls).
func probeGateway(ctx context.Context, env *checks.Env, g gatewayConfig) gatewayProbe {
	p := gatewayProbe{Config: g}
	if g.Problem != "" {
		p.Out, p.Detail = outInvalid, g.Problem
		return p
	}
	addrs, out, detail := resolve(ctx, env, g.Host)
	if out != "" {
		p.Out, p.Detail = out, detail
		return p
	}
	p.Addrs = addrs
	if name, err := egress(ctx, env.Net, addrs[0]); err == nil {
		p.Interface = name
	}
	if g.Type == gwSilent {
		p.Out = outNotProbed
		return p
	}
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	conn, err := env.Dialer.DialContext(cctx, "tcp", net.JoinHostPort(addrs[0].String(), g.Port))
	if err != nil {
		p.Out, p.Detail = classifyNetErr(err)
		return p
	}
	defer conn.Close()
	if g.Type == gwTCP {
		p.Out, p.Connect = outOK, time.Since(start)
		return p
	}
	var peer []*x509.Certificate
	tc := tls.Client(conn, &tls.Config{
		ServerName:         g.Host,
		InsecureSkipVerify: true, // verified below against env.Roots, by hand
		VerifyConnection: func(cs tls.ConnectionState) error {
			peer = cs.PeerCertificates
			return nil
		},
	})
	if err := tc.HandshakeContext(cctx); err != nil {
		env.Debugf("TLS handshake with %s: %v", g.Host, err)
		k, detail := probeutil.DescribeNetErr(err, netErrWords)
		if k == probeutil.NetErrOther { // a TLS-level failure, not a routing one
			k, detail = probeutil.NetErrTLS, netErrWords.Phrase(probeutil.NetErrTLS)
		}
		p.Out, p.Detail = outcomeOf(k), detail
		return p
	}
	p.Connect = time.Since(start)
	p.Out, p.Detail = verifyPeer(env, peer, g.Host)
	return p
}

// verifyPeer verifies a server's chain for host against env.Roots (the
// system's roots plus the profile's company CA) at env's time.
func verifyPeer(env *checks.Env, peer []*x509.Certificate, host string) (outcome, string) {
	now := env.Clock()()
	_, problem, err := probeutil.VerifyChain(peer, host, env.Roots, now)
	switch problem {
	case probeutil.CertOK:
		return outOK, ""
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
	env.Debugf("certificate of %s: %v", host, err)
	return outTLSError, "its certificate could not be verified"
}

// netErrWords words network errors for company services and the VPN
// gateway: a refused connection says whose side it is on.
var netErrWords = probeutil.NetErrWords{
	probeutil.NetErrRefused:         "connection refused: the server is not accepting connections on that port",
	probeutil.NetErrHostUnreachable: "no route to it from this computer",
}

// classifyNetErr maps a dial or read error to an outcome people can act
// on, worded by netErrWords.
func classifyNetErr(err error) (outcome, string) {
	k, detail := probeutil.DescribeNetErr(err, netErrWords)
	return outcomeOf(k), detail
}

func outcomeOf(k probeutil.NetErrKind) outcome {
	switch k {
	case probeutil.NetErrRefused:
		return outRefused
	case probeutil.NetErrReset:
		return outReset
	case probeutil.NetErrTimeout, probeutil.NetErrStopped:
		return outTimeout
	case probeutil.NetErrNoSuchHost, probeutil.NetErrLookup:
		return outDNS
	case probeutil.NetErrTLS:
		return outTLSError
	}
	return outUnreachable
}
