package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/all"
	"github.com/wfh-cli/wfh/internal/iostreams"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

type stubCheck struct {
	id    string
	needs checks.Needs
	run   func(ctx context.Context, env *checks.Env) checks.Result
}

func (s stubCheck) ID() string            { return s.id }
func (s stubCheck) Title() string         { return "Stub " + s.id }
func (s stubCheck) Budget() time.Duration { return 10 * time.Second }
func (s stubCheck) Needs() checks.Needs   { return s.needs }
func (s stubCheck) Run(ctx context.Context, env *checks.Env) checks.Result {
	return s.run(ctx, env)
}

func returns(st report.Status, summary string) func(context.Context, *checks.Env) checks.Result {
	return func(context.Context, *checks.Env) checks.Result {
		return checks.Result{Status: st, Summary: summary}
	}
}

func testEnv(p *profile.Profile) (*checks.Env, error) {
	return &checks.Env{
		Now:     func() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) },
		FS:      fstest.MapFS{},
		OS:      "linux",
		Arch:    "amd64",
		Getenv:  func(string) string { return "" },
		Profile: p,
	}, nil
}

type harness struct {
	f              *factory
	stdout, stderr *strings.Builder
}

func newHarness(t *testing.T, list ...checks.Check) *harness {
	t.Helper()
	ios, out, errOut := iostreams.Test()
	h := &harness{f: &factory{ios: ios, registry: checks.NewRegistry(list...), newEnv: testEnv, build: buildInfo{Version: "1.2.3", Commit: "abc"}}}
	h.stdout, h.stderr = &strings.Builder{}, &strings.Builder{}
	ios.Out, ios.ErrOut = multi{out, h.stdout}, multi{errOut, h.stderr}
	return h
}

type multi [2]interface{ Write([]byte) (int, error) }

func (m multi) Write(p []byte) (int, error) {
	m[0].Write(p)
	return m[1].Write(p)
}

func (h *harness) run(ctx context.Context, args ...string) int {
	return execute(ctx, h.f, args)
}

func decode(t *testing.T, data string) report.Report {
	t.Helper()
	var r report.Report
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, data)
	}
	return r
}

func TestDoctorFlagParsing(t *testing.T) {
	var got *doctorOptions
	f := &factory{ios: func() *iostreams.IOStreams { i, _, _ := iostreams.Test(); return i }(), registry: &checks.Registry{}}
	cmd := newDoctorCmd(f, func(_ context.Context, o *doctorOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--format", "json", "-o", "r.json", "--only", "a,b", "--skip", "c", "--timeout", "90s",
		"--profile", "p.yaml", "--no-color", "-v", "--fail-on", "warn", "--no-redact"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.format != "json" || got.output != "r.json" || strings.Join(got.only, "+") != "a+b" ||
		strings.Join(got.skip, "+") != "c" || got.timeout != 90*time.Second || got.profilePath != "p.yaml" ||
		!got.noColor || !got.verbose || got.failOn != "warn" || !got.noRedact || !got.timeoutSet || !got.failOnSet || !got.onlySet {
		t.Errorf("options %+v", got)
	}
	if !f.jsonErrors {
		t.Error("--format json must switch errors to JSON")
	}
}

func TestDoctorUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"doctor", "--only", "nosuch"}, `unknown check "nosuch"; valid checks: alpha, beta`},
		{[]string{"doctor", "--skip", "nosuch"}, `unknown check "nosuch"`},
		{[]string{"doctor", "--format", "pdf"}, `unknown format "pdf"`},
		{[]string{"doctor", "--fail-on", "sometimes"}, "--fail-on must be warn or fail"},
		{[]string{"doctor", "--timeout", "10ms"}, "--timeout must be between"},
		{[]string{"doctor", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"doctor", "--only", "alpha", "--skip", "alpha"}, "leave no check to run"},
		{[]string{"doctor", "--only", ""}, "--only needs at least one check name"},
		{[]string{"doctor", "--only", ",,"}, "--only needs at least one check name"},
		{[]string{"doctor", "extra"}, "unknown command"},
		{[]string{"nosuchcmd"}, "unknown command"},
		{[]string{"doctor", "--profile", "/nonexistent/acme.yaml"}, "acme.yaml"},
	} {
		h := newHarness(t, stubCheck{id: "beta", run: returns(report.Pass, "")}, stubCheck{id: "alpha", run: returns(report.Pass, "")})
		code := h.run(context.Background(), tc.args...)
		errText := h.stderr.String()
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", tc.args, code, errText)
		}
		if !strings.Contains(errText, tc.want) || strings.Count(errText, "\n") != 1 || !strings.HasPrefix(errText, "wfh: ") {
			t.Errorf("%v: stderr %q, want one 'wfh: ' line containing %q", tc.args, errText, tc.want)
		}
		if h.stdout.Len() != 0 {
			t.Errorf("%v: a usage error wrote a report: %q", tc.args, h.stdout.String())
		}
	}
}

func TestDoctorBrokenProfileNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.yaml")
	os.WriteFile(path, []byte("name: Acme\nchekcs:\n  only: [alpha]\n"), 0o644)
	h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Pass, "")})
	code := h.run(context.Background(), "doctor", "--profile", path)
	if code != exitUsage || !strings.Contains(h.stderr.String(), "acme.yaml:2:") {
		t.Errorf("exit %d stderr %q; want 2 and acme.yaml:2:", code, h.stderr.String())
	}
}

func TestDoctorProfileSelectsChecksAndFlagsWin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.yaml")
	os.WriteFile(path, []byte("name: Acme\nfail_on: warn\nchecks:\n  only: [alpha]\n"), 0o644)
	h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Warn, "meh")}, stubCheck{id: "beta", run: returns(report.Pass, "")})
	code := h.run(context.Background(), "doctor", "--profile", path, "--format", "json")
	r := decode(t, h.stdout.String())
	if code != exitChecks || len(r.Results) != 1 || r.Results[0].ID != "alpha" || r.Profile != "Acme" {
		t.Errorf("profile selection/fail_on ignored: exit %d, %+v", code, r)
	}
	h = newHarness(t, stubCheck{id: "alpha", run: returns(report.Warn, "meh")}, stubCheck{id: "beta", run: returns(report.Pass, "")})
	code = h.run(context.Background(), "doctor", "--profile", path, "--format", "json", "--fail-on", "fail", "--only", "alpha,beta")
	if r := decode(t, h.stdout.String()); code != exitOK || len(r.Results) != 2 {
		t.Errorf("flags must beat the profile: exit %d, %d results", code, len(r.Results))
	}
}

func TestDoctorExitCodes(t *testing.T) {
	for _, tc := range []struct {
		status report.Status
		failOn string
		want   int
	}{
		{report.Pass, "fail", 0}, {report.Skipped, "fail", 0}, {report.Warn, "fail", 0},
		{report.Fail, "fail", 1}, {report.Error, "fail", 1},
		{report.Pass, "warn", 0}, {report.Warn, "warn", 1}, {report.Fail, "warn", 1},
	} {
		h := newHarness(t, stubCheck{id: "one", run: returns(tc.status, "x")}, stubCheck{id: "two", run: returns(report.Pass, "ok")})
		if code := h.run(context.Background(), "doctor", "--fail-on", tc.failOn); code != tc.want {
			t.Errorf("%s with --fail-on %s: exit %d, want %d", tc.status, tc.failOn, code, tc.want)
		}
		if tc.want == exitChecks && h.stderr.Len() != 0 {
			t.Errorf("exit 1 must not print an error line, the report says it: %q", h.stderr.String())
		}
	}
}

func TestDoctorJSONValidatesAgainstSchema(t *testing.T) {
	h := newHarness(t,
		stubCheck{id: "alpha", run: func(context.Context, *checks.Env) checks.Result {
			return checks.Result{Status: report.Warn, Summary: "slow",
				Findings: []report.Finding{{Severity: report.Warn, Message: "m", Fix: "f"}},
				Metrics:  []report.Metric{report.Measured("rtt_ms", 12.5, "ms"), report.NotMeasured("loss_percent", "%", "blocked")},
				Facts:    map[string]string{"os_name": "Debian"},
				Items:    []report.Item{{Label: "gw", Status: report.Pass, Attributes: map[string]string{"kind": "gateway"}}},
			}
		}},
		stubCheck{id: "beta", run: func(context.Context, *checks.Env) checks.Result { panic("boom") }},
	)
	code := h.run(context.Background(), "doctor", "--format", "json")
	if code != exitChecks {
		t.Errorf("exit %d, want 1 (the panic is an error result)", code)
	}
	if err := reportschema.Validate([]byte(h.stdout.String())); err != nil {
		t.Fatalf("report does not match docs/report.schema.json: %v\n%s", err, h.stdout.String())
	}
	r := decode(t, h.stdout.String())
	if r.SchemaVersion != report.SchemaVersion || r.Tool.Version != "1.2.3" || r.Overall != report.Error || r.Redaction != "on" {
		t.Errorf("report header %+v", r)
	}
	if r.Results[1].Status != report.Error || strings.Contains(h.stdout.String(), "goroutine") {
		t.Errorf("panic must become an error result without a stack trace: %+v", r.Results[1])
	}
}

