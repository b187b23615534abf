package calls

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/stunprobe"
)

// fakeProber answers each probe from its tables, by the target's String()
// ("udp host:port"); a target it does not know is silent after the
// probe's deadline, as a network that drops everything.
type fakeProber struct {
	results map[string]stunprobe.Result
	turn    map[string]stunprobe.TURNResult
	nat     *stunprobe.NATReport
	// hang makes every probe wait for its context, as the real ones do
	// on a network that answers nothing; ignoreCtx makes them wait
	// longer than any deadline, as a buggy probe would.
	hang      bool
	ignoreCtx time.Duration

	mu    sync.Mutex
	calls []string
	creds []stunprobe.Credentials
}

func (f *fakeProber) record(kind string, t stunprobe.Target) {
	f.mu.Lock()
	f.calls = append(f.calls, kind+" "+t.String())
	f.mu.Unlock()
}

func (f *fakeProber) wait(ctx context.Context) {
	if f.ignoreCtx > 0 {
		time.Sleep(f.ignoreCtx)
		return
	}
	if f.hang {
		<-ctx.Done()
	}
}

func (f *fakeProber) result(ctx context.Context, kind string, t stunprobe.Target) stunprobe.Result {
	f.record(kind, t)
	f.wait(ctx)
	if r, ok := f.results[t.String()]; ok {
		r.Target = t
		return r
	}
	return stunprobe.Result{Target: t, Outcome: stunprobe.Silent, Took: 3 * time.Second, Reason: "no answer from " + t.String() + " within 3s"}
}

func (f *fakeProber) Binding(ctx context.Context, t stunprobe.Target) stunprobe.Result {
	return f.result(ctx, "binding", t)
}
func (f *fakeProber) Knock(ctx context.Context, t stunprobe.Target) stunprobe.Result {
	return f.result(ctx, "knock", t)
}
func (f *fakeProber) Connect(ctx context.Context, t stunprobe.Target) stunprobe.Result {
	return f.result(ctx, "connect", t)
}
func (f *fakeProber) NATMapping(ctx context.Context, servers ...stunprobe.Target) stunprobe.NATReport {
	f.record("nat", servers[0])
	f.wait(ctx)
	if f.nat != nil {
		return *f.nat
	}
	return stunprobe.NATReport{Mapping: stunprobe.MappingUnknown, First: stunprobe.Silent, Reason: "NAT not tested: no answer"}
}
func (f *fakeProber) Allocate(ctx context.Context, t stunprobe.Target, c stunprobe.Credentials) stunprobe.TURNResult {
	f.record("allocate", t)
	f.mu.Lock()
	f.creds = append(f.creds, c)
	f.mu.Unlock()
	f.wait(ctx)
	if r, ok := f.turn[t.String()]; ok {
		r.Target = t
		return r
	}
	return stunprobe.TURNResult{Target: t, Outcome: stunprobe.TURNTimeout, Path: stunprobe.Silent, Reason: "no answer over " + string(t.Transport)}
}

func (f *fakeProber) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// ok is an answered probe.
func ok(rtt time.Duration) stunprobe.Result {
	return stunprobe.Result{Outcome: stunprobe.Answered, RTT: rtt, Connect: rtt, Took: rtt, Reason: "answered in " + rtt.String()}
}

func okMapped(rtt time.Duration, mapped string) stunprobe.Result {
	r := ok(rtt)
	r.Mapped = netip.MustParseAddrPort(mapped)
	return r
}

func fail(o stunprobe.Outcome, reason string) stunprobe.Result {
	return stunprobe.Result{Outcome: o, Took: 3 * time.Second, Reason: reason}
}

// env is a run's Env with the profile; it has a ListenPacket (never
// called by the fake) so that the NAT test is planned.
func env(p *profile.Profile) *checks.Env {
	if p == nil {
		p = profile.Default()
	}
	return &checks.Env{Profile: p, Now: time.Now,
		ListenPacket: func(context.Context, string, string) (net.PacketConn, error) {
			panic("the fake prober opens no socket")
		}}
}

func runWith(f *fakeProber, p *profile.Profile) checks.Result {
	c := &check{newProber: func(*checks.Env) prober { return f }}
	return c.Run(context.Background(), env(p))
}
