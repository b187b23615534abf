package system

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/report"
)

// macEnv is a Mac at 2024-01-15 10:00 UTC with the given commands and tree.
func macEnv(t *testing.T, cmds map[string]checkstest.Reply, fsys fs.FS, vars map[string]string) (*checks.Env, *checkstest.Commands) {
	ex := checkstest.NewCommands(t, cmds)
	env := testEnv(fsys, vars)
	env.OS, env.Arch, env.Exec = "darwin", "arm64", ex
	return env, ex
}

// sonoma answers like a Mac on macOS 14.4 that booted three days before
// 2024-01-15 10:00 UTC.
func sonoma(t *testing.T) map[string]checkstest.Reply {
	boot := time.Date(2024, 1, 12, 10, 0, 0, 0, time.UTC).Unix()
	return map[string]checkstest.Reply{
		"sw_vers":                 {Out: string(fixture(t, "macos/sw_vers-14.4"))},
		"uname -r":                {Out: "23.4.0\n"},
		"sysctl -n kern.boottime": {Out: fmt.Sprintf("{ sec = %d, usec = 250000 } Fri Jan 12 11:00:00 2024\n", boot)},
	}
}

// macTree has the plist and the localtime link of a Mac set to Paris.
func macTree(t *testing.T) fstest.MapFS {
	return fstest.MapFS{
		systemVersionPlist: {Data: fixture(t, "macos/SystemVersion-12.3-beta.plist")},
		"etc/localtime":    link("/var/db/timezone/zoneinfo/Europe/Paris"),
	}
}

func TestDarwinOSInfo(t *testing.T) {
	sw := string(fixture(t, "macos/sw_vers-14.4"))
	plistInfo := osInfo{Name: "macOS", Version: "12.3", PrettyName: "macOS 12.3 (21E5227a)", Kernel: "23.4.0"}
	tests := []struct {
		name    string
		cmds    map[string]checkstest.Reply
		fsys    fs.FS
		want    osInfo
		wantErr []string
	}{
		{"sw_vers", map[string]checkstest.Reply{"sw_vers": {Out: sw}, "uname -r": {Out: "23.4.0\n"}}, macTree(t),
			osInfo{Name: "macOS", Version: "14.4", PrettyName: "macOS 14.4 (23E214)", Kernel: "23.4.0"}, nil},
		{"rapid security response", map[string]checkstest.Reply{"sw_vers": {Out: string(fixture(t, "macos/sw_vers-13.4.1-rsr"))}, "uname -r": {Out: "22.5.0\n"}}, nil,
			osInfo{Name: "macOS", Version: "13.4.1", PrettyName: "macOS 13.4.1 (c) (22F770820d)", Kernel: "22.5.0"}, nil},
		{"sw_vers missing, plist", map[string]checkstest.Reply{"sw_vers": checkstest.NotInstalled, "uname -r": {Out: "23.4.0"}}, macTree(t), plistInfo, nil},
		{"sw_vers fails, plist", map[string]checkstest.Reply{"sw_vers": {Err: errors.New("exit status 1")}, "uname -r": {Out: "23.4.0"}},
			macTree(t), plistInfo, nil},
		{"sw_vers garbage, plist", map[string]checkstest.Reply{"sw_vers": {Out: "\x00\xffgarbage"}, "uname -r": {Out: "23.4.0"}},
			macTree(t), plistInfo, nil},
		{"nothing but the kernel", map[string]checkstest.Reply{"sw_vers": checkstest.NotInstalled, "uname -r": {Out: "23.4.0"}}, fstest.MapFS{},
			osInfo{Kernel: "23.4.0"}, []string{"system: ", "sw_vers is not installed", "read " + systemVersionPlist + ": file does not exist"}},
		{"plist garbage", map[string]checkstest.Reply{"sw_vers": checkstest.NotInstalled, "uname -r": {Out: "23.4.0"}}, fstest.MapFS{systemVersionPlist: file("bplist00")},
			osInfo{Kernel: "23.4.0"}, []string{"binary property list"}},
		{"uname fails", map[string]checkstest.Reply{"sw_vers": {Out: sw}, "uname -r": {Err: errors.New("signal: killed")}}, nil,
			osInfo{Name: "macOS", Version: "14.4", PrettyName: "macOS 14.4 (23E214)"}, []string{"system: uname: signal: killed"}},
		{"uname garbage", map[string]checkstest.Reply{"sw_vers": {Out: sw}, "uname -r": {Out: "usage: uname [-amnoprsv]\n"}}, nil,
			osInfo{Name: "macOS", Version: "14.4", PrettyName: "macOS 14.4 (23E214)"}, []string{"uname -r: ", "is not a kernel release"}},
		{"nothing at all", map[string]checkstest.Reply{"sw_vers": checkstest.NotInstalled, "uname": checkstest.NotInstalled}, nil, osInfo{}, []string{"sw_vers is not installed", "no filesystem to read", "uname is not installed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := macEnv(t, tt.cmds, tt.fsys, nil)
			got, err := darwinProbe{}.osInfo(context.Background(), env)
			if got != tt.want {
				t.Errorf("osInfo = %+v\nwant %+v", got, tt.want)
			}
			if (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %q, want it to contain %q", err, w)
				}
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %q spans lines; notes are one line", err)
			}
		})
	}
}

