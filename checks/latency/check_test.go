package latency

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/icmpprobe"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/internal/rttstats"
	"github.com/wfh-cli/wfh/report"
)

// fakeClock is hop discovery's clock in these tests: fakeConn moves it,
// so a discovery that waits 0.7 s takes no time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(to time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if to.After(c.t) {
		c.t = to
	}
}

// fakeNet answers pings from a table: each address's round trip and which
// probes are lost. Hops answer TTL-limited probes from hops[ttl], after
// hopDelay[ttl] (5 ms when unset), except the first lose[ttl] tries;
// sendErr[ttl] fails the send.
type fakeNet struct {
	mode     icmpprobe.Mode
	modeErr  error
	pingErr  error
	rtt      map[netip.Addr]time.Duration
	lossy    map[netip.Addr]func(i int) bool
	late     map[netip.Addr]int
	hops     map[int]netip.Addr
	hopDelay map[int]time.Duration
	lose     map[int]int
	sendErr  map[int]error
	openErr  error
	mtu      int
	clk      *fakeClock
	// pmtuDone is closed when the path-MTU search closes its socket: the
	// fake echo session, which takes no time, ends no earlier, as a real
	// one (2 s) never does.
	pmtuDone chan struct{}
	pmtuOnce sync.Once

	mu     sync.Mutex
	phases map[netip.Addr]time.Duration // as added to the echo session
}

func (f *fakeNet) icmpMode(bool) (icmpprobe.Mode, error) { return f.mode, f.modeErr }

func (f *fakeNet) echoes(_ context.Context, _ icmpprobe.Mode, o icmpprobe.EchoOptions) echoSession {
	return &fakeSession{f: f, o: o}
}

type fakeSession struct {
	f     *fakeNet
	o     icmpprobe.EchoOptions
	mu    sync.Mutex
	added []netip.Addr
}

func (s *fakeSession) Add(dst netip.Addr, phase time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.added = append(s.added, dst)
	s.f.mu.Lock()
	if s.f.phases == nil {
		s.f.phases = map[netip.Addr]time.Duration{}
	}
	s.f.phases[dst] = phase
	s.f.mu.Unlock()
}

func (s *fakeSession) Close() {}

