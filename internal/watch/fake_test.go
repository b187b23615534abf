package watch

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// fakeClock is a clock pair the test moves: SleepUntil advances both
// clocks at once, except across a suspend, where the wall clock jumps and
// the monotonic clock does not (Linux, macOS), or both jump (a system
// whose monotonic clock counts suspend).
type fakeClock struct {
	mu       sync.Mutex
	mono     time.Duration
	wall     time.Time
	suspends []suspend
}

type suspend struct {
	at        time.Duration // monotonic time it happens
	length    time.Duration
	monoCount bool // the monotonic clock counts it too
	done      bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{wall: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() Instant {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Instant{Wall: c.wall, Mono: c.mono}
}

func (c *fakeClock) SleepUntil(ctx context.Context, m time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.suspends {
		s := &c.suspends[i]
		if s.done || s.at > m || s.at < c.mono {
			continue
		}
		c.wall = c.wall.Add(s.at - c.mono)
		c.mono = s.at
		c.wall = c.wall.Add(s.length)
		if s.monoCount {
			c.mono += s.length
		}
		s.done = true
	}
	if m > c.mono {
		c.wall = c.wall.Add(m - c.mono)
		c.mono = m
	}
	return nil
}

// world is a scripted network: each probe's outcome is a function of its
// send time and its rung.
type world struct {
	mu     sync.Mutex
	rng    *rand.Rand
	rungs  []Rung
	probe  func(w *world, at time.Duration, r Rung) Result
	state  func(at time.Duration) State
	clock  *fakeClock
	probes int
}

var (
	wGateway = netip.MustParseAddr("192.168.1.1")
	wHop     = netip.MustParseAddr("100.64.0.1")
	wAnchor1 = netip.MustParseAddr("1.1.1.1")
	wAnchor2 = netip.MustParseAddr("8.8.8.8")
	wVPN     = netip.MustParseAddr("10.201.0.2")
)

func defaultRungs(vpn bool) []Rung {
	rs := []Rung{
		{Role: RoleGateway, Label: "router", Addr: wGateway, Level: LevelHome},
		{Role: RoleFirstHop, Label: "provider's router", Addr: wHop, Level: LevelProvider},
		{Role: RoleAnchor, Label: "internet 1.1.1.1", Addr: wAnchor1, Level: LevelBeyond},
		{Role: RoleAnchor, Label: "internet 8.8.8.8", Addr: wAnchor2, Level: LevelBeyond},
		{Role: RoleDNSLookup, Label: "DNS lookup", Addr: wGateway, Port: 53, Name: "www.example.com", Level: LevelHome},
	}
	if vpn {
		rs = append(rs, Rung{Role: RoleVPN, Label: "VPN 10.201.0.2", Addr: wVPN, Level: LevelBeyond})
	}
	return rs
}

func newWorld(seed uint64, vpn bool) *world {
	return &world{rng: rand.New(rand.NewPCG(seed, seed+1)), rungs: defaultRungs(vpn), clock: newFakeClock()}
}

func (w *world) Method() Method { return MethodICMP }
func (w *world) Cost(r Rung) int {
	if r.Role == RoleDNSLookup {
		return 136
	}
	return 56
}

func (w *world) Probe(ctx context.Context, r Rung, _ time.Duration) Result {
	at, _ := SendTime(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.probes++
	if w.probe == nil {
		return Result{Outcome: Answered, RTT: baseRTT(r), Bytes: w.Cost(r)}
	}
	return w.probe(w, at, r)
}

func (w *world) chance(p float64) bool { return w.rng.Float64() < p }

// baseRTT is the quiet line: 2 ms to the router, 10 to the provider, 20
// to the internet, 30 to the company.
func baseRTT(r Rung) time.Duration {
	switch r.Role {
	case RoleGateway, RoleDNSServer:
		return 2 * time.Millisecond
	case RoleDNSLookup:
		return 3 * time.Millisecond
	case RoleFirstHop:
		return 10 * time.Millisecond
	case RoleVPN:
		return 30 * time.Millisecond
	}
	return 20 * time.Millisecond
}

func (w *world) Read(_ context.Context) (State, error) {
	at := w.clock.Now().Mono
	if w.state != nil {
		return w.state(at), nil
	}
	return homeState(), nil
}

func homeState() State {
	return State{HasDefault: true, Interface: "wlan0", Kind: "wifi", Gateway: wGateway, DNSServers: []netip.Addr{wGateway},
		WiFi: &WiFiLink{BSSID: "aa:bb:cc:dd:ee:01", SignalDBm: -52, HasSignal: true, Channel: 36, Band: "5 GHz", FreqMHz: 5180}}
}

func (w *world) Plan(_ context.Context, s State) (LadderPlan, error) {
	return LadderPlan{Rungs: w.rungs}, nil
}

// sink collects what the engine hands out.
type sink struct {
	mu      sync.Mutex
	events  []report.WatchEvent
	updates int
	fail    error
}

func (s *sink) Event(ev report.WatchEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, ev)
	return s.fail
}

func (s *sink) Update(Status) {
	s.mu.Lock()
	s.updates++
	s.mu.Unlock()
}

func (w *world) config(d time.Duration, out *sink) Config {
	return Config{Every: time.Second, For: d, Budget: DefaultBudgetOf(d), Echo: w, DNS: w, State: w, Ladder: w, Clock: w.clock, Sink: out}
}

// between reports whether at lies in [from, to) seconds after the start.
func between(at time.Duration, from, to float64) bool {
	return at >= time.Duration(from*float64(time.Second)) && at < time.Duration(to*float64(time.Second))
}
