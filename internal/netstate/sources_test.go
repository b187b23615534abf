package netstate

import (
	"net"
	"net/netip"
	"strings"
	"testing"
)

// TestDarwinSources reads a Mac on Wi-Fi from captured tool output: the
// interface kinds from ifconfig -v, the routes from netstat -rn with its
// scoped default ignored, the DNS and proxy settings from scutil.
func TestDarwinSources(t *testing.T) {
	cmds := newCmds(t, map[string]reply{
		"ifconfig -a -v": {out: readFixture(t, "macos-ifconfig-v-synthetic.txt")},
		"netstat -rn":    {out: readFixture(t, "macos-netstat-rn-synthetic.txt")},
		"scutil --dns":   {out: readFixture(t, "macos-scutil-dns-vpn-synthetic.txt")},
		"scutil --proxy": {out: readFixture(t, "macos-scutil-proxy-manual-synthetic.txt")},
	})
	snap := Start(t.Context(), Config{OS: "darwin", FS: mapFS(nil), Exec: cmds}).Snapshot(t.Context())
	if len(snap.Problems) != 0 {
		t.Fatalf("problems %+v", snap.Problems)
	}
	// No kernel to ask: the unscoped default route decides, and en0 is
	// Wi-Fi because ifconfig says so, whatever its name suggests.
	if p := snap.Path; p.Interface != "en0" || !p.OnWiFi() || p.Router.String() != "192.168.1.1" || p.FromKernel {
		t.Errorf("path %+v", p)
	}
	if len(snap.DNS.PerDomainServers()) == 0 || snap.DNS.Via != "scutil --dns" {
		t.Errorf("DNS %+v", snap.DNS)
	}
	if !snap.Proxy.Set() || snap.Proxy.Source != "system settings" {
		t.Errorf("proxy %+v", snap.Proxy)
	}
	if len(cmds.Calls()) != 4 {
		t.Errorf("ran %q, want each command once", cmds.Calls())
	}
	// ifconfig fails: the OS list, kinds by name.
	cmds = newCmds(t, map[string]reply{"ifconfig": notInstalled, "netstat": notInstalled, "scutil": notInstalled})
	cfg := Config{OS: "darwin", FS: mapFS(map[string]string{"etc/resolv.conf": "nameserver 192.168.1.1\n"}), Exec: cmds,
		ListInterfaces: func() ([]SysInterface, error) {
			return []SysInterface{{Index: 4, Name: "en0", Flags: net.FlagUp | net.FlagRunning}}, nil
		}}
	snap = Start(t.Context(), cfg).Snapshot(t.Context())
	if len(snap.Interfaces) != 1 || snap.Interfaces[0].Kind != KindWired {
		t.Errorf("interfaces %+v", snap.Interfaces)
	}
	problems := map[Part]string{}
	for _, p := range snap.Problems {
		problems[p.Part] = p.Reason
	}
	if !strings.Contains(problems[PartRoutes], "netstat is not installed") || !strings.Contains(problems[PartProxy], "scutil is not installed") {
		t.Errorf("problems %+v", snap.Problems)
	}
	if _, ok := problems[PartDNS]; ok || len(snap.DNS.Servers) != 1 {
		t.Errorf("DNS falls back to resolv.conf: %+v %v", snap.DNS, problems)
	}
}

// TestWindowsSources reads a Windows laptop with AnyConnect up from real
// route print and ipconfig captures: each command runs once although two
// parts parse it, adapters get their kinds and descriptions, and route
// print's interface references become names.
func TestWindowsSources(t *testing.T) {
	cmds := newCmds(t, map[string]reply{
		"route print":   {out: readFixture(t, "windows-route-print-4.txt")},
		"ipconfig /all": {out: readFixture(t, "windows-ipconfig-all-2.txt")},
		"reg":           {out: readFixture(t, "windows-reg-internet-settings-manual-synthetic.txt")},
	})
	cfg := Config{OS: "windows", FS: mapFS(nil), Exec: cmds,
		Dialer: &egressDialer{src4: netip.MustParseAddr("10.21.38.97")},
		ListInterfaces: func() ([]SysInterface, error) {
			return []SysInterface{
				{Index: 1, Name: "Loopback Pseudo-Interface 1", Flags: net.FlagUp | net.FlagRunning | net.FlagLoopback, Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}},
				{Index: 6, Name: "Wi-Fi", MTU: 1500, Flags: net.FlagUp | net.FlagRunning, Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.100.74/24")}},
				{Index: 19, Name: "Ethernet 2", MTU: 1300, Flags: net.FlagUp | net.FlagRunning, Addrs: []netip.Prefix{netip.MustParsePrefix("10.21.38.97/24")}},
			}, nil
		}}
	snap := Start(t.Context(), cfg).Snapshot(t.Context())
	calls := map[string]int{}
	for _, c := range cmds.Calls() {
		calls[c]++
	}
	if calls["route print"] != 1 || calls["ipconfig /all"] != 1 {
		t.Errorf("ran %v: each command once per read", calls)
	}
	byName := map[string]Interface{}
	for _, i := range snap.Interfaces {
		byName[i.Name] = i
	}
	if e2 := byName["Ethernet 2"]; e2.Kind != KindTunnel || !strings.HasPrefix(e2.Description, "Cisco AnyConnect") {
		t.Errorf("AnyConnect adapter %+v", e2)
	}
	if w := byName["Wi-Fi"]; w.Kind != KindWiFi {
		t.Errorf("Wi-Fi adapter %+v", w)
	}
	d := snap.Routes.Defaults4()
	if len(d) != 2 || d[0].Interface != "Ethernet 2" || d[1].Interface != "Wi-Fi" {
		t.Errorf("defaults %+v", d)
	}
	if p := snap.Path; p.Interface != "Ethernet 2" || !p.ViaTunnel() || p.Link != "Wi-Fi" || !p.OnWiFi() || !p.Router.IsValid() {
		t.Errorf("path %+v", p)
	}
	if len(snap.DNS.Servers) != 1 || snap.DNS.Servers[0].Interface != "Wi-Fi" {
		t.Errorf("DNS %+v", snap.DNS)
	}
	if snap.Proxy.HTTPS == "" {
		t.Errorf("proxy %+v", snap.Proxy)
	}
}

// TestOtherOS: the BSDs have resolv.conf and the OS list only.
func TestOtherOS(t *testing.T) {
	cfg := Config{OS: "freebsd", FS: mapFS(map[string]string{"etc/resolv.conf": "nameserver 192.168.1.1\n"}),
		ListInterfaces: func() ([]SysInterface, error) {
			return []SysInterface{{Name: "em0", Flags: net.FlagUp | net.FlagRunning}}, nil
		}}
	snap := Start(t.Context(), cfg).Snapshot(t.Context())
	if len(snap.DNS.Servers) != 1 || len(snap.Interfaces) != 1 {
		t.Errorf("%+v", snap)
	}
	if len(snap.Problems) != 2 || snap.Problems[0].Part != PartRoutes || snap.Problems[1].Part != PartPath {
		t.Errorf("problems %+v", snap.Problems)
	}
}
