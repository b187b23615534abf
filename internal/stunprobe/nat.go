package stunprobe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Mapping is how a NAT picks the public address and port for one local
// socket (RFC 4787 §4.1 terms, tested as RFC 5780 §4.3 describes).
type Mapping string

const (
	// MappingUnknown: not enough answers to tell.
	MappingUnknown Mapping = "unknown"
	// NoNAT: the server saw this computer's own address and port.
	NoNAT Mapping = "none"
	// EndpointIndependent: one public address and port for every
	// destination; peers can reach it directly (with hole punching).
	EndpointIndependent Mapping = "endpoint_independent"
	// AddressDependent: a new public port for each destination address.
	AddressDependent Mapping = "address_dependent"
	// AddressAndPortDependent: a new public port for each destination
	// address and port: the classic "symmetric NAT".
	AddressAndPortDependent Mapping = "address_and_port_dependent"
	// DestinationDependent: the mapping changed between two servers with
	// different addresses; with only two servers it cannot be said
	// whether it depends on the port too.
	DestinationDependent Mapping = "destination_dependent"
)

// Symmetric tells whether a mapping defeats peer-to-peer media: the
// address a STUN server reports is not the one a peer would have to use,
// so calls and RDP Shortpath go through a TURN relay or over TCP. RFC
// 3489 called every destination-dependent mapping "symmetric".
func (m Mapping) Symmetric() bool {
	return m == AddressDependent || m == AddressAndPortDependent || m == DestinationDependent
}

// Method is how the mapping was determined.
type Method string

const (
	// RFC5780: one server's primary and OTHER-ADDRESS (RFC 5780 §4.3).
	RFC5780 Method = "rfc5780"
	// TwoServers: the mappings two servers give one local socket.
	TwoServers Method = "two_servers"
)

// Observation is one Binding answer of the NAT probe.
type Observation struct {
	Server netip.AddrPort `json:"server"`
	// Mapped is the public address the server saw; private data.
	Mapped netip.AddrPort `json:"mapped"`
	RTT    time.Duration  `json:"rtt_ns"`
}

// NATReport is the NAT probe's finding.
type NATReport struct {
	Mapping Mapping `json:"mapping"`
	// Symmetric is Mapping.Symmetric(): name it to the user.
	Symmetric bool   `json:"symmetric"`
	Method    Method `json:"method,omitempty"`
	// Local is the socket's own address (the address this computer
	// routes from, and the port), when known.
	Local netip.AddrPort `json:"local"`
	// Observations are the answers, in the order asked.
	Observations []Observation `json:"observations,omitempty"`
	// First is the Binding outcome of the first server (why the probe
	// could not start when it is not Answered).
	First Outcome `json:"first"`
	// Ignored counts replies dropped as not an answer (wrong transaction,
	// another source address, unreadable).
	Ignored Ignored       `json:"ignored"`
	Took    time.Duration `json:"took_ns"`
	// Reason is one line for people.
	Reason string `json:"reason"`
}

