package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// These tests run the real binary, built with the wfhtest tag so that a check
// that hangs ("hang") exists, to prove the deadline and Ctrl-C promises hold
// for the process a user runs, not just for the functions it calls.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func wfhBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wfh-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "wfh")
		out, err := exec.Command("go", "build", "-tags", "wfhtest", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build wfh: %v", buildErr)
	}
	return binPath
}

type runResult struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// loopbackProfile writes a profile whose every target is on loopback and
// closed, so a test run of the real binary never sends traffic anywhere else:
// the NTP server and the time URL refuse at once.
func loopbackProfile(t *testing.T) string {
	t.Helper()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ntp := udp.LocalAddr().String()
	udp.Close()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	web := tcp.Addr().String()
	tcp.Close()
	path := filepath.Join(t.TempDir(), "loopback.yaml")
	body := "name: loopback test\nsystem:\n  ntp_server: \"" + ntp + "\"\n  time_url: http://" + web + "/\n" +
		"network:\n  anchors: [\"https://" + web + "/\", \"https://" + web + "/b\"]\n  portal_url: http://" + web + "/generate_204\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// withProfile adds the loopback profile to a doctor run that names none.
func withProfile(t *testing.T, args []string) []string {
	if len(args) == 0 || args[0] != "doctor" || slices.Contains(args, "--profile") {
		return args
	}
	return append([]string{"doctor", "--profile", loopbackProfile(t)}, args[1:]...)
}

func runWFH(t *testing.T, ctx context.Context, args ...string) runResult {
	t.Helper()
	cmd := exec.CommandContext(ctx, wfhBinary(t), withProfile(t, args)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Env = append(os.Environ(), "NO_COLOR=")
	start := time.Now()
	err := cmd.Run()
	res := runResult{stdout: out.String(), stderr: errOut.String(), took: time.Since(start)}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run wfh %v: %v", args, err)
	}
	return res
}

func TestE2ESystemJSONMatchesSchema(t *testing.T) {
	res := runWFH(t, context.Background(), "doctor", "--only", "system", "--format", "json")
	if res.code != 0 && res.code != 1 {
		t.Fatalf("exit %d\nstderr: %s", res.code, res.stderr)
	}
	if err := reportschema.Validate([]byte(res.stdout)); err != nil {
		t.Fatalf("schema: %v\n%s", err, res.stdout)
	}
	if res.stderr != "" {
		t.Errorf("off a terminal stderr carries only errors, got %q", res.stderr)
	}
	if strings.Contains(res.stdout, "\x1b") {
		t.Error("escape codes in a piped report")
	}
}

func TestE2EUnknownCheck(t *testing.T) {
	res := runWFH(t, context.Background(), "doctor", "--only", "nosuch")
	if res.code != 2 || strings.Count(res.stderr, "\n") != 1 || !strings.Contains(res.stderr, "valid checks:") || !strings.Contains(res.stderr, "system") {
		t.Errorf("exit %d stderr %q", res.code, res.stderr)
	}
}

func TestE2EBrokenProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.yaml")
	os.WriteFile(path, []byte("name: Acme\nsystem:\n  max_uptime_days: two weeks\n"), 0o644)
	res := runWFH(t, context.Background(), "doctor", "--profile", path)
	if res.code != 2 || !strings.Contains(res.stderr, "broken.yaml:3") || strings.Count(res.stderr, "\n") != 1 {
		t.Errorf("exit %d stderr %q", res.code, res.stderr)
	}
}

func TestE2EHungCheckEndsAtTimeout(t *testing.T) {
	res := runWFH(t, context.Background(), "doctor", "--only", "hang,system", "--timeout", "2s", "--format", "json")
	if res.took > 4*time.Second {
		t.Errorf("run took %s with --timeout 2s; the promise is timeout + 2 s", res.took)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
		t.Fatalf("no report after the deadline: %v\n%s", err, res.stdout)
	}
	hang, sys := resultByID(t, r, "hang"), resultByID(t, r, "system")
	if res.code != 1 || hang.Status != report.Error || !strings.Contains(hang.Summary, "did not finish within 2 s") {
		t.Errorf("exit %d, hang = %+v", res.code, hang)
	}
	if sys.Status == report.Error {
		t.Errorf("system must still report: %+v", sys)
	}
}

func TestE2ECtrlC(t *testing.T) {
	cmd := exec.Command(wfhBinary(t), withProfile(t, []string{"doctor", "--only", "hang,system", "--format", "json"})...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Let the checks start and the system check finish: it takes tens of
	// milliseconds, but on a busy machine starting the process alone can
	// take a second. The hang check holds the run open meanwhile.
	time.Sleep(3 * time.Second)
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("wfh did not stop within 5 s of Ctrl-C")
	}
	if took := time.Since(sent); took > time.Second {
		t.Errorf("stopped %s after Ctrl-C; the promise is 1 s", took)
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d, want 130; stderr %q", code, errOut.String())
	}
	var r report.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || !r.Interrupted {
		t.Fatalf("report after Ctrl-C: %v\n%s", err, out.String())
	}
	if sys := resultByID(t, r, "system"); sys.Status == report.Error {
		t.Errorf("the finished system check must be kept: %+v", sys)
	}
	if hang := resultByID(t, r, "hang"); !strings.Contains(hang.Summary, "interrupted") {
		t.Errorf("hang after Ctrl-C: %+v", hang)
	}
}

func TestE2EOutputFileAndHelp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wfh-report.md")
	res := runWFH(t, context.Background(), "doctor", "--only", "system", "--format", "markdown", "--output", path)
	data, err := os.ReadFile(path)
	if (res.code != 0 && res.code != 1) || err != nil || !strings.HasPrefix(string(data), "## wfh report:") || res.stdout != "" {
		t.Errorf("exit %d err %v stdout %q file %q", res.code, err, res.stdout, data)
	}
	res = runWFH(t, context.Background(), "--help")
	if res.code != 0 || !strings.Contains(res.stdout, "wfh doctor") {
		t.Errorf("help: exit %d %q", res.code, res.stdout)
	}
}

func resultByID(t *testing.T, r report.Report, id string) report.Result {
	t.Helper()
	for _, res := range r.Results {
		if res.ID == id {
			return res
		}
	}
	t.Fatalf("no %q result in %+v", id, r.Results)
	return report.Result{}
}
