// The Windows binary and the Windows test binaries under Wine, through
// internal/winetest; without Wine they skip, naming the Debian packages.

package netstate_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/winetest"
)

// TestWindowsSnapshotUnderWine: the Windows binary's network state in a
// netlab home (a veth to the router with IPv4 and IPv6, a default route,
// resolv.conf naming the router as DNS server and a search domain), read
// by `wfh.exe netstate` under Wine with its wineserver in the home
// namespace. The snapshot lists the interfaces, the default route and the
// DNS server, read through the Windows API (GetAdaptersAddresses,
// GetIpForwardTable2), and the kernel names the way out.
func TestWindowsSnapshotUnderWine(t *testing.T) {
	lab := netlab.New(t)
	home, router := lab.Namespace("home"), lab.Namespace("router")
	homeIf, _ := lab.Link(home, []string{"192.168.77.20/24", "fd00:77::20/64"}, router, []string{"192.168.77.1/24", "fd00:77::1/64"})
	home.Route("default", "192.168.77.1")
	// Wine's DNS client reads resolv.conf in each program's process, which
	// `ip netns exec` gives this file.
	home.ResolvConf("nameserver 192.168.77.1\nsearch home.example\n")
	p := winetest.NewPrefix(t, home)

	snap := wineSnapshot(t, p)
	for _, pr := range snap.Problems {
		if pr.Part != netstate.PartProxy { // Wine's reg.exe answers, but need not
			t.Errorf("problem %+v", pr)
		}
	}
	// Wine names adapters after their Linux devices.
	veth, ok := netstate.ByName(snap.Interfaces, homeIf)
	if !ok || veth.Kind != netstate.KindWired || !veth.Up || !veth.Has(netip.MustParseAddr("192.168.77.20")) || veth.MAC == "" {
		t.Errorf("the veth %s: %+v (interfaces %+v)", homeIf, veth, snap.Interfaces)
	}
	if !slices.ContainsFunc(snap.Interfaces, func(i netstate.Interface) bool { return i.Kind == netstate.KindLoopback }) {
		t.Errorf("no loopback: %+v", snap.Interfaces)
	}
	d := snap.Routes.Defaults4()
	if len(d) == 0 || d[0].Interface != homeIf || d[0].Gateway != netip.MustParseAddr("192.168.77.1") {
		t.Errorf("IPv4 default routes %+v", d)
	}
	if pa := snap.Path; pa.Interface != homeIf || !pa.FromKernel || pa.Router != netip.MustParseAddr("192.168.77.1") || !pa.Wired() {
		t.Errorf("path %+v", pa)
	}
	g := snap.DNS.General()
	if len(g) == 0 || g[0].Addr != netip.MustParseAddrPort("192.168.77.1:53") || g[0].Interface != homeIf || g[0].Source != netstate.DNSSourceAdapter {
		t.Errorf("DNS %+v", snap.DNS)
	}
	if !slices.Contains(snap.DNS.Search, "home.example") {
		t.Errorf("search %q", snap.DNS.Search)
	}
	// Read through the API, not the text fallbacks: the report would say
	// so otherwise.
	for _, o := range snap.Origins {
		if o.FellBack() || !strings.HasPrefix(o.Via, "Get") {
			t.Errorf("origin %+v", o)
		}
	}
	if len(snap.Origins) != 3 {
		t.Errorf("origins %+v", snap.Origins)
	}

	// A full-tunnel VPN comes up: a wireguard-go device whose on-link
	// default route has a lower metric than the router's. Wine's
	// GetAdaptersAddresses fails with prefixes while a tunnel holds an
	// on-link default (docs/testing.md): internal/winnet asks again
	// without them, so the API still answers.
	wg := startWireGuardGo(t, home)
	home.Run("ip", "addr", "add", "10.9.0.2/24", "dev", wg)
	home.Run("ip", "link", "set", wg, "up")
	home.Run("ip", "route", "del", "default", "via", "192.168.77.1")
	home.Run("ip", "route", "add", "default", "via", "192.168.77.1", "metric", "100")
	home.Run("ip", "route", "add", "default", "dev", wg, "metric", "5")
	snap = wineSnapshot(t, p)
	for _, pr := range snap.Problems {
		if pr.Part != netstate.PartProxy {
			t.Errorf("with the tunnel: problem %+v", pr)
		}
	}
	// Wine names the device after Linux and gives a TUN device IfType 1:
	// the name tells it is a tunnel.
	if tun, ok := netstate.ByName(snap.Interfaces, wg); !ok || tun.Kind != netstate.KindTunnel || !tun.Has(netip.MustParseAddr("10.9.0.2")) {
		t.Errorf("the tunnel %s: %+v (interfaces %+v)", wg, tun, snap.Interfaces)
	}
	d = snap.Routes.Defaults4()
	if len(d) != 2 || d[0].Interface != wg || d[0].Gateway.IsValid() || d[1].Interface != homeIf {
		t.Errorf("with the tunnel, IPv4 default routes %+v", d)
	}
	if pa := snap.Path; pa.Interface != wg || !pa.ViaTunnel() || !pa.FromKernel || pa.Link != homeIf || pa.Router != netip.MustParseAddr("192.168.77.1") {
		t.Errorf("with the tunnel, path %+v", pa)
	}
	for _, o := range snap.Origins {
		if o.FellBack() {
			t.Errorf("with the tunnel, origin %+v", o)
		}
	}
}

