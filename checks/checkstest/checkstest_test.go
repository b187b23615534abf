package checkstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// recorder is a testing.TB that keeps what the fakes report, so a test can
// run their cleanup and see whether they would fail the test.
type recorder struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) finish() []string {
	for _, f := range slices.Backward(r.cleanups) {
		f()
	}
	return r.errs
}

func TestCommandsAnswerAsTheRealRunner(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("exit status 1")
	c := NewCommands(t, map[string]Reply{
		"iw dev wlan0 link": {Out: "Connected to aa:bb"},
		"nmcli -t dev":      {Out: "partial", Err: boom},
		"pactl":             NotInstalled,
		"sw_vers":           {Func: func(context.Context) ([]byte, error) { return []byte("14.4"), nil }},
	})
	if out, err := c.Run(ctx, "iw", "dev", "wlan0", "link"); string(out) != "Connected to aa:bb" || err != nil {
		t.Errorf("stubbed line: %q %v", out, err)
	}
	out, err := c.Run(ctx, "nmcli", "-t", "dev")
	var ce *checks.CommandError
	if string(out) != "partial" || !errors.As(err, &ce) || ce.Name != "nmcli" || !errors.Is(err, boom) || err.Error() != "nmcli: exit status 1" {
		t.Errorf("failing line: %q %v", out, err)
	}
	// Every line of a program that is not installed fails as exec does.
	for _, args := range [][]string{{"-f", "json", "list", "sinks"}, {"info"}} {
		_, err := c.Run(ctx, "pactl", args...)
		var ee *exec.Error
		if !errors.As(err, &ee) || !errors.Is(err, exec.ErrNotFound) || !strings.HasPrefix(err.Error(), "pactl is not installed or not on PATH") {
			t.Errorf("pactl %v: %v", args, err)
		}
		if _, err := probeutil.Run(ctx, &checks.Env{Exec: c}, time.Second, "pactl", args...); !errors.Is(err, probeutil.ErrNotInstalled) {
			t.Errorf("probeutil.Run does not see pactl as not installed: %v", err)
		}
	}
	if out, _ := c.Run(ctx, "sw_vers"); string(out) != "14.4" {
		t.Errorf("Func: %q", out)
	}
	if got := strings.Join(c.Calls(), "|"); got != "iw dev wlan0 link|nmcli -t dev|pactl -f json list sinks|pactl -f json list sinks|pactl info|pactl info|sw_vers" {
		t.Errorf("calls %s", got)
	}
}

