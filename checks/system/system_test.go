package system

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	// Tests compute offsets for named zones; CI images such as golang:alpine
	// ship no zone database, and the embedded copy makes results the same
	// everywhere.
	_ "time/tzdata"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

// fakeProbe answers with canned values, to test the verdict logic apart from
// any OS.
type fakeProbe struct {
	info    osInfo
	osErr   error
	up      time.Duration
	upErr   error
	zone    string
	zoneErr error
	disk    *disk // nil means roomyDisk
	diskErr error
	calls   int
}

// roomyDisk has plenty of space: 200 GB of 500 GB free.
var roomyDisk = disk{Path: "/home/alice", Free: 200e9, Total: 500e9}

func (f *fakeProbe) osInfo(context.Context, *checks.Env) (osInfo, error) {
	f.calls++
	return f.info, f.osErr
}

func (f *fakeProbe) uptime(context.Context, *checks.Env) (time.Duration, error) {
	f.calls++
	return f.up, f.upErr
}

func (f *fakeProbe) timeZone(context.Context, *checks.Env) (string, error) {
	f.calls++
	return f.zone, f.zoneErr
}

func (f *fakeProbe) diskSpace(context.Context, *checks.Env) (disk, error) {
	f.calls++
	if f.diskErr != nil {
		return disk{}, f.diskErr
	}
	if f.disk == nil {
		return roomyDisk, nil
	}
	return *f.disk, nil
}

var debian = osInfo{Name: "Debian GNU/Linux", Version: "12", PrettyName: "Debian GNU/Linux 12 (bookworm)", Kernel: "6.1.0-18-amd64"}

const day = 24 * time.Hour

// winter is a date on which Paris is at UTC+01:00.
var winter = time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)

func fakeEnv(now time.Time, maxDays int) *checks.Env {
	p := profile.Default()
	p.System.MaxUptimeDays = maxDays
	return &checks.Env{
		Now:     func() time.Time { return now },
		OS:      "linux",
		Arch:    "amd64",
		Getenv:  func(string) string { return "" },
		Profile: p,
	}
}

func TestCheckMetadata(t *testing.T) {
	c := New()
	if c.ID() != "system" || c.Title() != "System basics" || c.Budget() != 6*time.Second {
		t.Errorf("ID, Title, Budget = %q, %q, %v", c.ID(), c.Title(), c.Budget())
	}
	if got := c.Needs().String(); got != "nothing" {
		t.Errorf("Needs = %q, want nothing", got)
	}
}

func TestRunPass(t *testing.T) {
	p := &fakeProbe{info: debian, up: 3*day + 4*time.Hour, zone: "Europe/Paris"}
	res := run(context.Background(), fakeEnv(winter, 0), p)

	if res.Status != report.Pass {
		t.Errorf("Status = %q, want pass", res.Status)
	}
	if want := "Debian GNU/Linux 12 (bookworm), restarted 3 days ago, 200 GB free, time zone Europe/Paris (UTC+01:00)"; res.Summary != want {
		t.Errorf("Summary = %q\nwant      %q", res.Summary, want)
	}
	wantFacts := map[string]string{
		"os_name": "Debian GNU/Linux", "os_version": "12", "os_pretty_name": "Debian GNU/Linux 12 (bookworm)",
		"kernel": "6.1.0-18-amd64", "arch": "amd64", "time_zone": "Europe/Paris", "utc_offset": "+01:00",
	}
	if !maps.Equal(res.Facts, wantFacts) {
		t.Errorf("Facts = %v\nwant    %v", res.Facts, wantFacts)
	}
	m, ok := res.Metric("uptime_seconds")
	if !ok || m.Value == nil || *m.Value != (3*day+4*time.Hour).Seconds() || m.Unit != "s" {
		t.Errorf("uptime_seconds = %+v", m)
	}
	for name, want := range map[string]report.Metric{
		"disk_free_bytes":   report.Measured("disk_free_bytes", 200e9, "bytes"),
		"disk_total_bytes":  report.Measured("disk_total_bytes", 500e9, "bytes"),
		"disk_free_percent": report.Measured("disk_free_percent", 40, "%"),
	} {
		m, ok := res.Metric(name)
		if !ok || m.Value == nil || *m.Value != *want.Value || m.Unit != want.Unit {
			t.Errorf("%s = %+v, want %v %s", name, m, *want.Value, want.Unit)
		}
	}
	if len(res.Findings) != 0 {
		t.Errorf("Findings = %+v, want none", res.Findings)
	}
}

