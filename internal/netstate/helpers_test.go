package netstate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// reply is how one fake command line answers.
type reply struct {
	out  string
	err  error
	hang bool
}

// notInstalled fails as a program missing from PATH does.
var notInstalled = reply{err: &exec.Error{Name: "x", Err: exec.ErrNotFound}}

// fakeCmds answers command lines from a table (the program alone as a key
// answers every line of it) and counts them; an unknown line fails the
// test. checks/checkstest cannot be used here: it imports checks, which
// imports this package.
type fakeCmds struct {
	t       testing.TB
	replies map[string]reply
	mu      sync.Mutex
	calls   []string
}

func newCmds(t testing.TB, replies map[string]reply) *fakeCmds {
	return &fakeCmds{t: t, replies: replies}
}

func (f *fakeCmds) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	f.mu.Lock()
	f.calls = append(f.calls, line)
	f.mu.Unlock()
	r, ok := f.replies[line]
	if !ok {
		r, ok = f.replies[name]
	}
	if !ok {
		f.t.Errorf("unexpected command %q", line)
		return nil, fmt.Errorf("%s: no reply", line)
	}
	if r.hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return []byte(r.out), r.err
}

func (f *fakeCmds) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

// dnsWith reads the DNS part of goos's sources from files and cmds.
func dnsWith(t *testing.T, goos string, files map[string]string, cmds *fakeCmds) (DNSConfig, error) {
	t.Helper()
	if cmds == nil {
		cmds = newCmds(t, nil)
	}
	src := sourcesFor(Config{OS: goos, FS: mapFS(files), Exec: cmds})
	return src.DNS.DNS(t.Context())
}

var errExit1 = errors.New("exit status 1")

func dirEntry() *fstest.MapFile { return &fstest.MapFile{Mode: fs.ModeDir | 0o555} }
