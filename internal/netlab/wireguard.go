package netlab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// WireGuard timing.
const (
	// wireGuardStartTimeout bounds the wait for a started wireguard-go's
	// device: it appears within milliseconds, but a busy test machine
	// may take seconds.
	wireGuardStartTimeout = 10 * time.Second
	// wireGuardStopTimeout is how long SIGTERM gets before SIGKILL;
	// wireguard-go exits at once on SIGTERM.
	wireGuardStopTimeout = 3 * time.Second
	// wireGuardPoll is the interval of device probes.
	wireGuardPoll = 50 * time.Millisecond
	// WireGuardPort is the listening port Configure uses unless told
	// otherwise: WireGuard's usual one, so endpoints read like real ones.
	WireGuardPort = 51820
)

// wireGuardSocketDir is where wireguard-go keeps its control sockets. It
// is one directory for the whole machine, not one per namespace, so a
// tunnel's name must be unique across every namespace of every test.
const wireGuardSocketDir = "/var/run/wireguard"

// wireGuardPrefixRE keeps a name prefix short enough that prefix and 8 hex
// digits fit Linux's 15-character interface names.
var wireGuardPrefixRE = regexp.MustCompile(`^[a-z0-9]{0,7}$`)

// NeedWireGuard skips the test unless wg (Debian package wireguard-tools)
// and wireguard-go (Debian package wireguard-go) are installed. The other
// WireGuard helpers call it; calling it before building a lab skips
// without building it first.
func NeedWireGuard(t TB) {
	t.Helper()
	for _, tool := range []struct{ program, pkg string }{{"wg", "wireguard-tools"}, {"wireguard-go", "wireguard-go"}} {
		if _, err := exec.LookPath(tool.program); err != nil {
			t.Skipf("netlab: `%s` not found (install Debian package %s)", tool.program, tool.pkg)
		}
	}
}

// WireGuardName returns prefix followed by 8 random hex digits, a name for
// StartWireGuard that no other test's tunnel uses (their control sockets
// share one directory). prefix is up to 7 lowercase letters and digits,
// which tells a reader of `wg show` which tests the tunnel belongs to.
func WireGuardName(t TB, prefix string) string {
	t.Helper()
	if !wireGuardPrefixRE.MatchString(prefix) {
		t.Fatalf("netlab: WireGuard name prefix %q: use up to 7 lowercase letters and digits", prefix)
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("netlab: random WireGuard name: %v", err)
	}
	return prefix + hex.EncodeToString(b[:])
}

// WireGuardKey is a key pair: the private key in a file, as `wg set`
// reads it, and the public key that the peer is configured with.
type WireGuardKey struct {
	File   string // private key, mode 0600, removed at cleanup
	Public string // base64
}

