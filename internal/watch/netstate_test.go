package watch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/report"
)

// The machines of the adapter's tests, as netstate's snapshot of them.
var (
	nsRouter = netip.MustParseAddr("192.168.1.1")
	nsDNS2   = netip.MustParseAddr("10.0.0.53")
)

func nsIface(name string, kind netstate.Kind, up bool, addrs ...string) netstate.Interface {
	i := netstate.Interface{Name: name, Kind: kind, Up: up, Loopback: kind == netstate.KindLoopback}
	for _, a := range addrs {
		i.Addrs = append(i.Addrs, netip.MustParsePrefix(a))
	}
	return i
}

func nsDefault(dev, gw string, metric int) netstate.Route {
	r := netstate.Route{Dst: netip.MustParsePrefix("0.0.0.0/0"), Interface: dev, Metric: metric}
	if strings.Contains(gw, ":") {
		r.Dst = netip.MustParsePrefix("::/0")
	}
	if gw != "" {
		r.Gateway = netip.MustParseAddr(gw)
	}
	return r
}

func nsServer(addr string, domains ...string) netstate.DNSServer {
	return netstate.DNSServer{Addr: netip.AddrPortFrom(netip.MustParseAddr(addr), 53), Domains: domains,
		Stub: addr == "127.0.0.53", Source: netstate.DNSSourceResolvConf}
}

// home is a machine on one connection of the given kind, with the router
// as its DNS server (behind systemd-resolved's stub).
func home(dev string, kind netstate.Kind) netstate.Snapshot {
	return netstate.Snapshot{
		Interfaces: []netstate.Interface{
			nsIface("lo", netstate.KindLoopback, true, "127.0.0.1/8"),
			nsIface(dev, kind, true, "192.168.1.20/24", "fd00::20/64"),
		},
		Routes: netstate.Routes{
			V4: []netstate.Route{nsDefault(dev, "192.168.1.1", 100), {Dst: netip.MustParsePrefix("192.168.1.0/24"), Interface: dev}},
			V6: []netstate.Route{nsDefault(dev, "fe80::1", 100)},
		},
		Path: netstate.Path{Interface: dev, Kind: kind, Gateway: nsRouter, Family: "ipv4", Link: dev, LinkKind: kind,
			Router: nsRouter, Via4: dev, Via6: dev, FromKernel: true},
		DNS: netstate.DNSConfig{Servers: []netstate.DNSServer{nsServer("127.0.0.53"), nsServer("192.168.1.1")}},
	}
}

// fullTunnel is home on Wi-Fi with a WireGuard full tunnel up: the kernel
// sends internet traffic into wg0, whose own packets leave by wlan0; the
// VPN installs its DNS server and a per-domain one for the company.
func fullTunnel() netstate.Snapshot {
	s := home("wlan0", netstate.KindWiFi)
	s.Interfaces = append(s.Interfaces, nsIface("wg0", netstate.KindTunnel, true, "10.202.0.2/32"))
	s.Path = netstate.Path{Interface: "wg0", Kind: netstate.KindTunnel, Family: "ipv4", Link: "wlan0", LinkKind: netstate.KindWiFi,
		Router: nsRouter, Via4: "wg0", Via6: "wlan0", FromKernel: true}
	s.DNS = netstate.DNSConfig{Servers: []netstate.DNSServer{nsServer("10.0.0.53"), nsServer("10.201.0.53", "corp.example"), nsServer("192.168.1.1")}}
	return s
}

// fakeWiFi answers with a link for one interface and counts the reads.
type fakeWiFi struct {
	mu    sync.Mutex
	asked []string
	link  *WiFiLink
}

func (f *fakeWiFi) Link(_ context.Context, ifname string) *WiFiLink {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, ifname)
	if f.link == nil {
		return nil
	}
	l := *f.link
	return &l
}

func readState(t *testing.T, s *SystemState) State {
	t.Helper()
	st, err := s.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return st
}

