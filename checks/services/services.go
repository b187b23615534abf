// Package services implements the "services" check: can this computer
// reach what the job needs? The organisation profile lists its services by
// kind (a remote desktop, a Remote Desktop Gateway, Azure Virtual Desktop,
// SSH, mail, Citrix, web services, plain ports), and each is proven the
// way its real client starts: RDP's negotiation, a gateway's HTTP
// transport request, an SSH identification, a mail banner and STARTTLS, a
// STUN Binding to Microsoft's relays. A TCP connect alone proves little (a
// firewall or proxy may accept it), so only the tcp kind stops there, and
// says so. Each service's route is named (the interface of the socket's
// local address), and a service that should go through the VPN but does
// not, or the reverse, is named too.
package services

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/stunprobe"
)

// budget is the check's bound (issue 28): every service is probed at once,
// each within itemTimeout (5 s); the rest is the verdict and a margin for a
// busy machine.
const budget = 8 * time.Second

// reserve is kept back from the budget, so the probes still in flight are
// stopped and the check reports what it found, rather than the runner
// reporting only that it ran out of time.
const reserve = time.Second

type check struct {
	// owner builds a run's lookup from a local address to its interface:
	// the run's network state by default, a fake in tests.
	owner func(ctx context.Context, env *checks.Env) ownerFunc
	// avd is where the avd kind's extra probes go.
	avd avdTargets
}

// New returns the services check.
func New() checks.Check {
	return &check{
		owner: snapshotOwner,
		avd:   defaultAVD(),
	}
}

func (*check) ID() string            { return "services" }
func (*check) Title() string         { return "Company services" }
func (*check) Budget() time.Duration { return budget }

// Needs: the internet. Offline, every service would fail for the one
// reason the network check already gives.
func (*check) Needs() checks.Needs {
	return checks.Needs{Requires: []checks.Need{checks.NeedInternet}, Uses: []checks.Resource{checks.LocalNetwork}}
}

// result is what probing one service found.
type result struct {
	Svc service
	// Addr is the address probed; invalid when the name did not resolve.
	Addr netip.Addr
	// Route is how its traffic leaves this computer.
	Route route
	Out   outcome
	// Answer is the protocol's own answer in words ("RDP server, requires
	// Network Level Authentication"); empty when it gave none.
	Answer string
	// Detail says what went wrong, in words; empty when all went well.
	Detail string
	// Connect is the TCP connect time; Took the whole probe's.
	Connect, Took time.Duration
	// HTTPStatus is a web kind's status code.
	HTTPStatus int
	// Expires is the end of the certificate's validity, when TLS ran.
	Expires time.Time
	// Attrs are the kind's own facts for scripts (rdp_security, nla,
	// server, http_status...).
	Attrs map[string]string
	// Subs are the extra probes of avd and citrix.
	Subs []sub
}

// sub is one extra probe of a service: an avd endpoint or relay, a
// Citrix port.
type sub struct {
	// Key names it for scripts ("udp_3478", "ica_1494", "login").
	Key string
	// Label names it for people ("UDP 3478 to Microsoft's relays").
	Label  string
	Out    outcome
	Answer string
	Detail string
	// STUN is the relay probe's own outcome (stunprobe's words).
	STUN stunprobe.Outcome
	RTT  time.Duration
	// Route is the sub-probe's own route.
	Route route
}

func (r *result) attr(k, v string) {
	if r.Attrs == nil {
		r.Attrs = map[string]string{}
	}
	r.Attrs[k] = v
}

// Run probes every service at once and judges them.
func (c *check) Run(ctx context.Context, env *checks.Env) checks.Result {
	svcs, omitted := readServices(env.Profile)
	if len(svcs) == 0 {
		return skipped()
	}
	ctx, cancel := context.WithTimeout(ctx, budget-reserve)
	defer cancel()
	var owner ownerFunc
	if c.owner != nil {
		owner = c.owner(ctx, env)
	}
	p := &prober{env: env, owner: owner, now: env.Clock(), avd: c.avd}
	results := make([]result, len(svcs))
	var wg sync.WaitGroup
	for i, s := range svcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = p.probe(ctx, s)
		}()
	}
	wg.Wait()
	return verdict(results, omitted)
}

// probe probes one service within itemTimeout.
func (p *prober) probe(ctx context.Context, s service) result {
	r := result{Svc: s}
	if s.Problem != "" {
		r.Out, r.Detail = outInvalid, s.Problem
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, itemTimeout)
	defer cancel()
	start := p.now()
	defer func() { r.Took = p.now().Sub(start) }()
	addr, out, detail := p.resolve(ctx, s.End.Host)
	if out != "" {
		r.Out, r.Detail = out, detail
		return r
	}
	r.Addr = addr
	switch s.Kind {
	case profile.KindHTTPS:
		p.probeHTTPS(ctx, &r)
	case profile.KindRDP:
		p.probeRDP(ctx, &r)
	case profile.KindRDGateway:
		p.probeGateway(ctx, &r)
	case profile.KindAVD:
		p.probeAVD(ctx, &r)
	case profile.KindSSH:
		p.probeSSH(ctx, &r)
	case profile.KindSMTP:
		p.probeSMTP(ctx, &r)
	case profile.KindIMAP:
		p.probeIMAP(ctx, &r)
	case profile.KindCitrix:
		p.probeCitrix(ctx, &r)
	case profile.KindTCP:
		p.probeTCP(ctx, &r)
	}
	if !r.Route.Local.IsValid() {
		r.Route = p.egress(ctx, r.Addr)
	}
	return r
}

// connect dials the service's port and fills the route and connect time;
// it returns false (with the outcome set) when the connection failed.
func (p *prober) connect(ctx context.Context, r *result, port int) (dialResult, bool) {
	d, out, detail := p.dial(ctx, r.Addr, port)
	if out != "" {
		r.Out, r.Detail = out, detail
		return d, false
	}
	r.Connect, r.Route = d.connect, d.route
	return d, true
}

// probeTCP connects, and that is all it knows.
func (p *prober) probeTCP(ctx context.Context, r *result) {
	d, ok := p.connect(ctx, r, r.Svc.End.Port)
	if !ok {
		return
	}
	d.conn.Close()
	r.Out = outOpen
	r.Answer = "the port accepts connections (weak evidence: a firewall or proxy may accept a connection for anything)"
}
