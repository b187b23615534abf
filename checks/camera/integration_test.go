package camera

import (
	"context"
	"encoding/json"
	"io/fs"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

// TestRealMachine runs the check on the machine the tests run on, with the
// real sysfs, ioctl and /proc. It only reads files and opens video nodes
// for VIDIOC_QUERYCAP, so it runs by default. The machine the check was
// written on has no camera, so there it proves the "no camera" path end to
// end; on a machine with cameras it only checks that they are read.
func TestRealMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the real-machine test reads Linux's sysfs; macOS and Windows are covered by fixtures")
	}
	env, err := checks.SystemEnv(profile.Default())
	if err != nil {
		t.Fatal(err)
	}
	env.Logf = t.Logf
	c := New()
	ctx, cancel := context.WithTimeout(context.Background(), c.Budget())
	defer cancel()
	start := time.Now()
	res := c.Run(ctx, env)
	took := time.Since(start)
	out, _ := json.MarshalIndent(res, "", "  ")
	t.Logf("result after %v:\n%s", took, out)

	// The budget is the contract; how quick reading sysfs is (target:
	// under a second) is BenchmarkRealMachine's figure.
	if took > c.Budget() {
		t.Errorf("took %v, over the %v budget", took, c.Budget())
	}
	if hasVideoNodes(t, env.FS) {
		if res.Status == report.Error {
			t.Errorf("cameras are present but could not be read: %s", res.Summary)
		}
		return
	}
	if res.Status != report.Warn || res.Summary != noCamera || !strings.HasPrefix(res.Findings[0].Message, "No camera found") {
		t.Errorf("Status = %s %q, want warn %q", res.Status, res.Summary, noCamera)
	}
}

func hasVideoNodes(t *testing.T, fsys fs.FS) bool {
	entries, err := fs.ReadDir(fsys, v4lClass)
	if err != nil {
		t.Logf("/%s: %v", v4lClass, err)
		return false
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "video") {
			return true
		}
	}
	return false
}

// BenchmarkRealMachine is the wall time of the check on the machine it
// runs on; the target (docs/testing.md) is under a second on an idle
// machine, since it only reads sysfs and asks each video node one ioctl.
//
//	go test -run='^$' -bench=RealMachine ./checks/camera/
func BenchmarkRealMachine(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads Linux's sysfs")
	}
	env, err := checks.SystemEnv(profile.Default())
	if err != nil {
		b.Fatal(err)
	}
	c := New()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), c.Budget())
		_ = c.Run(ctx, env)
		cancel()
	}
}
