// Package calls implements the "calls" check: will Microsoft Teams, Zoom,
// Google Meet and Cisco Webex media get through from here, over UDP (what
// every app prefers) or only over its TCP/TLS 443 fallback, on which
// calls break up under the slightest loss. Per app it sends a STUN request
// over UDP to a server the vendor names or is known to answer one, and at
// the same time connects to the app's 443 fallback; it names a symmetric
// NAT (peer-to-peer media and RDP Shortpath then go through a relay), and
// tries the organisation's own STUN and TURN servers from the profile.
//
// Where no public server answers an unauthenticated STUN request (Zoom's
// and Webex's media ports carry their own protocols), UDP is "not
// testable here", never "blocked". The probes are internal/stunprobe's;
// the report's call verdict per app, which adds the latency check's call
// quality and the bandwidth check's speed, is built by report/summary.
package calls

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/stunprobe"
)

const (
	// probeBudget is what every probe of a run shares, all at once:
	// stunprobe's Budget (4 s, issue 26), of which each probe takes at
	// most ProbeTimeout (3 s).
	probeBudget = stunprobe.Budget
	// lateGrace is how long the check waits past probeBudget for a probe
	// that ignores its deadline before reporting it as unfinished.
	lateGrace = 300 * time.Millisecond
	// budget is the runner's limit: the probes plus the grace plus the
	// verdict (microseconds), with room for a busy machine.
	budget = probeBudget + time.Second
)

// prober is what the check asks of internal/stunprobe; *stunprobe.Prober
// is one, tests give fakes.
type prober interface {
	Binding(ctx context.Context, t stunprobe.Target) stunprobe.Result
	Knock(ctx context.Context, t stunprobe.Target) stunprobe.Result
	Connect(ctx context.Context, t stunprobe.Target) stunprobe.Result
	NATMapping(ctx context.Context, servers ...stunprobe.Target) stunprobe.NATReport
	Allocate(ctx context.Context, t stunprobe.Target, c stunprobe.Credentials) stunprobe.TURNResult
}

var _ prober = (*stunprobe.Prober)(nil)

type check struct {
	// newProber builds the probes' seams from the run's Env; tests
	// replace it with fakes.
	newProber func(env *checks.Env) prober
}

// New returns the calls check.
func New() checks.Check { return &check{newProber: envProber} }

func (*check) ID() string            { return "calls" }
func (*check) Title() string         { return "Calls: Teams, Zoom, Meet, Webex" }
func (*check) Budget() time.Duration { return budget }
func (*check) Needs() checks.Needs {
	return checks.Needs{Requires: []checks.Need{checks.NeedInternet}}
}

// envProber is the real prober, on the Env's sockets, resolver, clock and
// roots (the system's plus the profile's company CA).
func envProber(env *checks.Env) prober {
	p := &stunprobe.Prober{Now: env.Now, TLS: &tls.Config{RootCAs: env.Roots}}
	if env.Dialer != nil {
		p.Dialer = env.Dialer
	}
	if env.Resolver != nil {
		p.Resolver = env.Resolver
	}
	if env.ListenPacket != nil {
		p.ListenPacket = func(ctx context.Context, network, address string) (net.PacketConn, error) {
			return env.ListenPacket(ctx, network, address)
		}
	}
	return p
}

func (c *check) Run(ctx context.Context, env *checks.Env) checks.Result {
	pl := planOf(env)
	env.Progress("asking the call services' servers over UDP and TCP")
	o := run(ctx, c.newProber(env), pl, env.Clock())
	debug(env, pl, o)
	return verdict(pl, o)
}

// debug logs every probe's own line for --verbose.
func debug(env *checks.Env, pl plan, o observations) {
	for i, a := range pl.apps {
		for _, r := range append(append([]stunprobe.Result(nil), o.apps[i].udp...), o.apps[i].fallback...) {
			env.Debugf("calls: %s: %s: %s in %s: %s", a.id, r.Target, r.Outcome, r.Took.Round(time.Millisecond), r.Reason)
		}
	}
	for _, r := range o.stun {
		env.Debugf("calls: stun %s: %s: %s", r.Target, r.Outcome, r.Reason)
	}
	for _, rs := range o.turn {
		for _, r := range rs {
			env.Debugf("calls: turn %s: %s/%s: %s", r.Target, r.Outcome, r.Path, r.Reason)
		}
	}
	if o.nat != nil {
		env.Debugf("calls: NAT %s (%s): %s", o.nat.Mapping, o.nat.Method, o.nat.Reason)
	}
	env.Debugf("calls: every probe done in %s", o.took.Round(time.Millisecond))
}
