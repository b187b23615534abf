package profile

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadRefusesBinaryFiles: a binary file given as a profile is named as
// such, not answered with a YAML message about tabs or indentation. A
// profile saved by Notepad as UTF-16 is text, NULs and all.
func TestLoadRefusesBinaryFiles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"png":   "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
		"elf":   "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00",
		"zip":   "PK\x03\x04\x14\x00\x00\x00\x08\x00name: x\n",
		"tabby": "name: a\n\tb: \x00\x01\x02\x03\n",
	} {
		path := filepath.Join(dir, name+".yaml")
		mustWrite(t, path, body)
		_, err := Load(path, known)
		if err == nil || !strings.Contains(err.Error(), "is not a text file") || strings.Contains(err.Error(), "tabs") {
			t.Errorf("%s: %v", name, err)
		}
	}
	utf16 := filepath.Join(dir, "notepad.yaml")
	mustWrite(t, utf16, "\xff\xfen\x00a\x00m\x00e\x00:\x00 \x00A\x00\n\x00")
	if _, err := Load(utf16, known); err != nil && strings.Contains(err.Error(), "is not a text file") {
		t.Errorf("UTF-16 with a byte order mark: %v", err)
	}
}

// TestLoadContextEndsOnCancel: whatever the read is waiting for, Ctrl-C
// (a cancelled context) ends it at once.
func TestLoadContextEndsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer close(release)
	done := make(chan *readError, 1)
	go func() {
		_, err := withContext(ctx, func() ([]byte, *readError) {
			<-release // a read that never returns by itself
			return nil, nil
		})
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if err == nil || !errors.Is(err.err, context.Canceled) {
			t.Errorf("err %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the read did not end on cancel")
	}
	// LoadContext passes the cancellation on as an error wrapping it.
	_, err := LoadContext(ctx, filepath.Join(t.TempDir(), "x.yaml"), known)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("LoadContext with a cancelled context: %v", err)
	}
}
