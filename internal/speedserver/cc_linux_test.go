package speedserver

import (
	"errors"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Accepted sockets carry the configured algorithm.
func TestCongestionControl(t *testing.T) {
	s, logs := newServer(t, Config{Congestion: "cubic"})
	ln, err := s.Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if logs.text() != "" {
		t.Skipf("cubic not available here: %s", logs.text())
	}
	go func() {
		if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
			time.Sleep(200 * time.Millisecond)
			c.Close()
		}
	}()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var algo string
	var gerr error
	if err := raw.Control(func(fd uintptr) { algo, gerr = congestionOf(fd) }); err != nil || gerr != nil {
		t.Fatal(err, gerr)
	}
	if strings.TrimRight(algo, "\x00") != "cubic" {
		t.Errorf("accepted socket uses %q, want cubic", algo)
	}

	// A name the system does not offer is refused before any socket,
	// with the list to choose from.
	_, err = New(Config{Congestion: "nosuchalgo"})
	var ce *CongestionError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "cubic") || !strings.Contains(err.Error(), "system") {
		t.Errorf("unknown algorithm: %v", err)
	}
}

// The default (Congestion empty) never stops the server: without CUBIC it
// keeps the system's default and says so in one line.
func TestDefaultCongestionFallsBack(t *testing.T) {
	s, logs := newServer(t, Config{})
	ln, err := s.Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	avail, err := availableCongestion()
	if err != nil {
		t.Skip(err)
	}
	if slices.Contains(avail, "cubic") != (logs.text() == "") {
		t.Errorf("cubic available: %v, log %q", slices.Contains(avail, "cubic"), logs.text())
	}
}

// An algorithm the kernel has but a user may not set (EPERM) is named
// with the allowed ones and the fixes.
func TestCongestionNotAllowedMessage(t *testing.T) {
	e := &CongestionError{Name: "bbr", Allowed: []string{"reno", "cubic"}, Err: syscall.EPERM}
	for _, want := range []string{`"bbr" is not allowed`, "allowed: reno, cubic", "root", "tcp_allowed_congestion_control", "system"} {
		if !strings.Contains(e.Error(), want) {
			t.Errorf("%q lacks %q", e.Error(), want)
		}
	}
}

func TestParseCongestionList(t *testing.T) {
	if got := parseCongestionList("reno cubic bbr\n"); !slices.Equal(got, []string{"reno", "cubic", "bbr"}) {
		t.Errorf("got %q", got)
	}
	if got := parseCongestionList(" \n"); len(got) != 0 {
		t.Errorf("got %q", got)
	}
}
