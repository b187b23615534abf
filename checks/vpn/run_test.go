package vpn

import (
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/icmpprobe"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

var loopbackSys = netstate.SysInterface{Index: 1, Name: "lo", MTU: 65536, Flags: net.FlagUp | net.FlagRunning | net.FlagLoopback, Addrs: []netip.Prefix{p4("127.0.0.1/8")}}

const upP2P = net.FlagUp | net.FlagRunning | net.FlagPointToPoint

// linuxFS is a Linux root with eth0, a wireguard-go tunnel wg0 and the
// given extra files.
func linuxFS(extra fstest.MapFS) fstest.MapFS {
	fsys := fstest.MapFS{
		"proc/net/route": {Data: []byte("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
			"eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
			"eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n" +
			"wg0\t0000C90A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")},
		"proc/net/ipv6_route":         {Data: []byte("")},
		"sys/class/net/wg0/tun_flags": {Data: []byte("0x1001\n")},
		"sys/class/net/eth0/type":     {Data: []byte("1\n")},
		"sys/class/net/eth0/device":   {Data: nil},
		"proc/1/comm":                 {Data: []byte("systemd\n")},
		"proc/812/comm":               {Data: []byte("wireguard-go\n")},
		"etc/resolv.conf":             {Data: []byte("nameserver 10.201.0.53\nsearch corp.example\n")},
	}
	for k, v := range extra {
		fsys[k] = v
	}
	return fsys
}

var linuxIfaces = []netstate.SysInterface{
	loopbackSys,
	{Index: 2, Name: "eth0", MTU: 1500, Flags: net.FlagUp | net.FlagRunning, Addrs: []netip.Prefix{p4("192.168.1.20/24")}},
	{Index: 5, Name: "wg0", MTU: 1420, Flags: upP2P, Addrs: []netip.Prefix{p4("10.202.0.2/32")}},
}

const linuxWGShow = "interface: wg0\n  public key: AAAA\n  private key: (hidden)\n  listening port: 40000\n\npeer: GWKEY\n  endpoint: 203.0.113.7:51820\n  allowed ips: 10.201.0.0/24\n  latest handshake: 5 seconds ago\n  transfer: 1.20 KiB received, 3.40 KiB sent\n\n" +
	"interface: wgother\n  public key: CCCC\n  private key: (hidden)\n  listening port: 51820\n\npeer: DDDD\n  endpoint: 10.210.0.2:51820\n  allowed ips: 10.211.0.2/32\n  latest handshake: 1 second ago\n"

// linuxDialer routes the company network into wg0 and the rest out of
// eth0; company services answer, others are silent.
func linuxDialer(answer bool) *checkstest.Dialer {
	d := &checkstest.Dialer{
		Sources:       map[netip.Addr]netip.Addr{a4("10.201.0.10"): a4("10.202.0.2"), a4("10.201.0.11"): a4("10.202.0.2"), a4("10.201.0.53"): a4("10.202.0.2")},
		DefaultSource: a4("192.168.1.20"),
		Default:       &checkstest.Route{Silent: true},
	}
	if answer {
		d.Routes = map[string]checkstest.Route{}
		for src := range d.Sources {
			d.Routes[src.String()] = checkstest.Route{Local: a4("10.202.0.2")}
		}
	}
	return d
}

func runCheck(t *testing.T, c *check, env *checks.Env) report.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	res := c.Run(ctx, env)
	reportschema.CheckResults(t, "vpn", "VPN", []report.Result{res})
	return res
}

func TestRunLinuxWireGuard(t *testing.T) {
	exec := checkstest.NewCommands(t, map[string]checkstest.Reply{"wg show": {Out: linuxWGShow}, "wg show all transfer": {Out: "wg0\tGWKEY\t1228\t3481\nwgother\tDDDD\t5\t5\n"}})
	vpn := profile.VPN{Gateway: "203.0.113.7:51820", GatewayType: "udp-silent", Targets: []string{"10.201.0.10:443", "10.201.0.11:22"}}
	env := withIfaces(newEnv(t, "linux", vpn, exec, linuxFS(nil), linuxDialer(true)), linuxIfaces)
	var pmtuTo netip.Addr
	c := &check{
		pmtu: func(_ context.Context, dst netip.Addr, start int) (icmpprobe.PMTU, error) {
			pmtuTo = dst
			return icmpprobe.PMTU{MTU: start, Exact: true}, nil
		},
	}
	res := runCheck(t, c, env)
	if res.Status != report.Pass || res.Facts["vpn_state"] != stateConnected {
		t.Fatalf("%s %q %+v", res.Status, res.Facts["vpn_state"], res.Findings)
	}
	for k, want := range map[string]string{"tunnel_interface": "wg0", "tunnel_mode": "split", "tunnel_client": "WireGuard",
		"tunnel_dns": "10.201.0.53", "tunnel_routes": "10.201.0.0/24", "vpn_clients": "WireGuard", "tunnel_mtu_source": "path", "gateway_type": "udp-silent"} {
		if res.Facts[k] != want {
			t.Errorf("%s = %q, want %q", k, res.Facts[k], want)
		}
	}
	if pmtuTo != a4("10.201.0.10") {
		t.Errorf("MTU searched toward %v", pmtuTo)
	}
	tun, _ := item(res, "tunnel", "wg0")
	if tun.Attributes["role"] != "company" || tun.Attributes["peer_endpoint"] != "203.0.113.7:51820" || metricOf(tun.Metrics, "handshake_age_seconds").Value == nil {
		t.Errorf("tunnel %+v", tun)
	}
	raw, _ := json.Marshal(res)
	if strings.Contains(string(raw), "wgother") || strings.Contains(string(raw), "GWKEY") {
		t.Errorf("another namespace's tunnel, or a key, in the result: %s", raw)
	}
}