func TestDoctorOverallDeadline(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	hung := stubCheck{id: "hung", run: func(context.Context, *checks.Env) checks.Result {
		<-release // ignores its context, like a buggy check
		return checks.Result{Status: report.Pass}
	}}
	h := newHarness(t, hung, stubCheck{id: "quick", run: returns(report.Pass, "ok")})
	start := time.Now()
	code := h.run(context.Background(), "doctor", "--timeout", "1s", "--format", "json")
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("run took %s with --timeout 1s (limit: timeout + 2 s)", took)
	}
	r := decode(t, h.stdout.String())
	if code != exitChecks || r.Results[0].Status != report.Error || !strings.Contains(r.Results[0].Summary, "did not finish within 1 s") {
		t.Errorf("exit %d, hung = %+v", code, r.Results[0])
	}
	if r.Results[1].Status != report.Pass {
		t.Errorf("finished checks are kept: %+v", r.Results[1])
	}
}

func TestDoctorInterruptExits130WithReport(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stuck := stubCheck{id: "stuck", run: func(c context.Context, _ *checks.Env) checks.Result {
		cancel() // the user presses Ctrl-C while this runs
		<-c.Done()
		return checks.Result{Status: report.Error, Summary: "cancelled"}
	}}
	h := newHarness(t, stubCheck{id: "done", run: returns(report.Pass, "ok")}, stuck)
	code := h.run(ctx, "doctor", "--format", "json")
	if code != exitInterrupted {
		t.Fatalf("exit %d, want 130", code)
	}
	r := decode(t, h.stdout.String())
	if !r.Interrupted || !strings.Contains(h.stderr.String(), "interrupted") {
		t.Errorf("interrupted=%v stderr=%q", r.Interrupted, h.stderr.String())
	}
}

func TestDoctorOutputFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wfh-report.md")
	h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Pass, "ok")})
	if code := h.run(context.Background(), "doctor", "--format", "markdown", "--output", path); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), "wfh report") || h.stdout.Len() != 0 {
		t.Errorf("file %q err %v stdout %q", data, err, h.stdout.String())
	}
	h = newHarness(t, stubCheck{id: "alpha", run: returns(report.Pass, "ok")})
	code := h.run(context.Background(), "doctor", "--output", filepath.Join(dir, "missing", "r.txt"))
	if code != exitNoReport || !strings.Contains(h.stderr.String(), "--output") {
		t.Errorf("unwritable output: exit %d stderr %q", code, h.stderr.String())
	}
}

func TestDoctorJSONErrors(t *testing.T) {
	h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Pass, "")})
	code := h.run(context.Background(), "doctor", "--format", "json", "--only", "nosuch")
	var e struct {
		Error    string `json:"error"`
		ExitCode int    `json:"exit_code"`
	}
	if err := json.Unmarshal([]byte(h.stderr.String()), &e); err != nil || code != 2 || e.ExitCode != 2 || !strings.Contains(e.Error, "nosuch") {
		t.Errorf("exit %d stderr %q (%v)", code, h.stderr.String(), err)
	}
}

func TestJSONErrorsForEveryWayOfAsking(t *testing.T) {
	for _, args := range [][]string{
		{"doctor", "--format", "json", "--bogus"},
		{"doctor", "--format=JSON", "--only", "nosuch"},
		{"doctor", "-f", "json", "--only", "nosuch"},
		{"doctor", "-fjson", "--bogus"},
	} {
		h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Pass, "")})
		code := h.run(context.Background(), args...)
		var e struct {
			Error    string `json:"error"`
			ExitCode int    `json:"exit_code"`
		}
		if err := json.Unmarshal([]byte(h.stderr.String()), &e); err != nil || code != 2 || e.ExitCode != 2 {
			t.Errorf("%v: exit %d stderr %q (%v)", args, code, h.stderr.String(), err)
		}
	}
	if asksForJSON([]string{"doctor", "--format", "text", "--", "-fjson"}) {
		t.Error("arguments after -- are not flags")
	}
}