func TestSystemStateWired(t *testing.T) {
	wifi := &fakeWiFi{link: &WiFiLink{BSSID: "aa:bb:cc:dd:ee:ff"}}
	s := &SystemState{Net: netstate.Fake(netstate.Snapshot{}, home("eth0", netstate.KindWired)), WiFi: wifi}
	st := readState(t, s)
	if !st.HasDefault || st.Interface != "eth0" || st.Kind != "wired" || st.Gateway != nsRouter || st.FullTunnel != "" {
		t.Errorf("path: %+v", st)
	}
	if len(st.Tunnels) != 0 {
		t.Errorf("tunnels %v", st.Tunnels)
	}
	want := []netip.Addr{netip.MustParseAddr("127.0.0.53"), nsRouter}
	if !slices.Equal(st.DNSServers, want) {
		t.Errorf("DNS servers %v, want %v", st.DNSServers, want)
	}
	if len(st.Prefixes) != 2 || dnsLevel(netip.MustParseAddr("192.168.1.5"), nsRouter, netip.Addr{}, st.Prefixes) != LevelHome {
		t.Errorf("home network %v", st.Prefixes)
	}
	if st.WiFi != nil || len(wifi.asked) != 0 {
		t.Errorf("a wired connection's Wi-Fi was read: %v %v", st.WiFi, wifi.asked)
	}
	if got := pathWords(st); got != "wired (eth0) via 192.168.1.1" {
		t.Errorf("words %q", got)
	}
}

func TestSystemStateWiFi(t *testing.T) {
	wifi := &fakeWiFi{link: &WiFiLink{BSSID: "aa:bb:cc:dd:ee:ff", Channel: 36, Band: "5 GHz", FreqMHz: 5180, SignalDBm: -60, HasSignal: true}}
	s := &SystemState{Net: netstate.Fake(netstate.Snapshot{}, home("wlan0", netstate.KindWiFi)), WiFi: wifi}
	st := readState(t, s)
	if st.Interface != "wlan0" || st.Kind != "wifi" || st.WiFi == nil || st.WiFi.BSSID != "aa:bb:cc:dd:ee:ff" {
		t.Errorf("%+v, Wi-Fi %+v", st, st.WiFi)
	}
	if !slices.Equal(wifi.asked, []string{"wlan0"}) {
		t.Errorf("Wi-Fi read for %v", wifi.asked)
	}
}

