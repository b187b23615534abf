package system

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/wfh-cli/wfh/checks"
)

// cmdTimeout bounds each command the macOS and Windows probes start. They
// answer in milliseconds; 2 s covers a loaded machine with an antivirus
// scanning every new process, and still leaves enough of the 5 s budget for
// the other facts when one command hangs.
const cmdTimeout = 2 * time.Second

// runCmd runs one command through env.Exec and returns its output as text.
// The error says which command failed, once: ExecCommander already names the
// command in its errors, a fake may not.
func runCmd(ctx context.Context, env *checks.Env, name string, args ...string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if env.Exec == nil {
		return "", fmt.Errorf("%s: no command runner", name)
	}
	ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
	defer cancel()
	out, err := env.Exec.Run(ctx, name, args...)
	if err != nil {
		if strings.HasPrefix(err.Error(), name) {
			return "", err
		}
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return decodeText(out), nil
}

// decodeText turns command output into a Go string: a UTF-8 byte order mark
// is dropped, and UTF-16 with a byte order mark (what Windows tools print
// when their output is redirected in Unicode mode) is decoded. Anything else
// is taken as UTF-8; parsers clean invalid bytes.
func decodeText(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return string(b[3:])
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		return decodeUTF16(b[2:], func(lo, hi byte) uint16 { return uint16(lo) | uint16(hi)<<8 })
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		return decodeUTF16(b[2:], func(hi, lo byte) uint16 { return uint16(lo) | uint16(hi)<<8 })
	}
	return string(b)
}

func decodeUTF16(b []byte, unit func(a, b byte) uint16) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, unit(b[i], b[i+1]))
	}
	return string(utf16.Decode(u))
}

// stripBOM drops a leading U+FEFF, which some editors and tools put before
// text that parsers then see as part of the first key.
func stripBOM(s string) string {
	return strings.TrimPrefix(s, "\uFEFF")
}

// errNoOutput is returned when a command succeeded but printed nothing useful.
var errNoOutput = errors.New("printed nothing")