func TestRunUptimeThreshold(t *testing.T) {
	tests := []struct {
		name    string
		up      time.Duration
		maxDays int // profile value; 0 is the default
		want    report.Status
		message string
	}{
		{"fresh", time.Hour, 0, report.Pass, ""},
		{"exactly the default", 14 * day, 0, report.Pass, ""},
		{"just over the default", 14*day + time.Second, 0, report.Warn, "Your computer has not restarted for 14 days."},
		{"well over the default", 23*day + 5*time.Hour, 0, report.Warn, "Your computer has not restarted for 23 days."},
		{"profile allows more", 23 * day, 30, report.Pass, ""},
		{"profile allows less", 8 * day, 7, report.Warn, "Your computer has not restarted for 8 days."},
		{"negative profile value means default", 10 * day, -3, report.Pass, ""},
		{"negative profile value still warns past default", 15 * day, -3, report.Warn, "Your computer has not restarted for 15 days."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakeProbe{info: debian, up: tt.up, zone: "Europe/Paris"}
			res := run(context.Background(), fakeEnv(winter, tt.maxDays), p)
			if res.Status != tt.want {
				t.Fatalf("Status = %q, want %q", res.Status, tt.want)
			}
			if tt.message == "" {
				if len(res.Findings) != 0 {
					t.Errorf("Findings = %+v, want none", res.Findings)
				}
				return
			}
			want := report.Finding{Severity: report.Warn, Message: tt.message,
				Fix: "Restart your computer (save your work first): pending updates finish installing and slow-downs clear."}
			if len(res.Findings) != 1 || res.Findings[0] != want {
				t.Errorf("Findings = %+v, want %+v", res.Findings, want)
			}
		})
	}
}

func TestRunNilProfile(t *testing.T) {
	env := fakeEnv(winter, 0)
	env.Profile = nil
	res := run(context.Background(), env, &fakeProbe{info: debian, up: 15 * day, zone: "UTC"})
	if res.Status != report.Warn {
		t.Errorf("Status = %q, want warn with the default threshold", res.Status)
	}
}

func TestRunNotes(t *testing.T) {
	t.Run("uptime unreadable", func(t *testing.T) {
		p := &fakeProbe{info: debian, upErr: errors.New("system: read proc/uptime: permission denied"), zone: "Europe/Paris"}
		res := run(context.Background(), fakeEnv(winter, 0), p)
		if res.Status != report.Pass {
			t.Errorf("Status = %q, want pass: an unreadable fact is not a failure", res.Status)
		}
		m, _ := res.Metric("uptime_seconds")
		if m.Value != nil || m.Note != "read proc/uptime: permission denied" || m.Unit != "s" {
			t.Errorf("uptime_seconds = %+v, want not measured with the reason", m)
		}
		want := []report.Finding{{Severity: report.Pass, Message: "Could not read the uptime: read proc/uptime: permission denied."}}
		if !slices.Equal(res.Findings, want) {
			t.Errorf("Findings = %+v, want %+v", res.Findings, want)
		}
		if !strings.Contains(res.Summary, "uptime unknown") {
			t.Errorf("Summary = %q, want it to say the uptime is unknown", res.Summary)
		}
	})
	t.Run("os partly read", func(t *testing.T) {
		p := &fakeProbe{info: osInfo{Kernel: "6.1.0"}, osErr: errors.New("system: read etc/os-release: file does not exist"),
			up: day, zone: "Europe/Paris"}
		res := run(context.Background(), fakeEnv(winter, 0), p)
		if res.Status != report.Pass || res.Facts["kernel"] != "6.1.0" {
			t.Errorf("Status, kernel = %q, %q", res.Status, res.Facts["kernel"])
		}
		if _, ok := res.Facts["os_name"]; ok {
			t.Errorf("os_name present though unknown: %v", res.Facts)
		}
		if !strings.HasPrefix(res.Summary, "Linux, restarted 1 day ago") {
			t.Errorf("Summary = %q, want it to fall back to the OS family", res.Summary)
		}
		if len(res.Findings) != 1 || res.Findings[0].Severity != report.Pass ||
			res.Findings[0].Message != "Could not read the OS details: read etc/os-release: file does not exist." {
			t.Errorf("Findings = %+v", res.Findings)
		}
	})
	t.Run("name without pretty name", func(t *testing.T) {
		p := &fakeProbe{info: osInfo{Name: "Foo", Version: "2"}, up: 2 * time.Hour, zone: "UTC"}
		res := run(context.Background(), fakeEnv(winter, 0), p)
		if want := "Foo 2, restarted 2 hours ago, 200 GB free, time zone UTC (UTC+00:00)"; res.Summary != want {
			t.Errorf("Summary = %q, want %q", res.Summary, want)
		}
	})
	t.Run("warn comes before notes", func(t *testing.T) {
		p := &fakeProbe{info: debian, up: 20 * day, zoneErr: errors.New("system: time zone unknown: TZ is not set")}
		res := run(context.Background(), fakeEnv(winter, 0), p)
		if res.Status != report.Warn || len(res.Findings) != 2 ||
			res.Findings[0].Severity != report.Warn || res.Findings[1].Severity != report.Pass {
			t.Errorf("Status %q, Findings %+v", res.Status, res.Findings)
		}
	})
}

