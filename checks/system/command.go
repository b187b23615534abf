package system

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// cmdTimeout bounds each command the macOS and Windows probes start. They
// answer in milliseconds; 2 s covers a loaded machine with an antivirus
// scanning every new process, and still leaves enough of the 5 s budget for
// the other facts when one command hangs.
const cmdTimeout = 2 * time.Second

// runCmd runs one command under cmdTimeout and returns its output as text.
func runCmd(ctx context.Context, env *checks.Env, name string, args ...string) (string, error) {
	return probeutil.Run(ctx, env, cmdTimeout, name, args...)
}

// decodeText: see probeutil.DecodeText.
func decodeText(b []byte) string { return probeutil.DecodeText(b) }

// stripBOM drops a leading U+FEFF, which some editors and tools put before
// text that parsers then see as part of the first key.
func stripBOM(s string) string {
	return strings.TrimPrefix(s, "\uFEFF")
}

// errNoOutput is returned when a command succeeded but printed nothing useful.
var errNoOutput = errors.New("printed nothing")
