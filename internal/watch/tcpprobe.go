package watch

import (
	"context"
	"net"
	"strconv"
	"time"
)

// TCPProber measures round trips with TCP connects, for systems where
// this user may not send pings: a connect completes (SYN, SYN-ACK) or is
// refused (SYN, RST) after one round trip, so both count as an answer;
// only silence until the timeout counts as lost. Each connection is reset
// at once, so the far end keeps nothing.
type TCPProber struct {
	// Dial opens the connection; nil means net.Dialer.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// TCP packet sizes: SYN and SYN-ACK carry options (40 + 20 bytes for
// IPv4), the ACK and the reset none.
const (
	tcpBytes4 = 60 + 60 + 40 + 40
	tcpBytes6 = tcpBytes4 + 4*20
)

// Method is tcp.
func (TCPProber) Method() Method { return MethodTCP }

// Cost is one connect and its reset.
func (TCPProber) Cost(r Rung) int {
	if r.Addr.Is6() && !r.Addr.Is4In6() {
		return tcpBytes6
	}
	return tcpBytes4
}

// tcpPort is the port a rung is probed on: its own, else 53 for the
// router and the DNS server (home routers run a DNS forwarder) and 443
// for the rest.
func tcpPort(r Rung) int {
	switch {
	case r.Port != 0:
		return r.Port
	case r.Role == RoleGateway || r.Role == RoleDNSServer:
		return 53
	}
	return 443
}

// Probe connects to the rung and resets the connection.
func (p TCPProber) Probe(ctx context.Context, r Rung, timeout time.Duration) Result {
	dial := p.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	target := net.JoinHostPort(r.Addr.Unmap().String(), strconv.Itoa(tcpPort(r)))
	start := time.Now()
	conn, err := dial(ctx, "tcp", target)
	took := time.Since(start)
	size := p.Cost(r)
	switch {
	case err == nil:
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // a reset, not a FIN exchange
		}
		conn.Close()
		return Result{Outcome: Answered, RTT: took, Bytes: size}
	case refused(err):
		return Result{Outcome: Answered, RTT: took, Bytes: size * 2 / 3}
	case noRoute(err):
		return Result{Outcome: NoRoute, Err: err}
	case ctx.Err() != nil:
		return Result{Outcome: Lost, Bytes: size / 3}
	}
	return Result{Outcome: Lost, Bytes: size / 3, Err: err}
}
