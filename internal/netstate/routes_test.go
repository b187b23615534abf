package netstate

import (
	"net/netip"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

func readFixture(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func find(rs []Route, dst string) (Route, bool) {
	for _, r := range rs {
		if r.Dst == pfx(dst) {
			return r, true
		}
	}
	return Route{}, false
}

func TestParseProcNetRoute(t *testing.T) {
	rs, err := ParseProcNetRoute(readFixture(t, "proc-net-route-synthetic.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d routes: %+v", len(rs), rs)
	}
	if r, ok := find(rs, "192.168.1.0/24"); !ok || r.Gateway.IsValid() || r.Interface != "wlp2s0" {
		t.Errorf("subnet route: %+v", r)
	}
	d := Defaults(rs)
	if len(d) != 2 || d[0].Interface != "eth0" || d[0].Gateway != netip.MustParseAddr("192.168.254.1") || d[1].Metric != 600 {
		t.Errorf("defaults, lowest metric first: %+v", d)
	}
	// A non-contiguous mask, a down route and host bits outside the mask are skipped.
	odd := "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n" +
		"a\t0000000A\t00000000\t0001\t0\t0\t0\t00FF00FF\n" +
		"b\t0000000A\t00000000\t0000\t0\t0\t0\t000000FF\n" +
		"c\t0100000A\t00000000\t0001\t0\t0\t0\t000000FF\n" +
		"wg0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\n"
	rs, _ = ParseProcNetRoute(odd)
	if len(rs) != 1 || rs[0].Interface != "wg0" || rs[0].Dst != pfx("10.0.0.0/8") {
		t.Errorf("odd rows: %+v", rs)
	}
}

func TestParseProcNetIPv6Route(t *testing.T) {
	rs := ParseProcNetIPv6Route(readFixture(t, "proc-net-ipv6_route-synthetic.txt"))
	if len(rs) != 2 {
		t.Fatalf("the reject route must be skipped: %+v", rs)
	}
	if !rs[0].Default() || rs[0].Gateway != netip.MustParseAddr("fe80::1") || rs[1].Dst != pfx("2001:db8::/64") || rs[1].Gateway.IsValid() {
		t.Errorf("%+v", rs)
	}
}

func TestParseRoutePrintRealOutputs(t *testing.T) {
	rp := ParseRoutePrint(readFixture(t, "windows-route-print-4.txt"))
	if len(rp.Interfaces) != 7 {
		t.Fatalf("interfaces: %+v", rp.Interfaces)
	}
	ac := rp.Interfaces[0]
	if ac.Index != 19 || ac.MAC != "00:05:9a:3c:7a:00" || !strings.HasPrefix(ac.Description, "Cisco AnyConnect Secure Mobility Client Virtual Miniport") {
		t.Errorf("AnyConnect row: %+v", ac)
	}
	if lo := rp.Interfaces[6]; lo.Index != 1 || lo.MAC != "" || lo.Description != "Software Loopback Interface 1" {
		t.Errorf("loopback row: %+v", lo)
	}
	d := Defaults(rp.V4)
	if len(d) != 2 || d[0].Interface != "10.21.38.97" || d[0].Metric != 2 {
		t.Errorf("the tunnel's default route has the lower metric: %+v", d)
	}

	rp = ParseRoutePrint(readFixture(t, "windows-route-print-1.txt"))
	if rp.Interfaces[0].Index != 28 || rp.Interfaces[0].Description != "Tailscale Tunnel" || rp.Interfaces[0].MAC != "" {
		t.Errorf("Tailscale row: %+v", rp.Interfaces[0])
	}
	if r, ok := find(rp.V4, "10.0.1.0/24"); !ok || r.Gateway != netip.MustParseAddr("192.168.22.1") || r.Metric != 16 {
		t.Errorf("split route: %+v", r)
	}
	if len(rp.V4) != 18 {
		t.Errorf("%d active IPv4 routes, want 18 (persistent rows have 4 columns)", len(rp.V4))
	}
	if r, ok := find(rp.V6, "fdb2:2c26:f4e4:0:670f:fec7:75b7:eb83/128"); !ok || r.Interface != "if12" || r.Gateway.IsValid() {
		t.Errorf("wrapped IPv6 row: %+v", r)
	}
	for _, r := range rp.V6 {
		if r.Metric == 4294967295 || r.Interface == "if0" {
			t.Errorf("a persistent IPv6 row counted: %+v", r)
		}
	}

	rp = ParseRoutePrint(readFixture(t, "windows-route-print-2.txt"))
	var descs []string
	for _, a := range rp.Interfaces {
		descs = append(descs, a.Description)
	}
	if len(rp.Interfaces) != 11 || rp.Interfaces[2].Description != "OpenVPN Data Channel Offload" || rp.Interfaces[3].Description != "TAP-NordVPN Windows Adapter V9" {
		t.Errorf("interfaces: %q", descs)
	}
	rp = ParseRoutePrint(readFixture(t, "windows-route-print-3.txt"))
	if len(rp.Interfaces) == 0 || len(Defaults(rp.V4)) == 0 {
		t.Errorf("route print 3: %d interfaces, defaults %+v", len(rp.Interfaces), Defaults(rp.V4))
	}
}

func TestAdapterRowHexLikeDescription(t *testing.T) {
	a, ok := adapterRow("  5...........................AB Networks Tunnel")
	if !ok || a.Description != "AB Networks Tunnel" || a.MAC != "" {
		t.Errorf("%+v %v", a, ok)
	}
	if _, ok := adapterRow("0.0.0.0 0.0.0.0 10.0.0.1 10.0.0.2 5"); ok {
		t.Error("a route row is not an adapter row")
	}
}

func TestParseNetstatRN(t *testing.T) {
	v4, v6 := ParseNetstatRN(readFixture(t, "macos-netstat-rn-synthetic.txt"))
	d4, d6 := Defaults(v4), Defaults(v6)
	if len(d4) != 1 || d4[0].Gateway.String() != "192.168.1.1" || d4[0].Interface != "en0" {
		t.Errorf("v4 %+v", d4)
	}
	// The utun0 default carries flag I: scoped to utun0, so not the
	// machine's default, though netstat lists it first.
	if len(d6) != 1 || d6[0].Interface != "en0" || d6[0].Gateway.String() != "fe80::a691:b1ff:fe2e:7f10" {
		t.Errorf("v6 %+v", d6)
	}
	if r, ok := find(v6, "::/0"); !ok || r.Interface != "utun0" || !r.Scoped {
		t.Errorf("the scoped utun0 default is kept, marked: %+v", r)
	}
	for dst, want := range map[string]bool{"127.0.0.0/8": true, "169.254.0.0/16": true, "192.168.1.0/24": true, "192.168.1.1/32": true, "224.0.0.0/4": true} {
		if _, ok := find(v4, dst); ok != want {
			t.Errorf("%s: found %v", dst, ok)
		}
	}

	v4, v6 = ParseNetstatRN(readFixture(t, "macos-netstat-rn-vpn-synthetic.txt"))
	for dst, ifc := range map[string]string{"0.0.0.0/1": "utun3", "128.0.0.0/1": "utun3", "10.8.0.0/16": "utun3", "172.20.16.0/22": "utun3", "198.51.100.7/32": "en0"} {
		if r, ok := find(v4, dst); !ok || r.Interface != ifc {
			t.Errorf("%s: %+v %v", dst, r, ok)
		}
	}
	if r, ok := find(v6, "fd00:8::/64"); !ok || r.Interface != "utun3" {
		t.Errorf("v6 ULA route: %+v", r)
	}
	if r, ok := find(v6, "fe80::/64"); !ok || r.Interface != "lo0" {
		t.Errorf("the zone is dropped from destinations: %+v", v6)
	}
}

func TestBSDDestination(t *testing.T) {
	for in, want := range map[string]string{
		"default": "0.0.0.0/0", "10": "10.0.0.0/8", "10.8/16": "10.8.0.0/16", "10.8": "10.8.0.0/16",
		"172.16": "172.16.0.0/16", "192.168": "192.168.0.0/24", "192.168.1": "192.168.1.0/24",
		"192.168.1.7": "192.168.1.7/32", "0/1": "0.0.0.0/1", "128.0/1": "128.0.0.0/1", "224.0.0/4": "224.0.0.0/4",
	} {
		got, ok := bsdDestination(in, false)
		if !ok || got.String() != want {
			t.Errorf("%s: %v %v, want %s", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "1.2.3.4.5", "300", "a.b", "10/x", "10/99", "link#4"} {
		if got, ok := bsdDestination(bad, false); ok {
			t.Errorf("%q: %v", bad, got)
		}
	}
	if got, ok := bsdDestination("fe80::%utun3/64", true); !ok || got.String() != "fe80::/64" {
		t.Errorf("v6: %v", got)
	}
}

func TestParseIfconfigRealOutputs(t *testing.T) {
	list := ParseIfconfig(readFixture(t, "macos-ifconfig-1.txt"))
	byName := map[string]IfconfigInterface{}
	for _, i := range list {
		byName[i.Name] = i
	}
	if len(list) != 20 {
		t.Errorf("%d interfaces", len(list))
	}
	en0 := byName["en0"]
	if en0.MTU != 1500 || en0.Status != "active" || !en0.Has("RUNNING") || len(en0.Addrs) != 5 {
		t.Errorf("en0: %+v", en0)
	}
	if !containsPrefix(en0.Addrs, "192.168.1.72/24") || !containsPrefix(en0.Addrs, "fe80::8b7:1281:7499:b504/64") {
		t.Errorf("en0 addresses: %v", en0.Addrs)
	}
	utun1 := byName["utun1"]
	if utun1.MTU != 1380 || !utun1.Has("pointopoint") || len(utun1.Addrs) != 1 || !utun1.Addrs[0].Addr().IsLinkLocalUnicast() || utun1.Status != "" {
		t.Errorf("utun1: %+v", utun1)
	}
	if gif := byName["gif0"]; gif.Has("UP") || gif.MTU != 1280 {
		t.Errorf("gif0: %+v", gif)
	}
	if lo := byName["lo0"]; !containsPrefix(lo.Addrs, "127.0.0.1/8") || lo.MTU != 16384 {
		t.Errorf("lo0: %+v", lo)
	}

	list = ParseIfconfig(readFixture(t, "macos-ifconfig-2.txt"))
	var names []string
	for _, i := range list {
		names = append(names, i.Name)
	}
	if !strings.Contains(strings.Join(names, " "), "utun0") || !strings.Contains(strings.Join(names, " "), "vmnet8") {
		t.Errorf("names: %v", names)
	}
}

func TestParseIfconfigPointToPointPeer(t *testing.T) {
	out := "utun3: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> mtu 1400\n\tinet 10.8.0.2 --> 10.8.0.1 netmask 0xffffffff\n\tinet6 fd00:8::2 prefixlen 64\n"
	list := ParseIfconfig(out)
	if len(list) != 1 || list[0].Peer != netip.MustParseAddr("10.8.0.1") || !containsPrefix(list[0].Addrs, "10.8.0.2/32") || !containsPrefix(list[0].Addrs, "fd00:8::2/64") {
		t.Errorf("%+v", list)
	}
}

func containsPrefix(list []netip.Prefix, s string) bool {
	for _, p := range list {
		if p == netip.MustParsePrefix(s) {
			return true
		}
	}
	return false
}

func TestClassify(t *testing.T) {
	for name, want := range map[string]Kind{"wg0": KindTunnel, "utun3": KindTunnel, "wlp2s0": KindWiFi, "en0": KindWired, "Wi-Fi": KindWiFi, "Ethernet 2": KindWired, "docker0": KindOther} {
		if got := ClassifyName(name, false); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	if ClassifyName("corp", true) != KindTunnel {
		t.Error("point-to-point is a tunnel")
	}
	fsys := fstest.MapFS{
		"sys/class/net/wfhab12/tun_flags": {Data: []byte("0x1001\n")},
		"sys/class/net/wlan0/wireless":    {Mode: 0o755 | 1<<31},
		"sys/class/net/eth0/type":         {Data: []byte("1\n")},
		"sys/class/net/eth0/device":       {Data: nil},
		"sys/class/net/veth0/type":        {Data: []byte("1\n")},
		"sys/class/net/ifb0/type":         {Data: []byte("1\n")},
		"sys/class/net/br0/type":          {Data: []byte("1\n")},
		"sys/class/net/br0/bridge":        {Mode: 0o755 | 1<<31},
		"sys/class/net/docker0/type":      {Data: []byte("1\n")},
		"sys/class/net/docker0/bridge":    {Mode: 0o755 | 1<<31},
		"sys/class/net/wg0/type":          {Data: []byte("65534\n")},
		"sys/class/net/wlx1/phy80211":     {Mode: 0o755 | 1<<31},
		"sys/class/net/lo/type":           {Data: []byte("772\n")},
	}
	// A veth is how a container or namespace is connected, a bridge how a
	// host connects its card: wired, not a radio; ifb and docker0 carry
	// nothing of their own (see ClassifySysfs).
	for name, want := range map[string]Kind{"wfhab12": KindTunnel, "wlan0": KindWiFi, "wlx1": KindWiFi, "eth0": KindWired, "veth0": KindWired,
		"ifb0": KindOther, "br0": KindWired, "docker0": KindOther, "wg0": KindTunnel, "lo": KindLoopback} {
		if got, ok := ClassifySysfs(fsys, name); !ok || got != want {
			t.Errorf("%s: %s %v, want %s", name, got, ok, want)
		}
	}
	for _, name := range []string{"nosuch", "../../etc", ""} {
		if _, ok := ClassifySysfs(fsys, name); ok {
			t.Errorf("%q classified", name)
		}
	}
}

func FuzzParseRouteTables(f *testing.F) {
	for _, n := range []string{"windows-route-print-1.txt", "windows-route-print-2.txt", "windows-route-print-3.txt", "windows-route-print-4.txt",
		"macos-netstat-rn-synthetic.txt", "macos-netstat-rn-vpn-synthetic.txt", "proc-net-route-synthetic.txt", "proc-net-ipv6_route-synthetic.txt"} {
		f.Add(readFixture(f, n))
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(rs []Route) {
			for _, r := range rs {
				if !r.Dst.IsValid() || r.Dst.Masked() != r.Dst || r.Interface == "" {
					t.Fatalf("bad route %+v", r)
				}
			}
		}
		rp := ParseRoutePrint(s)
		check(rp.V4)
		check(rp.V6)
		for _, a := range rp.Interfaces {
			if a.Description == "" || a.Index < 0 {
				t.Fatalf("bad adapter %+v", a)
			}
		}
		v4, v6 := ParseNetstatRN(s)
		check(v4)
		check(v6)
		if rs, err := ParseProcNetRoute(s); err == nil {
			check(rs)
		}
		check(ParseProcNetIPv6Route(s))
	})
}

func FuzzParseIfconfig(f *testing.F) {
	f.Add(readFixture(f, "macos-ifconfig-1.txt"))
	f.Add(readFixture(f, "macos-ifconfig-2.txt"))
	f.Add(readFixture(f, "macos-ifconfig-v-synthetic.txt"))
	f.Add("utun3: flags=8051<UP,POINTOPOINT> mtu 1400\n\tinet 10.8.0.2 --> 10.8.0.1 netmask 0xffffffff\n")
	f.Fuzz(func(t *testing.T, s string) {
		for _, i := range ParseIfconfig(s) {
			if i.Name == "" {
				t.Fatal("interface without a name")
			}
			for _, p := range i.Addrs {
				if !p.IsValid() {
					t.Fatalf("bad prefix in %+v", i)
				}
			}
		}
	})
}

func TestParseIfconfigVerbose(t *testing.T) {
	list := ParseIfconfig(readFixture(t, "macos-ifconfig-v-synthetic.txt"))
	got := map[string]IfconfigInterface{}
	for _, i := range list {
		got[i.Name] = i
	}
	if en0 := got["en0"]; en0.Index != 11 || en0.MAC != "3c:22:fb:10:20:30" || en0.Type != "Wi-Fi" || en0.Status != "active" {
		t.Errorf("en0 %+v", en0)
	}
	for name, want := range map[string]Kind{"lo0": KindLoopback, "en0": KindWiFi, "en5": KindWired, "awdl0": KindOther, "bridge0": KindOther, "utun3": KindTunnel} {
		if k := ifconfigKind(got[name]); k != want {
			t.Errorf("%s: %s, want %s", name, k, want)
		}
	}
}