// wineSnapshot runs `wfh.exe netstate` in p and returns its snapshot.
func wineSnapshot(t *testing.T, p *winetest.Prefix) netstate.Snapshot {
	t.Helper()
	// Wine's start-up adds seconds to the read's own 2 s bound.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	r, err := p.Run(ctx, []string{"NO_COLOR=1"}, winetest.WfhExe(t), "netstate")
	if err != nil || r.Code != 0 {
		t.Fatalf("wfh.exe netstate: exit %d, %v\nstderr: %s", r.Code, err, r.Stderr)
	}
	var snap netstate.Snapshot
	if err := json.Unmarshal(r.Stdout, &snap); err != nil {
		t.Fatalf("wfh.exe netstate printed no snapshot: %v\n%s", err, r.Stdout)
	}
	t.Logf("wfh.exe netstate in %v:\n%s", r.Took.Round(time.Millisecond), r.Stdout)
	return snap
}

// startWireGuardGo runs wireguard-go in ns under a name Wine shows as a
// Linux tunnel ("wg" and digits, unique: the control sockets of every
// namespace share /var/run/wireguard) and waits for its device. It skips
// without wireguard-go (Debian package wireguard-go).
func startWireGuardGo(t *testing.T, ns *netlab.NS) string {
	t.Helper()
	if _, err := exec.LookPath("wireguard-go"); err != nil {
		t.Skip("wireguard-go not found (install the Debian package wireguard-go)")
	}
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("wg%d", 100000+int(b[0])<<16|int(b[1])<<8|int(b[2]))
	cmd := ns.Command(context.Background(), "wireguard-go", "-f", name)
	if err := cmd.Start(); err != nil {
		t.Fatalf("wireguard-go: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = os.Remove(filepath.Join("/var/run/wireguard", name+".sock"))
	})
	// wireguard-go makes its device within milliseconds; 10 s is a busy
	// machine's margin.
	deadline := time.Now().Add(10 * time.Second)
	for exec.Command("ip", "-n", ns.Name(), "link", "show", name).Run() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("wireguard-go made no device %s in %s", name, ns)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return name
}

// TestWindowsTestBinariesUnderWine runs the Windows builds of the test
// binaries of netstate, winnet and oemtext under Wine in a netlab home:
// their Windows-only tests (the native and text sources read on the
// machine itself, winnet's constants against x/sys and its readers,
// oemtext's code-page conversions) run nowhere else, and the rest of
// netstate's tests run as a Windows program. The binaries run from this
// package's directory, so netstate's reads its testdata.
func TestWindowsTestBinariesUnderWine(t *testing.T) {
	lab := netlab.New(t)
	home, router := lab.Namespace("home"), lab.Namespace("router")
	lab.Link(home, []string{"192.168.77.20/24", "fd00:77::20/64"}, router, []string{"192.168.77.1/24", "fd00:77::1/64"})
	home.Route("default", "192.168.77.1")
	home.ResolvConf("nameserver 192.168.77.1\nsearch home.example\n")
	p := winetest.NewPrefix(t, home)
	dir := t.TempDir()
	for _, pkg := range []string{"netstate", "winnet", "oemtext"} {
		exe := filepath.Join(dir, pkg+".test.exe")
		// A cold cross-compile of the test binary takes minutes on a
		// shared machine.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		build := exec.CommandContext(ctx, "go", "test", "-c", "-o", exe, "./internal/"+pkg+"/")
		build.Dir = filepath.Join("..", "..")
		build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
		out, err := build.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("build %s: %v: %s", exe, err, out)
		}
		// The whole of netstate's tests take seconds on Windows; Wine's
		// start-up and a busy machine take the rest.
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Minute)
		r, err := p.Run(ctx, nil, exe, "-test.v", "-test.count=1")
		cancel()
		t.Logf("%s.test.exe: exit %d in %v\n%s%s", pkg, r.Code, r.Took.Round(time.Millisecond), r.Stdout, r.Stderr)
		if err != nil || r.Code != 0 || !strings.Contains(string(r.Stdout), "\nPASS") {
			t.Errorf("%s.test.exe under Wine: exit %d, %v", pkg, r.Code, err)
		}
	}
}
