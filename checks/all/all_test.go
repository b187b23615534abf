package all

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/checks"
)

// TestChecks builds the registry cmd/wfh builds, so an invalid or duplicate
// ID fails here and never panics in front of a user, and pins the report
// order.
func TestChecks(t *testing.T) {
	reg := checks.NewRegistry(Checks()...)
	want := "network,dns,vpn,services,wifi,latency,calls,bandwidth,system,audio,camera"
	if got := strings.Join(reg.IDs(), ","); !strings.HasPrefix(got, want) {
		t.Errorf("report order %s, want %s", got, want)
	}
	// A required need no selected check provides gates nothing; such a need
	// is a Resource (Needs.Uses).
	providers := map[checks.Need]string{}
	for _, c := range Checks() {
		if p, ok := c.(checks.Provider); ok {
			providers[p.Provides()] = c.ID()
		}
	}
	for _, c := range Checks() {
		for _, n := range c.Needs().Requires {
			if _, ok := providers[n]; !ok {
				t.Errorf("%s requires %q, which no check provides", c.ID(), n)
			}
		}
	}
	// Each call builds fresh checks: a run never shares a check's state
	// with another.
	a, b := Checks(), Checks()
	for i := range a {
		if reflect.TypeOf(a[i]).Kind() == reflect.Pointer && a[i] == b[i] {
			t.Errorf("%s: Checks returned the same instance twice", a[i].ID())
		}
	}
}
