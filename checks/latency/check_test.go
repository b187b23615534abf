package latency

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
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

// fakeNet answers pings from a table: each address's round trip and which
// probes are lost. Hops answer TTL-limited probes from hops[ttl].
type fakeNet struct {
	mode    icmpprobe.Mode
	modeErr error
	pingErr error
	rtt     map[netip.Addr]time.Duration
	lossy   map[netip.Addr]func(i int) bool
	hops    map[int]netip.Addr
	mtu     int
}

func (f *fakeNet) icmpMode(bool) (icmpprobe.Mode, error) { return f.mode, f.modeErr }

func (f *fakeNet) ping(_ context.Context, addr netip.Addr, _ icmpprobe.Mode, s schedule) (series, error) {
	if f.pingErr != nil {
		return series{}, f.pingErr
	}
	out := series{rtt: make([]time.Duration, s.count)}
	for i := range out.rtt {
		r, ok := f.rtt[addr]
		if !ok || f.lossy[addr] != nil && f.lossy[addr](i) {
			r = rttstats.Lost
		}
		out.rtt[i] = r
	}
	return out, nil
}

func (f *fakeNet) openICMP(icmpprobe.Mode, bool) (icmpConn, error) { return fakeConn{f}, nil }

type fakeConn struct{ f *fakeNet }

func (c fakeConn) Close() error { return nil }

func (c fakeConn) Probe(_ context.Context, p icmpprobe.Probe) (icmpprobe.Reply, error) {
	if p.DontFragment {
		if p.Size > c.f.mtu {
			return icmpprobe.Reply{Kind: icmpprobe.TooBig, MTU: c.f.mtu}, nil
		}
		return icmpprobe.Reply{Kind: icmpprobe.EchoReply, From: p.Dst}, nil
	}
	if h, ok := c.f.hops[p.TTL]; ok {
		if h == p.Dst {
			return icmpprobe.Reply{Kind: icmpprobe.EchoReply, From: h}, nil
		}
		return icmpprobe.Reply{Kind: icmpprobe.TimeExceeded, From: h}, nil
	}
	return icmpprobe.Reply{Kind: icmpprobe.Silent}, nil
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
		mode: icmpprobe.Unprivileged,
		rtt:  map[netip.Addr]time.Duration{gw: ms(2), ispHop: ms(8), anc1: ms(12), anc2: ms(14), anc3: ms(13)},
		hops: map[int]netip.Addr{2: ispHop, 3: netip.MustParseAddr("100.64.1.1")},
		mtu:  1500,
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

func newFakeCheck(n probeNet) *check {
	c := New().(*check)
	c.net, c.count, c.interval = n, 40, time.Millisecond
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
	res := runCheck(t, newFakeCheck(healthyNet()), fakeEnv(p))
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

// flakyConn loses the first answer of each TTL listed in lose, as a lossy
// link does.
type flakyConn struct {
	fakeConn
	mu   *sync.Mutex
	lose map[int]int // TTL → answers still to lose
}

func (c flakyConn) Probe(ctx context.Context, p icmpprobe.Probe) (icmpprobe.Reply, error) {
	c.mu.Lock()
	if c.lose[p.TTL] > 0 {
		c.lose[p.TTL]--
		c.mu.Unlock()
		return icmpprobe.Reply{Kind: icmpprobe.Silent}, nil
	}
	c.mu.Unlock()
	return c.fakeConn.Probe(ctx, p)
}

type flakyNet struct {
	*fakeNet
	conn flakyConn
}

func (f flakyNet) openICMP(icmpprobe.Mode, bool) (icmpConn, error) { return f.conn, nil }

func TestDiscoverHopRetriesLostAnswers(t *testing.T) {
	dst := netip.MustParseAddr("203.0.113.9")
	for _, tc := range []struct {
		name     string
		hops     map[int]netip.Addr
		lose     map[int]int
		wantHop  netip.Addr
		wantNote string
	}{
		{"answer lost twice, found on the third try", map[int]netip.Addr{2: ispHop, 3: dst}, map[int]int{2: 2}, ispHop, ""},
		{"always silent below the destination", map[int]netip.Addr{3: dst}, nil, netip.Addr{}, "no router past yours answered"},
		{"destination right past the gateway", map[int]netip.Addr{2: dst}, nil, netip.Addr{}, "there is no router between"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fn := healthyNet()
			fn.hops = tc.hops
			lose := map[int]int{}
			for k, v := range tc.lose {
				lose[k] = v
			}
			c := newFakeCheck(flakyNet{fn, flakyConn{fakeConn{fn}, &sync.Mutex{}, lose}})
			hop, _, note := c.discoverHop(context.Background(), icmpprobe.Unprivileged, dst, gw)
			if hop != tc.wantHop || !strings.Contains(note, tc.wantNote) {
				t.Errorf("got %v %q, want %v %q", hop, note, tc.wantHop, tc.wantNote)
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