func (s *fakeSession) Results() []icmpprobe.EchoResult {
	if s.f.pmtuDone != nil {
		select {
		case <-s.f.pmtuDone:
		case <-time.After(5 * time.Second):
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []icmpprobe.EchoResult
	for _, addr := range s.added {
		r := icmpprobe.EchoResult{Dst: addr, Err: s.f.pingErr, Late: s.f.late[addr]}
		if r.Err == nil {
			r.RTT = make([]time.Duration, s.o.Count)
			for i := range r.RTT {
				d, ok := s.f.rtt[addr]
				if !ok || s.f.lossy[addr] != nil && s.f.lossy[addr](i) {
					d = rttstats.Lost
				}
				r.RTT[i] = d
			}
		}
		out = append(out, r)
	}
	return out
}

func (f *fakeNet) openICMP(icmpprobe.Mode, bool) (icmpConn, error) {
	if f.openErr != nil {
		return nil, f.openErr
	}
	return &fakeConn{f: f}, nil
}

type arrival struct {
	at time.Time
	ev icmpprobe.Event
}

// fakeConn is one socket on fakeNet: TTL-limited echoes (hop discovery)
// and don't-fragment probes (path MTU).
type fakeConn struct {
	f     *fakeNet
	queue []arrival
	pmtu  bool
}

func (c *fakeConn) Close() error {
	if c.pmtu && c.f.pmtuDone != nil {
		c.f.pmtuOnce.Do(func() { close(c.f.pmtuDone) })
	}
	return nil
}

func (c *fakeConn) Probe(_ context.Context, p icmpprobe.Probe) (icmpprobe.Reply, error) {
	c.pmtu = true
	if p.DontFragment {
		if p.Size > c.f.mtu {
			return icmpprobe.Reply{Kind: icmpprobe.TooBig, MTU: c.f.mtu}, nil
		}
		return icmpprobe.Reply{Kind: icmpprobe.EchoReply, From: p.Dst}, nil
	}
	return icmpprobe.Reply{Kind: icmpprobe.Silent}, nil
}

func (c *fakeConn) SendEcho(dst netip.Addr, seq uint16, ttl int, _ []byte) (time.Time, error) {
	f := c.f
	now := f.clk.now()
	if err := f.sendErr[ttl]; err != nil {
		return now, err
	}
	f.mu.Lock()
	lose := f.lose[ttl] > 0
	if lose {
		f.lose[ttl]--
	}
	f.mu.Unlock()
	h, ok := f.hops[ttl]
	if !ok || lose {
		return now, nil
	}
	ev := icmpprobe.Event{Kind: icmpprobe.TimeExceeded, From: h, Dst: dst, Seq: seq}
	if h == dst {
		ev = icmpprobe.Event{Kind: icmpprobe.EchoReply, From: h, Seq: seq}
	}
	delay := 5 * time.Millisecond
	if d, ok := f.hopDelay[ttl]; ok {
		delay = d
	}
	c.queue = append(c.queue, arrival{now.Add(delay), ev})
	sort.SliceStable(c.queue, func(i, j int) bool { return c.queue[i].at.Before(c.queue[j].at) })
	return now, nil
}

func (c *fakeConn) ReadEvents(deadline time.Time, buf []icmpprobe.Event) ([]icmpprobe.Event, error) {
	if len(c.queue) > 0 && !c.queue[0].at.After(deadline) {
		c.f.clk.advance(c.queue[0].at)
	} else {
		c.f.clk.advance(deadline)
	}
	now := c.f.clk.now()
	for len(c.queue) > 0 && !c.queue[0].at.After(now) {
		buf = append(buf, c.queue[0].ev)
		c.queue = c.queue[1:]
	}
	return buf, nil
}

var (
	gw      = netip.MustParseAddr("192.168.1.1")
	ispHop  = netip.MustParseAddr("100.64.0.1")
	dnsAddr = netip.MustParseAddr("192.168.1.1")
	anc1    = netip.MustParseAddr("1.1.1.1")
	anc2    = netip.MustParseAddr("8.8.8.8")
	anc3    = netip.MustParseAddr("9.9.9.9")
)

func healthyNet() *fakeNet {
	return &fakeNet{
		clk:      &fakeClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		mode:     icmpprobe.Unprivileged,
		rtt:      map[netip.Addr]time.Duration{gw: ms(2), ispHop: ms(8), anc1: ms(12), anc2: ms(14), anc3: ms(13)},
		hops:     map[int]netip.Addr{2: ispHop, 3: netip.MustParseAddr("100.64.1.1")},
		mtu:      1500,
		pmtuDone: make(chan struct{}),
	}
}

func fakeEnv(p *profile.Profile) *checks.Env {
	if p == nil {
		p = profile.Default()
	}
	return &checks.Env{
		Now:     time.Now,
		OS:      "linux",
		Net:     netstate.FromSnapshot(homeSnapshot(wifiPath)),
		Profile: p,
	}
}

// wifiPath and wiredPath are a home's default path through its router.
var (
	wifiPath  = netstate.Path{Interface: "wlan0", Kind: netstate.KindWiFi, Gateway: gw, Family: "ipv4", Link: "wlan0", LinkKind: netstate.KindWiFi, Router: gw, FromKernel: true}
	wiredPath = netstate.Path{Interface: "eth0", Kind: netstate.KindWired, Gateway: gw, Family: "ipv4", Link: "eth0", LinkKind: netstate.KindWired, Router: gw, FromKernel: true}
	// vpnPath: a full-tunnel VPN on wg0 over the home's Wi-Fi.
	vpnPath = netstate.Path{Interface: "wg0", Kind: netstate.KindTunnel, Family: "ipv4", Link: "wlan0", LinkKind: netstate.KindWiFi, Router: gw, FromKernel: true}
)

// homeSnapshot is a home network: path through the router, and
// systemd-resolved's stub forwarding to the router.
func homeSnapshot(path netstate.Path) netstate.Snapshot {
	return netstate.Snapshot{Path: path, DNS: netstate.DNSConfig{Servers: []netstate.DNSServer{
		{Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.53"), 53), Stub: true},
		{Addr: netip.AddrPortFrom(dnsAddr, 53)},
	}}}
}

// newFakeCheck runs on n; TCP connects (through a fake dialer) go out
// 1 ms apart, so the tests of the fallback take no time.
func newFakeCheck(n *fakeNet) *check {
	c := New().(*check)
	c.net, c.now, c.interval = n, n.clk.now, time.Millisecond
	return c
}

func runCheck(t *testing.T, c *check, env *checks.Env) report.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), c.Budget())
	defer cancel()
	res := c.Run(ctx, env)
	reportschema.CheckResults(t, c.ID(), c.Title(), []report.Result{res})
	return res
}

