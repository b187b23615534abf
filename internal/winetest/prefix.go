package winetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
)

// Prefix is a Wine prefix whose wineserver runs in one namespace, so that
// every socket of the Windows programs it runs belongs to that namespace.
type Prefix struct {
	// Dir is the prefix directory (WINEPREFIX).
	Dir string
	ns  *netlab.NS
	t   netlab.TB
}

// NewPrefix copies the template into a new prefix for ns, starts its
// wineserver and services inside ns, and ends them and removes the prefix
// when the test ends, also on failure. It skips t when Wine is missing.
func NewPrefix(t netlab.TB, ns *netlab.NS) *Prefix {
	t.Helper()
	Require(t)
	tmpl := template(t)
	dir, err := os.MkdirTemp(os.TempDir(), "wfh-wine-prefix-")
	if err != nil {
		t.Fatalf("winetest: %v", err)
	}
	p := &Prefix{Dir: dir, ns: ns, t: t}
	t.Cleanup(p.close)
	if err := copyPrefix(tmpl, dir); err != nil {
		t.Fatalf("winetest: copy the Wine template: %v", err)
	}
	// The wineserver first, inside the namespace, persistent until
	// close: every later Wine program of this prefix connects to it.
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if _, err := p.tool(ctx, "wineserver", "-p"); err != nil {
		t.Fatalf("winetest: start the wineserver in %s: %v", ns, err)
	}
	// Then Wine's services (the first program of a prefix starts them,
	// which takes seconds): a trivial program, so that the programs under
	// test start as fast as on a booted Windows.
	if _, err := p.tool(ctx, "wine", "cmd", "/c", "exit"); err != nil {
		t.Fatalf("winetest: start Wine's services in %s: %v", ns, err)
	}
	return p
}

// tool runs a Wine tool in the prefix's namespace to completion.
func (p *Prefix) tool(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := p.ns.Command(ctx, name, args...)
	cmd.Env = wineEnv(p.Dir, nil)
	return runToFile(cmd, nil)
}

// close ends the prefix's wineserver, which ends every Wine process of the
// prefix, and removes the prefix. netlab kills anything left in the
// namespace when it removes it.
func (p *Prefix) close() {
	if _, err := runTool(killTimeout, wineEnv(p.Dir, nil), "wineserver", "-k"); err != nil {
		p.t.Logf("winetest: cleanup: %v", err)
	}
	if err := os.RemoveAll(p.Dir); err != nil {
		p.t.Errorf("winetest: cleanup: %v", err)
	}
}

// Result is what a program run under Wine left.
type Result struct {
	Stdout, Stderr []byte
	Code           int           // the Windows exit code
	Took           time.Duration // wall time, Wine's start included
}

// Run runs the Windows program exe (a Linux path) with args in the
// prefix's namespace, bounded by ctx, with env added to the environment
// (variables such as NO_COLOR; Windows programs under Wine see the Linux
// environment). A non-zero exit is a Result, not an error.
func (p *Prefix) Run(ctx context.Context, env []string, exe string, args ...string) (Result, error) {
	cmd := p.ns.Command(ctx, "wine", append([]string{exe}, args...)...)
	cmd.Env = wineEnv(p.Dir, env)
	var r Result
	start := time.Now()
	out, err := runToFile(cmd, &r.Stderr)
	r.Took, r.Stdout = time.Since(start), out
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	case err != nil:
		return r, fmt.Errorf("wine %s: %w", exe, err)
	}
	if ctx.Err() != nil {
		return r, fmt.Errorf("wine %s: %w after %v", exe, ctx.Err(), r.Took.Round(time.Millisecond))
	}
	return r, nil
}