func TestSystemStateFullTunnel(t *testing.T) {
	wifi := &fakeWiFi{link: &WiFiLink{BSSID: "aa:bb:cc:dd:ee:ff"}}
	s := &SystemState{Net: netstate.Fake(netstate.Snapshot{}, fullTunnel()), WiFi: wifi}
	st := readState(t, s)
	// The ladder's router is the one beneath the tunnel, the connection
	// named is the Wi-Fi, and the tunnel is said.
	if !st.HasDefault || st.Interface != "wlan0" || st.Kind != "wifi" || st.Gateway != nsRouter || st.FullTunnel != "wg0" {
		t.Errorf("path: %+v", st)
	}
	if !slices.Equal(st.Tunnels, []string{"wg0"}) {
		t.Errorf("tunnels %v", st.Tunnels)
	}
	// The company's per-domain server is not the one every name goes to.
	if want := []netip.Addr{nsDNS2, nsRouter}; !slices.Equal(st.DNSServers, want) {
		t.Errorf("DNS servers %v, want %v", st.DNSServers, want)
	}
	if !slices.Equal(wifi.asked, []string{"wlan0"}) {
		t.Errorf("Wi-Fi read for %v", wifi.asked)
	}
	if got := pathWords(st); got != "Wi-Fi (wlan0) via 192.168.1.1, all traffic through the VPN (wg0)" {
		t.Errorf("words %q", got)
	}
	// No provider's router is looked for through the tunnel.
	l := &SystemLadder{Hops: hopsFunc(func() { t.Error("hops looked for through a full tunnel") })}
	plan, err := l.Plan(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Rungs[0].Role != RoleGateway || plan.Rungs[0].Addr != nsRouter || !slices.ContainsFunc(plan.Notes, func(n string) bool { return strings.Contains(n, "through the VPN (wg0)") }) {
		t.Errorf("plan %+v", plan)
	}

	// A tunnel without a connection found beneath it is the path itself.
	only := fullTunnel()
	only.Path.Link, only.Path.LinkKind, only.Path.Router = "", "", netip.Addr{}
	st = readState(t, &SystemState{Net: netstate.Fake(netstate.Snapshot{}, only)})
	if !st.HasDefault || st.Interface != "wg0" || st.Kind != "tunnel" || st.Gateway.IsValid() || st.FullTunnel != "wg0" {
		t.Errorf("tunnel alone: %+v", st)
	}
}

type hopsFunc func()

func (h hopsFunc) FirstHop(context.Context, netip.Addr, netip.Addr) (netip.Addr, string) {
	h()
	return netip.Addr{}, "none"
}

// The fault test's route deletion: the IPv4 default goes, the IPv6 one
// stays; then it comes back. In between the machine has no way to the
// (IPv4) internet.
func TestSystemStateRouteGone(t *testing.T) {
	gone := home("eth0", netstate.KindWired)
	gone.Routes.V4 = gone.Routes.V4[1:]
	gone.Path = netstate.Path{Interface: "eth0", Kind: netstate.KindWired, Family: "ipv6", Link: "eth0", LinkKind: netstate.KindWired,
		Gateway: netip.MustParseAddr("fe80::1"), Router: netip.MustParseAddr("fe80::1"), Via6: "eth0", FromKernel: true}
	s := &SystemState{Net: netstate.Fake(netstate.Snapshot{}, home("eth0", netstate.KindWired), gone, home("eth0", netstate.KindWired))}
	for i, want := range []bool{true, false, true} {
		st := readState(t, s)
		if st.HasDefault != want {
			t.Errorf("read %d: HasDefault %v, want %v (%+v)", i, st.HasDefault, want, st)
		}
		if !want && (st.Interface != "" || st.Gateway.IsValid()) {
			t.Errorf("read %d: a path without a route: %+v", i, st)
		}
	}

	// The kernel could not be asked (no socket): the table decides.
	table := home("eth0", netstate.KindWired)
	table.Path.Via4, table.Path.Via6, table.Path.FromKernel = "", "", false
	if st := readState(t, &SystemState{Net: netstate.Fake(netstate.Snapshot{}, table)}); !st.HasDefault || st.Gateway != nsRouter {
		t.Errorf("from the table: %+v", st)
	}
	// The kernel routes IPv4 through a tunnel's /1 routes (OpenVPN's
	// def1) without a default route in the table: still a way out.
	def1 := fullTunnel()
	def1.Routes.V4 = nil
	if st := readState(t, &SystemState{Net: netstate.Fake(netstate.Snapshot{}, def1)}); !st.HasDefault {
		t.Errorf("kernel's route without a default in the table: %+v", st)
	}
}

func TestSystemStateIPv6Only(t *testing.T) {
	v6 := netstate.Snapshot{
		Interfaces: []netstate.Interface{nsIface("lo", netstate.KindLoopback, true, "127.0.0.1/8"), nsIface("eth0", netstate.KindWired, true, "2001:db8::20/64")},
		// Windows lists loopback, multicast and broadcast IPv4 routes even
		// without IPv4.
		Routes: netstate.Routes{
			V4: []netstate.Route{{Dst: netip.MustParsePrefix("127.0.0.0/8"), Interface: "lo"}, {Dst: netip.MustParsePrefix("224.0.0.0/4"), Interface: "eth0"},
				{Dst: netip.MustParsePrefix("255.255.255.255/32"), Interface: "eth0"}},
			V6: []netstate.Route{nsDefault("eth0", "fe80::1", 100)},
		},
		Path: netstate.Path{Interface: "eth0", Kind: netstate.KindWired, Family: "ipv6", Link: "eth0", LinkKind: netstate.KindWired,
			Gateway: netip.MustParseAddr("fe80::1"), Router: netip.MustParseAddr("fe80::1"), Via6: "eth0", FromKernel: true},
	}
	st := readState(t, &SystemState{Net: netstate.Fake(netstate.Snapshot{}, v6)})
	if !st.HasDefault || st.Interface != "eth0" || st.Gateway != netip.MustParseAddr("fe80::1") {
		t.Errorf("IPv6 only: %+v", st)
	}
	// The same without the interface list: the routes tell it.
	v6.Problems = []netstate.Problem{{Part: netstate.PartInterfaces, Reason: "no list"}}
	if st := readState(t, &SystemState{Net: netstate.Fake(netstate.Snapshot{}, v6)}); !st.HasDefault {
		t.Errorf("IPv6 only, interfaces unknown: %+v", st)
	}
}

func TestSystemStateDNSChange(t *testing.T) {
	a := home("eth0", netstate.KindWired)
	b := home("eth0", netstate.KindWired)
	b.DNS.Servers = []netstate.DNSServer{nsServer("10.0.0.53"), {Addr: netip.AddrPortFrom(nsRouter, 53), Fallback: true}}
	unreadable := home("eth0", netstate.KindWired)
	unreadable.DNS = netstate.DNSConfig{}
	unreadable.Problems = []netstate.Problem{{Part: netstate.PartDNS, Reason: "scutil did not answer within 2s"}}
	s := &SystemState{Net: netstate.Fake(netstate.Snapshot{}, a, b, unreadable)}
	want := [][]netip.Addr{
		{netip.MustParseAddr("127.0.0.53"), nsRouter},
		{nsDNS2}, // a fallback server is not asked
		{nsDNS2}, // an unreadable part keeps the last servers: the ladder keeps its DNS rungs
	}
	for i, w := range want {
		if st := readState(t, s); !slices.Equal(st.DNSServers, w) {
			t.Errorf("read %d: DNS servers %v, want %v", i, st.DNSServers, w)
		}
	}
}

func TestSystemStateTunnelsAndProblems(t *testing.T) {
	up := fullTunnel()
	down := fullTunnel()
	down.Interfaces[2].Up = false // the VPN client disconnected; its adapter stays
	down.Path = home("wlan0", netstate.KindWiFi).Path
	unreadable := fullTunnel()
	unreadable.Interfaces = nil
	unreadable.Problems = []netstate.Problem{{Part: netstate.PartInterfaces, Reason: "GetAdaptersAddresses failed"}}
	noPath := fullTunnel()
	noPath.Problems = []netstate.Problem{{Part: netstate.PartPath, Reason: "the kernel could not be asked which way traffic leaves, and the route table could not be read"}}
	s := &SystemState{Net: netstate.Fake(netstate.Snapshot{}, up, down, up, unreadable, noPath)}
	for i, want := range [][]string{{"wg0"}, nil, {"wg0"}, {"wg0"}} {
		st := readState(t, s)
		if !slices.Equal(st.Tunnels, want) {
			t.Errorf("read %d: tunnels %v, want %v", i, st.Tunnels, want)
		}
	}
	if _, err := s.Read(context.Background()); err == nil || !strings.Contains(err.Error(), "route table") {
		t.Errorf("no default path, error %v", err)
	}
	if _, err := (&SystemState{}).Read(context.Background()); !errors.Is(err, netstate.ErrNotRead) {
		t.Errorf("no state: %v", err)
	}
}

// The engine reacts to what the adapter reads: the route's loss and
// return, a VPN coming up, a DNS change (a new ladder).
func TestSystemStateDrivesEngine(t *testing.T) {
	base := home("wlan0", netstate.KindWiFi)
	gone := home("wlan0", netstate.KindWiFi)
	gone.Routes.V4, gone.Routes.V6 = gone.Routes.V4[1:], nil
	gone.Path = netstate.Path{}
	seq := []netstate.Snapshot{base, base, base, gone, gone, gone, base, base, fullTunnel(), fullTunnel(), fullTunnel()}
	var st []State
	s := &SystemState{Net: netstate.Fake(netstate.Snapshot{}, seq...)}
	for range seq {
		st = append(st, readState(t, s))
	}
	var events []report.WatchEvent
	d := newDetector(newRegistry(), newRing(), 0, func(m time.Duration) time.Time { return time.Unix(0, 0).Add(m) },
		func(e report.WatchEvent) { events = append(events, e) }, false)
	for i, s := range st {
		d.state(time.Duration(i)*time.Second, s, true)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind+": "+e.Summary)
	}
	joined := strings.Join(kinds, "\n")
	if !strings.Contains(joined, "No default route") || !strings.Contains(joined, "A VPN or tunnel came up (wg0)") {
		t.Errorf("events:\n%s", joined)
	}
}