func TestRunHealthy(t *testing.T) {
	res := runCheck(t, newFakeCheck(healthyNet()), fakeEnv(nil))
	if res.Status != report.Pass || res.Facts["call_quality"] != qualityGood || res.Facts["method"] != "icmp" {
		t.Fatalf("%s %s %v %+v", res.Status, res.Summary, res.Facts, res.Findings)
	}
	var roles []string
	for _, it := range res.Items {
		roles = append(roles, it.Kind+" "+it.Attributes["address"])
	}
	want := "gateway 192.168.1.1,first_hop 100.64.0.1,resolver 192.168.1.1,anchor 1.1.1.1,anchor 8.8.8.8,anchor 9.9.9.9"
	if strings.Join(roles, ",") != want {
		t.Errorf("ladder %v, want %s", roles, want)
	}
	if got, _ := res.Metric("rtt_ms"); got.Value == nil || *got.Value != 13 {
		t.Errorf("internet RTT %+v", got)
	}
	if got, _ := res.Metric("path_mtu_bytes"); got.Value == nil || *got.Value != 1500 {
		t.Errorf("path MTU %+v", got)
	}
	if !strings.HasPrefix(res.Summary, "Voice and video calls: good") {
		t.Errorf("summary %q", res.Summary)
	}
}

func TestRunPoorCall(t *testing.T) {
	n := healthyNet()
	for _, a := range []netip.Addr{anc1, anc2, anc3} {
		n.rtt[a] = ms(300)
		n.lossy = map[netip.Addr]func(int) bool{anc1: func(i int) bool { return i%20 == 0 }, anc2: func(i int) bool { return i%20 == 1 }, anc3: func(i int) bool { return i%20 == 2 }}
	}
	res := runCheck(t, newFakeCheck(n), fakeEnv(nil))
	if res.Status != report.Fail || res.Facts["call_quality"] != qualityPoor {
		t.Errorf("300 ms / 5 %%: %s, calls %s", res.Status, res.Facts["call_quality"])
	}
	r, _ := res.Metric("r_factor")
	if r.Value == nil || *r.Value < 70 || *r.Value > 80 {
		t.Errorf("R %+v: the E-model alone rates it fair; the fail levels make it poor", r)
	}
}

func TestRunTCPFallback(t *testing.T) {
	n := healthyNet()
	n.modeErr = errors.New("raw ICMP socket: ICMP sockets are not permitted for this user (operation not permitted)")
	env := fakeEnv(nil)
	env.Dialer = refusingDialer()
	res := runCheck(t, newFakeCheck(n), env)
	if res.Facts["method"] != "tcp" {
		t.Fatalf("method %q", res.Facts["method"])
	}
	if m, _ := res.Metric("path_mtu_bytes"); m.Value != nil {
		t.Errorf("path MTU %v in TCP mode", *m.Value)
	}
	for _, it := range res.Items {
		if it.Kind == string(roleFirstHop) {
			t.Errorf("first hop found without ICMP: %+v", it)
		}
		if it.Attributes["port"] == "" {
			t.Errorf("%s: no port", it.Label)
		}
	}
	text := strings.ToLower(res.Summary)
	for _, f := range res.Findings {
		text += f.Message
	}
	if strings.Contains(text, "not permitted (") || strings.Contains(text, "operation not permitted") {
		t.Errorf("a raw error reaches the report: %s", text)
	}
}

// refusingDialer answers every connect with a reset after 1 ms, like a
// host with the port closed.
func refusingDialer() *checkstest.Dialer {
	return &checkstest.Dialer{Default: &checkstest.Route{RTT: time.Millisecond, Refused: true}}
}

func TestRunPingRefusedFallsBackToTCP(t *testing.T) {
	n := healthyNet()
	n.pingErr = errors.New("listen ip4:icmp 0.0.0.0: socket: operation not permitted")
	env := fakeEnv(nil)
	env.Dialer = refusingDialer()
	res := runCheck(t, newFakeCheck(n), env)
	if res.Facts["method"] != "tcp" || res.Status != report.Pass {
		t.Errorf("method %q status %s: %s", res.Facts["method"], res.Status, res.Summary)
	}
}

