package checks

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The time spent before the runner starts comes out of its Timeout, but a
// check still running at the deadline names the limit the user set.
func TestRunnerNamesTheUsersLimit(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	stuck := newFake("stuck", blockForever(release))
	stuck.budget = time.Hour
	out := (&Runner{Timeout: 100 * time.Millisecond, Limit: 2 * time.Second}).Run(context.Background(), []Check{stuck})
	r := byID(t, out, "stuck")
	if !strings.Contains(r.Summary, "within 2 s") || len(r.Findings) != 1 || !strings.Contains(r.Findings[0].Message, "limit of 2 s") {
		t.Errorf("%q %+v, want the 2 s the user set", r.Summary, r.Findings)
	}
}
