package netlab

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestWireGuardName(t *testing.T) {
	a, b := WireGuardName(t, "wfh"), WireGuardName(t, "wfh")
	valid := regexp.MustCompile(`^wfh[0-9a-f]{8}$`)
	if !valid.MatchString(a) || !valid.MatchString(b) || a == b {
		t.Errorf("names %q and %q: want wfh and 8 random hex digits", a, b)
	}
	if n := WireGuardName(t, "abcdefg"); len(n) != 15 {
		t.Errorf("%q: a 7-character prefix must give Linux's longest name, 15", n)
	}
	for _, prefix := range []string{"abcdefgh", "WFH", "wf-h", "wg/"} {
		err := Try(func() { WireGuardName(&Standalone{}, prefix) })
		if err == nil {
			t.Errorf("prefix %q accepted", prefix)
		}
	}
}

// TestWireGuardTunnel builds a tunnel between two namespaces, sends TCP
// through it, stops one end (its device and control socket go) and starts
// it again under the same name, as the watch lab's VPN fault does.
func TestWireGuardTunnel(t *testing.T) {
	lab := New(t)
	NeedWireGuard(t)
	a, b := lab.Namespace("a"), lab.Namespace("b")
	lab.Link(a, []string{"10.230.0.1/24"}, b, []string{"10.230.0.2/24"})
	ka, kb := NewWireGuardKey(t), NewWireGuardKey(t)
	if fi, err := os.Stat(ka.File); err != nil || fi.Mode().Perm() != 0o600 || ka.Public == "" || ka.Public == kb.Public {
		t.Fatalf("key %+v: %v %v", ka, fi, err)
	}
	wa, wb := a.StartWireGuard(WireGuardName(t, "nlt")), b.StartWireGuard(WireGuardName(t, "nlt"))
	wa.Configure(WireGuardConfig{Key: ka, PeerPublic: kb.Public, Endpoint: "10.230.0.2:51820", AllowedIPs: "10.231.0.2/32", Address: "10.231.0.1/32",
		Routes: []string{"10.231.0.0/24"}})
	// b's keepalive makes it handshake as soon as it is configured, also
	// after its restart, when a's session is stale.
	bConfig := WireGuardConfig{Key: kb, PeerPublic: ka.Public, Endpoint: "10.230.0.1:51820", AllowedIPs: "10.231.0.1/32",
		PersistentKeepalive: 1, Address: "10.231.0.2/24"}
	wb.Configure(bConfig)
	ln, err := b.Listen("tcp", "10.231.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	through := func(when string) {
		t.Helper()
		// A handshake takes a round trip; the margin is a busy machine's.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		c, err := a.DialContext(ctx, "tcp", ln.Addr().String())
		if err != nil {
			t.Fatalf("%s: TCP through the tunnel: %v", when, err)
		}
		c.Close()
	}
	through("first start")
	if out := a.Run("ip", "route", "show", "10.231.0.0/24"); !strings.Contains(out, "dev "+wa.Name) {
		t.Errorf("route into the tunnel: %q", out)
	}

	socket := filepath.Join(wireGuardSocketDir, wb.Name+".sock")
	if _, err := os.Stat(socket); err != nil {
		t.Fatalf("running wireguard-go has no control socket: %v", err)
	}
	wb.Stop()
	wb.Stop() // the cleanup calls it again
	if !wb.Exited() {
		t.Error("wireguard-go runs after Stop")
	}
	if _, err := os.Stat(socket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("control socket after Stop: %v", err)
	}
	if _, err := run("", "ip", "-n", b.name, "link", "show", "dev", wb.Name); err == nil {
		t.Error("the device outlived wireguard-go")
	}

	name := wb.Name
	wb = b.StartWireGuard(name)
	wb.Configure(bConfig)
	through("after a restart")
	if _, err := os.Stat(socket); err != nil {
		t.Errorf("restarted wireguard-go has no control socket: %v", err)
	}
}

// TestWireGuardStoppedWhenTheTestFails starts wireguard-go in a lab owned
// by a Standalone, fails inside it as a test would, and checks that the
// cleanup stopped it and removed its control socket.
func TestWireGuardStoppedWhenTheTestFails(t *testing.T) {
	New(t) // skips where labs cannot be built
	NeedWireGuard(t)
	st := &Standalone{}
	var wg *WireGuard
	err := Try(func() {
		lab := New(st)
		wg = lab.Namespace("solo").StartWireGuard(WireGuardName(st, "nlt"))
		st.Fatalf("failing on purpose")
	})
	if err == nil || wg == nil {
		t.Fatalf("Try: %v, wireguard-go %v", err, wg)
	}
	socket := filepath.Join(wireGuardSocketDir, wg.Name+".sock")
	if _, err := os.Stat(socket); err != nil {
		t.Errorf("running wireguard-go has no control socket: %v", err)
	}
	st.Close()
	if !wg.Exited() {
		t.Error("wireguard-go runs after the cleanup")
	}
	if _, err := os.Stat(socket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("control socket after the cleanup: %v", err)
	}
}
