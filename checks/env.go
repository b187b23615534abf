package checks

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
)

// Env holds every seam between a check and the outside world, so each check
// runs against fakes in unit tests and against the real machine in
// integration tests. The runner gives each check its own copy.
type Env struct {
	// Now is the clock.
	Now func() time.Time
	// Exec runs external commands.
	Exec Commander
	// Dialer opens network connections.
	Dialer Dialer
	// ListenPacket opens an unconnected UDP socket, where Dialer's
	// connections are made: the calls check's NAT test asks several
	// servers from one local port. Nil means the check does without.
	ListenPacket func(ctx context.Context, network, address string) (net.PacketConn, error)
	// HTTP is the client for HTTP probes; it verifies TLS against the system
	// roots plus the profile's company CA (see Roots).
	HTTP *http.Client
	// Roots is the certificate pool HTTP verifies against, for checks that
	// do their own TLS handshakes.
	Roots *x509.CertPool
	// Resolver looks up names.
	Resolver Resolver
	// FS is the filesystem root ("/" on the real machine; a fixture tree in
	// tests). Paths are slash-separated and unrooted: "etc/os-release".
	FS fs.FS
	// OS and Arch are runtime.GOOS and runtime.GOARCH, or what a test fakes.
	OS   string
	Arch string
	// Getenv reads environment variables.
	Getenv func(string) string
	// Profile is the loaded organisation profile; never nil (defaults apply).
	Profile *profile.Profile
	// OnProgress receives the live state of a long check ("download 43
	// Mbit/s"). The runner binds it per check and it is safe to call from
	// any goroutine; checks call Progress, which allows it to be nil.
	OnProgress func(msg string)
	// Logf writes debugging detail shown with --verbose.
	Logf func(format string, args ...any)
	// Net is the run's one view of the machine's network (interfaces,
	// routes, the default path, DNS and proxy settings). The runner starts
	// its read before the checks, and every check of a run shares it: a
	// check reads routes, interfaces and DNS settings only through it, and
	// asks Net.Fresh for a new read only when it must see a change. Nil
	// until a runner or SystemEnv sets it; its accessors then answer
	// netstate.ErrNotRead. Tests build one with netstate.FromSnapshot.
	Net *netstate.State
	// MicTest is set by --mic-test: the audio check may record a few
	// seconds from the default microphone. Off by default, because it
	// records the user.
	MicTest bool
}

// Commander runs a command and returns its standard output. Implementations
// must honour ctx, and when the command cannot start or fails return a
// *CommandError (as ExecCommander does), so callers tell a missing program
// from a failing one by type, never by wording.
type Commander interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// CommandError is a command that could not start or failed.
type CommandError struct {
	// Name is the program as asked for ("iw").
	Name string
	// Err is why: an *exec.Error wrapping exec.ErrNotFound when the program
	// is not installed, an *exec.ExitError when it exited non-zero, the
	// context's error when it was stopped, or another cause.
	Err error
	// Stderr is the first line of its standard error, if any.
	Stderr string
}

func (e *CommandError) Error() string {
	if errors.Is(e.Err, exec.ErrNotFound) {
		// Go's own text ("exec: \"route\": executable file not found in
		// %PATH%" on Windows, "$PATH" on Unix) says the same in a
		// platform's words, which no report may carry.
		return filepath.Base(e.Name) + " is not installed or not on PATH"
	}
	if e.Stderr != "" {
		return fmt.Sprintf("%s: %v: %s", e.Name, e.Err, e.Stderr)
	}
	return fmt.Sprintf("%s: %v", e.Name, e.Err)
}

func (e *CommandError) Unwrap() error { return e.Err }

// Dialer is satisfied by *net.Dialer.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Resolver is satisfied by *net.Resolver.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// NetConfig is where a read of the network state looks for this
// environment: its OS, filesystem, commands, environment and dialer.
func (e *Env) NetConfig() netstate.Config {
	var c netstate.Config
	if e == nil {
		return c
	}
	c.OS, c.FS, c.Getenv, c.Now = e.OS, e.FS, e.Getenv, e.Now
	if e.Exec != nil {
		c.Exec = e.Exec
	}
	if e.Dialer != nil {
		c.Dialer = e.Dialer
	}
	return c
}

// Progress shows msg as the check's live state, when anyone watches; it
// never blocks the check.
func (e *Env) Progress(msg string) {
	if e.OnProgress != nil {
		e.OnProgress(msg)
	}
}

// Debugf logs detail for --verbose; a nil Logf discards it.
func (e *Env) Debugf(format string, args ...any) {
	if e.Logf != nil {
		e.Logf(format, args...)
	}
}

// Clock returns the environment's clock, or time.Now when a test left Now
// unset.
func (e *Env) Clock() func() time.Time {
	if e != nil && e.Now != nil {
		return e.Now
	}
	return time.Now
}

// DisplayOS names an operating system the way its users do.
func DisplayOS(goos string) string {
	switch goos {
	case "linux":
		return "Linux"
	case "darwin":
		return "macOS"
	case "windows":
		return "Windows"
	case "freebsd":
		return "FreeBSD"
	case "openbsd":
		return "OpenBSD"
	case "netbsd":
		return "NetBSD"
	case "":
		return "this OS"
	}
	return goos
}
