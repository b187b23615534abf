package system

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/profile"
)

// These tests drive linuxProbe through fixture trees, so they run on every
// OS: the probe reads env.FS only.

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func file(data string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(data), Mode: 0o644} }

func link(target string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink | 0o777}
}

// debianTree is laid out like Debian 12: etc/os-release links to
// usr/lib/os-release and etc/localtime into the zone database.
func debianTree(t *testing.T) fstest.MapFS {
	return fstest.MapFS{
		"usr/lib/os-release":         {Data: fixture(t, "os-release/debian-12")},
		"etc/os-release":             link("../usr/lib/os-release"),
		"proc/sys/kernel/osrelease":  file("6.1.0-18-amd64\n"),
		"proc/uptime":                file("350735.47 234388.90\n"),
		"etc/localtime":              link("/usr/share/zoneinfo/Europe/Paris"),
		"etc/timezone":               file("Europe/Paris\n"),
		"usr/share/zoneinfo/Etc/UTC": file("TZif"),
	}
}

func testEnv(fsys fs.FS, vars map[string]string) *checks.Env {
	return &checks.Env{
		Now:     func() time.Time { return time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC) },
		FS:      fsys,
		OS:      "linux",
		Arch:    "amd64",
		Getenv:  func(k string) string { return vars[k] },
		Profile: profile.Default(),
	}
}

