package system

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

// TestRealMachine runs the check against the machine the tests run on. It
// only reads a few files under /, so it runs by default, not behind -short.
func TestRealMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the real-machine test needs Linux; other OSes have no probe yet")
	}
	env := &checks.Env{
		Now:     time.Now,
		FS:      os.DirFS("/"),
		OS:      runtime.GOOS,
		Arch:    runtime.GOARCH,
		Getenv:  os.Getenv,
		Profile: profile.Default(),
		Logf:    t.Logf,
	}
	c := New()
	ctx, cancel := context.WithTimeout(context.Background(), c.Budget())
	defer cancel()
	res := c.Run(ctx, env)

	out, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("result:\n%s", out)

	if res.Status != report.Pass && res.Status != report.Warn {
		t.Errorf("Status = %q (%s), want pass or warn", res.Status, res.Summary)
	}
	for _, fact := range []string{"os_name", "kernel", "arch", "utc_offset"} {
		if res.Facts[fact] == "" {
			t.Errorf("fact %s is empty; facts: %v", fact, res.Facts)
		}
	}
	m, ok := res.Metric("uptime_seconds")
	if !ok || m.Value == nil || *m.Value <= 0 {
		t.Errorf("uptime_seconds = %+v, want a measured positive value", m)
	}

	host := HostFacts(ctx, env)
	if host.OS != "linux" || host.Arch != runtime.GOARCH || host.UTCOffset != res.Facts["utc_offset"] ||
		host.TimeZone != res.Facts["time_zone"] {
		t.Errorf("HostFacts = %+v, disagrees with the check's facts %v", host, res.Facts)
	}
}
