package netlab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cmdTimeout bounds every administrative command (ip, nft, tc, sysctl):
// they talk to netlink and return in milliseconds, so this only stops a
// wedged one from hanging the test.
const cmdTimeout = 20 * time.Second

// etcNetns is where `ip netns exec` looks for per-namespace /etc files.
const etcNetns = "/etc/netns"

// runNetns is where `ip netns add` pins named namespaces.
const runNetns = "/run/netns"

// nameRE limits namespace names to what reads well in `ip netns list` and
// cannot escape /etc/netns or /run/netns.
var nameRE = regexp.MustCompile(`^[a-z0-9]{1,24}$`)

// Lab owns the namespaces of one test and deletes them when it ends.
type Lab struct {
	t  TB
	id string // "<pid>-<random>": unique per Lab; the pid lets New sweep leftovers of dead test binaries

	mu    sync.Mutex
	names map[string]bool // short names in use, guarded by mu
}

// NS is one network namespace of a Lab.
type NS struct {
	lab  *Lab
	name string // full name, as `ip netns` knows it
	ifs  int    // veths created in this namespace so far, guarded by lab.mu
}

// New returns an empty Lab for t. It skips t unless the test runs as root
// on Linux with `ip` (Debian package iproute2) installed, because nothing
// else can build namespaces. It also deletes namespaces and /etc/netns
// directories that earlier test binaries left behind when they died before
// their cleanup ran (a panic or a -timeout), identified by a pid in the
// name that no longer runs.
func New(t TB) *Lab {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("netlab: network namespaces need Linux")
	}
	if os.Geteuid() != 0 {
		t.Skip("netlab: network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("netlab: `ip` not found (install Debian package iproute2)")
	}
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("netlab: random id: %v", err)
	}
	l := &Lab{t: t, id: strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:]), names: map[string]bool{}}
	sweep(t)
	return l
}

// Namespace creates the namespace "wfh-<pid>-<random>-<name>" with its
// loopback up and IPv6 duplicate address detection off, and deletes it
// (after killing every process still in it) when the test ends. name is
// short and local to the Lab: lowercase letters and digits, unique within
// the Lab.
func (l *Lab) Namespace(name string) *NS {
	l.t.Helper()
	if !nameRE.MatchString(name) {
		l.t.Fatalf("netlab: namespace name %q: use 1-24 lowercase letters and digits", name)
	}
	ns := &NS{lab: l, name: "wfh-" + l.id + "-" + name}
	l.mu.Lock()
	dup := l.names[name]
	l.names[name] = true
	l.mu.Unlock()
	if dup {
		l.t.Fatalf("netlab: namespace %q created twice", name)
	}
	if out, err := run("", "ip", "netns", "add", ns.name); err != nil {
		if isPermission(out, err) {
			l.t.Skipf("netlab: cannot create network namespaces here: %v", err)
		}
		l.t.Fatalf("netlab: %v", err)
	}
	l.t.Cleanup(ns.destroy)
	ns.ip("link", "set", "lo", "up")
	// Link-local addresses skip duplicate address detection too: while a
	// router's is tentative its first forwarded IPv6 packet waits ~2 s.
	ns.Sysctl("net.ipv6.conf.default.accept_dad", "0")
	return ns
}

// isPermission tells whether a failed `ip netns add` means this machine
// forbids namespaces (an unprivileged container), which skips rather than
// fails the test.
func isPermission(out []byte, err error) bool {
	s := string(out) + err.Error()
	return strings.Contains(s, "Operation not permitted") || strings.Contains(s, "Permission denied")
}

// destroy kills what runs in the namespace, deletes it and its /etc/netns
// directory. It runs at cleanup, so it reports instead of stopping.
func (ns *NS) destroy() {
	t := ns.lab.t
	killNamespacePids(t, ns.name)
	if _, err := run("", "ip", "netns", "del", ns.name); err != nil {
		t.Errorf("netlab: cleanup: %v", err)
	}
	if err := os.RemoveAll(filepath.Join(etcNetns, ns.name)); err != nil {
		t.Errorf("netlab: cleanup: %v", err)
	}
}

// killNamespacePids SIGKILLs every process whose network namespace is
// name, except this test binary (whose main thread may be inside it for
// a moment during Do). Processes hold a namespace alive after `ip netns
// del`, and grandchildren of a Command are found only this way.
func killNamespacePids(t TB, name string) {
	out, err := run("", "ip", "netns", "pids", name)
	if err != nil {
		t.Logf("netlab: cleanup: %v", err)
		return
	}
	for _, f := range strings.Fields(string(out)) {
		pid, err := strconv.Atoi(f)
		if err != nil || pid == os.Getpid() {
			continue
		}
		killPID(pid)
	}
}