func TestRunTimeZone(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name       string
		now        time.Time
		zone       string
		zoneErr    error
		wantZone   string
		wantOffset string
		wantSumm   string
	}{
		{"named, winter", winter, "Europe/Paris", nil, "Europe/Paris", "+01:00", "time zone Europe/Paris (UTC+01:00)"},
		{"named, summer time", time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC), "Europe/Paris", nil, "Europe/Paris", "+02:00", "time zone Europe/Paris (UTC+02:00)"},
		{"named, negative half hour", winter, "America/St_Johns", nil, "America/St_Johns", "-03:30", "(UTC-03:30)"},
		// The named zone wins over the clock's zone: it is the machine's setting.
		{"named, clock elsewhere", winter.In(ist), "Asia/Tokyo", nil, "Asia/Tokyo", "+09:00", "(UTC+09:00)"},
		// A name Go cannot load still shows, with the clock's offset.
		{"named, not in the database", winter.In(ist), "Mars/Olympus_Mons", nil, "Mars/Olympus_Mons", "+05:30", "time zone Mars/Olympus_Mons (UTC+05:30)"},
		{"unknown, offset from the clock", winter.In(ist), "", errors.New("system: time zone unknown: TZ is not set"), "", "+05:30", "time zone name unknown (UTC+05:30)"},
		{"empty name without error", winter.In(ist), "", nil, "", "+05:30", "time zone name unknown (UTC+05:30)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakeProbe{info: debian, up: day, zone: tt.zone, zoneErr: tt.zoneErr}
			res := run(context.Background(), fakeEnv(tt.now, 0), p)
			if res.Facts["time_zone"] != tt.wantZone || res.Facts["utc_offset"] != tt.wantOffset {
				t.Errorf("time_zone, utc_offset = %q, %q; want %q, %q", res.Facts["time_zone"], res.Facts["utc_offset"], tt.wantZone, tt.wantOffset)
			}
			if !strings.HasSuffix(res.Summary, tt.wantSumm) {
				t.Errorf("Summary = %q, want it to end with %q", res.Summary, tt.wantSumm)
			}
			if res.Status != report.Pass {
				t.Errorf("Status = %q, want pass", res.Status)
			}
			hasNote := slices.ContainsFunc(res.Findings, func(f report.Finding) bool {
				return strings.HasPrefix(f.Message, "Could not tell the time zone name")
			})
			if hasNote != (tt.wantZone == "") {
				t.Errorf("Findings = %+v; note expected: %v", res.Findings, tt.wantZone == "")
			}
		})
	}
}

func TestRunAllProbesFail(t *testing.T) {
	p := &fakeProbe{
		osErr:   errors.New("system: read etc/os-release: permission denied"),
		upErr:   errors.New("system: read proc/uptime: permission denied"),
		zoneErr: errors.New("system: time zone unknown: TZ is not set"),
		diskErr: errors.New("system: disk space: /home/alice: permission denied"),
	}
	res := run(context.Background(), fakeEnv(winter, 0), p)
	if res.Status != report.Error {
		t.Errorf("Status = %q, want error", res.Status)
	}
	if res.Summary != "could not read the OS, the uptime, the disk space or the time zone (see the notes)" {
		t.Errorf("Summary = %q", res.Summary)
	}
	if len(res.Findings) != 4 {
		t.Fatalf("Findings = %+v, want four notes", res.Findings)
	}
	for _, f := range res.Findings {
		if f.Severity != report.Pass || f.Fix != "" {
			t.Errorf("finding %+v, want a note", f)
		}
	}
	// What could still be said is still said.
	if res.Facts["arch"] != "amd64" || res.Facts["utc_offset"] != "+00:00" {
		t.Errorf("Facts = %v", res.Facts)
	}
}

