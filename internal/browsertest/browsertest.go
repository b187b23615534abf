// Package browsertest opens a page in a real headless Chromium for tests,
// with networking truly off: the browser runs in a network namespace of its
// own (unshare -n) that has no interface but a loopback that is down, so
// nothing it tries can leave the machine. Every run is bounded in time, uses
// a fresh profile directory, and its whole process group is killed when it
// ends, also when the test fails.
//
// What a test gets back: the DOM after the page loaded (--dump-dom), the
// requests Chromium's network stack saw (--log-net-log), the page's console
// messages (CSP violations among them), and screenshots.
//
// It needs Linux, Chromium (Debian package chromium) and a way to make a
// network namespace (root, or unprivileged user namespaces); New skips the
// test with the reason otherwise.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RunTimeout bounds one browser run. Chromium starts, renders a page of
// this size and exits in about a second; a loaded CI machine may need a few
// more, and past this something hangs.
const RunTimeout = 45 * time.Second

// Browser is a Chromium binary and how to isolate it.
type Browser struct {
	t       testing.TB
	path    string
	unshare []string // the command prefix that gives a fresh network namespace
}

// New finds Chromium and a way to cut its network, or skips t.
func New(t testing.TB) *Browser {
	t.Helper()
	if testing.Short() {
		t.Skip("browsertest: starts Chromium; skipped with -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("browsertest: needs Linux network namespaces")
	}
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("browsertest: Chromium not found (install the Debian package chromium: apt-get install -y --no-install-recommends chromium)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("browsertest: unshare not found (Debian package util-linux)")
	}
	b := &Browser{t: t, path: path}
	// root makes the namespace directly; otherwise an unprivileged user
	// namespace may allow it
	for _, prefix := range [][]string{{"unshare", "-n", "--"}, {"unshare", "-r", "-n", "--"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := exec.CommandContext(ctx, prefix[0], append(prefix[1:], "true")...).Run()
		cancel()
		if err == nil {
			b.unshare = prefix
			return b
		}
	}
	t.Skip("browsertest: cannot create a network namespace here (needs root or unprivileged user namespaces)")
	return nil
}

// Command returns a command that runs name in a fresh network namespace of
// its own, like the browser: a test uses it to run `wfh doctor` for a real
// report without letting it reach anything. Its process group is killed
// when ctx ends.
func (b *Browser) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, b.unshare[1:]...), name), args...)
	cmd := exec.CommandContext(ctx, b.unshare[0], argv...)
	ownGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// Options say what one run does.
type Options struct {
	// Dark emulates a system set to dark mode (prefers-color-scheme: dark).
	Dark bool
	// Width and Height are the window size in CSS pixels; the screenshot
	// covers exactly this (headless Chromium does not capture past it).
	Width, Height int
	// Screenshot is the PNG to write, PDF the file to print the page to
	// (print styles apply); with neither, the run dumps the DOM.
	Screenshot, PDF string
}

// Page is what one run of the browser saw.
type Page struct {
	DOM      string    // the serialised DOM after load (DOM runs only)
	Requests []Request // every URL request in Chromium's network log
	NetLog   string    // the raw network log, for searching
	Console  []string  // console messages the page produced
	Stderr   string    // Chromium's whole log
}

// Request is one URL request from the network log.
type Request struct {
	URL, Method, Initiator, IsolationKey string
}

// FromPage tells a request the page made from one Chromium makes for itself
// (component updates, time queries): those carry no initiating origin,
// while a file:// page's requests carry its (opaque) origin and its site.
func (r Request) FromPage() bool {
	return strings.Contains(r.IsolationKey, "file://") || (r.Initiator != "" && r.Initiator != "not an origin")
}