// NATMapping finds how the NAT between this computer and servers maps one
// UDP socket. With a server that offers a second address (RFC 5780
// OTHER-ADDRESS, as coturn does with two listening IPs) it runs the three
// tests of RFC 5780 §4.3 against it; otherwise it compares the mappings
// servers[0] and servers[1] give the same socket. Only UDP targets count.
// It returns within the Prober's Timeout.
func (p *Prober) NATMapping(ctx context.Context, servers ...Target) (rep NATReport) {
	start := p.now()
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	rep = NATReport{Mapping: MappingUnknown}
	defer func() {
		rep.Symmetric = rep.Mapping.Symmetric()
		rep.Took = p.now().Sub(start)
		if rep.Mapping == MappingUnknown && stopped(ctx) {
			rep.First, rep.Reason = Stopped, fmt.Sprintf("stopped after %s, before the NAT test finished", p.since(start))
		}
	}()
	var udp []Target
	for _, s := range servers {
		if s.Transport == UDP {
			udp = append(udp, s)
		}
	}
	if len(udp) == 0 {
		rep.First, rep.Reason = Failed, "no UDP STUN server to test the NAT with"
		return rep
	}
	first, err := p.resolve(ctx, udp[0].Host)
	if err != nil {
		rep.First, rep.Reason = NoAddress, fmt.Sprintf("looking up %s failed: %s", udp[0].Host, shortErr(err))
		return rep
	}
	primary := netip.AddrPortFrom(first, uint16(udp[0].Port))
	network := udpNetwork(first)

	// The routed source address: what the server sees when no NAT is on
	// the way. A dialled UDP socket learns it without sending anything.
	var localIP netip.Addr
	if c, err := p.dialer().DialContext(ctx, network, primary.String()); err == nil {
		localIP = addrPortOf(c.LocalAddr()).Addr()
		_ = c.Close()
	}
	listen := p.ListenPacket
	if listen == nil {
		listen = (&net.ListenConfig{}).ListenPacket
	}
	wildcard := "0.0.0.0:0"
	if first.Is6() {
		wildcard = "[::]:0"
	}
	pc, err := listen(ctx, network, wildcard)
	if err != nil {
		rep.First, rep.Reason = netOutcome(err, true), fmt.Sprintf("could not open a UDP socket: %s", shortErr(err))
		return rep
	}
	reportICMPErrors(pc)
	port := addrPortOf(pc.LocalAddr()).Port()
	if localIP.IsValid() {
		rep.Local = netip.AddrPortFrom(localIP, port)
	}
	s := newSession(unconnectedConn{pc: pc}, p.now)
	defer func() {
		s.close()
		rep.Ignored = s.counts()
	}()
	ask := func(dst netip.AddrPort) (Observation, exchangeResult) {
		ex := s.exchange(ctx, dst, dst, 0, false)
		if !ex.ok || ex.reply.resp.errorCode != 0 {
			ex.ok = false
			return Observation{Server: dst}, ex
		}
		o := Observation{Server: dst, Mapped: ex.reply.resp.mapped, RTT: ex.reply.rtt}
		rep.Observations = append(rep.Observations, o)
		return o, ex
	}

	// Test I: the primary address.
	o1, ex := ask(primary)
	if !ex.ok {
		r := Result{Target: udp[0], Server: primary}
		r.Sends = ex.sends
		r.Ignored = s.counts()
		p.finishDatagram(ctx, start, &r, ex)
		rep.First = r.Outcome
		if r.Outcome == Answered { // a STUN error: the path works, the mapping is unknown
			rep.Reason = fmt.Sprintf("%s answered with STUN error %d, so the NAT could not be tested", primary, ex.reply.resp.errorCode)
			return rep
		}
		rep.Reason = "NAT not tested: " + r.Reason
		return rep
	}
	rep.First = Answered
	if rep.Local.IsValid() && o1.Mapped == rep.Local {
		rep.Mapping = NoNAT
		rep.Reason = fmt.Sprintf("no NAT between this computer and %s: the server saw this computer's own address", primary)
		return rep
	}
	other := ex.reply.resp.other
	if other.IsValid() && other.Addr() != primary.Addr() && other.Port() != primary.Port() && other.Addr().Is4() == primary.Addr().Is4() {
		rep.Method = RFC5780
		// Test II: the other IP, the primary port.
		o2, ex2 := ask(netip.AddrPortFrom(other.Addr(), primary.Port()))
		if !ex2.ok {
			rep.Reason = fmt.Sprintf("%s offers a second address (%s) but it %s, so the NAT mapping is unknown", primary, o2.Server, p.noAnswer(start, ex2))
			return rep
		}
		if o2.Mapped == o1.Mapped {
			rep.Mapping = EndpointIndependent
			rep.Reason = fmt.Sprintf("the NAT keeps one public address and port for every destination (endpoint-independent mapping, RFC 5780 test against %s)", primary)
			return rep
		}
		// Test III: the other IP and the other port.
		o3, ex3 := ask(other)
		switch {
		case !ex3.ok:
			rep.Mapping = DestinationDependent
			rep.Reason = fmt.Sprintf("symmetric NAT: the public port changes with the destination address (%s %s in the third test, so port dependence is unknown)", other, p.noAnswer(start, ex3))
		case o3.Mapped == o2.Mapped:
			rep.Mapping = AddressDependent
			rep.Reason = "symmetric NAT: the public port changes with each destination address (address-dependent mapping)"
		default:
			rep.Mapping = AddressAndPortDependent
			rep.Reason = "symmetric NAT: the public port changes with each destination address and port (address-and-port-dependent mapping)"
		}
		return rep
	}
	if len(udp) < 2 {
		rep.Reason = fmt.Sprintf("%s offers no second address and no second STUN server is configured, so the NAT mapping is unknown", primary)
		return rep
	}
	rep.Method = TwoServers
	second, err := p.resolve(ctx, udp[1].Host)
	if err != nil || second.Is4() != first.Is4() {
		rep.Reason = fmt.Sprintf("the second STUN server %s has no address of the first one's family, so the NAT mapping is unknown", udp[1].Host)
		return rep
	}
	dst2 := netip.AddrPortFrom(second, uint16(udp[1].Port))
	o2, ex2 := ask(dst2)
	switch {
	case !ex2.ok:
		rep.Reason = fmt.Sprintf("the second STUN server %s %s, so the NAT mapping is unknown", dst2, p.noAnswer(start, ex2))
	case o2.Mapped != o1.Mapped && dst2.Addr() == primary.Addr():
		rep.Mapping = AddressAndPortDependent
		rep.Reason = "symmetric NAT: the public port changes with the destination port (two servers on one address)"
	case o2.Mapped != o1.Mapped:
		rep.Mapping = DestinationDependent
		rep.Reason = "symmetric NAT: two STUN servers saw different public ports for one local socket"
	case dst2.Addr() == primary.Addr():
		rep.Reason = "two STUN servers on one address saw the same public port; a server on another address is needed to tell more"
	default:
		rep.Mapping = EndpointIndependent
		rep.Reason = "the NAT keeps one public address and port for two servers (endpoint-independent mapping)"
	}
	return rep
}

// noAnswer says why a NAT test got no answer: "was refused (ICMP port
// unreachable)" or "did not answer within 3s".
func (p *Prober) noAnswer(start time.Time, ex exchangeResult) string {
	switch {
	case ex.reply.resp.errorCode != 0:
		return fmt.Sprintf("answered with STUN error %d", ex.reply.resp.errorCode)
	case ex.readErr != nil && netOutcome(ex.readErr, true) == Refused:
		return "was refused (ICMP port unreachable)"
	case ex.sendErr != nil:
		return "could not be sent to: " + shortErr(ex.sendErr)
	}
	return "did not answer within " + p.since(start)
}