func TestRunUnsupportedOS(t *testing.T) {
	env := fakeEnv(winter, 0)
	env.OS = "darwin"
	env.Arch = "arm64"
	res := run(context.Background(), env, unsupportedProbe{})
	if res.Status != report.Skipped {
		t.Errorf("Status = %q, want skipped: an unsupported OS is not a broken machine", res.Status)
	}
	if res.Summary != "system facts are not available on macOS yet" {
		t.Errorf("Summary = %q", res.Summary)
	}
	if len(res.Findings) != 4 {
		t.Fatalf("Findings = %+v, want four notes", res.Findings)
	}
	for _, f := range res.Findings {
		if f.Severity != report.Pass || !strings.HasSuffix(f.Message, "not available on this OS yet.") {
			t.Errorf("finding %+v", f)
		}
	}
	if res.Facts["arch"] != "arm64" || res.Facts["utc_offset"] != "+00:00" {
		t.Errorf("Facts = %v", res.Facts)
	}
	for _, name := range []string{"uptime_seconds", "disk_free_bytes", "disk_total_bytes", "disk_free_percent"} {
		m, _ := res.Metric(name)
		if m.Value != nil || m.Note != "not available on this OS yet" {
			t.Errorf("%s = %+v", name, m)
		}
	}
}

func TestRunPartlyUnsupported(t *testing.T) {
	// A future probe may read some facts and not others: that is not a skip.
	p := &fakeProbe{info: debian, upErr: fmt.Errorf("system: uptime: %w", errUnsupported), zoneErr: errUnsupported,
		diskErr: fmt.Errorf("system: disk space: %w", errUnsupported)}
	res := run(context.Background(), fakeEnv(winter, 0), p)
	if res.Status != report.Pass {
		t.Errorf("Status = %q, want pass", res.Status)
	}
}

func TestRunHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &fakeProbe{info: debian, up: day, zone: "Europe/Paris"}
	res := run(ctx, fakeEnv(winter, 0), p)
	if p.calls != 0 {
		t.Errorf("probe called %d times after cancellation", p.calls)
	}
	if res.Status != report.Error {
		t.Errorf("Status = %q, want error", res.Status)
	}
	for _, f := range res.Findings {
		if !strings.Contains(f.Message, "context canceled") {
			t.Errorf("finding %q does not say why", f.Message)
		}
	}
}

// cancelAfterOS cancels the run once the OS answer is in, like a budget
// running out halfway.
type cancelAfterOS struct {
	fakeProbe
	cancel context.CancelFunc
}

func (c *cancelAfterOS) osInfo(ctx context.Context, env *checks.Env) (osInfo, error) {
	defer c.cancel()
	return c.fakeProbe.osInfo(ctx, env)
}

func TestRunStopsMidway(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &cancelAfterOS{fakeProbe: fakeProbe{info: debian, up: day, zone: "UTC"}, cancel: cancel}
	res := run(ctx, fakeEnv(winter, 0), p)
	if p.calls != 1 {
		t.Errorf("probe called %d times, want only osInfo", p.calls)
	}
	if res.Facts["os_name"] != "Debian GNU/Linux" || res.Status != report.Pass {
		t.Errorf("Status %q, Facts %v: what was read must be kept", res.Status, res.Facts)
	}
}

func TestRunEmptyEnvNeverPanics(t *testing.T) {
	for _, env := range []*checks.Env{nil, {}} {
		res := run(context.Background(), env, linuxProbe{})
		if !res.Status.Valid() {
			t.Errorf("Status = %q", res.Status)
		}
		_ = hostFacts(context.Background(), env, linuxProbe{})
	}
}

