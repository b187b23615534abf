package network

import (
	"net/netip"
	"time"

	"github.com/wfh-cli/wfh/internal/netstate"
)

// Observations are the raw facts the probes gathered; verdict() turns them
// into a result. Keeping the two apart lets every verdict be tested from a
// literal, without a network.
type observations struct {
	Interfaces []iface
	Routes     routes
	Gateway    gatewayProbe
	Anchors    []anchorProbe // direct, one per anchor and address family
	ViaProxy   []anchorProbe // through the configured proxy, when there is one
	Portal     portalProbe
	Proxy      proxyConfig
	// Path is the way internet traffic leaves (the run's default path).
	Path netstate.Path
	// Problems are the parts of the network state that could not be read.
	Problems []netstate.Problem
	// Origins say which source answered the parts that have a fallback
	// (the OS's API, or its tools' text).
	Origins []netstate.Origin
}

// iface is one interface as the run's network state lists it.
type iface = netstate.Interface

// routes are the default routes of each family.
type routes struct {
	V4, V6 []defaultRoute
	Err    error // the route table could not be read
}

// defaultRoute is one default route; Gateway is invalid for an on-link
// default (point-to-point tunnels).
type defaultRoute = netstate.Route

// proxyConfig is the proxy configuration programs here follow.
type proxyConfig = netstate.Proxy

type gatewayProbe struct {
	Addr     netip.Addr
	Tried    bool
	Answered bool
	RTT      time.Duration
	Err      error
}

// outcome classifies one attempt to prove reachability.
type outcome string

const (
	outOK          outcome = "ok"           // TLS verified for the expected name
	outCompanyCA   outcome = "company_ca"   // verified, but only through the profile's company CA
	outWrongName   outcome = "wrong_name"   // TLS completed with a certificate for another name
	outUntrusted   outcome = "untrusted"    // TLS completed with a certificate no trusted CA signed
	outTLSError    outcome = "tls_error"    // another TLS failure (expired certificate, protocol)
	outReset       outcome = "reset"        // connection reset, typical of captive portals
	outTimeout     outcome = "timeout"      // no answer in time
	outRefused     outcome = "refused"      // actively refused
	outUnreachable outcome = "unreachable"  // no route, network unreachable
	outDNS         outcome = "dns_failed"   // the name did not resolve
	outNoAddress   outcome = "no_address"   // the name has no address of this family
	outProxyFailed outcome = "proxy_failed" // the proxy refused or failed the tunnel
)

// completedTLS is true when something answered the handshake with a
// certificate, whatever it was: proof that packets flow.
func (o outcome) completedTLS() bool {
	return o == outOK || o == outCompanyCA || o == outWrongName || o == outUntrusted
}

func (o outcome) proves() bool { return o == outOK || o == outCompanyCA }

type anchorProbe struct {
	URL    string
	Host   string
	Family string // "ipv4" or "ipv6"
	Addr   netip.Addr
	Out    outcome
	RTT    time.Duration // TCP connect plus TLS handshake
	Detail string        // the cause, for people ("certificate is for portal.hotel.example")
}

type portalProbe struct {
	URL      string
	Tried    bool
	Status   int    // HTTP status, 0 when there was no HTTP answer
	Location string // redirect target, if any
	BodyLen  int64
	Out      outcome // ok when an HTTP answer came back; otherwise why not
	Detail   string
}

// answered204 is the only answer a clear path gives: captive portals and
// filters answer with a redirect, a login page or an error instead.
func (p portalProbe) answered204() bool { return p.Status == 204 && p.BodyLen == 0 }
