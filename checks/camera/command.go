package camera

import (
	"context"
	"errors"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// runCmd runs one command under its own timeout; see probeutil.Run.
func runCmd(ctx context.Context, env *checks.Env, timeout time.Duration, name string, args ...string) (string, error) {
	return probeutil.Run(ctx, env, timeout, name, args...)
}

// hungError is a command or device node that did not answer in time.
type hungError = probeutil.HungError

// notInstalled reports whether err says the command does not exist, in which
// case trying it again in another form is pointless.
func notInstalled(err error) bool { return errors.Is(err, probeutil.ErrNotInstalled) }

func decodeText(b []byte) string { return probeutil.DecodeText(b) }

// maxText bounds one name or attribute: USB string descriptors hold at most
// 126 characters and real camera names are a few dozen, so anything longer
// is corrupt or hostile and must not flood a report pasted in a ticket.
const maxText = 160

// clean: see probeutil.CleanText.
func clean(s string) string { return probeutil.CleanText(s, maxText) }
