package all

import (
	"context"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

// countingFS counts the opens of each path.
type countingFS struct {
	fs.FS
	mu    sync.Mutex
	opens map[string]int
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.mu.Lock()
	c.opens[name]++
	c.mu.Unlock()
	return c.FS.Open(name)
}

func (c *countingFS) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opens[name]
}

// countingCommands answers resolvectl from a capture and every other
// program as missing, as on a machine without them, and counts the lines.
type countingCommands struct {
	resolvectl string
	mu         sync.Mutex
	lines      map[string]int
}

func (c *countingCommands) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	c.mu.Lock()
	c.lines[line]++
	c.mu.Unlock()
	if line == "resolvectl status --no-pager" {
		return []byte(c.resolvectl), nil
	}
	return nil, &checks.CommandError{Name: name, Err: &exec.Error{Name: name, Err: exec.ErrNotFound}}
}

func (c *countingCommands) count(line string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lines[line]
}

// countingDialer counts the kernel questions of the network state (UDP
// "connects" to the internet probes) on top of a fake that reaches
// nothing.
type countingDialer struct {
	*checkstest.Dialer
	mu      sync.Mutex
	egress4 int
}

func (d *countingDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if network == "udp4" && address == "198.51.100.1:9" {
		d.mu.Lock()
		d.egress4++
		d.mu.Unlock()
	}
	return d.Dialer.DialContext(ctx, network, address)
}

// machine is an offline Linux laptop on Wi-Fi whose VPN connects on
// demand: the first read lists no tunnel; traffic to the company target
// leaves by an address that only a later read's wg0 has.
type machine struct {
	fs     *countingFS
	cmds   *countingCommands
	dialer *countingDialer
	mu     sync.Mutex
	lists  int
}

func newMachine(t *testing.T) *machine {
	resolvectl, err := os.ReadFile(filepath.Join("..", "..", "internal", "netstate", "testdata", "linux-resolvectl-vpn-synthetic.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// The router is 127.0.0.1: the network check pings the router for
	// real, and a test sends nothing off this machine.
	tree := fstest.MapFS{
		"proc/net/route": {Data: []byte("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
			"wlan0\t00000000\t0100007F\t0003\t0\t0\t600\t00000000\t0\t0\t0\n" +
			"wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n")},
		"proc/net/ipv6_route":          {Data: nil},
		"etc/resolv.conf":              {Data: []byte("nameserver 127.0.0.53\n")},
		"sys/class/net/wlan0/wireless": {Mode: fs.ModeDir | 0o555},
		"sys/class/net/eth0/type":      {Data: []byte("1\n")},
		"sys/class/net/eth0/device":    {Mode: fs.ModeDir | 0o555},
		"sys/class/net/wg0/type":       {Data: []byte("65534\n")},
		"sys/class/net/lo/type":        {Data: []byte("772\n")},
	}
	return &machine{
		fs:   &countingFS{FS: tree, opens: map[string]int{}},
		cmds: &countingCommands{resolvectl: string(resolvectl), lines: map[string]int{}},
		dialer: &countingDialer{Dialer: &checkstest.Dialer{
			Sources: map[netip.Addr]netip.Addr{
				netip.MustParseAddr("198.51.100.1"): netip.MustParseAddr("192.168.1.20"),
				netip.MustParseAddr("10.201.0.10"):  netip.MustParseAddr("10.202.0.2"), // the tunnel's address
			},
		}},
	}
}

// interfaces is the OS's list: wg0 appears from the second read on.
func (m *machine) interfaces() ([]netstate.SysInterface, error) {
	m.mu.Lock()
	m.lists++
	n := m.lists
	m.mu.Unlock()
	list := []netstate.SysInterface{
		{Index: 1, Name: "lo", MTU: 65536, Flags: net.FlagUp | net.FlagRunning | net.FlagLoopback, Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}},
		{Index: 2, Name: "eth0", MTU: 1500, MAC: "00:11:22:33:44:55", Flags: net.FlagUp},
		{Index: 3, Name: "wlan0", MTU: 1500, MAC: "66:77:88:99:aa:bb", Flags: net.FlagUp | net.FlagRunning, Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.20/24")}},
	}
	if n > 1 {
		list = append(list, netstate.SysInterface{Index: 5, Name: "wg0", MTU: 1420, Flags: net.FlagUp | net.FlagRunning | net.FlagPointToPoint,
			Addrs: []netip.Prefix{netip.MustParsePrefix("10.202.0.2/32")}})
	}
	return list, nil
}

func (m *machine) env() *checks.Env {
	p := profile.Default()
	p.VPN = profile.VPN{Targets: []string{"10.201.0.10:443"}}
	env := &checks.Env{
		Now: time.Now, OS: "linux", Arch: "amd64", FS: m.fs, Exec: m.cmds, Dialer: m.dialer,
		HTTP:     &http.Client{Transport: &http.Transport{DialContext: m.dialer.DialContext}},
		Resolver: &checkstest.Resolver{}, Getenv: func(string) string { return "" }, Profile: p,
	}
	cfg := env.NetConfig()
	cfg.ListInterfaces = m.interfaces
	env.Net = netstate.New(cfg)
	return env
}

// TestOneRunReadsEachSourceOnce runs every check, as wfh doctor does,
// against an offline Linux machine whose sources count their reads. The
// run reads each network source exactly as often as one read of the
// network state does, plus one fresh read: the vpn check's, when traffic
// to its company target leaves by an interface the first read did not
// list. Before the snapshot, one offline run read /proc/net/route three
// times and resolv.conf twice.
func TestOneRunReadsEachSourceOnce(t *testing.T) {
	m := newMachine(t)
	env := m.env()
	runner := &checks.Runner{Env: *env, Timeout: 40 * time.Second}
	out := runner.Run(t.Context(), Checks())
	var vpn report.Result
	for _, r := range out.Results {
		if r.ID == "vpn" {
			vpn = r
		}
		t.Logf("%s: %s %s", r.ID, r.Status, r.Summary)
	}
	if vpn.Facts["tunnel_interface"] != "wg0" {
		t.Errorf("the vpn check did not judge the tunnel of its fresh read: %s %v", vpn.Summary, vpn.Facts)
	}

	// Every source is read once per read of the network state: the run's,
	// and the vpn check's fresh one.
	const reads = 2
	for what, n := range map[string]int{
		"/proc/net/route": m.fs.count("proc/net/route"), "/proc/net/ipv6_route": m.fs.count("proc/net/ipv6_route"),
		"/etc/resolv.conf": m.fs.count("etc/resolv.conf"), "resolvectl status": m.cmds.count("resolvectl status --no-pager"),
		// eth0's kind, in both reads; wg0 exists only in the second.
		"/sys/class/net/eth0/type": m.fs.count("sys/class/net/eth0/type"), "/sys/class/net/wg0/type": m.fs.count("sys/class/net/wg0/type") + 1,
	} {
		if n != reads {
			t.Errorf("%s read %d times, want %d", what, n, reads)
		}
	}
	m.fs.mu.Lock()
	for name, n := range m.fs.opens {
		if strings.HasPrefix(name, "sys/class/net/") && n > reads {
			t.Errorf("%s read %d times in %d reads of the network state", name, n, reads)
		}
	}
	m.fs.mu.Unlock()
	m.mu.Lock()
	lists := m.lists
	m.mu.Unlock()
	m.dialer.mu.Lock()
	egress := m.dialer.egress4
	m.dialer.mu.Unlock()
	if lists != reads || egress != reads {
		t.Errorf("interfaces listed %d times and the kernel asked %d times, want %d each", lists, egress, reads)
	}
}
