package network

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

const (
	// resolveTimeout: a working resolver answers in well under a second; 2 s
	// allows one retry on a lossy link without slowing an offline run.
	resolveTimeout = 2 * time.Second
	// connectTimeout covers TCP connect plus the TLS handshake: three round
	// trips, which even a congested satellite link finishes in 3 s.
	connectTimeout = 3 * time.Second
	// portalTimeout: one plain HTTP request, same reasoning.
	portalTimeout = 3 * time.Second
	// maxPortalBody bounds what a portal page may make us read.
	maxPortalBody = 64 << 10
)

func roundMS(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*100) / 100
}

// probeAnchor proves reachability of one HTTPS anchor over one address
// family: the name resolves, TCP connects and a TLS handshake verifies a
// certificate for that name. A bare TCP connect proves nothing, because
// portals and filters accept every connection.
func probeAnchor(ctx context.Context, env *checks.Env, rawURL, family string) anchorProbe {
	a := anchorProbe{URL: rawURL, Family: family}
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		a.Out, a.Detail = outDNS, "not a valid address"
		return a
	}
	a.Host = u.Hostname()
	port := u.Port()
	if port == "" {
		port = "443"
	}
	addr, out, detail := resolveFamily(ctx, env, a.Host, family)
	if out != "" {
		a.Out, a.Detail = out, detail
		return a
	}
	a.Addr = addr
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	start := time.Now()
	conn, err := env.Dialer.DialContext(cctx, tcpNet(family), net.JoinHostPort(addr.String(), port))
	if err != nil {
		a.Out, a.Detail = classifyNetErr(err)
		return a
	}
	defer conn.Close()
	a.Out, a.Detail = handshake(cctx, conn, a.Host, env)
	a.RTT = time.Since(start)
	return a
}

func tcpNet(family string) string {
	if family == "ipv6" {
		return "tcp6"
	}
	return "tcp4"
}

// resolveFamily returns the first address of the family, or why there is none.
func resolveFamily(ctx context.Context, env *checks.Env, host, family string) (netip.Addr, outcome, string) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Is4() != (family == "ipv4") {
			return netip.Addr{}, outNoAddress, "address of the other family"
		}
		return ip, "", ""
	}
	rctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	addrs, err := env.Resolver.LookupIPAddr(rctx, host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return netip.Addr{}, outDNS, "the name does not exist"
		}
		if rctx.Err() != nil {
			return netip.Addr{}, outDNS, "no answer from the DNS server"
		}
		env.Debugf("look up %s: %v", host, err)
		_, detail := probeutil.DescribeNetErr(err, nil)
		return netip.Addr{}, outDNS, detail
	}
	for _, ia := range addrs {
		ip, ok := netip.AddrFromSlice(ia.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if ip.Is4() == (family == "ipv4") {
			return ip, "", ""
		}
	}
	return netip.Addr{}, outNoAddress, "no " + family + " address"
}

// handshake runs TLS on conn and classifies what came back. Verification is
// done by hand after the handshake so that a wrong certificate is told apart
// from no answer at all.
func handshake(ctx context.Context, conn net.Conn, host string, env *checks.Env) (outcome, string) {
	var peer []*x509.Certificate
	tc := tls.Client(conn, &tls.Config{
		ServerName:         host,
		InsecureSkipVerify: true, // verified below against env.Roots, by hand
		VerifyConnection: func(cs tls.ConnectionState) error {
			peer = cs.PeerCertificates
			return nil
		},
	})
	if err := tc.HandshakeContext(ctx); err != nil {
		env.Debugf("TLS handshake with %s: %v", host, err)
		k, detail := probeutil.DescribeNetErr(err, netErrWords)
		if k == probeutil.NetErrOther { // a TLS-level failure, not a routing one
			k, detail = probeutil.NetErrTLS, netErrWords.Phrase(probeutil.NetErrTLS)
		}
		return outcomeOf(k), detail
	}
	chains, problem, err := probeutil.VerifyChain(peer, host, env.Roots, env.Clock()())
	switch problem {
	case probeutil.CertOK:
	case probeutil.CertMissing:
		return outTLSError, "no certificate"
	case probeutil.CertWrongName:
		return outWrongName, "certificate is for " + probeutil.CertNames(peer[0])
	case probeutil.CertUntrusted:
		return outUntrusted, "certificate for " + probeutil.CertNames(peer[0]) + " from an untrusted issuer (" + probeutil.IssuerName(peer[0]) + ")"
	case probeutil.CertExpired, probeutil.CertNotYetValid:
		return outTLSError, "certificate expired or not yet valid: check the computer's clock"
	default:
		env.Debugf("certificate of %s: %v", host, err)
		return outTLSError, "certificate could not be verified"
	}
	if companyCA := companyRoots(env); companyCA != nil && chainEndsIn(chains, companyCA) {
		return outCompanyCA, "certificate from the company CA (" + probeutil.IssuerName(peer[len(peer)-1]) + ")"
	}
	return outOK, ""
}