func TestRunNoAnchorAnswers(t *testing.T) {
	n := healthyNet()
	delete(n.rtt, anc1)
	delete(n.rtt, anc2)
	delete(n.rtt, anc3)
	res := runCheck(t, newFakeCheck(n), fakeEnv(nil))
	if res.Status != report.Warn || res.Facts["call_quality"] != "not_measured" {
		t.Errorf("%s %v", res.Status, res.Facts)
	}
	if m, _ := res.Metric("rtt_ms"); m.Value != nil || m.Note == "" {
		t.Errorf("rtt %+v", m)
	}
}

func TestRunProfileTargets(t *testing.T) {
	p := profile.Default()
	p.Latency = profile.Latency{Anchors: []string{"8.8.8.8"}, Gateway: "off", Resolver: "off", FirstHop: "100.64.0.1"}
	n := healthyNet()
	n.pmtuDone = nil // nothing to trace toward: no path-MTU search
	res := runCheck(t, newFakeCheck(n), fakeEnv(p))
	var kinds []string
	for _, it := range res.Items {
		kinds = append(kinds, it.Kind)
	}
	if strings.Join(kinds, ",") != "first_hop,anchor" {
		t.Errorf("items %v", kinds)
	}
	// network.anchors' hosts are the anchors when latency names none.
	p = profile.Default()
	p.Network.Anchors = []string{"https://9.9.9.9:8443/"}
	res = runCheck(t, newFakeCheck(healthyNet()), fakeEnv(p))
	last := res.Items[len(res.Items)-1]
	if last.Attributes["address"] != "9.9.9.9" || last.Attributes["source"] != "profile" {
		t.Errorf("anchor from network.anchors: %+v", last)
	}
}

func TestLimitsOf(t *testing.T) {
	p := profile.Default()
	p.Latency.RTTWarnMS = 400
	p.Latency.LossFailPercent = 10
	l := limitsOf(p)
	if l.rttWarn != 400 || l.rttFail != 400 || l.lossFail != 10 || l.lossWarn != 1 {
		t.Errorf("%+v", l)
	}
	if limitsOf(nil) != defaultLimits {
		t.Error("nil profile")
	}
}

func TestResolverRungFromTheDNSSettings(t *testing.T) {
	stub := netstate.DNSServer{Addr: netip.MustParseAddrPort("127.0.0.53:53"), Stub: true}
	for _, tc := range []struct {
		servers []netstate.DNSServer
		want    string
	}{
		{[]netstate.DNSServer{stub, {Addr: netip.MustParseAddrPort("10.1.1.2:53")}}, "10.1.1.2"},
		// Only the local stub, nothing known behind it: no rung.
		{[]netstate.DNSServer{stub}, ""},
		// A per-domain (VPN) server is not the one every name goes to.
		{[]netstate.DNSServer{{Addr: netip.MustParseAddrPort("10.8.0.53:53"), Domains: []string{"corp.example"}}, {Addr: netip.MustParseAddrPort("192.168.1.1:53")}}, "192.168.1.1"},
	} {
		env := &checks.Env{Net: netstate.FromSnapshot(netstate.Snapshot{Path: wifiPath, DNS: netstate.DNSConfig{Servers: tc.servers}}), Profile: profile.Default()}
		targets, _ := newFakeCheck(healthyNet()).plan(t.Context(), env)
		got := ""
		for _, tg := range targets {
			if tg.Role == roleResolver {
				got = tg.Addr.String()
			}
		}
		if got != tc.want {
			t.Errorf("%v: resolver %q, want %q", tc.servers, got, tc.want)
		}
	}
}

