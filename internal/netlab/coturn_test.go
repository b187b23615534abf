package netlab

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// TestCoturnStoppedWhenTheTestFails starts coturn with two addresses and
// TLS in a lab owned by a Standalone, fails inside it as a test would,
// and checks that the cleanup stopped turnserver and removed its files.
func TestCoturnStoppedWhenTheTestFails(t *testing.T) {
	New(t) // skips where labs cannot be built
	st := &Standalone{}
	var c *Coturn
	err := Try(func() {
		lab := New(st)
		_, _, server := lab.HomeAndInternet()
		server.AddAddress("veth0", "10.200.2.11/32")
		ca := NewCA(t)
		cert := ca.Issue(ServerIPv4)
		c = server.StartCoturn(CoturnConfig{
			IPs:     []string{ServerIPv4, "10.200.2.11"},
			TLSPort: 5349,
			Cert:    &cert,
			Users:   map[string]string{"u": "p"},
		})
		if c.Exited() || !strings.Contains(c.Log(), "UDP listener opened on: 10.200.2.11:3478") {
			t.Errorf("coturn after start: exited %v, log:\n%s", c.Exited(), c.Log())
		}
		st.Fatalf("the test fails here")
	})
	if errors.Is(err, ErrSkipped) {
		t.Skip(err)
	}
	if err == nil || !strings.Contains(err.Error(), "the test fails here") {
		t.Fatalf("Try: %v", err)
	}
	st.Close()
	if c == nil {
		t.Fatal("coturn never started")
	}
	if !c.Exited() {
		t.Error("turnserver still runs after the cleanup")
	}
	for i := 0; running(c.PID()); i++ {
		if i == 50 {
			t.Fatalf("pid %d still runs after the cleanup", c.PID())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(c.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("coturn's directory %s after cleanup: %v", c.dir, err)
	}
}