// companyRoots loads the profile's company CA, nil when there is none.
func companyRoots(env *checks.Env) []*x509.Certificate {
	if env.Profile == nil || env.Profile.CompanyCA == "" {
		return nil
	}
	data, err := os.ReadFile(env.Profile.CompanyCA)
	if err != nil {
		return nil
	}
	var out []*x509.Certificate
	for len(data) > 0 {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			out = append(out, c)
		}
	}
	return out
}

func chainEndsIn(chains [][]*x509.Certificate, roots []*x509.Certificate) bool {
	for _, ch := range chains {
		last := ch[len(ch)-1]
		for _, r := range roots {
			if last.Equal(r) {
				return true
			}
		}
	}
	return false
}

// netErrWords words network errors for the anchors, the portal and the
// proxy in the report's short item form ("timeout: no answer in time").
var netErrWords = probeutil.NetErrWords{
	probeutil.NetErrUnreachable:     "no route",
	probeutil.NetErrHostUnreachable: "no route",
	probeutil.NetErrStopped:         "stopped",
}

// classifyNetErr maps a dial or read error to an outcome people can act
// on, worded by netErrWords.
func classifyNetErr(err error) (outcome, string) {
	k, detail := probeutil.DescribeNetErr(err, netErrWords)
	return outcomeOf(k), detail
}

func outcomeOf(k probeutil.NetErrKind) outcome {
	switch k {
	case probeutil.NetErrReset:
		return outReset
	case probeutil.NetErrRefused:
		return outRefused
	case probeutil.NetErrTimeout, probeutil.NetErrStopped:
		return outTimeout
	case probeutil.NetErrNoSuchHost, probeutil.NetErrLookup:
		return outDNS
	case probeutil.NetErrTLS:
		return outTLSError
	}
	return outUnreachable
}

// probePortal fetches the captive-portal URL without following redirects:
// a clear path answers 204 with no body; a portal answers with a redirect or
// its login page; a filter with an error page.
func probePortal(ctx context.Context, env *checks.Env, portalURL string) portalProbe {
	p := portalProbe{URL: portalURL, Tried: true}
	pctx, cancel := context.WithTimeout(ctx, portalTimeout)
	defer cancel()
	client := &http.Client{
		Transport: &http.Transport{DialContext: env.Dialer.DialContext, Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, portalURL, nil)
	if err != nil {
		p.Out, p.Detail = outDNS, "not a valid address"
		return p
	}
	resp, err := client.Do(req)
	if err != nil {
		p.Out, p.Detail = classifyNetErr(err)
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			p.Out, p.Detail = outDNS, "the name did not resolve"
		}
		return p
	}
	defer resp.Body.Close()
	n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, maxPortalBody))
	p.Status, p.BodyLen, p.Out = resp.StatusCode, n, outOK
	p.Location = resp.Header.Get("Location")
	return p
}

// probeAnchorViaProxy proves an anchor through an HTTP proxy: CONNECT, then
// the same TLS verification as a direct attempt.
func probeAnchorViaProxy(ctx context.Context, env *checks.Env, rawURL, proxyURL string) anchorProbe {
	a := anchorProbe{URL: rawURL, Family: "proxy"}
	u, err := url.Parse(rawURL)
	pu, perr := url.Parse(proxyURL)
	if err != nil || perr != nil || u.Hostname() == "" || pu.Host == "" {
		a.Out, a.Detail = outProxyFailed, "not a valid address"
		return a
	}
	a.Host = u.Hostname()
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(a.Host, "443")
	}
	proxyAddr := pu.Host
	if pu.Port() == "" {
		port := "80" // what Go's and curl's proxy handling assume for http://
		if pu.Scheme == "https" {
			port = "443"
		}
		proxyAddr = net.JoinHostPort(pu.Hostname(), port)
	}
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	start := time.Now()
	conn, err := env.Dialer.DialContext(cctx, "tcp", proxyAddr)
	if err != nil {
		out, detail := classifyNetErr(err)
		a.Out, a.Detail = out, "proxy "+proxyAddr+": "+detail
		return a
	}
	defer conn.Close()
	if dl, ok := cctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: wfh\r\n\r\n", target, target)
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: http.MethodConnect})
	if err != nil {
		out, detail := classifyNetErr(err)
		a.Out, a.Detail = out, "proxy "+proxyAddr+": "+detail
		return a
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		a.Out, a.Detail = outProxyFailed, fmt.Sprintf("proxy answered %s", resp.Status)
		return a
	}
	_ = conn.SetDeadline(time.Time{})
	a.Out, a.Detail = handshake(cctx, conn, a.Host, env)
	a.RTT = time.Since(start)
	return a
}
