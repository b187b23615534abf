package vpn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
)

func fixture(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// fakeExec answers commands by their full command line.
type fakeExec struct {
	mu    sync.Mutex
	out   map[string]string
	err   map[string]error
	calls []string
}

func (f *fakeExec) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	f.mu.Lock()
	f.calls = append(f.calls, line)
	out, ok := f.out[line]
	err := f.err[line]
	f.mu.Unlock()
	if err != nil {
		return []byte(out), err
	}
	if !ok {
		return nil, fmt.Errorf("%s is not installed or not on PATH", name)
	}
	return []byte(out), nil
}

// fakeDialer answers the UDP route lookups from a table (destination to
// source address, else def) and dials TCP with tcp, or for real (tests
// dial loopback servers only).
type fakeDialer struct {
	src map[netip.Addr]netip.Addr
	def netip.Addr
	tcp func(ctx context.Context, addr string) (net.Conn, error)
}

func (d *fakeDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if strings.HasPrefix(network, "udp") {
		ap, err := netip.ParseAddrPort(addr)
		if err != nil {
			return nil, err
		}
		src, ok := d.src[ap.Addr()]
		if !ok {
			src = d.def
		}
		if !src.IsValid() {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("network is unreachable")}
		}
		return &fakeConn{local: &net.UDPAddr{IP: src.AsSlice()}}, nil
	}
	if d.tcp != nil {
		return d.tcp(ctx, addr)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

// blackhole dials nothing: it waits until the context ends, as a SYN to a
// silent host does.
func blackhole(ctx context.Context, _ string) (net.Conn, error) {
	<-ctx.Done()
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: ctx.Err()}
}

type fakeConn struct {
	net.Conn
	local net.Addr
}

func (c *fakeConn) LocalAddr() net.Addr              { return c.local }
func (c *fakeConn) Close() error                     { return nil }
func (c *fakeConn) SetDeadline(time.Time) error      { return nil }
func (c *fakeConn) RemoteAddr() net.Addr             { return c.local }
func (c *fakeConn) Read([]byte) (int, error)         { return 0, errors.New("fake") }
func (c *fakeConn) Write(b []byte) (int, error)      { return len(b), nil }
func (c *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// fakeResolver maps names to addresses; other names do not exist.
type fakeResolver map[string][]string

func (r fakeResolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (r fakeResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	list, err := r.LookupHost(ctx, host)
	if err != nil {
		return nil, err
	}
	var out []net.IPAddr
	for _, a := range list {
		out = append(out, net.IPAddr{IP: net.ParseIP(a)})
	}
	return out, nil
}

func p4(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func a4(s string) netip.Addr   { return netip.MustParseAddr(s) }

// newEnv is an environment of goos with the given profile section.
func newEnv(goos string, vpn profile.VPN, exec checks.Commander, fsys fstest.MapFS, d *fakeDialer) *checks.Env {
	p := profile.Default()
	p.VPN = vpn
	if exec == nil {
		exec = &fakeExec{}
	}
	if fsys == nil {
		fsys = fstest.MapFS{}
	}
	if d == nil {
		d = &fakeDialer{}
	}
	return &checks.Env{
		OS: goos, Exec: exec, FS: fsys, Dialer: d, Resolver: fakeResolver{},
		Profile: p, Now: time.Now, Getenv: func(string) string { return "" },
	}
}
