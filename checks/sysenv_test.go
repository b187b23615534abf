package checks

import (
	"context"
	"errors"
	"os/exec"
	"runtime"
	"testing"
)

// TestExecCommanderErrors runs real programs: the error types the fakes in
// checks/checkstest copy are the ones this runner returns.
func TestExecCommanderErrors(t *testing.T) {
	ctx := context.Background()
	_, err := ExecCommander{}.Run(ctx, "wfh-no-such-program")
	var ce *CommandError
	var ee *exec.Error
	if !errors.As(err, &ce) || ce.Name != "wfh-no-such-program" || !errors.As(err, &ee) || !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("missing program: %#v", err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh not found")
	}
	out, err := ExecCommander{}.Run(ctx, "sh", "-c", "echo partial; echo 'first line' >&2; echo second >&2; exit 3")
	var exit *exec.ExitError
	if string(out) != "partial\n" || !errors.As(err, &ce) || ce.Stderr != "first line" || !errors.As(err, &exit) || exit.ExitCode() != 3 ||
		err.Error() != "sh: exit status 3: first line" {
		t.Errorf("failing program: %q %v", out, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := (ExecCommander{}).Run(cctx, "sh", "-c", "exit 0"); !errors.As(err, &ce) || !errors.Is(err, context.Canceled) {
		t.Errorf("stopped: %v", err)
	}
}