// sweep removes namespaces and /etc/netns directories named wfh-<pid>-...
// whose pid no longer runs: the leftovers of a test binary that died
// before its cleanup. Failures only log, since leftovers never collide
// with new names anyway.
func sweep(t TB) {
	stale := func(name string) bool {
		rest, ok := strings.CutPrefix(name, "wfh-")
		if !ok {
			return false
		}
		pidText, _, ok := strings.Cut(rest, "-")
		if !ok {
			return false
		}
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			return false
		}
		return !running(pid)
	}
	out, err := run("", "ip", "netns", "list")
	if err != nil {
		t.Logf("netlab: sweep: %v", err)
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !stale(f[0]) {
			continue
		}
		killNamespacePids(t, f[0])
		if _, err := run("", "ip", "netns", "del", f[0]); err != nil {
			t.Logf("netlab: sweep: %v", err)
		}
		_ = os.RemoveAll(filepath.Join(etcNetns, f[0]))
	}
	entries, _ := os.ReadDir(etcNetns) // absent until some ResolvConf made it
	for _, e := range entries {
		if stale(e.Name()) {
			_ = os.RemoveAll(filepath.Join(etcNetns, e.Name()))
		}
	}
}

// running tells whether pid is a live process. A zombie is not: a test
// binary killed by a signal stays one until its parent reaps it.
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and may
	// itself contain ") ".
	i := bytes.LastIndex(b, []byte(") "))
	if i < 0 || i+2 >= len(b) {
		return true
	}
	return b[i+2] != 'Z' && b[i+2] != 'X'
}

// Name returns the namespace's full name for `ip netns exec` and `ip -n`.
func (ns *NS) Name() string { return ns.name }

// String returns the full name, so a namespace prints usefully in failures.
func (ns *NS) String() string { return ns.name }

// Link creates a veth pair between a and b, directly inside them (it never
// exists in the host namespace, so a crash cannot leak it there), brings
// both ends up and assigns the CIDR addresses ("10.200.1.1/24",
// "fd00:200:1::1/64"). IPv6 addresses skip duplicate address detection so
// they work at once. Each address's subnet is routed with congctl cubic
// (see Route). It returns the interface names (veth0, veth1, ... per
// namespace).
func (l *Lab) Link(a *NS, aAddrs []string, b *NS, bAddrs []string) (aIf, bIf string) {
	l.t.Helper()
	l.mu.Lock()
	aIf = fmt.Sprintf("veth%d", a.ifs)
	a.ifs++
	bIf = fmt.Sprintf("veth%d", b.ifs)
	b.ifs++
	l.mu.Unlock()
	if out, err := run("", "ip", "link", "add", aIf, "netns", a.name, "type", "veth", "peer", "name", bIf, "netns", b.name); err != nil {
		l.t.Fatalf("netlab: %v: %s", err, out)
	}
	a.configure(aIf, aAddrs)
	b.configure(bIf, bAddrs)
	return aIf, bIf
}

// configure brings dev up and gives it addrs. The addresses are added
// without their automatic prefix route, which is then added by hand with
// congctl cubic so that traffic between directly linked namespaces uses
// the same congestion control as routed traffic.
func (ns *NS) configure(dev string, addrs []string) {
	t := ns.lab.t
	t.Helper()
	ns.ip("link", "set", dev, "up")
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			t.Fatalf("netlab: address %q for %s: %v", a, ns.name, err)
		}
		fam := "-4"
		args := []string{"addr", "add", a, "dev", dev, "noprefixroute"}
		if p.Addr().Is6() {
			fam = "-6"
			args = append(args, "nodad")
		}
		ns.ip(append([]string{fam}, args...)...)
		ns.ip(fam, "route", "add", p.Masked().String(), "dev", dev, "congctl", "cubic")
	}
}

// Route adds a route to dst ("10.200.2.0/24", "fd00:200:2::/64" or
// "default") via the gateway via, whose family picks IPv4 or IPv6. The
// route carries congctl cubic: the host's default congestion control
// (bbr here) is inherited by every namespace and cannot be changed inside
// one, but a route's congctl applies to every TCP socket using it, so
// tests behave like a typical client's stack whatever the host runs.
func (ns *NS) Route(dst, via string) {
	t := ns.lab.t
	t.Helper()
	gw, err := netip.ParseAddr(via)
	if err != nil {
		t.Fatalf("netlab: route via %q: %v", via, err)
	}
	fam := "-4"
	if gw.Is6() {
		fam = "-6"
	}
	ns.ip(fam, "route", "add", dst, "via", via, "congctl", "cubic")
}

// Forwarding turns the namespace into a router for IPv4 and IPv6.
func (ns *NS) Forwarding() {
	ns.lab.t.Helper()
	ns.Sysctl("net.ipv4.ip_forward", "1")
	ns.Sysctl("net.ipv6.conf.all.forwarding", "1")
}

