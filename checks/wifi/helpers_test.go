package wifi

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fixture reads a file under testdata.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cmdResult is what a fake command prints, or how it fails.
type cmdResult struct {
	out string
	err error
}

// fakeExec is a Commander answering from a map keyed by "name arg1 arg2". A
// command it does not know fails as ExecCommander does when the program is
// not on PATH. It never starts a process.
type fakeExec struct {
	cmds  map[string]cmdResult
	calls []string
}

func (f *fakeExec) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	key := strings.Join(append([]string{name}, args...), " ")
	f.calls = append(f.calls, key)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r, ok := f.cmds[key]
	if !ok {
		return nil, fmt.Errorf("%s is not installed or not on PATH: exec: %q: executable file not found in $PATH", name, name)
	}
	return []byte(r.out), r.err
}

// displayable fails when s could garble a terminal or a report.
func displayable(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s %q is not valid UTF-8", what, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			t.Errorf("%s %q holds control character %U", what, s, r)
		}
	}
	if strings.TrimSpace(s) != s {
		t.Errorf("%s %q has surrounding space", what, s)
	}
}

func f64(v float64) *float64 { return &v }
