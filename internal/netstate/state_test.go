package netstate

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// udpConn is the connection a fake dialer returns: only its local address
// matters, as for the kernel's answer to a UDP "connect".
type udpConn struct {
	net.Conn
	local netip.Addr
}

func (c udpConn) LocalAddr() net.Addr { return &net.UDPAddr{IP: c.local.AsSlice(), Port: 40000} }
func (c udpConn) Close() error        { return nil }

// egressDialer answers UDP connects with a source address per family, or
// ENETUNREACH-like failure when it has none.
type egressDialer struct {
	src4, src6 netip.Addr
	calls      atomic.Int32
}

func (d *egressDialer) DialContext(_ context.Context, network, _ string) (net.Conn, error) {
	d.calls.Add(1)
	src := d.src4
	if network == "udp6" {
		src = d.src6
	}
	if !src.IsValid() {
		return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("network is unreachable")}
	}
	return udpConn{local: src}, nil
}

const procRouteHead = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"

// linuxHome is a Linux machine on Wi-Fi (wlan0, default via 192.168.1.1)
// with a wired port down and a WireGuard full tunnel (wg0) that policy
// routing makes the way out, as wg-quick does: the main table still says
// wlan0.
func linuxHome(t *testing.T) Config {
	fsys := mapFS(map[string]string{
		"proc/net/route": procRouteHead +
			"wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n" +
			"wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n",
		"proc/net/ipv6_route":             "",
		"sys/class/net/wlan0/type":        "1\n",
		"sys/class/net/eth0/type":         "1\n",
		"sys/class/net/wg0/type":          "65534\n",
		"sys/class/net/lo/type":           "772\n",
		"etc/resolv.conf":                 "nameserver 127.0.0.53\n",
		"run/systemd/resolve/resolv.conf": "nameserver 192.168.1.1\n",
	})
	fsys["sys/class/net/wlan0/wireless"] = dirEntry()
	fsys["sys/class/net/eth0/device"] = dirEntry()
	return Config{
		OS: "linux", FS: fsys, Exec: newCmds(t, map[string]reply{"resolvectl": notInstalled}),
		Dialer: &egressDialer{src4: netip.MustParseAddr("10.202.0.2")},
		Getenv: func(k string) string { return map[string]string{"HTTPS_PROXY": "proxy.test:3128"}[k] },
		ListInterfaces: func() ([]SysInterface, error) {
			return []SysInterface{
				{Index: 1, Name: "lo", Flags: net.FlagUp | net.FlagRunning | net.FlagLoopback, Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}},
				{Index: 2, Name: "eth0", MAC: "00:11:22:33:44:55", Flags: net.FlagUp},
				{Index: 3, Name: "wlan0", MTU: 1500, MAC: "66:77:88:99:aa:bb", Flags: net.FlagUp | net.FlagRunning, Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.20/24")}},
				{Index: 5, Name: "wg0", MTU: 1420, Flags: net.FlagUp | net.FlagRunning | net.FlagPointToPoint, Addrs: []netip.Prefix{netip.MustParsePrefix("10.202.0.2/32")}},
			}, nil
		},
	}
}

func TestStateReadsEveryPart(t *testing.T) {
	s := Start(t.Context(), linuxHome(t))
	snap := s.Snapshot(t.Context())
	if len(snap.Problems) != 0 {
		t.Fatalf("problems %+v", snap.Problems)
	}
	kinds := map[string]Kind{}
	for _, i := range snap.Interfaces {
		kinds[i.Name] = i.Kind
	}
	if kinds["lo"] != KindLoopback || kinds["eth0"] != KindWired || kinds["wlan0"] != KindWiFi || kinds["wg0"] != KindTunnel {
		t.Errorf("kinds %v", kinds)
	}
	// The kernel says wg0 (policy routing), the table says wlan0: the
	// tunnel is the path, the Wi-Fi the link beneath, its gateway the
	// home router.
	p := snap.Path
	if p.Interface != "wg0" || !p.ViaTunnel() || p.Link != "wlan0" || !p.OnWiFi() || p.Router.String() != "192.168.1.1" || p.Gateway.IsValid() || !p.FromKernel || p.Via4 != "wg0" || p.Via6 != "" {
		t.Errorf("path %+v", p)
	}
	if len(snap.DNS.Servers) != 2 || !snap.DNS.Servers[0].Stub || snap.DNS.Servers[1].Addr.String() != "192.168.1.1:53" {
		t.Errorf("DNS %+v", snap.DNS)
	}
	if snap.Proxy.HTTPS != "http://proxy.test:3128" || snap.Proxy.Source != "environment" {
		t.Errorf("proxy %+v", snap.Proxy)
	}
	if d := snap.Routes.Defaults4(); len(d) != 1 || d[0].Interface != "wlan0" {
		t.Errorf("routes %+v", snap.Routes)
	}
	// What an accessor returns is the caller's: changing it changes nothing.
	list, _ := s.Interfaces(t.Context())
	list[0].Name = "changed"
	list[2].Addrs[0] = netip.Prefix{}
	if again, _ := s.Interfaces(t.Context()); again[0].Name != "lo" || !again[2].Addrs[0].IsValid() {
		t.Errorf("the state changed through a returned slice: %+v", again)
	}
}

