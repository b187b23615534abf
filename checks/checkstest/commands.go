// Package checkstest holds the fakes the checks' tests share: a command
// runner keyed by command line, a resolver and a dialer. Each fails the way
// the real one does (a *checks.CommandError wrapping an *exec.Error for a
// program that is not installed, a *net.DNSError for a name that does not
// exist, a *net.OpError for a refused connection), so production code tests
// errors by type and never needs to know a fake's wording.
package checkstest

import (
	"context"
	"errors"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wfh-cli/wfh/checks"
)

// Reply is how one command line answers.
type Reply struct {
	// Out is what the command prints on standard output, also when it fails.
	Out string
	// Err, when set, makes the command fail. Commands wraps it in a
	// *checks.CommandError naming the program, as checks.ExecCommander
	// does, unless it already is one.
	Err error
	// Hang blocks until the context ends, like a wedged command.
	Hang bool
	// Func answers instead of Out and Err, for output that changes from one
	// call to the next.
	Func func(ctx context.Context) ([]byte, error)

	notInstalled bool
}

// NotFound is the error checks.ExecCommander returns on goos for a program
// that is not installed: a *checks.CommandError wrapping an *exec.Error
// with exec.ErrNotFound, whose text is that OS's (Windows writes
// "executable file not found in %PATH%" where Unix writes "$PATH"), so a
// test on any OS meets the text a report must never carry.
func NotFound(goos, name string) error {
	var notFound error = exec.ErrNotFound
	if goos == "windows" && runtime.GOOS != "windows" {
		notFound = windowsNotFound{}
	}
	return &checks.CommandError{Name: name, Err: &exec.Error{Name: name, Err: notFound}}
}

// windowsNotFound is exec.ErrNotFound as Go on Windows writes it.
type windowsNotFound struct{}

func (windowsNotFound) Error() string        { return "executable file not found in %PATH%" }
func (windowsNotFound) Is(target error) bool { return target == exec.ErrNotFound }

// NoCommands is a checks.Commander of a machine of the given OS with no
// program installed: every command fails with NotFound. Unlike Commands it
// keeps no table, for tests that run every check of an OS at once.
type NoCommands struct{ OS string }

// Run implements checks.Commander.
func (n NoCommands) Run(_ context.Context, name string, _ ...string) ([]byte, error) {
	return nil, NotFound(n.OS, name)
}

// NotInstalled, keyed by a program's name alone, makes every command line of
// that program fail as checks.ExecCommander does when the program is not on
// PATH: a *checks.CommandError wrapping an *exec.Error with exec.ErrNotFound.
var NotInstalled = Reply{notInstalled: true}

// Commands is a fake checks.Commander answering from a table keyed by the
// command line: the program and its arguments joined by single spaces
// ("iw dev wlan0 link"). The test fails, when it ends, for every line that
// ran with no reply and for every reply no command asked for, so a table
// says exactly what a probe runs. It is safe for concurrent use.
type Commands struct {
	t          testing.TB
	mu         sync.Mutex
	replies    map[string]Reply
	used       map[string]bool
	unexpected []string
	calls      []string
}

// NewCommands returns a runner answering from replies (which it copies).
func NewCommands(t testing.TB, replies map[string]Reply) *Commands {
	t.Helper()
	c := &Commands{t: t, replies: map[string]Reply{}, used: map[string]bool{}}
	for line, r := range replies {
		c.replies[line] = r
	}
	t.Cleanup(c.verify)
	return c
}

// Line is the key of a command in a Commands table.
func Line(name string, args ...string) string {
	return strings.Join(append([]string{name}, args...), " ")
}

// Set adds or replaces the reply to line, for a test that runs again on a
// machine that changed. Replacing a reply nothing asked for yet does not
// count as using it.
func (c *Commands) Set(line string, r Reply) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.replies[line] = r
}

// Calls returns the command lines run so far, in order.
func (c *Commands) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

// Run implements checks.Commander.
func (c *Commands) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	line := Line(name, args...)
	c.mu.Lock()
	c.calls = append(c.calls, line)
	key := line
	r, ok := c.replies[line]
	if p, found := c.replies[name]; !ok && found && p.notInstalled {
		key, r, ok = name, p, true
	}
	if ok {
		c.used[key] = true
	} else {
		c.unexpected = append(c.unexpected, line)
	}
	c.mu.Unlock()

	// The real runner looks the program up before it looks at ctx.
	if !ok || r.notInstalled {
		return nil, &checks.CommandError{Name: name, Err: &exec.Error{Name: name, Err: exec.ErrNotFound}}
	}
	if err := ctx.Err(); err != nil {
		return nil, &checks.CommandError{Name: name, Err: err}
	}
	var out []byte
	var err error
	switch {
	case r.Hang:
		<-ctx.Done()
		return nil, &checks.CommandError{Name: name, Err: ctx.Err()}
	case r.Func != nil:
		out, err = r.Func(ctx)
	default:
		out, err = []byte(r.Out), r.Err
	}
	var named *checks.CommandError
	if err != nil && !errors.As(err, &named) {
		err = &checks.CommandError{Name: name, Err: err}
	}
	return out, err
}

// verify fails the test for replies never asked for and lines never
// answered.
func (c *Commands) verify() {
	c.t.Helper()
	if c.t.Skipped() {
		return // the test stopped before it used what it set up
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var unused []string
	for line := range c.replies {
		if !c.used[line] {
			unused = append(unused, line)
		}
	}
	slices.Sort(unused)
	for _, line := range unused {
		c.t.Errorf("checkstest: no command ran %q; drop its reply, or find out why the probe no longer runs it", line)
	}
	for _, line := range slices.Compact(slices.Sorted(slices.Values(c.unexpected))) {
		name, _, _ := strings.Cut(line, " ")
		c.t.Errorf("checkstest: %q ran with no reply; add one, or checkstest.NotInstalled under %q", line, name)
	}
}
