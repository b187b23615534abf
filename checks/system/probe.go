package system

import (
	"context"
	"errors"
	"time"

	"github.com/wfh-cli/wfh/checks"
)

// probe is the only OS-specific part of the check: each OS answers these three
// questions its own way, and system.go turns the answers into a verdict. Keep
// it this small so that adding an OS means writing three methods.
type probe interface {
	// osInfo returns what it could read, even when it also returns an error
	// (the kernel version without the distribution name, say).
	osInfo(ctx context.Context, env *checks.Env) (osInfo, error)
	// uptime is the time since the machine last booted.
	uptime(ctx context.Context, env *checks.Env) (time.Duration, error)
	// timeZone returns the IANA zone name, or "" and an error saying why it
	// is unknown.
	timeZone(ctx context.Context, env *checks.Env) (string, error)
}

// osInfo identifies the operating system.
type osInfo struct {
	Name       string // "Debian GNU/Linux", "macOS"
	Version    string // "12", "14.4"
	PrettyName string // "Debian GNU/Linux 12 (bookworm)"
	Kernel     string // "6.1.0-18-amd64"
}

func (o osInfo) empty() bool { return o == osInfo{} }

// errUnsupported is returned by probes on an OS wfh cannot read yet; the check
// reports it as a note, not as a failure of the user's machine.
var errUnsupported = errors.New("not available on this OS yet")

// unsupportedProbe serves every OS without a probe of its own. It lives here
// rather than in probe_other.go so that its behaviour is tested on Linux too.
type unsupportedProbe struct{}

func (unsupportedProbe) osInfo(context.Context, *checks.Env) (osInfo, error) {
	return osInfo{}, errUnsupported
}

func (unsupportedProbe) uptime(context.Context, *checks.Env) (time.Duration, error) {
	return 0, errUnsupported
}

func (unsupportedProbe) timeZone(context.Context, *checks.Env) (string, error) {
	return "", errUnsupported
}
