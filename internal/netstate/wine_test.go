//go:build winetest

// This test runs the Windows binary under Wine with internal/winetest
// (issue 22). It is built only with -tags winetest until that package is
// on main: then remove the build constraint above, and CI runs it with the
// other Wine tests (it skips, naming the Debian packages, where Wine is
// missing).

package netstate_test

import (
	"context"
	"encoding/json"
	"net/netip"
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
}