// Open loads the local file path in a fresh headless Chromium and returns
// what it saw.
func (b *Browser) Open(ctx context.Context, path string, o Options) (*Page, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("browsertest: %w", err)
	}
	dir := b.t.TempDir()
	netlog := filepath.Join(dir, "netlog.json")
	w, h := o.Width, o.Height
	if w <= 0 || h <= 0 {
		w, h = 1100, 1600
	}
	args := []string{
		"--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-default-browser-check",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars",
		"--user-data-dir=" + filepath.Join(dir, "profile"),
		"--enable-logging=stderr", "--v=0",
		"--log-net-log=" + netlog, "--net-log-capture-mode=Default",
		"--window-size=" + strconv.Itoa(w) + "," + strconv.Itoa(h),
	}
	if os.Geteuid() == 0 || len(b.unshare) == 4 {
		// Chromium's sandbox refuses to run as root, real or in a user
		// namespace; the page is the test's own and the network is gone
		args = append(args, "--no-sandbox")
	}
	if o.Dark {
		args = append(args, "--blink-settings=preferredColorScheme=0")
	}
	switch {
	case o.Screenshot != "":
		args = append(args, "--screenshot="+o.Screenshot)
	case o.PDF != "":
		args = append(args, "--no-pdf-header-footer", "--print-to-pdf="+o.PDF)
	default:
		args = append(args, "--dump-dom")
	}
	args = append(args, "file://"+abs)

	ctx, cancel := context.WithTimeout(ctx, RunTimeout)
	defer cancel()
	argv := append(append([]string{}, b.unshare[1:]...), b.path)
	cmd := exec.CommandContext(ctx, b.unshare[0], append(argv, args...)...)
	// Chromium forks zygotes and renderers; ending the leader alone would
	// leave them, so the whole group goes
	ownGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"LANG=C.UTF-8",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Start()
	if err != nil {
		return nil, fmt.Errorf("browsertest: start chromium: %w", err)
	}
	pgid := cmd.Process.Pid
	b.t.Cleanup(func() { killGroup(pgid) })
	err = cmd.Wait()
	killGroup(pgid) // children that outlived the browser
	page := &Page{DOM: stdout.String(), Stderr: stderr.String(), Console: consoleLines(stderr.String())}
	if ctx.Err() != nil {
		return page, fmt.Errorf("browsertest: chromium did not finish within %s", RunTimeout)
	}
	if err != nil {
		return page, fmt.Errorf("browsertest: chromium: %w\n%s", err, tail(stderr.String(), 2000))
	}
	data, err := os.ReadFile(netlog)
	if err != nil {
		return page, fmt.Errorf("browsertest: no network log: %w", err)
	}
	page.NetLog = string(data)
	if page.Requests, err = parseNetLog(data); err != nil {
		return page, err
	}
	for _, out := range []string{o.Screenshot, o.PDF} {
		if out == "" {
			continue
		}
		if st, err := os.Stat(out); err != nil || st.Size() == 0 {
			return page, fmt.Errorf("browsertest: %s not written\n%s", out, tail(stderr.String(), 2000))
		}
	}
	return page, nil
}

// consoleLines picks the page's console messages out of Chromium's log,
// where they appear as `INFO:CONSOLE(...)] "message", source: ...`.
func consoleLines(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if i := strings.Index(l, ":CONSOLE"); i >= 0 {
			out = append(out, l[i+1:])
		}
	}
	return out
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// parseNetLog reads the URL requests out of a Chromium network log: a JSON
// object whose "constants" name the numeric event and source types used in
// its "events".
func parseNetLog(data []byte) ([]Request, error) {
	var log struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int            `json:"type"`
			Params map[string]any `json:"params"`
		} `json:"events"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		// Chromium closes the log on a clean exit; a truncated one means it
		// was killed, and then nothing can be concluded
		return nil, fmt.Errorf("browsertest: network log is not complete JSON: %w", err)
	}
	start, ok := log.Constants.LogEventTypes["URL_REQUEST_START_JOB"]
	if !ok {
		return nil, errors.New("browsertest: network log names no URL_REQUEST_START_JOB event type")
	}
	var out []Request
	for _, e := range log.Events {
		if e.Type != start {
			continue
		}
		str := func(k string) string { s, _ := e.Params[k].(string); return s }
		if str("url") == "" {
			continue // the end of a job: the begin event carried the request
		}
		out = append(out, Request{URL: str("url"), Method: str("method"), Initiator: str("initiator"), IsolationKey: str("network_isolation_key")})
	}
	return out, nil
}
