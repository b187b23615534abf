package system

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/report"
)

const regQueryCurrentVersion = `reg query HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`

// winEnv is a Windows machine at 2024-01-15 10:00 UTC with the given commands.
func winEnv(t *testing.T, cmds map[string]checkstest.Reply, vars map[string]string) (*checks.Env, *checkstest.Commands) {
	ex := checkstest.NewCommands(t, cmds)
	env := testEnv(nil, vars)
	env.OS, env.Arch, env.Exec = "windows", "amd64", ex
	return env, ex
}

func TestWindowsOSInfo(t *testing.T) {
	tests := []struct {
		name    string
		reg     *checkstest.Reply // nil: reg not on PATH
		want    osInfo
		wantErr string
	}{
		{"Windows 11 23H2", &checkstest.Reply{Out: string(fixture(t, "windows/reg-query-currentversion-win11-23h2-full"))},
			osInfo{Name: "Windows 11 Pro", Version: "23H2", PrettyName: "Windows 11 Pro 23H2 (build 22631.3447)", Kernel: "10.0.22631.3447"}, ""},
		{"Windows 10 22H2", &checkstest.Reply{Out: string(fixture(t, "windows/reg-query-currentversion-win10-22h2"))},
			osInfo{Name: "Windows 10 Enterprise", Version: "22H2", PrettyName: "Windows 10 Enterprise 22H2 (build 19045)", Kernel: "10.0.19045"}, ""},
		{"reg missing", nil, osInfo{}, "system: reg is not installed or not on PATH"},
		{"reg fails", &checkstest.Reply{Err: errors.New("exit status 1: ERROR: Access is denied.")}, osInfo{},
			"system: reg: exit status 1: ERROR: Access is denied."},
		{"garbage", &checkstest.Reply{Out: "\x00\xff garbage\r\n"}, osInfo{}, "no values in the output"},
		{"values without a release", &checkstest.Reply{Out: "    SystemRoot    REG_SZ    C:\\WINDOWS\r\n"}, osInfo{}, "neither ProductName nor CurrentBuild"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds := map[string]checkstest.Reply{}
			cmds["reg"] = checkstest.NotInstalled
			if tt.reg != nil {
				cmds = map[string]checkstest.Reply{regQueryCurrentVersion: *tt.reg}
			}
			env, _ := winEnv(t, cmds, nil)
			got, err := windowsProbe{}.osInfo(context.Background(), env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("osInfo = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestWindowsUptime(t *testing.T) {
	tests := []struct {
		name      string
		sinceBoot func() time.Duration
		want      time.Duration
		wantErr   string
	}{
		{"tick count", func() time.Duration { return 20*day + time.Hour }, 20*day + time.Hour, ""},
		{"just booted", func() time.Duration { return 0 }, 0, ""},
		{"no clock", nil, 0, "not available on this OS yet"},
		{"negative", func() time.Duration { return -time.Second }, 0, "negative"},
		{"absurd", func() time.Duration { return maxUptime + time.Hour }, 0, "more than 50 years"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := winEnv(t, nil, nil)
			got, err := windowsProbe{sinceBoot: tt.sinceBoot}.uptime(context.Background(), env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != 0 {
					t.Fatalf("uptime = %v, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("uptime = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestWindowsTimeZone(t *testing.T) {
	tests := []struct {
		name     string
		tzutil   *checkstest.Reply
		want     string
		wantErr  string
		wantNote bool // the name is known but comes with an explanation
	}{
		{"mapped", &checkstest.Reply{Out: string(fixture(t, "windows/tzutil-g"))}, "Europe/Berlin", "", false},
		{"mapped, crlf", &checkstest.Reply{Out: "Tokyo Standard Time\r\n"}, "Asia/Tokyo", "", false},
		{"unmapped", &checkstest.Reply{Out: "Mars Standard Time"}, "Mars Standard Time", "has no IANA name in wfh's table", true},
		{"daylight saving off", &checkstest.Reply{Out: "Pacific Standard Time_dstoff"}, "Pacific Standard Time", "daylight saving time", true},
		{"tzutil missing", nil, "", "system: time zone unknown: tzutil is not installed", false},
		{"tzutil fails", &checkstest.Reply{Err: errors.New("exit status 5")}, "", "system: time zone unknown: tzutil: exit status 5", false},
		{"garbage", &checkstest.Reply{Out: "\x00\x01"}, "", "tzutil /g: ", false},
		{"nothing", &checkstest.Reply{Out: ""}, "", "tzutil /g: printed nothing", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds := map[string]checkstest.Reply{}
			cmds["tzutil"] = checkstest.NotInstalled
			if tt.tzutil != nil {
				cmds = map[string]checkstest.Reply{"tzutil /g": *tt.tzutil}
			}
			env, _ := winEnv(t, cmds, nil)
			got, err := windowsProbe{}.timeZone(context.Background(), env)
			if got != tt.want {
				t.Errorf("timeZone = %q, want %q (err %v)", got, tt.want, err)
			}
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestWindowsProbeHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env, ex := winEnv(t, nil, nil)
	p := windowsProbe{
		statfs:    func(string) (uint64, uint64, error) { t.Error("statfs called"); return 0, 0, nil },
		sinceBoot: func() time.Duration { t.Error("tick count read"); return 0 },
	}
	if _, err := p.osInfo(ctx, env); !errors.Is(err, context.Canceled) {
		t.Errorf("osInfo err = %v", err)
	}
	if _, err := p.uptime(ctx, env); !errors.Is(err, context.Canceled) {
		t.Errorf("uptime err = %v", err)
	}
	if _, err := p.timeZone(ctx, env); !errors.Is(err, context.Canceled) {
		t.Errorf("timeZone err = %v", err)
	}
	if _, err := p.diskSpace(ctx, env); !errors.Is(err, context.Canceled) {
		t.Errorf("diskSpace err = %v", err)
	}
	if len(ex.Calls()) != 0 {
		t.Errorf("ran %q after cancellation", ex.Calls())
	}
}

func TestCommandsAreBoundedEachOnTheirOwn(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the per-command timeout")
	}
	env, _ := winEnv(t, map[string]checkstest.Reply{"tzutil /g": {Hang: true}}, nil)
	start := time.Now()
	_, err := windowsProbe{}.timeZone(context.Background(), env)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the per-command deadline", err)
	}
	if took := time.Since(start); took < cmdTimeout || took > cmdTimeout+busySlack {
		t.Errorf("took %v, want about %v", took, cmdTimeout)
	}
}

func TestRunWindows(t *testing.T) {
	// End to end through the Windows probe: Windows 11 23H2 (ProductName
	// still says Windows 10), up 20 days, in Berlin, plenty of disk.
	cmds := map[string]checkstest.Reply{
		regQueryCurrentVersion: {Out: string(fixture(t, "windows/reg-query-currentversion-win11-23h2-full"))},
		"tzutil /g":            {Out: string(fixture(t, "windows/tzutil-g"))},
	}
	env, ex := winEnv(t, cmds, map[string]string{"USERPROFILE": `C:\Users\alice`, "SystemDrive": "C:"})
	p := windowsProbe{
		statfs:    fakeStatfs(map[string]statfsResult{`C:\Users\alice`: {free: 180e9, total: 475e9}}),
		sinceBoot: func() time.Duration { return 20*day + 3*time.Hour },
	}
	res := run(context.Background(), env, p)
	if want := "Windows 11 Pro 23H2 (build 22631.3447), restarted 20 days ago, 180 GB free, time zone Europe/Berlin (UTC+01:00)"; res.Summary != want {
		t.Errorf("Summary = %q\nwant      %q", res.Summary, want)
	}
	for k, want := range map[string]string{
		"os_name": "Windows 11 Pro", "os_version": "23H2", "kernel": "10.0.22631.3447",
		"time_zone": "Europe/Berlin", "utc_offset": "+01:00", "arch": "amd64",
	} {
		if res.Facts[k] != want {
			t.Errorf("fact %s = %q, want %q", k, res.Facts[k], want)
		}
	}
	if res.Status != report.Warn || len(res.Findings) != 1 || !strings.Contains(res.Findings[0].Fix, "Choose Restart, not Shut down") {
		t.Errorf("Status %q, Findings %+v: want the Windows restart advice", res.Status, res.Findings)
	}
	if m, _ := res.Metric("uptime_seconds"); m.Value == nil || *m.Value != (20*day+3*time.Hour).Seconds() {
		t.Errorf("uptime_seconds = %+v", m)
	}

	// An unmapped zone keeps its Windows name, with a note, and the offset
	// from the clock.
	ex.Set("tzutil /g", checkstest.Reply{Out: "Mars Standard Time\r\n"})
	ist := time.FixedZone("IST", 5*3600+1800)
	env.Now = func() time.Time { return winter.In(ist) }
	res = run(context.Background(), env, p)
	if res.Facts["time_zone"] != "Mars Standard Time" || res.Facts["utc_offset"] != "+05:30" {
		t.Errorf("unmapped zone: Facts %v", res.Facts)
	}
	last := res.Findings[len(res.Findings)-1]
	if last.Severity != report.Pass || !strings.HasPrefix(last.Message, `Time zone: the Windows time zone "Mars Standard Time" has no IANA name`) {
		t.Errorf("unmapped zone: Findings %+v", res.Findings)
	}
	host := hostFacts(context.Background(), env, p)
	if host.TimeZone != "Mars Standard Time" || host.UTCOffset != "+05:30" {
		t.Errorf("hostFacts = %+v", host)
	}

	// Nothing works: every fact is a note and the check is error, not a
	// crash.
	env, _ = winEnv(t, map[string]checkstest.Reply{"reg": checkstest.NotInstalled, "tzutil": checkstest.NotInstalled}, nil)
	res = run(context.Background(), env, windowsProbe{})
	if res.Status != report.Error || len(res.Findings) != 4 {
		t.Errorf("nothing works: Status %q, Findings %+v", res.Status, res.Findings)
	}
}

func TestRestartFix(t *testing.T) {
	if got := restartFix("linux"); strings.Contains(got, "Shut down") {
		t.Errorf("linux fix = %q", got)
	}
	if got := restartFix("windows"); !strings.HasPrefix(got, restartFix("darwin")) || !strings.Contains(got, "Fast Startup") {
		t.Errorf("windows fix = %q", got)
	}
}