func TestRunLinuxNoTrafficSilentGateway(t *testing.T) {
	t.Parallel()
	calls := 0
	// The counters: 512 bytes more sent after the probes, nothing received.
	exec := checkstest.NewCommands(t, map[string]checkstest.Reply{"wg show": {Out: linuxWGShow},
		"wg show all transfer": {Func: func(context.Context) ([]byte, error) {
			calls++
			if calls == 1 {
				return []byte("wg0\tGWKEY\t1228\t3481\n"), nil
			}
			return []byte("wg0\tGWKEY\t1228\t3993\n"), nil
		}}})
	env := newEnv(t, "linux", profile.VPN{Gateway: "203.0.113.7:51820", GatewayType: "udp-silent", Targets: []string{"10.201.0.10:443"}},
		exec, linuxFS(nil), linuxDialer(false))
	withIfaces(env, linuxIfaces)
	c := &check{}
	start := time.Now()
	res := runCheck(t, c, env)
	if took := time.Since(start); took > connectTimeout+busySlack {
		t.Errorf("took %s", took)
	}
	if res.Status != report.Fail || res.Facts["vpn_state"] != stateNoTraffic {
		t.Fatalf("%s %q", res.Status, res.Facts["vpn_state"])
	}
	if !findingWith(res, "512 bytes went into the tunnel") {
		t.Errorf("findings %+v", res.Findings)
	}
	if m, _ := res.Metric("tunnel_mtu_bytes"); m.Value == nil || *m.Value != 1420 || !strings.Contains(m.Note, "interface's MTU") {
		t.Errorf("interface MTU with a note: %+v", m)
	}
}

func TestRunWindowsAnyConnectFullTunnel(t *testing.T) {
	exec := checkstest.NewCommands(t, map[string]checkstest.Reply{
		"route print":          {Out: fixture(t, "windows-route-print-anyconnect.txt")},
		"tasklist /fo csv /nh": {Out: fixture(t, "windows-tasklist-csv-anyconnect-synthetic.txt")},
		"wg":                   checkstest.NotInstalled,
		"ipconfig":             checkstest.NotInstalled,
		"powershell":           checkstest.NotInstalled,
		"reg":                  checkstest.NotInstalled,
	})
	env := withIfaces(newEnv(t, "windows", profile.VPN{}, exec, nil, routedFrom(a4("10.21.38.97"))), []sysIface{
		{Index: 1, Name: "Loopback Pseudo-Interface 1", Flags: net.FlagUp | net.FlagRunning | net.FlagLoopback, Addrs: []netip.Prefix{p4("127.0.0.1/8")}},
		{Index: 6, Name: "Wi-Fi", MTU: 1500, Flags: net.FlagUp | net.FlagRunning, Addrs: []netip.Prefix{p4("192.168.100.74/24")}},
		{Index: 19, Name: "Ethernet 2", MTU: 1300, Flags: net.FlagUp | net.FlagRunning, Addrs: []netip.Prefix{p4("10.21.38.97/24")}},
	})
	c := &check{}
	res := runCheck(t, c, env)
	if res.Status != report.Pass || res.Facts["tunnel_interface"] != "Ethernet 2" || res.Facts["tunnel_mode"] != "full" ||
		res.Facts["tunnel_client"] != "Cisco Secure Client (AnyConnect)" || res.Facts["vpn_clients"] != "Cisco Secure Client (AnyConnect)" {
		t.Fatalf("%s %v", res.Status, res.Facts)
	}
	if !strings.Contains(res.Facts["tunnel_routes"], "0.0.0.0/0") {
		t.Errorf("the tunnel's default route: %v", res.Facts)
	}
	if tun, _ := item(res, "tunnel", "Ethernet 2"); !strings.HasPrefix(tun.Attributes["adapter"], "Cisco AnyConnect") {
		t.Errorf("%+v", tun)
	}
}

