package system

import (
	"context"
	"errors"
	"time"

	"github.com/wfh-cli/wfh/checks"
)

// probe is the only OS-specific part of the check: each OS answers these four
// questions its own way, and system.go turns the answers into a verdict. Keep
// it this small so that adding an OS means writing four methods.
type probe interface {
	// osInfo returns what it could read, even when it also returns an error
	// (the kernel version without the distribution name, say).
	osInfo(ctx context.Context, env *checks.Env) (osInfo, error)
	// uptime is the time since the machine last booted.
	uptime(ctx context.Context, env *checks.Env) (time.Duration, error)
	// timeZone returns the IANA zone name, or "" and an error saying why it
	// is unknown. When the OS only offers a name outside the IANA database
	// (a Windows zone wfh cannot map), it returns that name and an error
	// explaining it: the name still helps the reader, the error becomes a
	// note.
	timeZone(ctx context.Context, env *checks.Env) (string, error)
	// diskSpace measures the volume holding the user's home directory.
	diskSpace(ctx context.Context, env *checks.Env) (disk, error)
}

// osInfo identifies the operating system.
type osInfo struct {
	Name       string // "Debian GNU/Linux", "macOS", "Windows 11 Pro"
	Version    string // "12", "14.4", "23H2"
	PrettyName string // "Debian GNU/Linux 12 (bookworm)"
	Kernel     string // "6.1.0-18-amd64", "23.4.0", "10.0.22631.3447"
}

func (o osInfo) empty() bool { return o == osInfo{} }

// disk is the space on one volume, in bytes.
type disk struct {
	// Path is the directory that was measured (the home directory, or the
	// fallback when that could not be read).
	Path string
	// Free is what the user can still write: it leaves out the blocks a Unix
	// filesystem reserves for root and honours Windows disk quotas, because
	// an update or a call app running as the user cannot use those either.
	Free  uint64
	Total uint64
}

// statfsFunc asks the OS about the volume holding path. Probes hold one as a
// field so that tests can pretend to be any disk, full or failing.
type statfsFunc func(path string) (free, total uint64, err error)

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

func (unsupportedProbe) diskSpace(context.Context, *checks.Env) (disk, error) {
	return disk{}, errUnsupported
}

// cmdTimeout bounds each command the macOS and Windows probes start. They
// answer in milliseconds; 2 s covers a loaded machine with an antivirus
// scanning every new process, and still leaves enough of the 5 s budget for
// the other facts when one command hangs.
const cmdTimeout = 2 * time.Second