// TestAdviceFitsTheConnection: a cable is suggested only on Wi-Fi, and the
// figures say when a full-tunnel VPN carried them.
func TestAdviceFitsTheConnection(t *testing.T) {
	lossAtHome := func() *fakeNet {
		n := healthyNet()
		every4 := func(i int) bool { return i%4 == 0 }
		n.lossy = map[netip.Addr]func(int) bool{gw: every4, ispHop: every4, anc1: every4, anc2: every4, anc3: every4}
		return n
	}
	for _, tc := range []struct {
		name   string
		path   netstate.Path
		want   []string
		unwant []string
	}{
		{"wired", wiredPath, []string{"Try another network cable"}, []string{"Wi-Fi", "use a cable", "closer"}},
		{"wifi", wifiPath, []string{"Wi-Fi", "use a cable"}, []string{"Try another"}},
		{"unknown", netstate.Path{Interface: "x0", Router: gw}, []string{"Restart your router"}, []string{"Wi-Fi", "cable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := fakeEnv(nil)
			env.Net = netstate.FromSnapshot(homeSnapshot(tc.path))
			res := runCheck(t, newFakeCheck(lossAtHome()), env)
			text := res.Summary
			for _, f := range res.Findings {
				text += " " + f.Message + " " + f.Fix
			}
			if res.Facts["loss_location"] != locHome {
				t.Fatalf("loss located %q: %s", res.Facts["loss_location"], text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("no %q in %s", w, text)
				}
			}
			for _, w := range tc.unwant {
				if strings.Contains(text, w) {
					t.Errorf("%q in %s", w, text)
				}
			}
		})
	}
	env := fakeEnv(nil)
	env.Net = netstate.FromSnapshot(homeSnapshot(vpnPath))
	res := runCheck(t, newFakeCheck(healthyNet()), env)
	note := false
	for _, f := range res.Findings {
		note = note || strings.Contains(f.Message, "Measured through the VPN tunnel wg0")
	}
	if !note {
		t.Errorf("no tunnel note: %+v", res.Findings)
	}
	if gwItem := res.Items[0]; gwItem.Kind != string(roleGateway) || gwItem.Attributes["address"] != gw.String() {
		t.Errorf("the ladder starts at the home router beneath the tunnel: %+v", gwItem)
	}
}

func TestDiscoverHop(t *testing.T) {
	dst := netip.MustParseAddr("203.0.113.9")
	other := netip.MustParseAddr("100.64.1.1")
	noRoute := fmt.Errorf("send to %v: %w", dst, syscall.ENETUNREACH)
	for _, tc := range []struct {
		name     string
		hops     map[int]netip.Addr
		delay    map[int]time.Duration
		lose     map[int]int
		sendErr  map[int]error
		openErr  error
		wantHop  netip.Addr
		wantTTL  int
		wantNote string
		// within: the answer is final before hopTimeout, this long after
		// the start; 0 means it takes the whole hopTimeout.
		within time.Duration
	}{
		{"found at once", map[int]netip.Addr{2: ispHop, 3: other, 4: dst}, nil, nil, nil, nil, ispHop, 2, "", 5 * time.Millisecond},
		{"answer lost twice, found on the third try", map[int]netip.Addr{2: ispHop, 3: dst}, nil, map[int]int{2: 2}, nil, nil, ispHop, 2, "", 2*hopRetry + 5*time.Millisecond},
		{"a slow answer counts, whichever try it answers", map[int]netip.Addr{2: ispHop}, map[int]time.Duration{2: 450 * time.Millisecond}, nil, nil, nil, ispHop, 2, "", 450 * time.Millisecond},
		{"nearer TTL silent: the next router, at the end", map[int]netip.Addr{3: other, 4: dst}, nil, nil, nil, nil, other, 3, "", 0},
		{"the gateway twice: the router after it", map[int]netip.Addr{2: gw, 3: ispHop}, nil, nil, nil, nil, ispHop, 3, "", 5 * time.Millisecond},
		{"always silent below the destination", map[int]netip.Addr{3: dst}, nil, nil, nil, nil, netip.Addr{}, 0, "no router past yours answered", 0},
		{"nothing answers", nil, nil, nil, nil, nil, netip.Addr{}, 0, "no router past yours answered", 0},
		{"destination right past the gateway", map[int]netip.Addr{2: dst}, nil, nil, nil, nil, netip.Addr{}, 0, "there is no router between", 5 * time.Millisecond},
		{"no route", nil, nil, nil, map[int]error{2: noRoute, 3: noRoute, 4: noRoute}, nil, netip.Addr{}, 0, hopNoRoute, time.Nanosecond},
		{"a send fails: as silent", map[int]netip.Addr{3: ispHop}, nil, nil, map[int]error{2: errors.New("send: invalid argument")}, nil, ispHop, 3, "", 5 * time.Millisecond},
		{"not supported here", nil, nil, nil, nil, icmpprobe.ErrUnsupported, netip.Addr{}, 0, hopUnsupported, time.Nanosecond},
		{"no socket", nil, nil, nil, nil, errors.New("socket: too many open files"), netip.Addr{}, 0, hopSilent, time.Nanosecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fn := healthyNet()
			fn.hops, fn.hopDelay, fn.lose, fn.sendErr, fn.openErr = tc.hops, tc.delay, tc.lose, tc.sendErr, tc.openErr
			c := newFakeCheck(fn)
			start := fn.clk.now()
			hop, ttl, note := c.discoverHop(context.Background(), icmpprobe.Unprivileged, dst, gw)
			if hop != tc.wantHop || ttl != tc.wantTTL || !strings.Contains(note, tc.wantNote) || tc.wantNote == "" && note != "" {
				t.Errorf("got %v TTL %d %q, want %v TTL %d %q", hop, ttl, note, tc.wantHop, tc.wantTTL, tc.wantNote)
			}
			took := fn.clk.now().Sub(start)
			switch {
			case tc.within == 0 && took != hopTimeout:
				t.Errorf("took %v, want the whole %v", took, hopTimeout)
			case tc.within > 0 && took > tc.within:
				t.Errorf("took %v, want it decided within %v", took, tc.within)
			}
		})
	}
}

