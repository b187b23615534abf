// Package probeutil holds what every check's OS probes need in the same
// form: running a command under its own timeout and reading its output as
// text, and reading a small file from the checked machine's filesystem.
package probeutil

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/textutil"
)

// ErrNotInstalled marks a command that is not on the machine, so a probe can
// fall back to another source without calling it a failure.
var ErrNotInstalled = errors.New("not installed or not on PATH")

// Run runs one command through env.Exec under timeout and returns its output
// as text, also when it fails (some tools print useful output and exit
// non-zero). The error names the command once: a *checks.CommandError
// already does.
func Run(ctx context.Context, env *checks.Env, timeout time.Duration, name string, args ...string) (string, error) {
	// Errors name the command, not its arguments: a PowerShell script as an
	// argument would bury the reason.
	cmd := name
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", cmd, err)
	}
	if env == nil || env.Exec == nil {
		return "", fmt.Errorf("%s: no command runner", cmd)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := env.Exec.Run(ctx, name, args...)
	if err != nil {
		if ctx.Err() != nil {
			// Whether this timeout or the check's deadline fired, the command
			// hung; its own error text ("signal: killed") says less.
			return DecodeText(out), &HungError{Name: name, Timeout: timeout, Err: ctx.Err()}
		}
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("%s is %w", name, ErrNotInstalled)
		}
		var named *checks.CommandError
		if errors.As(err, &named) && named.Name == name {
			return DecodeText(out), err
		}
		return DecodeText(out), fmt.Errorf("%s: %w", cmd, err)
	}
	return DecodeText(out), nil
}

// HungError is a command (or device) that did not answer in time.
type HungError struct {
	Name    string
	Timeout time.Duration
	Err     error
}

func (e *HungError) Error() string {
	return fmt.Sprintf("%s did not answer within %v", e.Name, e.Timeout)
}

func (e *HungError) Unwrap() error { return e.Err }

// DecodeText turns command output into a Go string (see
// textutil.DecodeText: byte order marks, UTF-16 from Windows tools).
func DecodeText(b []byte) string { return textutil.DecodeText(b) }

// ReadSmall reads a whole small file from fsys, refusing more than limit
// bytes (see textutil.ReadSmall).
func ReadSmall(ctx context.Context, fsys fs.FS, name string, limit int) ([]byte, error) {
	return textutil.ReadSmall(ctx, fsys, name, limit)
}

// Cause drops the path an *fs.PathError repeats, so messages name the file
// once: "read etc/os-release: permission denied".
func Cause(err error) error { return textutil.Cause(err) }

// Bounded runs probe in a goroutine of its own under limit. A panic in the
// probe becomes an error (the runner recovers only its own goroutine), and
// when ctx or limit ends first Bounded returns at once with an error saying
// that the system did not list what in time, or that the run was stopped,
// so the check reports what hung instead of the runner reporting a timeout.
func Bounded[T any](ctx context.Context, env *checks.Env, limit time.Duration, what string, probe func(context.Context) (T, error)) (T, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	type answer struct {
		v   T
		err error
	}
	ch := make(chan answer, 1) // buffered: a probe that finishes late must not block
	go func() {
		defer func() {
			if v := recover(); v != nil {
				env.Debugf("panic: %v\n%s", v, debug.Stack())
				ch <- answer{err: fmt.Errorf("internal error (a bug in wfh): %v", v)}
			}
		}()
		v, err := probe(ctx)
		ch <- answer{v, err}
	}()
	select {
	case a := <-ch:
		return a.v, a.err
	case <-ctx.Done():
		var zero T
		if errors.Is(ctx.Err(), context.Canceled) {
			return zero, errors.New("the run was stopped")
		}
		return zero, fmt.Errorf("the system did not list %s within %v", what, time.Since(start).Round(100*time.Millisecond))
	}
}

// CleanText makes text read from the machine safe to show (see
// textutil.CleanText: no control characters, cut at maxBytes with "…").
func CleanText(s string, maxBytes int) string { return textutil.CleanText(s, maxBytes) }

// ownerPrefix matches a device name that starts with its owner's first name,
// as Bluetooth devices are named by default ("Alice's AirPods Pro").
var ownerPrefix = regexp.MustCompile(`^(\p{Lu}[\p{L}.\-]{0,30})['’]s\s+(\S.*)$`)

// SplitOwner returns name without a leading owner ("AirPods Pro" for
// "Alice's AirPods Pro") and whether it had one. A person's first name is
// private, and redaction cannot tell it from any other word in free text,
// so checks show the owner-free name and keep the full one under the
// sensitive key "device_name".
func SplitOwner(name string) (string, bool) {
	m := ownerPrefix.FindStringSubmatch(strings.TrimSpace(name))
	if m == nil {
		return name, false
	}
	return m[2], true
}
