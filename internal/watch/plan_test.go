package watch

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// costsOf is the real probers' cost of each role of a ladder, as the
// engine computes it.
func costsOf(rungs []Rung, echo Prober) Costs {
	c := Costs{}
	for _, r := range rungs {
		n := echo.Cost(r)
		switch r.Role {
		case RoleDNSLookup:
			n = DNSProber{}.Cost(r)
		case RoleVPN:
			n += 2 * vpnOverhead
		}
		c[r.Role] = max(c[r.Role], n)
	}
	return c
}

// TestPlanFitsTheBudget: the default 8-hour watch at one tick a second
// fits 20 MB by construction, with and without a VPN, and the plan says
// what it sends.
func TestPlanFitsTheBudget(t *testing.T) {
	echo := &Pinger{}
	for _, tc := range []struct {
		name        string
		rungs       []Rung
		wantAnchors int
	}{
		// gateway 56 + hop 56 + lookup 2×28+2×32+16 = 136: 248 B a tick,
		// 659 B allowed (20 MB × 95 % / 28 800 ticks): 7 anchor probes
		{"no VPN", defaultRungs(false), 7},
		// the VPN's echo with 64 B of its own headers each way: 184 B
		{"VPN", defaultRungs(true), 4},
	} {
		p, err := MakePlan(DefaultBudget, 8*time.Hour, time.Second, costsOf(tc.rungs, echo))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		total := p.BytesPerTick * 8 * 3600
		t.Logf("%s: %+v, %.1f MB for 8 h", tc.name, p, total/1e6)
		if total > DefaultBudget*(1-budgetReserve)+1 {
			t.Errorf("%s: the plan sends %.0f bytes in 8 h, over the budget", tc.name, total)
		}
		if p.Anchors != tc.wantAnchors || p.Gateway.EveryTicks != 1 || p.FirstHop.EveryTicks != 1 || p.DNSLookup.EveryTicks != 1 {
			t.Errorf("%s: plan %+v, want every rung each tick and %d anchor probes", tc.name, p, tc.wantAnchors)
		}
	}
}

func TestPlanSlowsDownThenRefuses(t *testing.T) {
	c := costsOf(defaultRungs(true), &Pinger{})
	// a budget of a fifth: the VPN, DNS and provider are probed less often
	p, err := MakePlan(6_000_000, 8*time.Hour, time.Second, c)
	if err != nil {
		t.Fatal(err)
	}
	if p.VPN.EveryTicks < 2 || p.Anchors != 1 {
		t.Errorf("a tight budget: %+v", p)
	}
	if p.BytesPerTick*8*3600 > 6_000_000 {
		t.Errorf("over the budget: %+v", p)
	}
	_, err = MakePlan(200_000, 8*time.Hour, time.Second, c)
	if !errors.Is(err, ErrBudget) || !strings.Contains(err.Error(), "needs at least") {
		t.Fatalf("err %v", err)
	}
	t.Logf("%v", err)
	// the anchors never go past ten a second, whatever the budget
	p, _ = MakePlan(10_000_000_000, time.Minute, time.Second, c)
	if p.Anchors != 10 {
		t.Errorf("anchors %d a tick at an unlimited budget, want 10", p.Anchors)
	}
	p, _ = MakePlan(10_000_000_000, time.Minute, 5*time.Second, c)
	if p.Anchors != 50 {
		t.Errorf("anchors %d a 5-second tick, want 50", p.Anchors)
	}
}

func TestDefaultBudget(t *testing.T) {
	for d, want := range map[time.Duration]int64{
		time.Minute:    20_000_000,
		8 * time.Hour:  20_000_000,
		12 * time.Hour: 30_000_000,
		24 * time.Hour: 60_000_000,
	} {
		if got := DefaultBudgetOf(d); got != want {
			t.Errorf("%v: %d, want %d", d, got, want)
		}
	}
}

func TestCosts(t *testing.T) {
	v4 := Rung{Addr: netip.MustParseAddr("1.1.1.1"), Role: RoleAnchor}
	v6 := Rung{Addr: netip.MustParseAddr("2606:4700::1111"), Role: RoleAnchor}
	p := &Pinger{}
	if p.Cost(v4) != 56 || p.Cost(v6) != 96 {
		t.Errorf("echo costs %d and %d", p.Cost(v4), p.Cost(v6))
	}
	if c := (TCPProber{}).Cost(v4); c != 200 {
		t.Errorf("tcp %d", c)
	}
	lookup := Rung{Role: RoleDNSLookup, Addr: netip.MustParseAddr("192.168.1.1"), Name: "www.google.com"}
	// query: 12 header + 16 name + 4 = 32; answer 32 + 16
	if c := (DNSProber{}).Cost(lookup); c != 2*28+32+48 {
		t.Errorf("dns %d", c)
	}
	if got := FormatBytes(20_000_000); got != "20 MB" {
		t.Error(got)
	}
	if got := FormatBytes(1_234_567); got != "1.3 MB" {
		t.Error(got)
	}
	if got := FormatBytes(800); got != "800 B" {
		t.Error(got)
	}
}