func TestDoctorColourRules(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tty     bool
		noColor string
		flag    bool
		want    bool
	}{
		{"pipe", false, "", false, false},
		{"terminal", true, "", false, true},
		{"NO_COLOR", true, "1", false, false},
		{"--no-color", true, "", true, false},
	} {
		h := newHarness(t, stubCheck{id: "alpha", run: returns(report.Fail, "bad")})
		h.f.ios.SetStdoutTTY(tc.tty)
		h.f.ios.SetEnv(func(k string) string {
			if k == "NO_COLOR" {
				return tc.noColor
			}
			return ""
		})
		args := []string{"doctor"}
		if tc.flag {
			args = append(args, "--no-color")
		}
		h.run(context.Background(), args...)
		if got := strings.Contains(h.stdout.String(), "\x1b["); got != tc.want {
			t.Errorf("%s: colour %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDoctorRedactsByDefault(t *testing.T) {
	const host, user, home = "alice-thinkpad", "alice", "/home/alice"
	plant := func(h *report.Host) report.Known {
		h.Hostname, h.User = host, user
		return report.Known{Hostname: host, User: user, HomeDir: home}
	}
	leak := stubCheck{id: "leak", run: returns(report.Pass, "seen from "+host+" at 203.0.113.9 by "+user+" in "+home+"/Downloads")}
	h := newHarness(t, leak)
	h.f.identity = plant
	h.run(context.Background(), "doctor", "--format", "json")
	for _, secret := range []string{host, "203.0.113.9", home, `"alice"`} {
		if strings.Contains(h.stdout.String(), secret) {
			t.Errorf("%q in the redacted report:\n%s", secret, h.stdout.String())
		}
	}
	h = newHarness(t, leak)
	h.f.identity = plant
	h.run(context.Background(), "doctor", "--format", "json", "--no-redact")
	if r := decode(t, h.stdout.String()); r.Redaction != "off" || !strings.Contains(r.Results[0].Summary, host) || r.Host.Hostname != host {
		t.Errorf("--no-redact: %+v", r)
	}
}

func TestDoctorHelpTeaches(t *testing.T) {
	h := newHarness(t)
	if code := h.run(context.Background(), "doctor", "--help"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"EXIT STATUS", "130", "Examples:", "--fail-on", "--profile"} {
		if !strings.Contains(h.stdout.String(), want) {
			t.Errorf("doctor --help lacks %q", want)
		}
	}
}

func TestChecksAndVersionCommands(t *testing.T) {
	h := newHarness(t,
		stubCheck{id: "alpha", needs: checks.Needs{Requires: []checks.Need{checks.NeedInternet}}, run: returns(report.Pass, "")},
		stubCheck{id: "beta", needs: checks.Needs{Uses: []checks.Resource{checks.LocalDevices}}, run: returns(report.Pass, "")})
	out := h.stdout
	if code := h.run(context.Background(), "checks"); code != 0 ||
		!regexp.MustCompile(`(?m)^alpha +Stub alpha +10s +internet \(skipped when offline\)$`).MatchString(out.String()) ||
		!regexp.MustCompile(`(?m)^beta +Stub beta +10s +local devices$`).MatchString(out.String()) {
		t.Errorf("checks: exit %d\n%s", code, out.String())
	}
	h = newHarness(t)
	if code := h.run(context.Background(), "version"); code != 0 || h.stdout.String() != "wfh 1.2.3, commit abc\n" {
		t.Errorf("version: exit %d %q", code, h.stdout.String())
	}
}

func TestNamedTargetsAreKept(t *testing.T) {
	p := &profile.Profile{
		System:  profile.System{NTPServer: "198.51.100.7:123", TimeURL: "https://203.0.113.5/"},
		Network: profile.Network{Anchors: []string{"https://203.0.113.9/"}},
		DNS:     profile.DNS{PublicResolver: "198.51.100.53:53"},
	}
	state := netstate.FromSnapshot(netstate.Snapshot{DNS: netstate.DNSConfig{Servers: []netstate.DNSServer{
		{Addr: netip.MustParseAddrPort("203.0.113.53:53")}}}})
	keep := strings.Join(keepList(t.Context(), checks.NewRegistry(all.Checks()...), p, state), " ")
	// The profile's and the defaults' hosts, the checks' own (latency's
	// anchors, the clock's NTP pool), and the machine's DNS server.
	for _, want := range []string{"198.51.100.7", "203.0.113.5", "203.0.113.9", "www.google.com", "8.8.8.8", "198.51.100.53",
		"1.1.1.1", "pool.ntp.org", "203.0.113.53"} {
		if !strings.Contains(keep, want) {
			t.Errorf("keep list %q lacks %q", keep, want)
		}
	}
}
