package netstate

import (
	"context"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// execRunner runs real commands for the tests that read this machine.
type execRunner struct{}

func (execRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = time.Second
	return cmd.Output()
}

func thisWindows(native bool) Config {
	return Config{OS: "windows", FS: os.DirFS(`C:\`), Exec: execRunner{}, Getenv: os.Getenv,
		Dialer: &net.Dialer{}, Native: native}
}

// TestNativeThisMachine reads the Windows machine the test runs on (a
// Windows CI runner, or Wine in a namespace) through the native sources:
// every part answers, and the loopback adapter is there, named and
// classified. Where the API failed and the text answered, the test says
// so in its log.
func TestNativeThisMachine(t *testing.T) {
	snap := Start(t.Context(), thisWindows(true)).Snapshot(t.Context())
	logSnapshot(t, snap)
	for _, p := range snap.Problems {
		if p.Part != PartProxy { // reg.exe may be missing under Wine
			t.Errorf("problem %+v", p)
		}
	}
	loopback := false
	for _, i := range snap.Interfaces {
		loopback = loopback || i.Kind == KindLoopback
	}
	if !loopback {
		t.Error("no loopback interface: every Windows has one")
	}
	native := map[Part]string{PartInterfaces: "GetAdaptersAddresses", PartRoutes: "GetIpForwardTable2", PartDNS: "GetAdaptersAddresses"}
	for _, o := range snap.Origins {
		if o.FellBack() {
			t.Logf("%s fell back to %s: %s: %s", o.Part, o.Via, o.Failed, o.Detail)
		} else if native[o.Part] != o.Via {
			t.Errorf("origin %+v", o)
		}
	}
}

// TestTextThisMachine reads the same machine through the text sources
// alone (ipconfig /all, route print, reg), as when the API fails.
// Wine's own ipconfig and route differ from Windows' in places, so it
// asserts only what both print; the log shows the rest.
func TestTextThisMachine(t *testing.T) {
	snap := Start(t.Context(), thisWindows(false)).Snapshot(t.Context())
	logSnapshot(t, snap)
	if len(snap.Interfaces) == 0 {
		t.Errorf("no interface; problems %+v", snap.Problems)
	}
}

func logSnapshot(t *testing.T, snap Snapshot) {
	t.Helper()
	for _, i := range snap.Interfaces {
		t.Logf("interface %d %q (%s): %s up=%v mtu=%d %v", i.Index, i.Name, i.Description, i.Kind, i.Up, i.MTU, i.Addrs)
	}
	for _, r := range append(snap.Routes.Defaults4(), snap.Routes.Defaults6()...) {
		t.Logf("default %s via %v on %q metric %d", r.Dst, r.Gateway, r.Interface, r.Metric)
	}
	t.Logf("path %+v", snap.Path)
	for _, s := range snap.DNS.Servers {
		t.Logf("dns %s %s on %q %v (via %s)", s.Addr, s.Source, s.Interface, s.Domains, snap.DNS.Via)
	}
	t.Logf("search %q notes %q problems %q", snap.DNS.Search, snap.DNS.Notes, snap.DNS.Problems)
	t.Logf("origins %+v problems %+v", snap.Origins, snap.Problems)
}
