package audio

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

// TestRealPulseAudio runs the real check against a private PulseAudio
// daemon with a null sink and a null source, so the pactl path is proved
// against a real server, not only fixtures. No sound hardware is needed.
//
// Running as root: pulseaudio refuses root only in its default per-user
// mode when it cannot make its runtime directory; with HOME,
// XDG_RUNTIME_DIR and PULSE_RUNTIME_PATH pointing at a private temporary
// directory it starts (with a warning that it is "not intended to be run
// as root"), so --system is not needed. Clients find it through
// PULSE_SERVER, which checks.ExecCommander passes on from the process
// environment.
func TestRealPulseAudio(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the PulseAudio test needs Linux")
	}
	for _, tool := range []string{"pulseaudio", "pactl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH (Debian: apt-get install pulseaudio pulseaudio-utils): %v", tool, err)
		}
	}
	// A short directory: the socket path must fit a sockaddr_un (108 bytes),
	// which t.TempDir's long test-named paths may not.
	dir, err := os.MkdirTemp("", "wfhpa")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "native")

	daemon := exec.Command("pulseaudio", "--daemonize=no", "--system=false", "--use-pid-file=false",
		"--exit-idle-time=-1", "--disallow-exit", "-n",
		"--load=module-native-protocol-unix auth-anonymous=1 socket="+socket,
		"--load=module-null-sink sink_name=wfh_speaker",
		"--load=module-null-source source_name=wfh_mic")
	daemon.Env = append(os.Environ(), "HOME="+dir, "XDG_RUNTIME_DIR="+dir, "PULSE_RUNTIME_PATH="+dir)
	var log strings.Builder
	daemon.Stdout, daemon.Stderr = &log, &log
	if err := daemon.Start(); err != nil {
		t.Fatalf("start pulseaudio: %v", err)
	}
	exited := make(chan struct{})
	go func() { daemon.Wait(); close(exited) }()
	stop := func() {
		select {
		case <-exited:
			return
		default:
		}
		daemon.Process.Kill()
		select {
		case <-exited:
		case <-time.After(5 * time.Second): // a killed process is reaped at once; this only bounds a wedged kernel
			t.Errorf("pulseaudio (PID %d) did not exit after SIGKILL", daemon.Process.Pid)
		}
	}
	t.Cleanup(stop)
	t.Setenv("PULSE_SERVER", "unix:"+socket)

	pactl := func(args ...string) string {
		t.Helper()
		// 5 s: a live daemon answers in milliseconds; this only ends a hang.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "pactl", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("pactl %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// Wait for the daemon to answer: it usually takes well under a second;
	// 5 s covers a loaded CI machine.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if err := exec.Command("pactl", "info").Run(); err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("pulseaudio exited early:\n%s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("pulseaudio did not answer within 5 s:\n%s", log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	run := func(t *testing.T) checks.Result {
		t.Helper()
		env, err := checks.SystemEnv(profile.Default())
		if err != nil {
			t.Fatal(err)
		}
		env.Logf = t.Logf
		c := New()
		ctx, cancel := context.WithTimeout(context.Background(), c.Budget())
		defer cancel()
		start := time.Now()
		res := c.Run(ctx, env)
		took := time.Since(start)
		out, _ := json.MarshalIndent(res, "", "  ")
		t.Logf("after %v:\n%s", took, out)
		if took > c.Budget()+busySlack {
			t.Errorf("took %v, over the %v budget", took, c.Budget())
		}
		return res
	}
	want := func(t *testing.T, res checks.Result, status report.Status, summary string) {
		t.Helper()
		if res.Status != status || res.Summary != summary {
			t.Errorf("got %s %q, want %s %q", res.Status, res.Summary, status, summary)
		}
	}

	t.Run("devices found", func(t *testing.T) {
		res := run(t)
		want(t, res, report.Pass, "microphone: Null Input; speakers: Null Output")
		if res.Facts["audio_source"] != "pactl -f json list" {
			t.Errorf("source %q", res.Facts["audio_source"])
		}
	})
	t.Run("mic test on the null source", func(t *testing.T) {
		env, err := checks.SystemEnv(profile.Default())
		if err != nil {
			t.Fatal(err)
		}
		env.MicTest = true
		c := New()
		ctx, cancel := context.WithTimeout(context.Background(), c.Budget())
		defer cancel()
		start := time.Now()
		res := c.Run(ctx, env)
		if took := time.Since(start); took > c.Budget()+busySlack {
			t.Errorf("took %v, over the %v budget", took, c.Budget())
		}
		// A null source records digital silence: the test must say so.
		if res.Facts["mic_test"] != "silent" || res.Status != report.Warn {
			out, _ := json.MarshalIndent(res, "", "  ")
			t.Errorf("mic test: %s", out)
		}
	})
	t.Run("muted microphone", func(t *testing.T) {
		pactl("set-source-mute", "wfh_mic", "1")
		defer pactl("set-source-mute", "wfh_mic", "0")
		want(t, run(t), report.Warn, "Your microphone 'Null Input' is muted")
	})
	t.Run("speaker at 0 %", func(t *testing.T) {
		pactl("set-sink-volume", "wfh_speaker", "0%")
		defer pactl("set-sink-volume", "wfh_speaker", "100%")
		want(t, run(t), report.Warn, "The volume of your speakers 'Null Output' is at 0 %")
	})
	t.Run("no microphone", func(t *testing.T) {
		pactl("unload-module", "module-null-source")
		res := run(t)
		// The null sink's monitor is left as the default source; it is no
		// microphone.
		want(t, res, report.Warn, "No microphone found")
	})
	t.Run("daemon stopped", func(t *testing.T) {
		stop()
		res := run(t)
		if res.Status != report.Warn && res.Status != report.Error {
			t.Errorf("got %s %q, want a warning or an error", res.Status, res.Summary)
		}
	})
}
