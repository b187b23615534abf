package vpn

import (
	"net/netip"
	"os"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/netstate"
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

// routedFrom is a machine whose routes all leave from src, and whose TCP
// connections reach the loopback servers a test starts.
func routedFrom(src netip.Addr) *checkstest.Dialer {
	return &checkstest.Dialer{DefaultSource: src, Default: &checkstest.Route{Loopback: true}}
}

func p4(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func a4(s string) netip.Addr   { return netip.MustParseAddr(s) }

// newEnv is an environment of goos with the given profile section.
func newEnv(t *testing.T, goos string, vpn profile.VPN, exec checks.Commander, fsys fstest.MapFS, d *checkstest.Dialer) *checks.Env {
	p := profile.Default()
	p.VPN = vpn
	if exec == nil {
		exec = checkstest.NewCommands(t, nil)
	}
	if fsys == nil {
		fsys = fstest.MapFS{}
	}
	if d == nil {
		d = &checkstest.Dialer{}
	}
	return &checks.Env{
		OS: goos, Exec: exec, FS: fsys, Dialer: d, Resolver: &checkstest.Resolver{},
		Profile: p, Now: time.Now, Getenv: func(string) string { return "" },
	}
}

// sysIface is an entry of the OS's interface list a test fakes.
type sysIface = netstate.SysInterface

// withIfaces gives env a network state read from its own FS and commands,
// as a run reads it, with list as the OS's interface list.
func withIfaces(env *checks.Env, list []sysIface) *checks.Env {
	cfg := env.NetConfig()
	cfg.ListInterfaces = func() ([]sysIface, error) { return list, nil }
	env.Net = netstate.New(cfg)
	return env
}
