package checks

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
)

// SystemEnv builds the Env of the real machine. The only error is a company CA
// named by the profile that cannot be used, which the user must fix.
func SystemEnv(p *profile.Profile) (*Env, error) {
	if p == nil {
		p = profile.Default()
	}
	roots, err := systemRoots(p.CompanyCA)
	if err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// The default transport has a TLS config only while HTTP/2 is on:
	// GODEBUG=http2client=0 (which users and IT set to work around a
	// broken proxy) leaves it nil.
	if transport.TLSClientConfig == nil {
		transport.TLSClientConfig = &tls.Config{}
	}
	transport.TLSClientConfig.RootCAs = roots
	dialer := &net.Dialer{}
	transport.DialContext = dialer.DialContext
	env := &Env{
		Now:          time.Now,
		Exec:         ExecCommander{},
		Dialer:       dialer,
		ListenPacket: (&net.ListenConfig{}).ListenPacket,
		HTTP:         &http.Client{Transport: transport},
		Roots:        roots,
		Resolver:     net.DefaultResolver,
		FS:           rootFS(),
		OS:           runtime.GOOS,
		Arch:         runtime.GOARCH,
		Getenv:       os.Getenv,
		Profile:      p,
	}
	// The real machine's state, read with the OS's own APIs where wfh has
	// them; the runner starts the read.
	cfg := env.NetConfig()
	cfg.Native = true
	env.Net = netstate.New(cfg)
	return env, nil
}

// systemRoots is the OS trust store (which honours SSL_CERT_FILE and
// SSL_CERT_DIR on Linux) plus the profile's company CA.
func systemRoots(companyCA string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if companyCA == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(companyCA)
	if err != nil {
		return nil, fmt.Errorf("company CA %s: %w; fix company_ca in the profile", companyCA, err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("company CA %s holds no PEM certificate; export the CA as PEM (Base-64) and fix company_ca in the profile", companyCA)
	}
	return pool, nil
}

// rootFS is the filesystem root: "/" on Unix, the system drive on Windows.
func rootFS() fs.FS {
	if runtime.GOOS == "windows" {
		drive := os.Getenv("SystemDrive")
		if drive == "" {
			drive = "C:"
		}
		return os.DirFS(drive + `\`)
	}
	return os.DirFS("/")
}

// maxCommandOutput bounds what a command may print into memory; the longest
// outputs wfh parses (system_profiler, pactl list) are well under 1 MiB.
const maxCommandOutput = 8 << 20

// ExecCommander runs real commands.
type ExecCommander struct{}

// Run runs name with args. Output is in the C locale on Unix so parsers see
// the words they expect; the error is a *CommandError carrying the first
// line of stderr.
func (ExecCommander) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, &CommandError{Name: name, Err: err}
	}
	cmd := exec.CommandContext(ctx, path, args...)
	if runtime.GOOS != "windows" {
		cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	}
	// A child that keeps the pipes open after being killed must not hold
	// the check past its deadline.
	cmd.WaitDelay = time.Second
	stdout := &limitedBuffer{max: maxCommandOutput}
	stderr := &limitedBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = cmd.Run()
	if err != nil {
		if ctx.Err() != nil {
			return stdout.Bytes(), &CommandError{Name: name, Err: ctx.Err()}
		}
		first, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		return stdout.Bytes(), &CommandError{Name: name, Err: err, Stderr: first}
	}
	if stdout.truncated {
		return stdout.Bytes(), &CommandError{Name: name, Err: errTooMuchOutput}
	}
	return stdout.Bytes(), nil
}

var errTooMuchOutput = errors.New("printed more output than expected")

type limitedBuffer struct {
	bytes.Buffer
	max       int
	truncated bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	room := b.max - b.Len()
	if room <= 0 {
		b.truncated = true
		return len(p), nil
	}
	if len(p) > room {
		b.truncated = true
		b.Buffer.Write(p[:room])
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
