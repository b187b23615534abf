package speedserver

import (
	"net"
	"strings"
	"testing"
	"time"
)

// Accepted sockets carry the configured algorithm; an algorithm the system
// does not have leaves the default in place with one log line.
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

	s2, logs2 := newServer(t, Config{Congestion: "nosuchalgo"})
	ln2, err := s2.Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatalf("an unknown algorithm must not stop the server: %v", err)
	}
	ln2.Close()
	if n := strings.Count(logs2.text(), "\n") + 1; logs2.text() == "" || n != 1 || !strings.Contains(logs2.text(), "system's default") {
		t.Errorf("want one line about keeping the default, got %q", logs2.text())
	}
}