// fakeExec answers command lines and counts them.
type fakeExec struct {
	mu      sync.Mutex
	calls   []string
	replies map[string]string
	missing map[string]bool
}

func (f *fakeExec) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	f.mu.Lock()
	f.calls = append(f.calls, line)
	f.mu.Unlock()
	if f.missing[name] {
		return nil, &exec.Error{Name: name, Err: exec.ErrNotFound}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	out, ok := f.replies[line]
	if !ok {
		return nil, fmt.Errorf("%s: exit status 1", line)
	}
	return []byte(out), nil
}

func (f *fakeExec) count(line string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == line {
			n++
		}
	}
	return n
}

func TestSlowCommands(t *testing.T) {
	f := &fakeExec{replies: map[string]string{"scutil --dns": "one"}}
	now := time.Unix(1000, 0)
	c := &slowCommands{run: f, every: 5 * time.Second, now: func() time.Time { return now }}
	ctx := context.Background()
	for range 3 {
		if out, err := c.Run(ctx, "scutil", "--dns"); string(out) != "one" || err != nil {
			t.Fatalf("%q %v", out, err)
		}
	}
	if n := f.count("scutil --dns"); n != 1 {
		t.Errorf("ran %d times within the window", n)
	}
	f.replies["scutil --dns"] = "two"
	now = now.Add(5 * time.Second)
	if out, _ := c.Run(ctx, "scutil", "--dns"); string(out) != "two" {
		t.Errorf("after the window: %q", out)
	}
	// A failure is an answer too, kept as long.
	if _, err := c.Run(ctx, "reg", "query"); err == nil {
		t.Fatal("no error")
	}
	if _, err := c.Run(ctx, "reg", "query"); err == nil || f.count("reg query") != 1 {
		t.Errorf("failure not kept: %v, %d runs", err, f.count("reg query"))
	}
	// A run its caller stopped is not.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = c.Run(cctx, "resolvectl", "status")
	_, _ = c.Run(ctx, "resolvectl", "status")
	if n := f.count("resolvectl status"); n != 2 {
		t.Errorf("a stopped run was kept: %d runs", n)
	}
	// A run still going at the read's deadline hung: that is kept, so a
	// hung command costs one read in the window, not every one.
	dctx, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	_, _ = c.Run(dctx, "ipconfig", "getsummary", "en0")
	if _, err := c.Run(ctx, "ipconfig", "getsummary", "en0"); err == nil || f.count("ipconfig getsummary en0") != 1 {
		t.Errorf("a hung run was not kept: %v, %d runs", err, f.count("ipconfig getsummary en0"))
	}
}

