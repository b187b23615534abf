//go:build !windows

package main

import (
	"bytes"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestE2EFIFONeverHangs: a named pipe that nobody writes to, given as the
// profile or as the report to show, is refused with one line at once.
func TestE2EFIFONeverHangs(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "acme.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, args := range [][]string{
		{"doctor", "--profile", fifo, "--only", "system"},
		{"report", fifo},
	} {
		cmd := exec.Command(wfhBinary(t), args...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v: still waiting after 10 s", args)
		}
		msg := errOut.String()
		if code := cmd.ProcessState.ExitCode(); code != exitUsage || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "not a regular file") {
			t.Errorf("%v: exit %d, stderr %q", args, code, msg)
		}
	}
}

// TestE2ECtrlCWhileReading: Ctrl-C ends wfh report while it waits for a
// report on standard input that never comes.
func TestE2ECtrlCWhileReading(t *testing.T) {
	cmd := exec.Command(wfhBinary(t), "report", "-")
	stdin, err := cmd.StdinPipe() // open, and never written to
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // let it start reading
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("wfh report - did not stop within 5 s of Ctrl-C")
	}
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || strings.Count(errOut.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 130 and one line", code, errOut.String())
	}
}
