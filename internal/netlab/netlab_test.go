package netlab

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testTimeout bounds each test: they take well under a second, so this
// only turns a hang into a failure.
const testTimeout = 30 * time.Second

// ioTimeout bounds one exchange over a lab link, which takes microseconds.
const ioTimeout = 5 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

type dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// serveEcho echoes every TCP connection on ln until ln is closed.
func serveEcho(ln net.Listener) {
	go func() {
		for range 100 { // more than any test dials
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(ioTimeout))
				_, _ = io.Copy(c, c)
			}()
		}
	}()
}

// serveEchoUDP echoes datagrams on pc until pc is closed.
func serveEchoUDP(pc net.PacketConn) {
	go func() {
		buf := make([]byte, 1500)
		for range 100 { // more than any test sends
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(buf[:n], from)
		}
	}()
}

// checkEcho dials addr through d and expects its message back.
func checkEcho(t *testing.T, ctx context.Context, d dialer, network, addr string) {
	t.Helper()
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		t.Fatalf("dial %s %s: %v", network, addr, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(ioTimeout))
	msg := []byte("hello " + addr)
	if _, err := c.Write(msg); err != nil {
		t.Fatalf("write to %s: %v", addr, err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read from %s: %v", addr, err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo from %s = %q, want %q", addr, got, msg)
	}
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLinkEcho(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	lab := New(t)
	a, b := lab.Namespace("a"), lab.Namespace("b")
	aIf, bIf := lab.Link(a, []string{"10.200.7.1/24", "fd00:200:7::1/64"}, b, []string{"10.200.7.2/24", "fd00:200:7::2/64"})
	if aIf != "veth0" || bIf != "veth0" {
		t.Errorf("Link interfaces = %q, %q, want veth0, veth0", aIf, bIf)
	}

	ln, err := b.Listen("tcp", "[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	serveEcho(ln)
	pc, err := b.ListenPacket("udp", "[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	serveEchoUDP(pc)
	tcpPort, udpPort := port(t, ln.Addr().String()), port(t, pc.LocalAddr().String())

	for _, host := range []string{"10.200.7.2", "fd00:200:7::2"} {
		t.Run("tcp "+host, func(t *testing.T) { checkEcho(t, ctx, a, "tcp", net.JoinHostPort(host, tcpPort)) })
		t.Run("udp "+host, func(t *testing.T) { checkEcho(t, ctx, a, "udp", net.JoinHostPort(host, udpPort)) })
	}

	// The link's subnet routes carry cubic like every other route.
	for _, fam := range []string{"-4", "-6"} {
		out := a.Run("ip", fam, "route", "show", "dev", aIf)
		if !strings.Contains(out, "congctl cubic") {
			t.Errorf("ip %s route show in a = %q, want congctl cubic", fam, out)
		}
	}
}

// fakeResolver answers from a map, like a lab DNS server would.
type fakeResolver map[string][]string

func (f fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	var out []net.IPAddr
	for _, s := range f[host] {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return out, nil
}

func TestHomeAndInternetHTTPS(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	lab := New(t)
	home, _, server := lab.HomeAndInternet()
	ca := NewCA(t)
	const name = "server.wfh.test"
	addr := server.ServeTLS("[::]:443", ca.Issue(name, ServerIPv4, ServerIPv6), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		fmt.Fprint(w, host)
	}))
	if port(t, addr) != "443" {
		t.Fatalf("ServeTLS address = %q, want port 443", addr)
	}

	get := func(d dialer, roots *x509.CertPool, serverName, url string) (string, error) {
		c := &http.Client{
			Transport: &http.Transport{
				DialContext:       d.DialContext,
				TLSClientConfig:   &tls.Config{RootCAs: roots, ServerName: serverName},
				DisableKeepAlives: true,
				Proxy:             nil, // never an HTTP(S)_PROXY from the environment
			},
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return "", err
		}
		resp, err := c.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}

	for _, tc := range []struct{ url, from string }{
		{"https://" + ServerIPv4 + "/", HomeIPv4},
		{"https://[" + ServerIPv6 + "]/", HomeIPv6},
	} {
		t.Run(tc.url, func(t *testing.T) {
			got, err := get(home, ca.Pool(), name, tc.url)
			if err != nil {
				t.Fatalf("with the CA: %v", err)
			}
			// The server sees home's own address: routed, not NATed.
			if got != tc.from {
				t.Errorf("server saw the client as %q, want %q", got, tc.from)
			}

			_, err = get(home, nil, name, tc.url)
			var unknown x509.UnknownAuthorityError
			if !errors.As(err, &unknown) {
				t.Errorf("without the CA: err = %v, want x509.UnknownAuthorityError", err)
			}

			_, err = get(home, ca.Pool(), "other.wfh.test", tc.url)
			var hostErr x509.HostnameError
			if !errors.As(err, &hostErr) {
				t.Errorf("with the wrong name: err = %v, want x509.HostnameError", err)
			}
		})
	}

	t.Run("by name through a Resolver", func(t *testing.T) {
		d := &Dialer{NS: home, Resolver: fakeResolver{name: {ServerIPv6, ServerIPv4}}}
		got, err := get(d, ca.Pool(), "", "https://"+name+"/")
		if err != nil {
			t.Fatal(err)
		}
		if got != HomeIPv6 {
			t.Errorf("server saw %q, want %q (the first address)", got, HomeIPv6)
		}
		if _, err := home.DialContext(ctx, "tcp", name+":443"); err == nil || !strings.Contains(err.Error(), "no Resolver") {
			t.Errorf("dial by name without a Resolver: err = %v, want a refusal", err)
		}
	})

	t.Run("routes carry cubic", func(t *testing.T) {
		for _, fam := range []string{"-4", "-6"} {
			out := home.Run("ip", fam, "route", "show", "default")
			if !strings.Contains(out, "congctl cubic") {
				t.Errorf("ip %s route show default in home = %q, want congctl cubic", fam, out)
			}
		}
	})
}

func TestNftDropForwardedTimesOut(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	lab := New(t)
	home, router, server := lab.HomeAndInternet()
	ln, err := server.Listen("tcp", "[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	serveEcho(ln)
	p := port(t, ln.Addr().String())
	v4, v6 := net.JoinHostPort(ServerIPv4, p), net.JoinHostPort(ServerIPv6, p)
	checkEcho(t, ctx, home, "tcp", v4)
	checkEcho(t, ctx, home, "tcp", v6)

	router.Nft(`table inet wfhtest {
	chain forward {
		type filter hook forward priority 0; policy drop;
	}
}`)
	if out := router.Run("nft", "list", "ruleset"); !strings.Contains(out, "policy drop") {
		t.Fatalf("router ruleset = %q, want the drop policy", out)
	}
	for _, addr := range []string{v4, v6} {
		// A dropped SYN is never answered: half a second shows the hang
		// without slowing the suite.
		dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		start := time.Now()
		c, err := home.DialContext(dctx, "tcp", addr)
		cancel()
		if err == nil {
			c.Close()
			t.Fatalf("dial %s through a dropping router succeeded", addr)
		}
		var ne net.Error
		if !errors.Is(err, context.DeadlineExceeded) && !(errors.As(err, &ne) && ne.Timeout()) {
			t.Errorf("dial %s: err = %v, want a timeout", addr, err)
		}
		// Failing well before the deadline would mean a reject, not a drop.
		if d := time.Since(start); d < 400*time.Millisecond {
			t.Errorf("dial %s failed after %v, before its deadline: %v", addr, d, err)
		}
	}
	// Only forwarding is dropped: the router itself still answers (with a
	// reset, as nothing listens there).
	_, err = home.DialContext(ctx, "tcp", net.JoinHostPort(RouterHomeIPv4, p))
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial the router itself: err = %v, want connection refused", err)
	}
}

func TestResolvConfSeenByCommand(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	const content = "nameserver 10.200.9.53\nsearch wfh.test\n"
	var name string
	t.Run("lab", func(t *testing.T) {
		lab := New(t)
		ns := lab.Namespace("dns")
		name = ns.Name()
		ns.ResolvConf(content)
		out, err := ns.Command(ctx, "cat", "/etc/resolv.conf").Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != content {
			t.Errorf("resolv.conf inside = %q, want %q", out, content)
		}
	})
	if name == "" {
		return // skipped
	}
	if _, err := os.Stat(filepath.Join("/etc/netns", name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("/etc/netns/%s after cleanup: %v, want it gone", name, err)
	}
	if host, err := os.ReadFile("/etc/resolv.conf"); err == nil && string(host) == content {
		t.Errorf("the host's /etc/resolv.conf took the namespace's content")
	}
}

func TestCommandKilledAtCleanup(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	var sleeper *exec.Cmd
	var orphan int
	t.Run("lab", func(t *testing.T) {
		lab := New(t)
		ns := lab.Namespace("proc")
		// Background context: the cleanup, not a context, must end it.
		sleeper = ns.Command(context.Background(), "sleep", "60")
		if err := sleeper.Start(); err != nil {
			t.Fatal(err)
		}
		// A shell whose child outlives it is only found through the
		// namespace.
		pidFile := filepath.Join(t.TempDir(), "pid")
		sh := ns.Command(context.Background(), "sh", "-c", `sleep 60 & echo $! > "$1"; wait`, "sh", pidFile)
		if err := sh.Start(); err != nil {
			t.Fatal(err)
		}
		for range 100 { // the shell writes the pid within milliseconds
			if b, err := os.ReadFile(pidFile); err == nil && bytes.HasSuffix(b, []byte("\n")) {
				fmt.Sscan(string(b), &orphan)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if orphan == 0 {
			t.Fatal("the shell never wrote its child's pid")
		}
	})
	if sleeper == nil {
		return // skipped
	}
	done := make(chan error, 1)
	go func() { done <- sleeper.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Errorf("sleep ended with %v, want killed", err)
		}
	case <-ctx.Done():
		t.Fatal("sleep still runs after the lab's cleanup")
	}
	for i := 0; running(orphan); i++ {
		if i == 100 { // SIGKILL lands within milliseconds; 5 s means it was never sent
			t.Fatalf("the shell's child %d still runs after the lab's cleanup", orphan)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func netnsList(t *testing.T) string {
	t.Helper()
	out, err := run("", "ip", "netns", "list")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestCleanupRemovesNamespaces(t *testing.T) {
	t.Parallel()
	var names []string
	t.Run("lab", func(t *testing.T) {
		lab := New(t)
		home, router, server := lab.HomeAndInternet()
		home.ResolvConf("nameserver " + RouterHomeIPv4 + "\n")
		names = []string{home.Name(), router.Name(), server.Name()}
		list := netnsList(t)
		for _, n := range names {
			if !strings.Contains(list, n) {
				t.Errorf("ip netns list lacks %s while the lab runs:\n%s", n, list)
			}
		}
	})
	list := netnsList(t)
	for _, n := range names {
		if strings.Contains(list, n) {
			t.Errorf("ip netns list still has %s after cleanup:\n%s", n, list)
		}
		if _, err := os.Stat(filepath.Join("/etc/netns", n)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("/etc/netns/%s after cleanup: %v, want it gone", n, err)
		}
	}
}

func TestNewSweepsLeftovers(t *testing.T) {
	t.Parallel()
	New(t) // skips where labs cannot run
	// A pid that no longer runs, as left by a test binary killed by -timeout.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("wfh-%d-dead00-leftover", dead.Process.Pid)
	if _, err := run("", "ip", "netns", "add", name); err != nil {
		t.Fatal(err)
	}
	etc := filepath.Join("/etc/netns", name)
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // in case the sweep under test fails
		_, _ = run("", "ip", "netns", "del", name)
		_ = os.RemoveAll(etc)
	})
	New(t)
	if strings.Contains(netnsList(t), name) {
		t.Errorf("New left the dead binary's namespace %s", name)
	}
	if _, err := os.Stat(etc); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("New left %s: %v", etc, err)
	}
}

// TestHelperHoldsLab is the test binary killed by TestNewSweepsKilledBinary:
// it builds a lab, reports it, and waits to be killed.
func TestHelperHoldsLab(t *testing.T) {
	if os.Getenv("WFH_NETLAB_HELPER") == "" {
		return // only a helper process
	}
	lab := New(t)
	ns := lab.Namespace("held")
	ns.ResolvConf("nameserver 10.200.9.53\n")
	sleeper := ns.Command(context.Background(), "sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("READY %s %d\n", ns.Name(), sleeper.Process.Pid)
	time.Sleep(testTimeout) // the parent kills it long before
}

func TestNewSweepsKilledBinary(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	New(t) // skips where labs cannot run
	helper := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperHoldsLab$", "-test.count=1")
	helper.Env = append(os.Environ(), "WFH_NETLAB_HELPER=1")
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = helper.Wait() }()
	var name string
	var sleeper int
	lines := bufio.NewScanner(out)
	for i := 0; i < 100 && name == "" && lines.Scan(); i++ { // READY comes first unless test flags add chatter
		_, _ = fmt.Sscanf(lines.Text(), "READY %s %d", &name, &sleeper)
	}
	if name == "" || sleeper == 0 {
		_ = helper.Process.Kill()
		t.Fatalf("the helper never reported its lab: %v", lines.Err())
	}
	// As -timeout or a crash would: no cleanup runs. Not reaped yet, so the
	// helper is a zombie while New sweeps.
	if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i := 0; running(helper.Process.Pid); i++ {
		if i == 100 { // SIGKILL lands within milliseconds
			t.Fatal("the helper survived SIGKILL")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Another test's New may sweep first; either way it must end up gone.
	New(t)
	if strings.Contains(netnsList(t), name) {
		t.Errorf("New left the killed binary's namespace %s", name)
	}
	if _, err := os.Stat(filepath.Join("/etc/netns", name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("New left /etc/netns/%s: %v", name, err)
	}
	for i := 0; running(sleeper); i++ {
		if i == 100 { // SIGKILL lands within milliseconds
			t.Fatalf("the killed helper's command %d still runs after the sweep", sleeper)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestChainOfFour(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	lab := New(t)
	hops := lab.Chain("home", "homerouter", "isp", "server")
	home, isp, server := hops[0], hops[2], hops[3]
	if got := home.Next.IPv4.String(); got != HomeIPv4 {
		t.Errorf("home address %s, want %s", got, HomeIPv4)
	}
	if got := server.Prev.IPv6.String(); got != "fd00:200:3::1" {
		t.Errorf("server address %s, want fd00:200:3::1", got)
	}

	// Both directions route end to end.
	addrs := map[string][]string{}
	for _, pair := range []struct{ from, to Hop }{{home, server}, {server, home}} {
		to := pair.to.Next
		if to.Iface == "" {
			to = pair.to.Prev
		}
		ln, err := pair.to.Listen("tcp", "[::]:0")
		if err != nil {
			t.Fatal(err)
		}
		serveEcho(ln)
		p := port(t, ln.Addr().String())
		for _, ip := range []string{to.IPv4.String(), to.IPv6.String()} {
			addr := net.JoinHostPort(ip, p)
			addrs[pair.to.Name()] = append(addrs[pair.to.Name()], addr)
			checkEcho(t, ctx, pair.from, "tcp", addr)
		}
	}

	// An impairment stage: shaping a middle hop's link keeps traffic going.
	isp.Run("tc", "qdisc", "add", "dev", isp.Next.Iface, "root", "tbf", "rate", "10mbit", "burst", "32kbit", "latency", "50ms")
	if out := isp.Run("tc", "qdisc", "show", "dev", isp.Next.Iface); !strings.Contains(out, "tbf") {
		t.Errorf("tc qdisc show = %q, want tbf", out)
	}
	for _, addr := range addrs[server.Name()] {
		checkEcho(t, ctx, home, "tcp", addr)
	}
}

func TestCAIssueAndPEM(t *testing.T) {
	t.Parallel()
	ca := NewCA(t)
	cert := ca.Issue("srv.wfh.test", "10.200.9.1", "fd00:200:9::1")
	for _, name := range []string{"srv.wfh.test", "10.200.9.1", "fd00:200:9::1"} {
		if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: ca.Pool()}); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if len(cert.Leaf.IPAddresses) != 2 || len(cert.Leaf.DNSNames) != 1 {
		t.Errorf("SANs = %v %v, want one DNS name and two IPs", cert.Leaf.DNSNames, cert.Leaf.IPAddresses)
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: "srv.wfh.test"}); err == nil {
		t.Error("the leaf verifies without the CA")
	}
	path := ca.WritePEM(t.TempDir())
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("%s holds no certificate", path)
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: "srv.wfh.test", Roots: pool}); err != nil {
		t.Errorf("verify against the written PEM: %v", err)
	}
}
