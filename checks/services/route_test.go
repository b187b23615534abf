package services

import (
	"context"
	"net/netip"
	"testing"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/netstate"
)

// TestSnapshotOwner: a local address is named by the run's network state,
// with a tunnel told from a wired link; an address of an interface that came
// up after the read (an on-demand VPN) is found by one fresh read, and an
// address no interface has is unknown.
func TestSnapshotOwner(t *testing.T) {
	wired := netstate.Interface{Name: "eth0", Kind: netstate.KindWired, Up: true,
		Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.10/24")}}
	tunnel := netstate.Interface{Name: "wg0", Kind: netstate.KindTunnel, Up: true,
		Addrs: []netip.Prefix{netip.MustParsePrefix("10.9.0.2/32")}}
	env := &checks.Env{Net: netstate.Fake(
		netstate.Snapshot{Interfaces: []netstate.Interface{wired}},
		netstate.Snapshot{Interfaces: []netstate.Interface{wired, tunnel}},
	)}
	owner := snapshotOwner(context.Background(), env)
	for _, tc := range []struct {
		addr   string
		name   string
		tunnel bool
		ok     bool
	}{
		{"192.168.1.10", "eth0", false, true},
		{"10.9.0.2", "wg0", true, true},              // found by the fresh read
		{"::ffff:192.168.1.10", "eth0", false, true}, // IPv4-mapped
		{"172.16.0.9", "", false, false},             // no fresh read left to find it
	} {
		name, tun, ok := owner(netip.MustParseAddr(tc.addr))
		if name != tc.name || tun != tc.tunnel || ok != tc.ok {
			t.Errorf("%s: got %q, tunnel %v, ok %v; want %q, %v, %v", tc.addr, name, tun, ok, tc.name, tc.tunnel, tc.ok)
		}
	}
}

// TestSnapshotOwnerWithoutState: a run whose state was never read (nil)
// names no interface and does not panic.
func TestSnapshotOwnerWithoutState(t *testing.T) {
	owner := snapshotOwner(context.Background(), &checks.Env{})
	if name, _, ok := owner(netip.MustParseAddr("192.168.1.10")); ok || name != "" {
		t.Errorf("got %q, %v", name, ok)
	}
}