// TestHungSourceCostsItsPartOnly: a command that never answers leaves its
// part empty with the reason after ReadLimit, while the parts of other
// sources are ready at once.
func TestHungSourceCostsItsPartOnly(t *testing.T) {
	cfg := Config{OS: "darwin", FS: mapFS(nil), Exec: newCmds(t, map[string]reply{
		"netstat -rn":    {hang: true},
		"ifconfig -a -v": {out: "en0: flags=8863<UP,BROADCAST,RUNNING> mtu 1500 index 4\n\tinet 192.168.1.20 netmask 0xffffff00\n\tstatus: active\n\ttype: Wi-Fi\n"},
		"scutil --dns":   {out: "resolver #1\n  nameserver[0] : 192.168.1.1\n"},
		"scutil --proxy": {out: "<dictionary> {\n}\n"},
	})}
	start := time.Now()
	s := Start(t.Context(), cfg)
	if _, err := s.Interfaces(t.Context()); err != nil {
		t.Fatal(err)
	}
	if dns, err := s.DNS(t.Context()); err != nil || len(dns.Servers) != 1 {
		t.Fatalf("DNS %+v %v", dns, err)
	}
	if took := time.Since(start); took > ReadLimit/2 {
		t.Errorf("the parts of answering sources took %v: they waited for the hung one", took)
	}
	_, err := s.Routes(t.Context())
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "did not list the route table within 2s") {
		t.Errorf("routes error %v", err)
	}
	if took < ReadLimit || took > ReadLimit+time.Second {
		t.Errorf("the hung source was given up after %v, want %v", took, ReadLimit)
	}
	probs := s.Problems(t.Context())
	if len(probs) < 1 || probs[0].Part != PartRoutes {
		t.Errorf("problems %+v", probs)
	}
	// A check's own deadline ends its wait first.
	s = Start(t.Context(), cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Routes(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a check's deadline: %v", err)
	}
}

func TestNilAndFakeStates(t *testing.T) {
	var s *State
	if _, err := s.Routes(t.Context()); !errors.Is(err, ErrNotRead) {
		t.Errorf("nil state: %v", err)
	}
	if s.Fresh(t.Context()) != nil || len(s.Problems(t.Context())) != 5 {
		t.Error("nil state")
	}
	first := Snapshot{Path: Path{Interface: "wlan0", Kind: KindWiFi},
		Problems: []Problem{{Part: PartDNS, Reason: "scutil did not answer"}}}
	second := Snapshot{Path: Path{Interface: "utun3", Kind: KindTunnel}}
	f := Fake(first, second)
	if p, _ := f.Path(t.Context()); p.Interface != "wlan0" {
		t.Errorf("path %+v", p)
	}
	if _, err := f.DNS(t.Context()); err == nil || err.Error() != "scutil did not answer" {
		t.Errorf("DNS error %v", err)
	}
	if p, _ := f.Fresh(t.Context()).Path(t.Context()); p.Interface != "utun3" {
		t.Errorf("fresh path %+v", p)
	}
	if p, _ := f.Path(t.Context()); p.Interface != "wlan0" {
		t.Errorf("the run's state changed with a fresh read: %+v", p)
	}
	if FromSnapshot(first).Fresh(t.Context()) == nil {
		t.Error("a fake without fresh snapshots returns itself")
	}
}

// TestNewStartsOnFirstUse: a State only New made starts reading at its
// first accessor; Start after that does not read again.
func TestNewStartsOnFirstUse(t *testing.T) {
	cfg := linuxHome(t)
	d := cfg.Dialer.(*egressDialer)
	s := New(cfg)
	if d.calls.Load() != 0 {
		t.Fatal("New read already")
	}
	if p, err := s.Path(t.Context()); err != nil || p.Interface != "wg0" {
		t.Fatalf("path %+v %v", p, err)
	}
	s.Start(t.Context())
	s.Snapshot(t.Context())
	if n := d.calls.Load(); n != 2 {
		t.Errorf("the kernel was asked %d times, want 2 (one per family)", n)
	}
	fresh := s.Fresh(t.Context())
	fresh.Snapshot(t.Context())
	if n := d.calls.Load(); n != 4 {
		t.Errorf("a fresh read asks again: %d", n)
	}
}

