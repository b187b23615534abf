package calls

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/stunprobe"
)

// plan is what one run probes.
type plan struct {
	apps []app
	// stun are the organisation's STUN servers, as written and parsed.
	stun []stunServer
	turn []turnServer
	// nat are the NAT test's servers; natSkip says why there is no NAT
	// test when it is not empty.
	nat     []stunprobe.Target
	natSkip string
	// problems are profile entries that could not be used.
	problems []string
}

type stunServer struct {
	label  string // as the profile writes it
	target stunprobe.Target
}

type turnServer struct {
	label   string // the profile's url
	targets []stunprobe.Target
	cred    stunprobe.Credentials
}

// planOf reads the profile: the apps with their targets, the company's
// servers, and the NAT test's servers (the company's UDP STUN servers,
// else Google's two public ones).
func planOf(env *checks.Env) plan {
	p := env.Profile
	var pl plan
	pl.apps, pl.problems = appsOf(p)
	if p != nil {
		for _, s := range p.Calls.STUNServers {
			t, err := stunprobe.ParseTarget(s)
			if err != nil {
				pl.problems = append(pl.problems, "calls.stun_servers: "+err.Error())
				continue
			}
			pl.stun = append(pl.stun, stunServer{label: s, target: t})
			if t.Transport == stunprobe.UDP {
				pl.nat = append(pl.nat, t)
			}
		}
		for _, s := range p.Calls.TURNServers {
			ts, err := s.TURNTargets()
			if err != nil {
				pl.problems = append(pl.problems, "calls.turn_servers: "+err.Error())
				continue
			}
			pl.turn = append(pl.turn, turnServer{label: s.URL, targets: ts,
				cred: stunprobe.NewCredentials(s.Username.Reveal(), s.Password.Reveal())})
		}
	}
	if len(pl.nat) == 0 {
		pl.nat = defaultNATServers()
	}
	if env.ListenPacket == nil {
		pl.nat, pl.natSkip = nil, "this run has no UDP socket to test the NAT with"
	}
	return pl
}

// observations are the outcomes, in plan order.
type observations struct {
	apps []appObs
	stun []stunprobe.Result
	turn [][]stunprobe.TURNResult // per server, per transport
	nat  *stunprobe.NATReport     // nil when not tested
	took time.Duration
}

type appObs struct {
	udp, fallback []stunprobe.Result
}

// unfinished is the outcome of a probe that had not returned when the
// check stopped waiting; stunprobe bounds every probe, so it is a bug or
// a machine too busy to run it.
func unfinished(t stunprobe.Target) stunprobe.Result {
	return stunprobe.Result{Target: t, Outcome: stunprobe.Stopped,
		Reason: fmt.Sprintf("the probe of %s did not finish within %s", t, probeBudget)}
}

// run starts every probe of the plan at once (UDP and the fallbacks in
// parallel, as the apps do) and returns when all are done, or at
// probeBudget plus a short grace with the late ones marked unfinished, so
// the check ends inside its budget whatever a probe does.
func run(ctx context.Context, p prober, pl plan, now func() time.Time) observations {
	start := now()
	ctx, cancel := context.WithTimeout(ctx, probeBudget)
	defer cancel()

	var mu sync.Mutex // guards o until it is copied
	o := observations{apps: make([]appObs, len(pl.apps)), stun: make([]stunprobe.Result, len(pl.stun)),
		turn: make([][]stunprobe.TURNResult, len(pl.turn))}
	var wg sync.WaitGroup
	probe := func(slot *stunprobe.Result, t stunprobe.Target, f func(context.Context, stunprobe.Target) stunprobe.Result) {
		*slot = unfinished(t)
		wg.Go(func() {
			r := f(ctx, t)
			mu.Lock()
			*slot = r
			mu.Unlock()
		})
	}
	for i, a := range pl.apps {
		o.apps[i] = appObs{udp: make([]stunprobe.Result, len(a.udp)), fallback: make([]stunprobe.Result, len(a.fallback))}
		udpProbe := p.Binding
		if a.knock {
			udpProbe = p.Knock
		}
		for j, t := range a.udp {
			probe(&o.apps[i].udp[j], t, udpProbe)
		}
		for j, t := range a.fallback {
			probe(&o.apps[i].fallback[j], t, p.Connect)
		}
	}
	for i, s := range pl.stun {
		probe(&o.stun[i], s.target, p.Binding)
	}
	for i, s := range pl.turn {
		o.turn[i] = make([]stunprobe.TURNResult, len(s.targets))
		for j, t := range s.targets {
			o.turn[i][j] = stunprobe.TURNResult{Target: t, Outcome: stunprobe.TURNStopped, Path: stunprobe.Stopped,
				Reason: fmt.Sprintf("the TURN probe of %s did not finish within %s", t, probeBudget)}
			wg.Go(func() {
				r := p.Allocate(ctx, t, s.cred)
				mu.Lock()
				o.turn[i][j] = r
				mu.Unlock()
			})
		}
	}
	if len(pl.nat) > 0 {
		wg.Go(func() {
			rep := p.NATMapping(ctx, pl.nat...)
			mu.Lock()
			o.nat = &rep
			mu.Unlock()
		})
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	late := time.NewTimer(probeBudget + lateGrace)
	defer late.Stop()
	select {
	case <-done:
	case <-late.C:
	}
	mu.Lock()
	defer mu.Unlock()
	out := o.clone()
	if len(pl.nat) > 0 && out.nat == nil {
		out.nat = &stunprobe.NATReport{Mapping: stunprobe.MappingUnknown, First: stunprobe.Stopped,
			Reason: fmt.Sprintf("the NAT test did not finish within %s", probeBudget)}
	}
	out.took = now().Sub(start)
	return out
}

// clone copies o so that probes finishing late cannot change the copy.
func (o observations) clone() observations {
	c := observations{took: o.took}
	for _, a := range o.apps {
		c.apps = append(c.apps, appObs{udp: append([]stunprobe.Result(nil), a.udp...), fallback: append([]stunprobe.Result(nil), a.fallback...)})
	}
	c.stun = append([]stunprobe.Result(nil), o.stun...)
	for _, t := range o.turn {
		c.turn = append(c.turn, append([]stunprobe.TURNResult(nil), t...))
	}
	if o.nat != nil {
		n := *o.nat
		c.nat = &n
	}
	return c
}

// mappedOf is the public address the first answered UDP probe saw.
func mappedOf(rs ...[]stunprobe.Result) netip.AddrPort {
	for _, list := range rs {
		for _, r := range list {
			if r.Outcome == stunprobe.Answered && r.Mapped.IsValid() && r.Target.Transport == stunprobe.UDP {
				return r.Mapped
			}
		}
	}
	return netip.AddrPort{}
}
