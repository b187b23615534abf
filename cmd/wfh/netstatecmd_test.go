package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
)

// TestNetstateCmd: the hidden command prints the run's snapshot as JSON
// that reads back into the same values, origins and problems included.
func TestNetstateCmd(t *testing.T) {
	want := netstate.Snapshot{
		Interfaces: []netstate.Interface{{Index: 11, Name: "Wi-Fi", Kind: netstate.KindWiFi, Up: true,
			Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.20/24")}}},
		Routes: netstate.Routes{V4: []netstate.Route{{Dst: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("192.168.1.1"), Interface: "Wi-Fi", Metric: 35}}},
		DNS: netstate.DNSConfig{Via: "GetAdaptersAddresses", Servers: []netstate.DNSServer{
			{Addr: netip.MustParseAddrPort("192.168.1.1:53"), Source: netstate.DNSSourceAdapter, Interface: "Wi-Fi"}}},
		Problems: []netstate.Problem{{Part: netstate.PartProxy, Reason: "reg is not installed or not on PATH"}},
		Origins:  []netstate.Origin{{Part: netstate.PartInterfaces, Via: "net.Interfaces, route print and ipconfig /all", Failed: "GetAdaptersAddresses", Detail: "GetAdaptersAddresses: The data is invalid."}},
	}
	h := newHarness(t)
	h.f.newEnv = func(p *profile.Profile) (*checks.Env, error) {
		env, _ := testEnv(p)
		env.Net = netstate.FromSnapshot(want)
		return env, nil
	}
	if code := h.run(context.Background(), "netstate"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr)
	}
	var got netstate.Snapshot
	if err := json.Unmarshal([]byte(h.stdout.String()), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, h.stdout)
	}
	if len(got.Interfaces) != 1 || got.Interfaces[0].Kind != netstate.KindWiFi || got.Routes.Defaults4()[0].Gateway != netip.MustParseAddr("192.168.1.1") ||
		got.DNS.Servers[0].Addr != want.DNS.Servers[0].Addr || len(got.Origins) != 1 || !got.Origins[0].FellBack() || len(got.Problems) != 1 {
		t.Errorf("read back %+v", got)
	}
	// Hidden from the help a user reads.
	h = newHarness(t)
	h.run(context.Background(), "--help")
	if strings.Contains(h.stdout.String(), "netstate") {
		t.Errorf("help lists the hidden command:\n%s", h.stdout)
	}
}
