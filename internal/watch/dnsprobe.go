package watch

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/miekg/dns"
)

// DNSProber looks a name up at one DNS server directly, over UDP, the
// way an app's lookup reaches the server: not through the system's cache,
// which would answer from memory while the server is down.
type DNSProber struct {
	// Dial, when set, opens the UDP socket (tests, namespaces).
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// udpHeaders is the IPv4 and UDP header of each packet.
const udpHeaders = 20 + 8

// Method is dns.
func (DNSProber) Method() Method { return MethodDNS }

func query(name string) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	m.RecursionDesired = true
	return m
}

// Cost is the query and an answer with one address record.
func (DNSProber) Cost(r Rung) int {
	q := query(r.Name).Len()
	extra := 0
	if r.Addr.Is6() && !r.Addr.Is4In6() {
		extra = 2 * 20
	}
	return 2*udpHeaders + q + q + 16 + extra
}

// Probe asks r.Addr (port r.Port, 53 when unset) for r.Name's address.
// Any answer counts but SERVFAIL and REFUSED, which say the server could
// not answer; NXDOMAIN is an answer (the server works).
func (p DNSProber) Probe(ctx context.Context, r Rung, timeout time.Duration) Result {
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