// hangingExec hangs every command until its context ends.
type hangingExec struct{ n int }

func (h *hangingExec) Run(ctx context.Context, _ string, _ ...string) ([]byte, error) {
	h.n++
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestIwReaderHung(t *testing.T) {
	h := &hangingExec{}
	now := time.Unix(1000, 0)
	r := &iwReader{exec: h, now: func() time.Time { return now }}
	if l := r.Link(context.Background(), "wlan0"); l != nil {
		t.Errorf("hung iw: %+v", l)
	}
	for range 3 {
		r.Link(context.Background(), "wlan0")
	}
	if h.n != 1 {
		t.Errorf("a hung iw was asked %d times within %v", h.n, slowSourceEvery)
	}
	now = now.Add(slowSourceEvery)
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	r.Link(short, "wlan0")
	if h.n != 2 {
		t.Errorf("iw not asked again after the pause: %d", h.n)
	}
	// A tick that ends is not iw hanging.
	h2 := &hangingExec{}
	r2 := &iwReader{exec: h2}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r2.Link(ctx, "wlan0")
	r2.Link(short, "wlan0")
	if h2.n != 2 {
		t.Errorf("a stopped read paused iw: %d runs", h2.n)
	}
}

// Once a read has answered, a source that hangs holds a tick up for
// readPatience, not for the read's whole limit.
func TestSystemStatePatience(t *testing.T) {
	const routes = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
		"eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
	release := make(chan struct{})
	defer close(release)
	var mu sync.Mutex
	calls := 0
	s := NewSystemState(netstate.Config{OS: "linux", FS: fstest.MapFS{
		"proc/net/route": {Data: []byte(routes)}, "etc/resolv.conf": {Data: []byte("nameserver 192.168.1.1\n")},
	}, ListInterfaces: func() ([]netstate.SysInterface, error) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n > 1 {
			<-release // the OS's interface list hangs
		}
		return []netstate.SysInterface{{Index: 2, Name: "eth0", Flags: net.FlagUp | net.FlagRunning,
			Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.20/24")}}}, nil
	}})
	if st := readState(t, s); !st.HasDefault || st.Gateway != nsRouter {
		t.Fatalf("%+v", st)
	}
	began := time.Now()
	_, err := s.Read(context.Background())
	if took := time.Since(began); err == nil || took >= netstate.ReadLimit {
		t.Errorf("a hung interface list: %v after %v, want an error before %v", err, took, netstate.ReadLimit)
	}
}

func iwFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "wifilink", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIwReader(t *testing.T) {
	f := &fakeExec{
		missing: map[string]bool{"iw": true}, // not on this user's PATH: /usr/sbin/iw is
		replies: map[string]string{
			"/usr/sbin/iw dev wlan0 link": iwFixture(t, "iw-dev-link-1.txt"),
			"/usr/sbin/iw dev wlan1 link": "Not connected.\n",
			"/usr/sbin/iw dev mlo0 link":  iwFixture(t, "iw-dev-link-2.txt"),
		},
	}
	r := &iwReader{exec: f}
	ctx := context.Background()
	l := r.Link(ctx, "wlan0")
	if l == nil || *l != (WiFiLink{BSSID: "7a:45:58:1b:1f:3e", SignalDBm: -52, HasSignal: true, FreqMHz: 5745, Channel: 149, Band: "5 GHz"}) {
		t.Errorf("wlan0: %+v", l)
	}
	// Wi-Fi 7 multi-link: the access point's own address, the first
	// link's frequency.
	if l := r.Link(ctx, "mlo0"); l == nil || l.BSSID != "f0:a7:31:16:77:a1" || l.FreqMHz != 5240 || l.Channel != 48 || l.SignalDBm != -40 {
		t.Errorf("mlo0: %+v", l)
	}
	if l := r.Link(ctx, "wlan1"); l != nil {
		t.Errorf("not connected: %+v", l)
	}
	if l := r.Link(ctx, "wlan9"); l != nil { // iw fails: no such device
		t.Errorf("failing iw: %+v", l)
	}
	if f.count("/sbin/iw dev wlan9 link") != 0 {
		t.Error("a failing iw was tried elsewhere")
	}
	none := &iwReader{exec: &fakeExec{missing: map[string]bool{"iw": true, "/usr/sbin/iw": true, "/sbin/iw": true}}}
	if l := none.Link(ctx, "wlan0"); l != nil {
		t.Errorf("without iw: %+v", l)
	}
	for _, bad := range []string{"", "garbage\n", "Connected to zz\nfreq: -1\nsignal: NaN dBm\n"} {
		if l := linkOf(bad); l != nil {
			t.Errorf("%q read as %+v", bad, l)
		}
	}
}

// The adapter on netstate's own Linux sources, with the machine faked
// underneath (files, the interface list, commands): the path follows
// /proc/net/route, Wi-Fi is read with iw every read, and resolvectl
// (behind the stub) runs once for reads within slowSourceEvery.
func TestNewSystemStateLinuxSources(t *testing.T) {
	const header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	withDefault := header + "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n" +
		"wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n"
	fsys := fstest.MapFS{
		"proc/net/route":                    {Data: []byte(withDefault)},
		"etc/resolv.conf":                   {Data: []byte("nameserver 127.0.0.53\n")},
		"sys/class/net/wlan0/wireless":      {Mode: os.ModeDir},
		"sys/class/net/wlan0/type":          {Data: []byte("1\n")},
		"run/systemd/resolve/resolv.conf":   {Data: []byte("nameserver 192.168.1.1\n")},
		"sys/class/net/lo/type":             {Data: []byte("772\n")},
		"sys/class/net/wlan0/device/vendor": {Data: []byte("0x8086\n")},
	}
	var mu sync.Mutex
	cmds := &fakeExec{replies: map[string]string{
		"resolvectl status --no-pager": "Global\n       Protocols: +LLMNR\nresolv.conf mode: stub\n\nLink 2 (wlan0)\n    Current Scopes: DNS\nCurrent DNS Server: 192.168.1.1\n       DNS Servers: 192.168.1.1\n",
		"iw dev wlan0 link":            iwFixture(t, "iw-dev-link-3.txt"),
	}}
	s := NewSystemState(netstate.Config{OS: "linux", FS: fsys, Exec: cmds, ListInterfaces: func() ([]netstate.SysInterface, error) {
		mu.Lock()
		defer mu.Unlock()
		return []netstate.SysInterface{
			{Index: 1, Name: "lo", Flags: net.FlagUp | net.FlagLoopback | net.FlagRunning, Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}},
			{Index: 2, Name: "wlan0", Flags: net.FlagUp | net.FlagRunning, Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.20/24")}},
		}, nil
	}})
	st := readState(t, s)
	if !st.HasDefault || st.Interface != "wlan0" || st.Kind != "wifi" || st.Gateway != nsRouter {
		t.Fatalf("%+v", st)
	}
	if !slices.Contains(st.DNSServers, nsRouter) {
		t.Errorf("DNS servers %v: the stub's upstream is missing", st.DNSServers)
	}
	if st.WiFi == nil || st.WiFi.BSSID != "04:d9:f5:2e:a6:20" || st.WiFi.Channel != 3 {
		t.Errorf("Wi-Fi %+v", st.WiFi)
	}
	fsys["proc/net/route"] = &fstest.MapFile{Data: []byte(header + "wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n")}
	if st := readState(t, s); st.HasDefault {
		t.Errorf("the default route was deleted: %+v", st)
	}
	fsys["proc/net/route"] = &fstest.MapFile{Data: []byte(withDefault)}
	if st := readState(t, s); !st.HasDefault {
		t.Errorf("the default route is back: %+v", st)
	}
	if n := cmds.count("resolvectl status --no-pager"); n != 1 {
		t.Errorf("resolvectl ran %d times in three quick reads, want 1", n)
	}
	if n := cmds.count("iw dev wlan0 link"); n != 2 {
		t.Errorf("iw ran %d times for two reads on Wi-Fi, want 2", n)
	}
}