func TestDarwinUptime(t *testing.T) {
	tests := []struct {
		name    string
		out     checkstest.Reply
		want    time.Duration
		wantErr string
	}{
		{"three days", sonoma(t)["sysctl -n kern.boottime"], 3*day - 250*time.Millisecond, ""},
		{"sysctl fails", checkstest.Reply{Err: errors.New("exit status 1: unknown oid")}, 0, "system: sysctl: exit status 1: unknown oid"},
		{"garbage", checkstest.Reply{Out: "kern.boottime: ???"}, 0, "system: sysctl kern.boottime: "},
		{"empty", checkstest.Reply{}, 0, "is not a boot time"},
		{"boot in the future", checkstest.Reply{Out: "{ sec = 1800000000, usec = 0 }"}, 0, "the clock may be wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := macEnv(t, map[string]checkstest.Reply{"sysctl -n kern.boottime": tt.out}, nil, nil)
			got, err := darwinProbe{}.uptime(context.Background(), env)
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
	// sysctl not on PATH.
	env, _ := macEnv(t, map[string]checkstest.Reply{"sysctl": checkstest.NotInstalled}, nil, nil)
	if _, err := (darwinProbe{}).uptime(context.Background(), env); err == nil ||
		!strings.Contains(err.Error(), "sysctl is not installed") {
		t.Errorf("missing sysctl: err = %v", err)
	}
}

func TestDarwinTimeZone(t *testing.T) {
	paris := link("/var/db/timezone/zoneinfo/Europe/Paris")
	tests := []struct {
		name    string
		tz      string
		fsys    fs.FS
		want    string
		wantErr []string
	}{
		{"localtime link", "", fstest.MapFS{"etc/localtime": paris}, "Europe/Paris", nil},
		{"only private/etc", "", fstest.MapFS{"private/etc/localtime": link("/var/db/timezone/zoneinfo/Asia/Tokyo")}, "Asia/Tokyo", nil},
		{"TZ wins", "America/New_York", fstest.MapFS{"etc/localtime": paris}, "America/New_York", nil},
		{"TZ POSIX rule falls through", "CET-1CEST", fstest.MapFS{"etc/localtime": paris}, "Europe/Paris", nil},
		{"link outside the database", "", fstest.MapFS{"etc/localtime": link("/tmp/zone")}, "", []string{`links to "/tmp/zone"`}},
		{"nothing", "", fstest.MapFS{}, "", []string{"system: time zone unknown", "TZ is not set", "etc/localtime is missing"}},
		{"nil FS", "", nil, "", []string{"no filesystem to read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, ex := macEnv(t, nil, tt.fsys, map[string]string{"TZ": tt.tz})
			got, err := darwinProbe{}.timeZone(context.Background(), env)
			if got != tt.want {
				t.Errorf("timeZone = %q, want %q (err %v)", got, tt.want, err)
			}
			if (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %q, want it to contain %q", err, w)
				}
			}
			if len(ex.Calls()) != 0 {
				t.Errorf("ran %q; the time zone needs no command", ex.Calls())
			}
		})
	}
}

func TestDarwinProbeHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env, ex := macEnv(t, nil, macTree(t), map[string]string{"HOME": "/Users/alice"})
	p := darwinProbe{statfs: func(string) (uint64, uint64, error) { t.Error("statfs called"); return 0, 0, nil }}
	if info, err := p.osInfo(ctx, env); !errors.Is(err, context.Canceled) || !info.empty() {
		t.Errorf("osInfo = %+v, %v", info, err)
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

func TestRunDarwin(t *testing.T) {
	// End to end through the macOS probe: a Sonoma Mac, up three days, in
	// Paris, with 3.2 GB left on a 245 GB disk.
	env, _ := macEnv(t, sonoma(t), macTree(t), map[string]string{"HOME": "/Users/alice"})
	p := darwinProbe{statfs: fakeStatfs(map[string]statfsResult{"/Users/alice": {free: 3.2e9, total: 245e9}})}
	res := run(context.Background(), env, p)
	if res.Status != report.Warn {
		t.Errorf("Status = %q, want warn for the disk", res.Status)
	}
	if want := "macOS 14.4 (23E214), restarted 2 days ago, 3.2 GB free, time zone Europe/Paris (UTC+01:00)"; res.Summary != want {
		t.Errorf("Summary = %q\nwant      %q", res.Summary, want)
	}
	for k, want := range map[string]string{
		"os_name": "macOS", "os_version": "14.4", "os_pretty_name": "macOS 14.4 (23E214)", "kernel": "23.4.0",
		"arch": "arm64", "time_zone": "Europe/Paris", "utc_offset": "+01:00",
	} {
		if res.Facts[k] != want {
			t.Errorf("fact %s = %q, want %q", k, res.Facts[k], want)
		}
	}
	if len(res.Findings) != 1 || res.Findings[0].Message != "Only 3.2 GB free on your disk." {
		t.Errorf("Findings = %+v", res.Findings)
	}

	// A Mac where no command can run still reports what the files say.
	env, _ = macEnv(t, map[string]checkstest.Reply{"sw_vers": checkstest.NotInstalled, "uname": checkstest.NotInstalled, "sysctl": checkstest.NotInstalled}, macTree(t), nil)
	res = run(context.Background(), env, darwinProbe{})
	if res.Status != report.Pass || res.Facts["os_version"] != "12.3" || res.Facts["time_zone"] != "Europe/Paris" {
		t.Errorf("no commands: Status %q, Facts %v", res.Status, res.Facts)
	}
	notes := 0
	for _, f := range res.Findings {
		if f.Severity == report.Pass {
			notes++
		}
	}
	if notes != 3 { // kernel, uptime, disk
		t.Errorf("no commands: Findings %+v, want three notes", res.Findings)
	}
}
