package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The real binary, with a panic planted outside any check (the wfhtest
// build's WFH_TEST_PANIC hook): before the command line is parsed, and
// after every check finished, while the report is written.
func TestE2EPanicOutsideChecks(t *testing.T) {
	for _, where := range []string{"start", "report"} {
		t.Run(where, func(t *testing.T) {
			env := []string{"WFH_TEST_PANIC=" + where}
			res := runWFHEnv(t, context.Background(), env, "doctor", "--only", "system")
			if res.code != exitInternal || res.stderr != "wfh: "+internalMessage+"\n" {
				t.Errorf("exit %d stderr %q, want 3 and the one line", res.code, res.stderr)
			}
			res = runWFHEnv(t, context.Background(), env, "doctor", "--only", "system", "--verbose")
			if res.code != exitInternal || !strings.HasPrefix(res.stderr, "wfh: "+internalMessage+"\n") ||
				!strings.Contains(res.stderr, "panic: test panic at "+where) || !strings.Contains(res.stderr, "goroutine ") {
				t.Errorf("--verbose: exit %d stderr %q, want the line, the panic and its stack", res.code, res.stderr)
			}
			res = runWFHEnv(t, context.Background(), env, "doctor", "--only", "system", "--format", "json")
			var e struct {
				Error    string `json:"error"`
				ExitCode int    `json:"exit_code"`
				Stack    string `json:"stack"`
			}
			if err := json.Unmarshal([]byte(res.stderr), &e); err != nil || res.code != exitInternal || e.ExitCode != exitInternal || e.Error != internalMessage || e.Stack != "" {
				t.Errorf("--format json: exit %d stderr %q (%v)", res.code, res.stderr, err)
			}
		})
	}
}

// GODEBUG=http2client=0 once dereferenced a nil TLS config before any
// check ran (exit 2 and a stack trace). The run is the usual loopback
// one; under unshare -n when it is there, so nothing can leave the host
// whatever the profile says.
func TestE2EHTTP2Off(t *testing.T) {
	bin := wfhBinary(t)
	args := withProfile(t, []string{"doctor", "--only", "system,network", "--format", "json", "--timeout", "15s"})
	cmd := exec.Command(bin, args...)
	if unshare, err := exec.LookPath("unshare"); err == nil && os.Geteuid() == 0 {
		cmd = exec.Command(unshare, append([]string{"-n", bin}, args...)...)
	} else {
		t.Skip("needs root and unshare (Debian package util-linux) to run wfh doctor with its network checks and no network")
	}
	cmd.Env = append(os.Environ(), "GODEBUG=http2client=0", "NO_COLOR=")
	var errOut strings.Builder
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != 0 && code != 1 || errOut.Len() != 0 || !json.Valid(out) {
		t.Errorf("exit %d, stderr %q, stdout %.200q", code, errOut.String(), out)
	}
}