func TestRunLinuxTree(t *testing.T) {
	// End to end through the real Linux probe on a Debian fixture that has
	// been up for four days.
	fsys := debianTree(t)
	env := testEnv(fsys, map[string]string{"HOME": "/home/alice"})
	p := linuxProbe{statfs: fakeStatfs(map[string]statfsResult{"/home/alice": {free: 120e9, total: 250e9}})}
	res := run(context.Background(), env, p)
	if res.Status != report.Pass {
		t.Errorf("Status = %q", res.Status)
	}
	if want := "Debian GNU/Linux 12 (bookworm), restarted 4 days ago, 120 GB free, time zone Europe/Paris (UTC+01:00)"; res.Summary != want {
		t.Errorf("Summary = %q, want %q", res.Summary, want)
	}
	if _, err := json.Marshal(res); err != nil {
		t.Errorf("result does not encode: %v", err)
	}

	fsys["proc/uptime"] = &fstest.MapFile{Data: []byte("1987200.00 1.00\n")} // 23 days
	res = run(context.Background(), env, p)
	if res.Status != report.Warn || len(res.Findings) != 1 ||
		res.Findings[0].Message != "Your computer has not restarted for 23 days." {
		t.Errorf("Status %q, Findings %+v", res.Status, res.Findings)
	}

	res = run(context.Background(), testEnv(fstest.MapFS{}, nil), linuxProbe{})
	if res.Status != report.Error || len(res.Findings) != 4 {
		t.Errorf("empty tree: Status %q, Findings %+v", res.Status, res.Findings)
	}
}

func TestHostFacts(t *testing.T) {
	env := fakeEnv(winter, 0)
	got := hostFacts(context.Background(), env, &fakeProbe{zone: "Europe/Paris"})
	want := report.Host{OS: "linux", Arch: "amd64", TimeZone: "Europe/Paris", UTCOffset: "+01:00"}
	if got != want {
		t.Errorf("hostFacts = %+v, want %+v", got, want)
	}
	got = hostFacts(context.Background(), env, &fakeProbe{zoneErr: errUnsupported})
	want = report.Host{OS: "linux", Arch: "amd64", UTCOffset: "+00:00"}
	if got != want {
		t.Errorf("hostFacts without a zone = %+v, want %+v", got, want)
	}
	// The exported form uses this OS's probe and must not panic on a bare tree.
	if h := HostFacts(context.Background(), testEnv(fstest.MapFS{}, nil)); h.OS != "linux" || h.UTCOffset == "" {
		t.Errorf("HostFacts = %+v", h)
	}
}

func TestAgo(t *testing.T) {
	tests := map[time.Duration]string{
		0:                      "less than a minute ago",
		59 * time.Second:       "less than a minute ago",
		time.Minute:            "1 minute ago",
		59 * time.Minute:       "59 minutes ago",
		time.Hour:              "1 hour ago",
		23*time.Hour + 59*60e9: "23 hours ago",
		day:                    "1 day ago",
		47 * time.Hour:         "1 day ago",
		23*day + 23*time.Hour:  "23 days ago",
	}
	for in, want := range tests {
		if got := ago(in); got != want {
			t.Errorf("ago(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestDisplayOS(t *testing.T) {
	for in, want := range map[string]string{"linux": "Linux", "darwin": "macOS", "windows": "Windows", "": "this OS", "plan9": "plan9"} {
		if got := checks.DisplayOS(in); got != want {
			t.Errorf("checks.DisplayOS(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRunZoneWithNote(t *testing.T) {
	// A name that comes with a note is shown, the note is a pass finding, and
	// the offset comes from the clock even when Go could load the name: the
	// machine ignores that zone's daylight saving.
	summer := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	p := &fakeProbe{info: debian, up: day, zone: "Europe/Paris", zoneErr: fmt.Errorf("system: %w", errDSTOff)}
	res := run(context.Background(), fakeEnv(summer, 0), p)
	if res.Status != report.Pass || res.Facts["time_zone"] != "Europe/Paris" || res.Facts["utc_offset"] != "+00:00" {
		t.Errorf("Status %q, Facts %v", res.Status, res.Facts)
	}
	want := []report.Finding{{Severity: report.Pass, Message: "Time zone: " + errDSTOff.Error() + "."}}
	if !slices.Equal(res.Findings, want) {
		t.Errorf("Findings = %+v\nwant %+v", res.Findings, want)
	}
	if !strings.HasSuffix(res.Summary, "time zone Europe/Paris (UTC+00:00)") {
		t.Errorf("Summary = %q", res.Summary)
	}
}
