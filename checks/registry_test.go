package checks

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var sprintf = fmt.Sprintf

func TestRegistrySelect(t *testing.T) {
	reg := NewRegistry(newFake("system", pass), newFake("network", pass), newFake("dns", pass))
	ids := func(cs []Check) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.ID())
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		only, skip []string
		want       string
	}{
		{nil, nil, "system,network,dns"},
		{[]string{"dns", "system"}, nil, "system,dns"},
		{nil, []string{"network"}, "system,dns"},
		{[]string{" DNS "}, nil, "dns"},
		{[]string{"dns"}, []string{"dns"}, ""},
	} {
		got, err := reg.Select(tc.only, tc.skip)
		if err != nil || ids(got) != tc.want {
			t.Errorf("Select(%v,%v) = %q, %v; want %q", tc.only, tc.skip, ids(got), err, tc.want)
		}
	}
	_, err := reg.Select([]string{"nosuch"}, nil)
	var unknown *UnknownCheckError
	if !errors.As(err, &unknown) || err.Error() != `unknown check "nosuch"; valid checks: dns, network, system` {
		t.Errorf("unknown check error = %v", err)
	}
	if _, err := reg.Select(nil, []string{"nope"}); err == nil {
		t.Error("unknown --skip name accepted")
	}
}

func TestRegistryRejectsBadIDs(t *testing.T) {
	for _, id := range []string{"", "Has Space", "dup", strings.Repeat("x", 33)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewRegistry with id %q did not panic", id)
				}
			}()
			NewRegistry(newFake("dup", pass), newFake(id, pass))
		}()
	}
}

func TestNeedsString(t *testing.T) {
	n := Needs{Requires: []Need{NeedInternet}, Uses: []Resource{LocalNetwork}, LoadsNetwork: true, Privileges: "raw ICMP"}
	if got := n.String(); got != "internet (skipped when offline), local network, runs alone (loads the network), privileges: raw ICMP" {
		t.Errorf("got %q", got)
	}
	if (Needs{}).String() != "nothing" {
		t.Error("empty needs")
	}
}

func TestRegistryKeepsListOrder(t *testing.T) {
	list := []Check{newFake("network", pass), newFake("wifi", pass), newFake("system", pass)}
	reg := NewRegistry(list...)
	list[0] = newFake("changed", pass) // the registry keeps its own copy
	if got := strings.Join(reg.IDs(), ","); got != "network,wifi,system" {
		t.Errorf("order %s", got)
	}
	if got := len((&Registry{}).All()); got != 0 {
		t.Errorf("zero registry holds %d checks", got)
	}
}

// TestSelectPullsInProviders: a check chosen alone that requires a need
// brings the check that provides it, so that it is gated as in a full run;
// an explicit --skip of the provider wins.
func TestSelectPullsInProviders(t *testing.T) {
	net := &gateCheck{fakeCheck{id: "network", budget: time.Second, fn: pass}}
	needy := func(id string) *fakeCheck {
		c := newFake(id, pass)
		c.needs = Needs{Requires: []Need{NeedInternet}}
		return c
	}
	reg := NewRegistry(net, needy("dns"), needy("latency"), needy("bandwidth"), newFake("system", pass))
	ids := func(cs []Check) string {
		var s []string
		for _, c := range cs {
			id := c.ID()
			if by := PulledInBy(c); by != nil {
				id += "<" + strings.Join(by, "+")
			}
			s = append(s, id)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		only, skip []string
		want       string
	}{
		{[]string{"bandwidth"}, nil, "network<bandwidth,bandwidth"},
		{[]string{"latency", "bandwidth"}, nil, "network<latency+bandwidth,latency,bandwidth"},
		{[]string{"bandwidth", "network"}, nil, "network,bandwidth"},
		{[]string{"system"}, nil, "system"},
		{nil, nil, "network,dns,latency,bandwidth,system"},
		{[]string{"bandwidth"}, []string{"network"}, "bandwidth"},
		{nil, []string{"network"}, "dns,latency,bandwidth,system"},
	} {
		got, err := reg.Select(tc.only, tc.skip)
		if err != nil || ids(got) != tc.want {
			t.Errorf("Select(%v, %v) = %q, %v; want %q", tc.only, tc.skip, ids(got), err, tc.want)
		}
	}
	// The pulled-in check still provides its need to the runner.
	got, _ := reg.Select([]string{"bandwidth"}, nil)
	if p, ok := got[0].(Provider); !ok || p.Provides() != NeedInternet {
		t.Errorf("pulled-in network is not a provider: %T", got[0])
	}
}
