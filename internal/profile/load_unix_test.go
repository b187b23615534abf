//go:build !windows

package profile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadRefusesFIFO: a named pipe with no writer would block the open
// for ever; it and every other file that is not a regular file (a device,
// a socket) is refused with one line before it is opened.
func TestLoadRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "acme.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, path := range []string{fifo, os.DevNull} {
		done := make(chan error, 1)
		go func() {
			_, err := LoadContext(context.Background(), path, known)
			done <- err
		}()
		select {
		case err := <-done:
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			if !strings.Contains(msg, path+": is not a regular file") || strings.Contains(msg, "\n") {
				t.Errorf("%s: %q", path, msg)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Load hangs", path)
		}
	}
}