func TestRunWindowsAdaptersWithoutTunnel(t *testing.T) {
	exec := checkstest.NewCommands(t, map[string]checkstest.Reply{"route print": {Out: fixture(t, "windows-route-print-nordvpn-dco.txt")}, "tasklist /fo csv /nh": {},
		"ipconfig": checkstest.NotInstalled, "powershell": checkstest.NotInstalled, "reg": checkstest.NotInstalled})
	ifs := []sysIface{
		{Index: 3, Name: "OpenVPN Data Channel Offload", Flags: 0},
		{Index: 7, Name: "Local Area Connection", Flags: 0},
		{Index: 11, Name: "Wi-Fi", Flags: net.FlagUp | net.FlagRunning, Addrs: []netip.Prefix{p4("192.168.1.169/24")}},
	}
	res := runCheck(t, &check{}, withIfaces(newEnv(t, "windows", profile.VPN{}, exec, nil, routedFrom(a4("192.168.1.169"))), ifs))
	if res.Status != report.Skipped || res.Summary != "No VPN in use, and the profile expects none" {
		t.Errorf("%s %q", res.Status, res.Summary)
	}
	env := newEnv(t, "windows", profile.VPN{Gateway: "vpn.acme.test", GatewayType: "tls"}, exec, nil, routedFrom(a4("192.168.1.169")))
	res = runCheck(t, &check{}, withIfaces(env, ifs))
	if res.Status != report.Fail || res.Facts["vpn_state"] != stateNotConnected || !findingWith(res, "Start your VPN app (none is running)") ||
		!findingWith(res, "The VPN gateway's name vpn.acme.test does not resolve") {
		t.Errorf("%s %+v", res.Status, res.Findings)
	}
}

func TestRunMacOS(t *testing.T) {
	exec := checkstest.NewCommands(t, map[string]checkstest.Reply{
		"ifconfig -a -v": {Out: fixture(t, "macos-ifconfig-openvpn-synthetic.txt")},
		"netstat -rn":    {Out: fixture(t, "macos-netstat-rn-openvpn-synthetic.txt")},
		"ps -axo comm":   {Out: fixture(t, "macos-ps-axo-comm-synthetic.txt")},
		"wg":             checkstest.NotInstalled,
		"scutil":         checkstest.NotInstalled,
	})
	noOS := func(env *checks.Env) *checks.Env {
		cfg := env.NetConfig()
		cfg.ListInterfaces = func() ([]sysIface, error) { t.Error("ifconfig worked: no OS list needed"); return nil, nil }
		env.Net = netstate.New(cfg)
		return env
	}
	res := runCheck(t, &check{}, noOS(newEnv(t, "darwin", profile.VPN{}, exec, nil, routedFrom(a4("10.8.0.2")))))
	if res.Status != report.Pass || res.Facts["tunnel_interface"] != "utun3" || res.Facts["tunnel_mode"] != "full" || res.Facts["vpn_clients"] != "OpenVPN" {
		t.Fatalf("%s %v", res.Status, res.Facts)
	}
	for _, p := range []string{"0.0.0.0/1", "128.0.0.0/1", "10.8.0.0/16", "172.20.16.0/22", "fd00:8::/64"} {
		if !strings.Contains(res.Facts["tunnel_routes"], p) {
			t.Errorf("route %s missing: %q", p, res.Facts["tunnel_routes"])
		}
	}
	if strings.Contains(res.Facts["tunnel_routes"], "fe80") || strings.Contains(res.Facts["tunnel_routes"], "10.8.0.1/32") {
		t.Errorf("link-local or the peer's host route listed: %q", res.Facts["tunnel_routes"])
	}
	if _, ok := item(res, "tunnel", "utun0"); ok {
		t.Error("macOS's own utun0 (link-local only) is not a VPN")
	}

	// The real capture: five utun interfaces, none a VPN.
	exec.Set("ifconfig -a -v", checkstest.Reply{Out: fixture(t, "macos-ifconfig-utun-system.txt")})
	exec.Set("ps -axo comm", checkstest.Reply{Out: "COMM\n/sbin/launchd\n"})
	res = runCheck(t, &check{}, noOS(newEnv(t, "darwin", profile.VPN{}, exec, nil, routedFrom(a4("192.168.1.72")))))
	if res.Status != report.Skipped {
		t.Errorf("%s %q %v", res.Status, res.Summary, res.Items)
	}
}

func findingWith(res report.Result, s string) bool {
	for _, f := range res.Findings {
		if strings.Contains(f.Message, s) || strings.Contains(f.Fix, s) {
			return true
		}
	}
	return false
}
