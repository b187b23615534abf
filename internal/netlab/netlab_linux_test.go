package netlab

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// congestion returns the TCP congestion control of a connection.
func congestion(t *testing.T, c net.Conn) string {
	t.Helper()
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var algo string
	var gerr error
	if err := raw.Control(func(fd uintptr) {
		algo, gerr = unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION)
	}); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return algo
}

// TestRoutesGiveCubic checks the sockets themselves, on both ends, not
// just the route text: congctl on a route is what makes them cubic in a
// namespace that inherits another default.
func TestRoutesGiveCubic(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	lab := New(t)
	home, _, server := lab.HomeAndInternet()
	for _, ip := range []string{ServerIPv4, ServerIPv6} {
		ln, err := server.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			t.Fatal(err)
		}
		accepted := make(chan net.Conn, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}()
		c, err := home.DialContext(ctx, "tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if got := congestion(t, c); got != "cubic" {
			t.Errorf("home's connection to %s uses %q, want cubic", ip, got)
		}
		select {
		case s, ok := <-accepted:
			if !ok {
				t.Fatal("accept failed")
			}
			defer s.Close()
			if got := congestion(t, s); got != "cubic" {
				t.Errorf("server's connection on %s uses %q, want cubic", ip, got)
			}
		case <-ctx.Done():
			t.Fatal("accept never returned")
		}
	}
}

func netnsOfThread(t *testing.T) string {
	t.Helper()
	s, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDoSwitchesOnlyItsThread(t *testing.T) {
	t.Parallel()
	lab := New(t)
	ns := lab.Namespace("do")
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := netnsOfThread(t)
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(runNetns, ns.Name()), &st); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("net:[%d]", st.Ino)
	var inside string
	if err := ns.Do(func() (err error) {
		inside, err = os.Readlink("/proc/thread-self/ns/net")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if inside != want {
		t.Errorf("inside Do the thread is in %s, want %s", inside, want)
	}
	if after := netnsOfThread(t); after != before {
		t.Errorf("Do moved the caller's thread from %s to %s", before, after)
	}

	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want Do to re-raise fn's panic", p)
			}
		}()
		_ = ns.Do(func() error { panic("boom") })
	}()
}