// TestProfileTemplateDefaults: the anchors `wfh profile init` writes are
// the ones this check pings.
func TestProfileTemplateDefaults(t *testing.T) {
	if got := checkstest.ProfileDefault(t, "latency.anchors"); !slices.Equal(got, defaultAnchors) {
		t.Errorf("latency.anchors: the template says %q, the check uses %q", got, defaultAnchors)
	}
}

// TestProbePhases: every address gets its own phase within the 20 ms
// interval, the first hop's included, and an address shared by two rungs
// (router and DNS server) is probed once.
func TestProbePhases(t *testing.T) {
	n := healthyNet()
	c := newFakeCheck(n)
	c.interval = 0
	res := runCheck(t, c, fakeEnv(nil))
	if res.Status != report.Pass {
		t.Fatalf("%s: %s", res.Status, res.Summary)
	}
	seen := map[time.Duration]bool{}
	for a, p := range n.phases {
		if p < 0 || p >= echoInterval || seen[p] {
			t.Errorf("%v at phase %v (phases %v)", a, p, n.phases)
		}
		seen[p] = true
	}
	if len(n.phases) != 5 {
		t.Errorf("%d addresses probed, want 5: %v", len(n.phases), n.phases)
	}
	it := res.Items[0]
	for name, want := range map[string]float64{"probe_rate": 50, "probe_bytes": 200, "sent": echoCount, "late": 0} {
		if got := itemMetric(it, name); got == nil || *got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

func itemMetric(it report.Item, name string) *float64 {
	for _, m := range it.Metrics {
		if m.Name == name {
			return m.Value
		}
	}
	return nil
}

// TestRunLimitingRouter: a router that answers a quarter of the pings at
// call pace, with nothing lost behind it, limits; it is not loss. With
// loss behind it, the verdict cannot tell home from provider and says so.
func TestRunLimitingRouter(t *testing.T) {
	limited := func(i int) bool { return i%4 != 0 }
	n := healthyNet()
	n.lossy = map[netip.Addr]func(int) bool{gw: limited}
	res := runCheck(t, newFakeCheck(n), fakeEnv(nil))
	if res.Status != report.Pass || res.Facts["loss_location"] != locNone || res.Facts[report.KeyProblemsStart] != "" {
		t.Errorf("%s, loss location %q, problems start %q: %+v", res.Status, res.Facts["loss_location"], res.Facts[report.KeyProblemsStart], res.Findings)
	}
	// The router is also the DNS server here: both rows say it limits.
	for _, it := range res.Items[:3] {
		if it.Attributes["address"] == gw.String() && (it.Status != report.Pass || !strings.Contains(it.Summary, "answers only some pings itself")) {
			t.Errorf("%s: %s %q", it.Label, it.Status, it.Summary)
		}
	}
	note := false
	for _, f := range res.Findings {
		note = note || strings.Contains(f.Message, "Your router answers only some pings (75 % unanswered)")
	}
	if !note {
		t.Errorf("no note on the limiting router: %+v", res.Findings)
	}

	// And 10 % of the round trips lost from the provider hop on.
	n = healthyNet()
	lossy := func(i int) bool { return i%10 == 3 }
	n.lossy = map[netip.Addr]func(int) bool{gw: limited, ispHop: lossy, anc1: lossy, anc2: lossy, anc3: lossy}
	res = runCheck(t, newFakeCheck(n), fakeEnv(nil))
	if res.Facts["loss_location"] != locHomeOrProvider || res.Status != report.Fail {
		t.Errorf("%s, loss location %q: %+v", res.Status, res.Facts["loss_location"], res.Findings)
	}
	if got := res.Facts[report.KeyProblemsStart]; got != "at home or in your provider's network" {
		t.Errorf("problems start %q", got)
	}
}