// Sysctl sets a kernel parameter ("net.ipv4.ip_forward") inside the
// namespace. Only net.* keys are per-namespace; others are refused so a
// test cannot change the host by accident.
func (ns *NS) Sysctl(key, value string) {
	t := ns.lab.t
	t.Helper()
	if !strings.HasPrefix(key, "net.") || strings.Contains(key, "/") || strings.Contains(key, "..") {
		t.Fatalf("netlab: sysctl %q: only net.* keys are per-namespace", key)
	}
	path := "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
	// /proc/sys/net shows the namespace of the thread that opens it.
	if err := ns.Do(func() error { return os.WriteFile(path, []byte(value), 0) }); err != nil {
		t.Fatalf("netlab: sysctl %s=%s in %s: %v", key, value, ns.name, err)
	}
}

// Nft loads an nftables ruleset (`nft -f -`) inside the namespace. It
// skips the test if nft (Debian package nftables) is not installed. The
// rules vanish with the namespace.
func (ns *NS) Nft(ruleset string) {
	t := ns.lab.t
	t.Helper()
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("netlab: `nft` not found (install Debian package nftables)")
	}
	if out, err := run(ruleset, "ip", "netns", "exec", ns.name, "nft", "-f", "-"); err != nil {
		t.Fatalf("netlab: nft in %s: %v: %s", ns.name, err, out)
	}
}

// Run runs a short command (tc, nft list, ip ...) inside the namespace to
// completion, fails the test if it fails, and returns its combined output.
// Use Command for anything long-running.
func (ns *NS) Run(name string, args ...string) string {
	t := ns.lab.t
	t.Helper()
	out, err := run("", "ip", append([]string{"netns", "exec", ns.name, name}, args...)...)
	if err != nil {
		t.Fatalf("netlab: in %s: %v: %s", ns.name, err, out)
	}
	return string(out)
}

// ResolvConf writes /etc/netns/<name>/resolv.conf, which `ip netns exec`
// (and so Command and Run) bind-mounts over /etc/resolv.conf for the
// processes it starts. The directory is removed at cleanup. Go code in
// this process (Do, Dialer) does not see it: give it a resolver instead.
func (ns *NS) ResolvConf(content string) {
	t := ns.lab.t
	t.Helper()
	dir := filepath.Join(etcNetns, ns.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("netlab: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "resolv.conf"), []byte(content), 0o644); err != nil {
		t.Fatalf("netlab: %v", err)
	}
}

// Command returns `ip netns exec <ns> name args...` as an unstarted
// command. If it is still running when the test ends it is killed, and so
// is anything else left in the namespace, before the namespace goes.
func (ns *NS) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.name, name}, args...)...)
	// A killed command's orphans may hold its output pipes; Wait must not
	// hang on them for longer than this.
	cmd.WaitDelay = 5 * time.Second
	ns.lab.t.Cleanup(func() {
		if cmd.Process != nil {
			_ = cmd.Process.Kill() // an error means it already ended
		}
	})
	return cmd
}

// ip runs `ip -n <ns> args...` and fails the test if it fails.
func (ns *NS) ip(args ...string) {
	t := ns.lab.t
	t.Helper()
	if out, err := run("", "ip", append([]string{"-n", ns.name}, args...)...); err != nil {
		t.Fatalf("netlab: %v: %s", err, out)
	}
}

// run executes an administrative command with stdin, bounded by
// cmdTimeout, and returns its combined output. The error names the
// command and quotes its output.
func run(stdin string, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out.Bytes()))
	}
	return out.Bytes(), nil
}

// Listen listens inside the namespace (see Do). The listener is closed at
// cleanup if the test has not closed it.
func (ns *NS) Listen(network, addr string) (net.Listener, error) {
	var ln net.Listener
	err := ns.Do(func() (err error) {
		ln, err = net.Listen(network, addr)
		return err
	})
	if err != nil {
		return nil, err
	}
	ns.lab.t.Cleanup(func() { _ = ln.Close() })
	return ln, nil
}

// ListenPacket opens a packet socket inside the namespace (see Do). It is
// closed at cleanup if the test has not closed it.
func (ns *NS) ListenPacket(network, addr string) (net.PacketConn, error) {
	var pc net.PacketConn
	err := ns.Do(func() (err error) {
		pc, err = net.ListenPacket(network, addr)
		return err
	})
	if err != nil {
		return nil, err
	}
	ns.lab.t.Cleanup(func() { _ = pc.Close() })
	return pc, nil
}

// DialContext dials an IP literal address from inside the namespace. It
// makes *NS a checks.Dialer; use a Dialer with a Resolver to dial names.
func (ns *NS) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return (&Dialer{NS: ns}).DialContext(ctx, network, addr)
}
