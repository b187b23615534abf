package checks

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

var sprintf = fmt.Sprintf

func TestRegistrySelect(t *testing.T) {
	reg := &Registry{}
	for _, id := range []string{"system", "network", "dns"} {
		reg.Register(newFake(id, pass))
	}
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
	for _, id := range []string{"", "Has Space", "dup"} {
		reg := &Registry{}
		reg.Register(newFake("dup", pass))
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", id)
				}
			}()
			reg.Register(newFake(id, pass))
		}()
	}
}

func TestNeedsString(t *testing.T) {
	n := Needs{Requires: []Need{NeedInternet}, LoadsNetwork: true, Privileges: "raw ICMP"}
	if got := n.String(); got != "internet, runs alone (loads the network), privileges: raw ICMP" {
		t.Errorf("got %q", got)
	}
	if (Needs{}).String() != "nothing" {
		t.Error("empty needs")
	}
}

type orderedFake struct {
	*fakeCheck
	order int
}

func (o orderedFake) Order() int { return o.order }

func TestRegistryOrdersByDeclaredOrder(t *testing.T) {
	reg := &Registry{}
	reg.Register(newFake("unordered", pass))
	reg.Register(orderedFake{newFake("system", pass), 30})
	reg.Register(orderedFake{newFake("network", pass), 10})
	reg.Register(orderedFake{newFake("wifi", pass), 20})
	if got := strings.Join(reg.IDs(), ","); got != "network,wifi,system,unordered" {
		t.Errorf("order %s", got)
	}
}