func TestChoosePath(t *testing.T) {
	gw := netip.MustParseAddr("192.168.1.1")
	list := []Interface{
		{Name: "eth0", Kind: KindWired, Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.20/24")}},
		{Name: "wlan0", Kind: KindWiFi, Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.21/24")}},
		{Name: "utun3", Kind: KindTunnel, Addrs: []netip.Prefix{netip.MustParsePrefix("10.8.0.2/32")}},
	}
	rt := Routes{V4: []Route{
		{Dst: netip.MustParsePrefix("0.0.0.0/0"), Gateway: gw, Interface: "wlan0", Metric: 600},
		{Dst: netip.MustParsePrefix("0.0.0.0/0"), Gateway: gw, Interface: "eth0", Metric: 100},
		{Dst: netip.MustParsePrefix("0.0.0.0/1"), Interface: "utun3"},
	}}
	for _, tc := range []struct {
		name       string
		src4, src6 string
		want       Path
	}{
		{"the kernel's answer", "192.168.1.21", "", Path{Interface: "wlan0", Kind: KindWiFi, Gateway: gw, Family: "ipv4", Link: "wlan0", LinkKind: KindWiFi, Router: gw, Via4: "wlan0", FromKernel: true}},
		{"no kernel: the best default route", "", "", Path{Interface: "eth0", Kind: KindWired, Gateway: gw, Family: "ipv4", Link: "eth0", LinkKind: KindWired, Router: gw}},
		{"an address nobody has: the table", "10.99.0.1", "", Path{Interface: "eth0", Kind: KindWired, Gateway: gw, Family: "ipv4", Link: "eth0", LinkKind: KindWired, Router: gw}},
		{"a def1 tunnel: the link is the best route beneath", "10.8.0.2", "", Path{Interface: "utun3", Kind: KindTunnel, Family: "ipv4", Link: "eth0", LinkKind: KindWired, Router: gw, Via4: "utun3", FromKernel: true}},
	} {
		var s4, s6 netip.Addr
		if tc.src4 != "" {
			s4 = netip.MustParseAddr(tc.src4)
		}
		if tc.src6 != "" {
			s6 = netip.MustParseAddr(tc.src6)
		}
		if got := choosePath(list, rt, s4, s6); got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
	if got := choosePath(list, Routes{}, netip.Addr{}, netip.Addr{}); got.Known() {
		t.Errorf("no route: %+v", got)
	}
}

func TestNameRoutes(t *testing.T) {
	list := []Interface{{Index: 12, Name: "Wi-Fi", Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.20/24")}}, {Index: 3, Name: "if3x"}}
	rt := nameRoutes(Routes{
		V4: []Route{{Interface: "192.168.1.20"}, {Interface: "10.9.9.9"}},
		V6: []Route{{Interface: "if12"}, {Interface: "if99"}, {Interface: "if3x"}},
	}, list)
	got := []string{rt.V4[0].Interface, rt.V4[1].Interface, rt.V6[0].Interface, rt.V6[1].Interface, rt.V6[2].Interface}
	if strings.Join(got, ",") != "Wi-Fi,10.9.9.9,Wi-Fi,if99,if3x" {
		t.Errorf("named %q", got)
	}
}

// TestEgress: the kernel is asked, through the read's own means, which way
// one address is routed, and the interface is named from the State's list;
// an address no listed interface has is named by nobody (the interfaces
// changed); a State of plain values cannot ask.
func TestEgress(t *testing.T) {
	cfg := linuxHome(t)
	d := cfg.Dialer.(*egressDialer)
	s := New(cfg)
	e, err := s.Egress(t.Context(), netip.MustParseAddr("10.201.0.10"))
	if err != nil || e.Source != netip.MustParseAddr("10.202.0.2") || e.Interface != "wg0" {
		t.Errorf("egress %+v %v", e, err)
	}
	s.Snapshot(t.Context()) // the read's own questions are answered
	d.src4 = netip.MustParseAddr("10.99.0.7")
	if e, err := s.Egress(t.Context(), netip.MustParseAddr("10.201.0.10")); err != nil || e.Interface != "" || !e.Source.IsValid() {
		t.Errorf("an address no interface has: %+v %v", e, err)
	}
	if _, err := s.Egress(t.Context(), netip.MustParseAddr("2001:db8::1")); err == nil {
		t.Error("no IPv6 route, no error")
	}
	if _, err := Fake(Snapshot{}).Egress(t.Context(), netip.MustParseAddr("10.201.0.10")); !errors.Is(err, errNoEgress) {
		t.Errorf("fake: %v", err)
	}
	var nilState *State
	if _, err := nilState.Egress(t.Context(), netip.MustParseAddr("10.201.0.10")); !errors.Is(err, ErrNotRead) {
		t.Errorf("nil: %v", err)
	}
}
