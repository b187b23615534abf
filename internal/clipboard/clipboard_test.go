package clipboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

type fakeRunner struct {
	installed map[string]bool
	fail      error
	ran       []string
	got       string
}

func (f *fakeRunner) LookPath(name string) (string, error) {
	if f.installed[name] {
		return "/usr/bin/" + name, nil
	}
	return "", exec.ErrNotFound
}

func (f *fakeRunner) Run(_ context.Context, path string, args []string, stdin io.Reader) error {
	b, _ := io.ReadAll(stdin)
	f.got = string(b)
	f.ran = append(f.ran, strings.TrimSpace(path+" "+strings.Join(args, " ")))
	return f.fail
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestCopyPicksThePlatformTool(t *testing.T) {
	for _, tc := range []struct {
		name      string
		os        string
		env       map[string]string
		installed []string
		want      string // prefix of the command run
	}{
		{"macOS", "darwin", nil, []string{"pbcopy"}, "/usr/bin/pbcopy"},
		{"Windows", "windows", nil, []string{"powershell.exe"}, "/usr/bin/powershell.exe -NoProfile"},
		{"Wayland", "linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, []string{"wl-copy", "xclip"}, "/usr/bin/wl-copy"},
		{"X11 xclip", "linux", map[string]string{"DISPLAY": ":0"}, []string{"xclip", "xsel"}, "/usr/bin/xclip -selection clipboard"},
		{"X11 xsel only", "linux", map[string]string{"DISPLAY": ":0"}, []string{"xsel"}, "/usr/bin/xsel --clipboard"},
		{"XWayland without wl-copy", "linux", map[string]string{"WAYLAND_DISPLAY": "w", "DISPLAY": ":0"}, []string{"xclip"}, "/usr/bin/xclip"},
		{"FreeBSD X11", "freebsd", map[string]string{"DISPLAY": ":0"}, []string{"xsel"}, "/usr/bin/xsel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &fakeRunner{installed: map[string]bool{}}
			for _, n := range tc.installed {
				r.installed[n] = true
			}
			c := &Clipboard{OS: tc.os, Getenv: env(tc.env), Runner: r}
			if err := c.Copy(context.Background(), "héllo"); err != nil {
				t.Fatal(err)
			}
			if len(r.ran) != 1 || !strings.HasPrefix(r.ran[0], tc.want) {
				t.Errorf("ran %q, want %q…", r.ran, tc.want)
			}
			if r.got != "héllo" {
				t.Errorf("tool got %q", r.got)
			}
		})
	}
}

func TestCopyExplainsWhyNot(t *testing.T) {
	for _, tc := range []struct {
		name string
		os   string
		env  map[string]string
		want string
	}{
		{"no session", "linux", nil, "no graphical session"},
		{"nothing installed", "linux", map[string]string{"DISPLAY": ":0"}, "none of xclip, xsel is installed"},
		{"no pbcopy", "darwin", nil, "none of pbcopy is installed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Clipboard{OS: tc.os, Getenv: env(tc.env), Runner: &fakeRunner{}}
			err := c.Copy(context.Background(), "x")
			if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrUnavailable saying %q", err, tc.want)
			}
		})
	}
	// A tool that fails is reported by name, and not as "unavailable".
	r := &fakeRunner{installed: map[string]bool{"xclip": true}, fail: errors.New("Error: Can't open display: :0")}
	c := &Clipboard{OS: "linux", Getenv: env(map[string]string{"DISPLAY": ":0"}), Runner: r}
	err := c.Copy(context.Background(), "x")
	if err == nil || errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "xclip") {
		t.Errorf("failing tool: %v", err)
	}
}

func TestNilGetenv(t *testing.T) {
	c := &Clipboard{OS: "linux", Runner: &fakeRunner{}}
	if len(c.Candidates()) != 0 {
		t.Error("candidates without an environment")
	}
}

// TestXclipRoundTrip copies through a real X server (Xvfb) with xclip and
// reads the clipboard back.
func TestXclipRoundTrip(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("X11 test on Linux only")
	}
	for _, tool := range []struct{ bin, pkg string }{{"Xvfb", "xvfb"}, {"xclip", "xclip"}} {
		if _, err := exec.LookPath(tool.bin); err != nil {
			t.Skipf("%s not found: install the Debian package %s", tool.bin, tool.pkg)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// A display number unlikely to be in use; -nolisten tcp keeps it to a
	// local socket.
	display := fmt.Sprintf(":%d", 90+os.Getpid()%400)
	xvfb := exec.CommandContext(ctx, "Xvfb", display, "-nolisten", "tcp", "-screen", "0", "320x240x16")
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = xvfb.Process.Kill(); _ = xvfb.Wait() })
	sock := filepath.Join("/tmp/.X11-unix", "X"+display[1:])
	for i := 0; ; i++ { // Xvfb creates its socket within a second
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i == 100 {
			t.Fatal("Xvfb did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Setenv("DISPLAY", display)
	t.Cleanup(func() { _ = exec.Command("pkill", "-f", "xclip -selection clipboard -in").Run() })

	text := "# wfh report\n| check | verdict |\nünïcode ✔\n"
	c := &Clipboard{OS: "linux", Getenv: os.Getenv, Runner: ExecRunner{}}
	start := time.Now()
	if err := c.Copy(ctx, text); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Copy took %v: it waited for xclip's background child", d)
	}
	out, err := exec.CommandContext(ctx, "xclip", "-selection", "clipboard", "-out").Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != text {
		t.Errorf("clipboard holds %q, want %q", out, text)
	}
}