func TestCommandsFailTheTestOnUnusedAndUnstubbed(t *testing.T) {
	rec := &recorder{TB: t}
	c := NewCommands(rec, map[string]Reply{"used": {}, "unused --flag": {}, "gone": NotInstalled})
	c.Run(context.Background(), "used")
	_, err := c.Run(context.Background(), "surprise", "-x")
	if !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("an unstubbed line fails as not installed, so the probe goes on: %v", err)
	}
	errs := rec.finish()
	want := []string{
		`checkstest: no command ran "gone"; drop its reply, or find out why the probe no longer runs it`,
		`checkstest: no command ran "unused --flag"; drop its reply, or find out why the probe no longer runs it`,
		`checkstest: "surprise -x" ran with no reply; add one, or checkstest.NotInstalled under "surprise"`,
	}
	if !slices.Equal(errs, want) {
		t.Errorf("reported\n%s\nwant\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
}

func TestCommandsHonourTheContext(t *testing.T) {
	c := NewCommands(t, map[string]Reply{"hang": {Hang: true}, "quick": {Out: "x"}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Run(ctx, "hang"); !errors.Is(err, context.DeadlineExceeded) || err.Error() != "hang: context deadline exceeded" {
		t.Errorf("hang: %v", err)
	}
	if _, err := c.Run(ctx, "quick"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a command started after the deadline: %v", err)
	}
}

func TestResolver(t *testing.T) {
	r := &Resolver{
		Hosts: map[string][]string{"intranet.test": {"10.0.0.5", "fd00::5"}},
		Errs:  map[string]error{"broken.test": errors.New("server misbehaving")},
		Hang:  map[string]bool{"slow.test": true},
	}
	ctx := context.Background()
	if a, err := r.LookupIPAddr(ctx, "intranet.test"); err != nil || len(a) != 2 || a[0].IP.String() != "10.0.0.5" || a[1].IP.String() != "fd00::5" {
		t.Errorf("known name: %v %v", a, err)
	}
	var dnsErr *net.DNSError
	if _, err := r.LookupHost(ctx, "nowhere.test"); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := r.LookupHost(ctx, "broken.test"); err == nil || err.Error() != "server misbehaving" {
		t.Errorf("error: %v", err)
	}
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := r.LookupIPAddr(tctx, "slow.test"); !errors.As(err, &dnsErr) || !dnsErr.IsTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang: %v", err)
	}
	slow := &Resolver{Hosts: map[string][]string{"a.test": {"192.0.2.1"}}, Delay: time.Hour}
	if _, err := slow.LookupHost(tctx, "a.test"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("delay past the deadline: %v", err)
	}
	if got := strings.Join(r.Lookups(), ","); got != "intranet.test,nowhere.test,broken.test,slow.test" {
		t.Errorf("lookups %s", got)
	}
}

func TestDialer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	d := &Dialer{
		Routes: map[string]Route{
			"192.0.2.1:443": {Refused: true},
			"192.0.2.2":     {RTT: 5 * time.Millisecond, Local: netip.MustParseAddr("10.0.0.2")},
			"192.0.2.3:80":  {Silent: true},
			"127.0.0.1":     {Loopback: true},
			"192.0.2.4:80":  {Loopback: true},
		},
		Sources:       map[netip.Addr]netip.Addr{netip.MustParseAddr("10.1.0.1"): netip.MustParseAddr("10.9.0.2")},
		DefaultSource: netip.MustParseAddr("192.168.1.20"),
	}
	ctx := context.Background()
	if _, err := d.DialContext(ctx, "tcp", "192.0.2.1:443"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("refused: %v", err)
	}
	start := time.Now()
	c, err := d.DialContext(ctx, "tcp", "192.0.2.2:8080")
	if err != nil || time.Since(start) < 5*time.Millisecond || c.LocalAddr().String() != "10.0.0.2:0" || c.RemoteAddr().String() != "192.0.2.2:8080" {
		t.Fatalf("a route by host: %v %v", c, err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read past the deadline: %v", err)
	}
	c.Close()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := d.DialContext(tctx, "tcp", "192.0.2.3:80"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("silent: %v", err)
	}
	if _, err := d.DialContext(ctx, "tcp", "198.51.100.1:80"); !errors.Is(err, syscall.ENETUNREACH) {
		t.Errorf("no route: %v", err)
	}
	real, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Errorf("loopback: %v", err)
	} else {
		real.Close()
	}
	if _, err := d.DialContext(ctx, "tcp", "192.0.2.4:80"); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("a real dial off loopback: %v", err)
	}
	for dst, want := range map[string]string{"10.1.0.1:9": "10.9.0.2", "203.0.113.5:9": "192.168.1.20"} {
		c, err := d.DialContext(ctx, "udp", dst)
		ua, ok := c.LocalAddr().(*net.UDPAddr)
		if err != nil || !ok || ua.IP.String() != want {
			t.Errorf("source toward %s: %v %v", dst, c.LocalAddr(), err)
		}
	}
	if _, err := (&Dialer{}).DialContext(ctx, "udp", "10.1.0.1:9"); !errors.Is(err, syscall.ENETUNREACH) {
		t.Errorf("no source: %v", err)
	}
	if n := len(d.Dials()); n != 8 {
		t.Errorf("%d dials recorded: %v", n, d.Dials())
	}
}

// A program missing on Windows is worded as on Unix: Go's text for it
// ("executable file not found in %PATH%") never shows.
func TestNotFoundInEveryOSsWords(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows"} {
		err := NotFound(goos, "route")
		if !errors.Is(err, exec.ErrNotFound) || err.Error() != "route is not installed or not on PATH" {
			t.Errorf("%s: %v", goos, err)
		}
		var ee *exec.Error
		if !errors.As(err, &ee) || (goos == "windows" && !strings.Contains(ee.Error(), "%PATH%")) {
			t.Errorf("%s: the cause is not Go's own error in the OS's words: %v", goos, ee)
		}
		_, err = probeutil.Run(t.Context(), &checks.Env{Exec: NoCommands{OS: goos}}, time.Second, "route", "print")
		if !errors.Is(err, probeutil.ErrNotInstalled) || err.Error() != "route is not installed or not on PATH" {
			t.Errorf("%s: probeutil.Run: %v", goos, err)
		}
	}
}