// NewWireGuardKey makes a key pair with `wg genkey` and `wg pubkey`. The
// test skips when wg or wireguard-go is not installed.
func NewWireGuardKey(t TB) WireGuardKey {
	t.Helper()
	NeedWireGuard(t)
	priv, err := wgOutput(nil, "genkey")
	if err != nil {
		t.Fatalf("netlab: %v", err)
	}
	pub, err := wgOutput(priv, "pubkey")
	if err != nil {
		t.Fatalf("netlab: %v", err)
	}
	// TB has no TempDir (Standalone owners have none), so the key gets a
	// directory of its own.
	dir, err := os.MkdirTemp("", "wfh-wgkey-")
	if err != nil {
		t.Fatalf("netlab: WireGuard key: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	file := filepath.Join(dir, "private")
	if err := os.WriteFile(file, priv, 0o600); err != nil {
		t.Fatalf("netlab: WireGuard key: %v", err)
	}
	return WireGuardKey{File: file, Public: strings.TrimSpace(string(pub))}
}

// wgOutput runs `wg args...` with stdin, bounded by cmdTimeout, and
// returns its standard output alone: a warning on stderr must not end up
// in a key.
func wgOutput(stdin []byte, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "wg", args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("wg %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// WireGuard is a running wireguard-go (userspace WireGuard) in a
// namespace. It is stopped when the test ends, also when it fails, before
// the namespace goes.
type WireGuard struct {
	Name string // the interface, unique on the machine

	ns     *NS
	cmd    *exec.Cmd
	logs   *lockedBuffer
	exited chan struct{}
	// removeSocket runs once: a later Stop of this instance must not
	// remove the socket of another wireguard-go started since under the
	// same name.
	removeSocket sync.Once
}

// WireGuardConfig is what Configure gives a device: its own key and
// address and its one peer.
type WireGuardConfig struct {
	Key WireGuardKey // this end's key pair
	// ListenPort is the UDP port; 0 means WireGuardPort.
	ListenPort int
	// PeerPublic is the peer's public key.
	PeerPublic string
	// Endpoint is the peer's "ip:port"; "" leaves it to be learnt from
	// the peer's first handshake (a gateway).
	Endpoint string
	// AllowedIPs are the peer's comma-separated prefixes, as wg set takes
	// them.
	AllowedIPs string
	// PersistentKeepalive, in seconds, makes this end send a handshake at
	// once and keep the path open; 0 is off.
	PersistentKeepalive int
	// Address is the device's own address with its prefix length
	// ("10.202.0.2/32").
	Address string
	// Routes are prefixes routed into the tunnel ("10.201.0.0/24").
	Routes []string
}

// StartWireGuard runs `wireguard-go -f name` inside the namespace, waits
// for its device, and stops it at cleanup. name comes from WireGuardName.
// The test skips when wg or wireguard-go is not installed.
func (ns *NS) StartWireGuard(name string) *WireGuard {
	t := ns.lab.t
	t.Helper()
	NeedWireGuard(t)
	// In the foreground (-f) so that it is this process's child: its end is
	// seen, and SIGTERM reaches it (`ip netns exec` execs it).
	cmd := ns.Command(context.Background(), "wireguard-go", "-f", name)
	w := &WireGuard{Name: name, ns: ns, cmd: cmd, logs: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = w.logs, w.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("netlab: wireguard-go %s in %s: %v", name, ns.name, err)
	}
	go func() { _ = cmd.Wait(); close(w.exited) }()
	t.Cleanup(w.Stop)
	deadline := time.Now().Add(wireGuardStartTimeout)
	for {
		if _, err := run("", "ip", "-n", ns.name, "link", "show", "dev", name); err == nil {
			return w
		}
		if w.Exited() {
			t.Fatalf("netlab: wireguard-go %s in %s ended: %s", name, ns.name, w.logs.String())
		}
		if time.Now().After(deadline) {
			t.Fatalf("netlab: wireguard-go made no device %s in %s within %v: %s", name, ns.name, wireGuardStartTimeout, w.logs.String())
		}
		time.Sleep(wireGuardPoll)
	}
}

// Configure gives the device its key, its peer, its address and routes,
// and sets it up. The test fails if a command fails.
func (w *WireGuard) Configure(cfg WireGuardConfig) {
	t := w.ns.lab.t
	t.Helper()
	port := cfg.ListenPort
	if port == 0 {
		port = WireGuardPort
	}
	args := []string{"set", w.Name, "private-key", cfg.Key.File, "listen-port", strconv.Itoa(port),
		"peer", cfg.PeerPublic, "allowed-ips", cfg.AllowedIPs}
	if cfg.Endpoint != "" {
		args = append(args, "endpoint", cfg.Endpoint)
	}
	if cfg.PersistentKeepalive > 0 {
		args = append(args, "persistent-keepalive", strconv.Itoa(cfg.PersistentKeepalive))
	}
	w.ns.Run("wg", args...)
	w.ns.Run("ip", "addr", "add", cfg.Address, "dev", w.Name)
	w.ns.Run("ip", "link", "set", w.Name, "up")
	for _, r := range cfg.Routes {
		// replace, not add: a route may repeat the prefix that the
		// address already put on the link.
		w.ns.Run("ip", "route", "replace", r, "dev", w.Name)
	}
}

// Stop ends wireguard-go, which removes its device: to the peer, a tunnel
// end that stops answering. SIGTERM lets it remove its control socket; a
// wireguard-go that had to be killed leaves it behind, and every later
// `wg show` on the machine would trip over it, so Stop removes it too.
// Stop may be called more than once; the test's cleanup calls it again.
func (w *WireGuard) Stop() {
	if !w.Exited() {
		_ = w.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-w.exited:
		case <-time.After(wireGuardStopTimeout):
			_ = w.cmd.Process.Kill()
			<-w.exited // bounded: the command's WaitDelay
		}
	}
	w.removeSocket.Do(func() {
		_ = os.Remove(filepath.Join(wireGuardSocketDir, w.Name+".sock"))
	})
}

// Exited tells whether wireguard-go has ended.
func (w *WireGuard) Exited() bool {
	select {
	case <-w.exited:
		return true
	default:
		return false
	}
}

// lockedBuffer is a process's output, read while the process may still
// be writing it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
