package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// runOffline runs the real binary in a network namespace of its own (no
// interface but a loopback that is down), as on a machine that is offline:
// nothing it sends leaves the namespace.
func runOffline(t *testing.T, args ...string) runResult {
	t.Helper()
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare not found (Debian package util-linux)")
	}
	var prefix []string
	for _, p := range [][]string{{"unshare", "-n", "--"}, {"unshare", "-r", "-n", "--"}} {
		if exec.Command(p[0], append(p[1:], "true")...).Run() == nil {
			prefix = p
			break
		}
	}
	if prefix == nil {
		t.Skip("cannot create a network namespace (needs root or user namespaces)")
	}
	bin := wfhBinary(t)
	cmd := exec.Command(prefix[0], append(append(prefix[1:], bin), withProfile(t, args)...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	res := runResult{stdout: out.String(), stderr: errOut.String(), took: time.Since(start)}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run wfh %v offline: %v", args, err)
	}
	return res
}

// TestE2ECheckAloneOffline: `wfh doctor --only bandwidth` (or latency) on
// a machine without a network ends as a full run does, skipped because the
// network check found no internet, and the network check is in the report
// saying why it ran.
func TestE2ECheckAloneOffline(t *testing.T) {
	for _, id := range []string{"bandwidth", "latency"} {
		t.Run(id, func(t *testing.T) {
			res := runOffline(t, "doctor", "--only", id, "--format", "json", "--timeout", "30s")
			var r report.Report
			if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
				t.Fatalf("exit %d, no report: %v\n%s\n%s", res.code, err, res.stdout, res.stderr)
			}
			got := resultByID(t, r, id)
			if got.Status != report.Skipped || !strings.Contains(got.Summary, "see network") {
				t.Errorf("%s alone offline: %s %q, want skipped with the network check's reason", id, got.Status, got.Summary)
			}
			net := resultByID(t, r, "network")
			said := false
			for _, f := range net.Findings {
				said = said || (f.Severity == report.Pass && strings.Contains(f.Message, "Run because "+id+" needs it"))
			}
			if net.Status != report.Fail || !said {
				t.Errorf("network: %s, findings %+v; want fail and a note saying why it ran", net.Status, net.Findings)
			}
			if len(r.Results) != 2 || res.code != exitChecks {
				t.Errorf("exit %d with %d results, want 1 with network and %s", res.code, len(r.Results), id)
			}
		})
	}
}
