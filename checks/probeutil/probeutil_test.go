package probeutil

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
)

func TestRun(t *testing.T) {
	env := &checks.Env{Exec: checkstest.NewCommands(t, map[string]checkstest.Reply{
		"ok":      {Out: "\uFEFFhi"},
		"missing": checkstest.NotInstalled,
		"hang":    {Hang: true},
		"fails":   {Out: "partial", Err: errors.New("exit status 2")},
	})}
	if out, err := Run(context.Background(), env, time.Second, "ok"); out != "hi" || err != nil {
		t.Errorf("ok: %q %v", out, err)
	}
	if _, err := Run(context.Background(), env, time.Second, "missing", "-x"); !errors.Is(err, ErrNotInstalled) || err.Error() != "missing is not installed or not on PATH" {
		t.Errorf("missing: %v", err)
	}
	start := time.Now()
	var hung *HungError
	if _, err := Run(context.Background(), env, 50*time.Millisecond, "hang"); !errors.As(err, &hung) || err.Error() != "hang did not answer within 50ms" || time.Since(start) > 50*time.Millisecond+busySlack {
		t.Errorf("hang: %v after %s", err, time.Since(start))
	}
	if out, err := Run(context.Background(), env, time.Second, "fails"); out != "partial" || err == nil || err.Error() != "fails: exit status 2" {
		t.Errorf("fails: %q %v", out, err)
	}
	if _, err := Run(context.Background(), &checks.Env{}, time.Second, "ok"); err == nil {
		t.Error("no runner accepted")
	}
}

func TestDecodeText(t *testing.T) {
	le := []byte{0xFF, 0xFE, 'S', 0, 'S', 0, 'I', 0, 'D', 0}
	be := []byte{0xFE, 0xFF, 0, 'O', 0, 'K'}
	if DecodeText(le) != "SSID" || DecodeText(be) != "OK" || DecodeText([]byte("plain")) != "plain" || DecodeText([]byte{0xFF, 0xFE, 'x'}) != "" {
		t.Error("decode")
	}
}

func TestReadSmall(t *testing.T) {
	fsys := fstest.MapFS{"proc/uptime": {Data: []byte("1.0 2.0")}, "big": {Data: make([]byte, 2048)}}
	if b, err := ReadSmall(context.Background(), fsys, "proc/uptime", 1024); string(b) != "1.0 2.0" || err != nil {
		t.Errorf("%q %v", b, err)
	}
	if _, err := ReadSmall(context.Background(), fsys, "big", 1024); err == nil {
		t.Error("oversized file accepted")
	}
	if _, err := ReadSmall(context.Background(), fsys, "nope", 1024); err == nil || strings.Count(err.Error(), "nope") != 1 {
		t.Errorf("missing file error should name the file once: %v", err)
	}
}

func FuzzDecodeText(f *testing.F) {
	f.Add([]byte{0xFF, 0xFE, 'a', 0})
	f.Add([]byte{0xFE, 0xFF, 0, 'a', 0})
	f.Fuzz(func(t *testing.T, b []byte) { DecodeText(b) })
}

func TestBounded(t *testing.T) {
	env := &checks.Env{}
	v, err := Bounded(context.Background(), env, time.Second, "its things", func(context.Context) (int, error) { return 7, nil })
	if v != 7 || err != nil {
		t.Errorf("ok: %d %v", v, err)
	}
	_, err = Bounded(context.Background(), env, time.Second, "its things", func(context.Context) (int, error) { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "internal error (a bug in wfh): boom") {
		t.Errorf("panic: %v", err)
	}
	hold := make(chan struct{})
	defer close(hold)
	start := time.Now()
	_, err = Bounded(context.Background(), env, 50*time.Millisecond, "its things", func(context.Context) (int, error) { <-hold; return 1, nil })
	if err == nil || !strings.HasPrefix(err.Error(), "the system did not list its things within") || time.Since(start) > 50*time.Millisecond+busySlack {
		t.Errorf("hung probe: %v after %s", err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err = Bounded(ctx, env, time.Second, "its things", func(context.Context) (int, error) { <-hold; return 1, nil }); err == nil || err.Error() != "the run was stopped" {
		t.Errorf("cancelled: %v", err)
	}
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"  USB \x1b[31mHeadset\r\n": "USB [31mHeadset",
		"a\u2028b\uFEFF":            "ab",
		"bad\xffbyte":               "bad\uFFFDbyte",
		"héé":                       "h…", // cut inside "é" backs off to a character boundary
	} {
		max := 64
		if want == "h…" {
			max = 2
		}
		if got := CleanText(in, max); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	f.Add("\x1b]0;title\x07name", 8)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 1 || max > 1000 {
			return
		}
		out := CleanText(s, max)
		if !utf8.ValidString(out) || len(out) > max+len("…") {
			t.Fatalf("CleanText(%q, %d) = %q", s, max, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) {
				t.Fatalf("control character in %q", out)
			}
		}
	})
}

func TestSplitOwner(t *testing.T) {
	for in, want := range map[string]string{
		"Alice's AirPods Pro": "AirPods Pro",
		"José’s Galaxy Buds2": "Galaxy Buds2",
		"Jabra Evolve2 65":    "Jabra Evolve2 65",
		"alice's headset":     "alice's headset", // not a name by its spelling
		"Built-in Microphone": "Built-in Microphone",
		"Bob's ":              "Bob's ",
	} {
		got, _ := SplitOwner(in)
		if got != want {
			t.Errorf("SplitOwner(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlaceholder(t *testing.T) {
	for _, s := range []string{"", " ", "(null)", "(NULL)", "null", "<null>", "(none)", "N/A", `""`} {
		if !Placeholder(s) {
			t.Errorf("Placeholder(%q) = false", s)
		}
	}
	for _, s := range []string{"Null Output", "None Such Headset", "USB Audio", "0"} {
		if Placeholder(s) {
			t.Errorf("Placeholder(%q) = true", s)
		}
	}
}

// busySlack is how late a deadline may be met on a busy machine: two CPU
// hogs and the race detector hold goroutines back for up to a second; a
// real overrun (a missed cancel, a hang) is longer.
const busySlack = 2 * time.Second
