package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/reportschema"
)

// startXvfb starts a private X server and returns its DISPLAY. Xvfb picks
// a free display number itself (-displayfd), so parallel test runs never
// share one; killing it at cleanup also ends the xclip child that serves
// the clipboard.
func startXvfb(t *testing.T, ctx context.Context) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("X11 test on Linux only")
	}
	for _, tool := range []struct{ bin, pkg string }{{"Xvfb", "xvfb"}, {"xclip", "xclip"}} {
		if _, err := exec.LookPath(tool.bin); err != nil {
			t.Skipf("%s not found: install the Debian package %s", tool.bin, tool.pkg)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	xvfb := exec.CommandContext(ctx, "Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "320x240x16")
	xvfb.ExtraFiles = []*os.File{w}
	if err := xvfb.Start(); err != nil {
		w.Close()
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { _ = xvfb.Process.Kill(); _ = xvfb.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatal("Xvfb did not say which display it uses")
		}
		return ":" + n
	case <-time.After(10 * time.Second): // Xvfb is ready within a second
		t.Fatal("Xvfb did not start")
	}
	return ""
}

// runWFHEnv runs the real binary with env replacing the test's own
// DISPLAY and WAYLAND_DISPLAY.
func runWFHEnv(t *testing.T, ctx context.Context, env []string, args ...string) runResult {
	t.Helper()
	cmd := exec.CommandContext(ctx, wfhBinary(t), withProfile(t, args)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "DISPLAY=") || strings.HasPrefix(kv, "WAYLAND_DISPLAY=")
	})
	cmd.Env = append(cmd.Env, env...)
	err := cmd.Run()
	res := runResult{stdout: out.String(), stderr: errOut.String()}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run wfh %v: %v", args, err)
	}
	return res
}

// TestE2ECopyToRealClipboard: the real binary puts the Markdown report on
// a real X clipboard (Xvfb, xclip), writes the JSON it was asked for on
// standard output, and says so on standard error; without a graphical
// session it says why in one line and exits as it would have.
func TestE2ECopyToRealClipboard(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	display := startXvfb(t, ctx)

	res := runWFHEnv(t, ctx, []string{"DISPLAY=" + display}, "doctor", "--only", "system", "--format", "json", "--copy")
	if res.code != exitOK && res.code != exitChecks {
		t.Fatalf("exit %d\nstderr: %s", res.code, res.stderr)
	}
	if err := reportschema.Validate([]byte(res.stdout)); err != nil {
		t.Fatalf("stdout is not the JSON report: %v", err)
	}
	if res.stderr != "Report copied to the clipboard as Markdown: paste it into your helpdesk ticket or chat.\n" {
		t.Errorf("stderr %q", res.stderr)
	}
	read := exec.CommandContext(ctx, "xclip", "-selection", "clipboard", "-out")
	read.Env = append(os.Environ(), "DISPLAY="+display)
	got, err := read.Output()
	if err != nil {
		t.Fatalf("read the clipboard: %v", err)
	}
	md := string(got)
	if !strings.HasPrefix(md, "## wfh report: ") || !strings.Contains(md, "| Computer |") ||
		!strings.Contains(md, "private data redacted") || !strings.Contains(md, "<details><summary>") {
		t.Errorf("clipboard holds:\n%s", md)
	}
	if host, err := os.Hostname(); err == nil && len(host) >= 3 && strings.Contains(strings.ToLower(md), strings.ToLower(host)) {
		t.Errorf("the host name %q reached the clipboard", host)
	}

	// No graphical session: a note, the report, the same exit status.
	plain := runWFHEnv(t, ctx, nil, "doctor", "--only", "system", "--format", "json")
	none := runWFHEnv(t, ctx, nil, "doctor", "--only", "system", "--format", "json", "--copy")
	if none.code != plain.code {
		t.Errorf("exit %d with a failed --copy, %d without --copy", none.code, plain.code)
	}
	if err := reportschema.Validate([]byte(none.stdout)); err != nil {
		t.Errorf("no report on stdout: %v", err)
	}
	lines := strings.Split(strings.TrimRight(none.stderr, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "wfh: the report was not copied: no clipboard available: no graphical session here") {
		t.Errorf("stderr %q", none.stderr)
	}
}