func TestLinuxOSInfoDistributions(t *testing.T) {
	tests := []struct {
		fixture string
		want    osInfo
	}{
		{"debian-12", osInfo{Name: "Debian GNU/Linux", Version: "12", PrettyName: "Debian GNU/Linux 12 (bookworm)"}},
		{"ubuntu-24.04", osInfo{Name: "Ubuntu", Version: "24.04", PrettyName: "Ubuntu 24.04.1 LTS"}},
		{"fedora-40", osInfo{Name: "Fedora Linux", Version: "40", PrettyName: "Fedora Linux 40 (Workstation Edition)"}},
		{"alpine-3.20", osInfo{Name: "Alpine Linux", Version: "3.20.3", PrettyName: "Alpine Linux v3.20"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			// Alpine ships a plain etc/os-release; the others link it.
			fsys := fstest.MapFS{
				"etc/os-release":            {Data: fixture(t, "os-release/"+tt.fixture)},
				"proc/sys/kernel/osrelease": {Data: fixture(t, "osrelease-this-machine")},
			}
			got, err := linuxProbe{}.osInfo(context.Background(), testEnv(fsys, nil))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Kernel = strings.TrimSpace(string(fixture(t, "osrelease-this-machine")))
			if got != tt.want {
				t.Errorf("osInfo = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLinuxOSInfoSymlinkedOSRelease(t *testing.T) {
	got, err := linuxProbe{}.osInfo(context.Background(), testEnv(debianTree(t), nil))
	if err != nil {
		t.Fatal(err)
	}
	want := osInfo{Name: "Debian GNU/Linux", Version: "12", PrettyName: "Debian GNU/Linux 12 (bookworm)", Kernel: "6.1.0-18-amd64"}
	if got != want {
		t.Errorf("osInfo = %+v, want %+v", got, want)
	}
}

func TestLinuxOSInfoFallback(t *testing.T) {
	tests := []struct {
		name string
		etc  *fstest.MapFile // etc/os-release, nil when missing
	}{
		{"etc/os-release missing", nil},
		{"etc/os-release dangling link", link("../usr/lib/nowhere")},
		{"etc/os-release without assignments", file("# nothing here\n")},
		{"etc/os-release too large", file(strings.Repeat("#", maxFileSize+1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"usr/lib/os-release":        {Data: fixture(t, "os-release/fedora-40")},
				"proc/sys/kernel/osrelease": file("6.8.5-301.fc40.x86_64"),
			}
			if tt.etc != nil {
				fsys["etc/os-release"] = tt.etc
			}
			got, err := linuxProbe{}.osInfo(context.Background(), testEnv(fsys, nil))
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != "Fedora Linux" || got.Kernel != "6.8.5-301.fc40.x86_64" {
				t.Errorf("osInfo = %+v, want Fedora from usr/lib/os-release", got)
			}
		})
	}
}

func TestLinuxOSInfoFilesNeverMerged(t *testing.T) {
	// os-release(5): the first file found is used alone.
	fsys := fstest.MapFS{
		"etc/os-release":            file("NAME=Custom\n"),
		"usr/lib/os-release":        {Data: fixture(t, "os-release/debian-12")},
		"proc/sys/kernel/osrelease": file("6.1.0"),
	}
	got, err := linuxProbe{}.osInfo(context.Background(), testEnv(fsys, nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := (osInfo{Name: "Custom", PrettyName: "Custom", Kernel: "6.1.0"}); got != want {
		t.Errorf("osInfo = %+v, want %+v", got, want)
	}
}

func TestLinuxOSInfoDefaults(t *testing.T) {
	tests := []struct {
		osRelease string
		want      osInfo
	}{
		// os-release(5): NAME defaults to "Linux".
		{"ID=custom\n", osInfo{Name: "Linux", PrettyName: "Linux"}},
		{"NAME=Arch\nBUILD_ID=rolling\n", osInfo{Name: "Arch", PrettyName: "Arch"}},
		{"NAME=Foo\nVERSION=\"2 (Bar)\"\n", osInfo{Name: "Foo", Version: "2 (Bar)", PrettyName: "Foo 2 (Bar)"}},
		{"NAME=Foo\nVERSION_ID=2\n", osInfo{Name: "Foo", Version: "2", PrettyName: "Foo 2"}},
	}
	for _, tt := range tests {
		fsys := fstest.MapFS{"etc/os-release": file(tt.osRelease), "proc/sys/kernel/osrelease": file("6.1.0")}
		got, err := linuxProbe{}.osInfo(context.Background(), testEnv(fsys, nil))
		if err != nil {
			t.Fatal(err)
		}
		tt.want.Kernel = "6.1.0"
		if got != tt.want {
			t.Errorf("osInfo(%q) = %+v, want %+v", tt.osRelease, got, tt.want)
		}
	}
}

func TestLinuxOSInfoMissingFiles(t *testing.T) {
	t.Run("no os-release", func(t *testing.T) {
		fsys := fstest.MapFS{"proc/sys/kernel/osrelease": file("6.1.0\n")}
		got, err := linuxProbe{}.osInfo(context.Background(), testEnv(fsys, nil))
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want not-exist", err)
		}
		for _, want := range []string{"system: ", "etc/os-release", "usr/lib/os-release"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("err = %q, want it to mention %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("err = %q spans lines; notes are one line", err)
		}
		if got != (osInfo{Kernel: "6.1.0"}) {
			t.Errorf("osInfo = %+v, want the kernel alone", got)
		}
	})
	t.Run("no kernel", func(t *testing.T) {
		fsys := fstest.MapFS{"etc/os-release": {Data: fixture(t, "os-release/alpine-3.20")}}
		got, err := linuxProbe{}.osInfo(context.Background(), testEnv(fsys, nil))
		if err == nil || !strings.Contains(err.Error(), "proc/sys/kernel/osrelease") {
			t.Fatalf("err = %v, want it to name proc/sys/kernel/osrelease", err)
		}
		if got.Name != "Alpine Linux" || got.Kernel != "" {
			t.Errorf("osInfo = %+v, want Alpine without a kernel", got)
		}
	})
	t.Run("empty kernel", func(t *testing.T) {
		fsys := fstest.MapFS{"etc/os-release": file("NAME=X"), "proc/sys/kernel/osrelease": file("\n")}
		if _, err := (linuxProbe{}).osInfo(context.Background(), testEnv(fsys, nil)); err == nil {
			t.Fatal("want an error for an empty kernel version")
		}
	})
	t.Run("nil FS", func(t *testing.T) {
		got, err := linuxProbe{}.osInfo(context.Background(), testEnv(nil, nil))
		if err == nil || !got.empty() {
			t.Fatalf("osInfo = %+v, %v; want nothing and an error", got, err)
		}
	})
}

func TestLinuxUptime(t *testing.T) {
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		want    time.Duration
		wantErr string
	}{
		{"normal", fstest.MapFS{"proc/uptime": file("350735.47 234388.90\n")}, 350735*time.Second + 470*time.Millisecond, ""},
		{"missing", fstest.MapFS{}, 0, "system: read proc/uptime: file does not exist"},
		{"garbage", fstest.MapFS{"proc/uptime": file("soon\n")}, 0, `system: read proc/uptime: "soon" is not a number of seconds`},
		{"negative", fstest.MapFS{"proc/uptime": file("-5.00 1.00\n")}, 0, "not a number of seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := linuxProbe{}.uptime(context.Background(), testEnv(tt.fsys, nil))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("uptime = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestLinuxUptimeThisMachine(t *testing.T) {
	fsys := fstest.MapFS{"proc/uptime": {Data: fixture(t, "uptime-this-machine")}}
	got, err := linuxProbe{}.uptime(context.Background(), testEnv(fsys, nil))
	if err != nil || got <= 0 {
		t.Fatalf("uptime = %v, %v", got, err)
	}
}

// openOnly hides every interface but fs.FS, like a filesystem that cannot
// read symbolic links.
type openOnly struct{ fs.FS }

func TestLinuxTimeZone(t *testing.T) {
	paris := link("/usr/share/zoneinfo/Europe/Paris")
	tests := []struct {
		name    string
		tz      string
		fsys    fs.FS
		want    string
		wantErr []string
	}{
		{"TZ name", "America/New_York", fstest.MapFS{"etc/localtime": paris}, "America/New_York", nil},
		{"TZ with colon", ":Asia/Tokyo", fstest.MapFS{"etc/localtime": paris}, "Asia/Tokyo", nil},
		{"TZ path form", ":/usr/share/zoneinfo/Europe/Berlin", fstest.MapFS{"etc/localtime": paris}, "Europe/Berlin", nil},
		{"TZ path without colon", "/usr/share/zoneinfo/Europe/Berlin", fstest.MapFS{}, "Europe/Berlin", nil},
		{"TZ points at etc/localtime", ":/etc/localtime", fstest.MapFS{"etc/localtime": paris}, "Europe/Paris", nil},
		{"TZ POSIX rule", "CET-1CEST,M3.5.0,M10.5.0/3", fstest.MapFS{"etc/localtime": paris}, "Europe/Paris", nil},
		{"TZ name-shaped POSIX rule", "UTC0", fstest.MapFS{"etc/localtime": paris}, "Europe/Paris", nil},
		{"TZ unknown zone", "Mars/Olympus_Mons", fstest.MapFS{"etc/localtime": paris}, "Europe/Paris", nil},
		{"localtime absolute link", "", fstest.MapFS{"etc/localtime": paris}, "Europe/Paris", nil},
		{"localtime relative link", "", fstest.MapFS{"etc/localtime": link("../usr/share/zoneinfo/Asia/Kolkata")}, "Asia/Kolkata", nil},
		{"localtime wins over a stale etc/timezone", "", fstest.MapFS{
			"etc/localtime": paris, "etc/timezone": file("Europe/London\n"),
		}, "Europe/Paris", nil},
		{"localtime copied, etc/timezone", "", fstest.MapFS{
			"etc/localtime": file("TZif2..."), "etc/timezone": file("Europe/London\n"),
		}, "Europe/London", nil},
		{"localtime outside the database, etc/timezone", "", fstest.MapFS{
			"etc/localtime": link("/etc/alternatives/tz"), "etc/timezone": file("Etc/UTC\n"),
		}, "Etc/UTC", nil},
		{"no link support, etc/timezone", "", openOnly{fstest.MapFS{
			"etc/localtime": paris, "etc/timezone": file("Europe/Paris\n"),
		}}, "Europe/Paris", nil},
		{"nothing known", "", fstest.MapFS{}, "", []string{
			"system: time zone unknown", "TZ is not set", "etc/localtime is missing", "read etc/timezone: file does not exist",
		}},
		{"copied localtime, no etc/timezone", "", fstest.MapFS{"etc/localtime": file("TZif2")}, "", []string{
			"etc/localtime is a copy of a zone file",
		}},
		{"garbage everywhere", "CET-1CEST,M3", fstest.MapFS{
			"etc/localtime": link("/nowhere"), "etc/timezone": file("not a zone\n"),
		}, "", []string{`TZ="CET-1CEST,M3" is not a zone name`, `links to "/nowhere"`, "etc/timezone holds no zone name"}},
		{"no link support, nothing else", "", openOnly{fstest.MapFS{"etc/localtime": paris}}, "", []string{
			"the filesystem cannot read links",
		}},
		{"nil FS", "", nil, "", []string{"no filesystem to read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := linuxProbe{}.timeZone(context.Background(), testEnv(tt.fsys, map[string]string{"TZ": tt.tz}))
			if got != tt.want {
				t.Errorf("timeZone = %q, want %q (err %v)", got, tt.want, err)
			}
			if (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestLinuxProbeHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env := testEnv(debianTree(t), map[string]string{"TZ": "Europe/Paris"})
	p := linuxProbe{}
	if info, err := p.osInfo(ctx, env); !errors.Is(err, context.Canceled) || !info.empty() {
		t.Errorf("osInfo = %+v, %v; want context.Canceled", info, err)
	}
	if _, err := p.uptime(ctx, env); !errors.Is(err, context.Canceled) {
		t.Errorf("uptime err = %v, want context.Canceled", err)
	}
	if _, err := p.timeZone(ctx, env); !errors.Is(err, context.Canceled) {
		t.Errorf("timeZone err = %v, want context.Canceled", err)
	}
	p.statfs = func(string) (uint64, uint64, error) { t.Error("statfs called"); return 0, 0, nil }
	if _, err := p.diskSpace(ctx, env); !errors.Is(err, context.Canceled) {
		t.Errorf("diskSpace err = %v, want context.Canceled", err)
	}
}

// TestNewProbe: the build picks the probe of its OS, and on an empty tree
// (no os-release, no /proc, no zone file) the Linux probe says what it
// looked for instead of returning empty facts; the disk figure, read with
// the real system call, is a size.
func TestNewProbe(t *testing.T) {
	p := newProbe()
	want := map[string]string{"linux": "system.linuxProbe", "darwin": "system.darwinProbe", "windows": "system.windowsProbe"}[runtime.GOOS]
	if want == "" {
		want = "system.unsupportedProbe"
	}
	if got := fmt.Sprintf("%T", p); got != want {
		t.Fatalf("newProbe() on %s is a %s, want %s", runtime.GOOS, got, want)
	}
	ctx, env := context.Background(), testEnv(fstest.MapFS{}, nil)
	_, osErr := p.osInfo(ctx, env)
	_, upErr := p.uptime(ctx, env)
	_, zoneErr := p.timeZone(ctx, env)
	if runtime.GOOS == "linux" {
		for _, c := range []struct {
			err  error
			want string
		}{{osErr, "os-release"}, {upErr, "proc/uptime"}, {zoneErr, "time zone unknown"}} {
			if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
				t.Errorf("on an empty tree: %v, want an error naming %q", c.err, c.want)
			}
		}
	}
	d, err := p.diskSpace(ctx, env)
	if err == nil && (d.Total == 0 || d.Free > d.Total) {
		t.Errorf("disk %+v: free must be within a non-zero total", d)
	}
}

// brokenFS fails in the ways a real disk can and a MapFS cannot.
type brokenFS struct{}

var errDisk = errors.New("input/output error")

func (brokenFS) Open(name string) (fs.File, error) { return brokenFile{}, nil }
func (brokenFS) ReadLink(name string) (string, error) {
	return "", &fs.PathError{Op: "readlink", Path: name, Err: errDisk}
}
func (brokenFS) Lstat(name string) (fs.FileInfo, error) {
	if name == "etc/localtime" {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: errDisk}
	}
	return nil, fs.ErrNotExist
}

type brokenFile struct{}

func (brokenFile) Stat() (fs.FileInfo, error) { return nil, errDisk }
func (brokenFile) Read([]byte) (int, error)   { return 0, errDisk }
func (brokenFile) Close() error               { return nil }

// symlinkOnly claims etc/localtime is a link but cannot read it.
type symlinkOnly struct{ brokenFS }

func (symlinkOnly) Lstat(name string) (fs.FileInfo, error) {
	return fstest.MapFS{name: link("x")}.Lstat(name)
}

func TestLinuxProbeDiskErrors(t *testing.T) {
	env := testEnv(brokenFS{}, nil)
	if _, err := (linuxProbe{}).uptime(context.Background(), env); !errors.Is(err, errDisk) ||
		err.Error() != "system: read proc/uptime: input/output error" {
		t.Errorf("uptime err = %v", err)
	}
	_, err := linuxProbe{}.timeZone(context.Background(), env)
	if err == nil || !strings.Contains(err.Error(), "read etc/localtime: input/output error") {
		t.Errorf("timeZone err = %v", err)
	}
	_, err = linuxProbe{}.timeZone(context.Background(), testEnv(symlinkOnly{}, nil))
	if err == nil || !strings.Contains(err.Error(), "read etc/localtime: input/output error") {
		t.Errorf("timeZone err with unreadable link = %v", err)
	}
	if got := probeutil.Cause(errDisk); got != errDisk {
		t.Errorf("probeutil.Cause(plain error) = %v", got)
	}
}
