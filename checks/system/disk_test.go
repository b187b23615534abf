package system

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
)

type statfsResult struct {
	free, total uint64
	err         error
}

// fakeStatfs answers for the paths it knows and fails like a missing
// directory for the others.
func fakeStatfs(vols map[string]statfsResult) statfsFunc {
	return func(path string) (uint64, uint64, error) {
		v, ok := vols[path]
		if !ok {
			return 0, 0, fs.ErrNotExist
		}
		return v.free, v.total, v.err
	}
}

func TestDiskVerdict(t *testing.T) {
	tests := []struct {
		name          string
		free, total   uint64
		bytes, pct    bool // which floor is crossed
		wantLow       bool
		wantPercent   float64
		wantHumanFree string
	}{
		{"roomy", 200e9, 500e9, false, false, false, 40, "200 GB"},
		{"small disk, little left", 3.2e9, 128e9, true, true, true, 2.5, "3.2 GB"},
		{"small disk, 5 GB rule only", 3.2e9, 32e9, true, false, true, 10, "3.2 GB"},
		{"just under 5 GB on a small disk", 4_999_999_999, 20e9, true, false, true, 24.999999995, "5 GB"},
		{"exactly 5 GB and 25 %", 5e9, 20e9, false, false, false, 25, "5 GB"},
		{"large disk 3 % free", 30e9, 1e12, false, true, true, 3, "30 GB"},
		{"large disk exactly 5 %", 50e9, 1e12, false, false, false, 5, "50 GB"},
		{"both floors", 1e9, 100e9, true, true, true, 1, "1 GB"},
		{"full", 0, 256e9, true, true, true, 0, "0 B"},
		{"megabytes", 512e6, 64e9, true, true, true, 0.8, "512 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := disk{Free: tt.free, Total: tt.total}
			if belowBytes(d) != tt.bytes || belowPercent(d) != tt.pct || lowDisk(d) != tt.wantLow {
				t.Errorf("belowBytes, belowPercent, lowDisk = %v, %v, %v; want %v, %v, %v",
					belowBytes(d), belowPercent(d), lowDisk(d), tt.bytes, tt.pct, tt.wantLow)
			}
			if got := freePercent(d); fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", tt.wantPercent) {
				t.Errorf("freePercent = %v, want %v", got, tt.wantPercent)
			}
			if got := humanSize(tt.free); got != tt.wantHumanFree {
				t.Errorf("humanSize(%d) = %q, want %q", tt.free, got, tt.wantHumanFree)
			}
		})
	}
	if belowPercent(disk{}) || freePercent(disk{}) != 0 {
		t.Error("a zero-size disk must not divide by zero")
	}
}

func TestRunDiskLow(t *testing.T) {
	p := &fakeProbe{info: debian, up: day, zone: "Europe/Paris", disk: &disk{Path: "/home/alice", Free: 3.2e9, Total: 128e9}}
	res := run(context.Background(), fakeEnv(winter, 0), p)
	if res.Status != report.Warn {
		t.Fatalf("Status = %q, want warn", res.Status)
	}
	want := []report.Finding{{
		Severity: report.Warn,
		Message:  "Only 3.2 GB free on your disk.",
		Fix:      "Free up space: empty the Trash/Recycle Bin and remove large downloads; updates and calls fail on a full disk.",
	}}
	if !slices.Equal(res.Findings, want) {
		t.Errorf("Findings = %+v\nwant %+v", res.Findings, want)
	}
	if !strings.Contains(res.Summary, ", 3.2 GB free, ") {
		t.Errorf("Summary = %q, want the free space", res.Summary)
	}
	if m, _ := res.Metric("disk_free_percent"); m.Value == nil || *m.Value != 2.5 || m.FormatValue() != "2.5 %" {
		t.Errorf("disk_free_percent = %+v", m)
	}
	if m, _ := res.Metric("disk_total_bytes"); m.FormatValue() != "128 GB" {
		t.Errorf("disk_total_bytes = %q", m.FormatValue())
	}
}

func TestRunDiskAndUptimeBothWarn(t *testing.T) {
	p := &fakeProbe{info: debian, up: 30 * day, disk: &disk{Free: 1e9, Total: 500e9},
		zoneErr: errors.New("system: time zone unknown: TZ is not set")}
	res := run(context.Background(), fakeEnv(winter, 0), p)
	if res.Status != report.Warn || len(res.Findings) != 3 {
		t.Fatalf("Status %q, Findings %+v", res.Status, res.Findings)
	}
	// Problems first, in the order to act on them, then the note.
	if !strings.HasPrefix(res.Findings[0].Message, "Your computer has not restarted") ||
		res.Findings[1].Message != "Only 1 GB free on your disk." ||
		res.Findings[2].Severity != report.Pass {
		t.Errorf("Findings = %+v", res.Findings)
	}
}

func TestRunDiskUnreadable(t *testing.T) {
	p := &fakeProbe{info: debian, up: day, zone: "UTC",
		diskErr: errors.New("system: disk space: /home/alice: permission denied; /: input/output error")}
	res := run(context.Background(), fakeEnv(winter, 0), p)
	if res.Status != report.Pass {
		t.Errorf("Status = %q, want pass: an unreadable disk is not a full one", res.Status)
	}
	want := []report.Finding{{Severity: report.Pass,
		Message: "Could not read the free disk space: disk space: /home/alice: permission denied; /: input/output error."}}
	if !slices.Equal(res.Findings, want) {
		t.Errorf("Findings = %+v\nwant %+v", res.Findings, want)
	}
	for _, name := range []string{"disk_free_bytes", "disk_total_bytes", "disk_free_percent"} {
		m, ok := res.Metric(name)
		if !ok || m.Value != nil || m.Note != "disk space: /home/alice: permission denied; /: input/output error" {
			t.Errorf("%s = %+v, want not measured with the reason", name, m)
		}
	}
	if !strings.Contains(res.Summary, ", free disk space unknown, ") {
		t.Errorf("Summary = %q", res.Summary)
	}
}

func TestRunDiskZeroSizeIsNotAMeasurement(t *testing.T) {
	p := &fakeProbe{info: debian, up: day, zone: "UTC", disk: &disk{}}
	res := run(context.Background(), fakeEnv(winter, 0), p)
	if res.Status != report.Pass || len(res.Findings) != 1 ||
		!strings.Contains(res.Findings[0].Message, "size of 0") {
		t.Errorf("Status %q, Findings %+v", res.Status, res.Findings)
	}
	if m, _ := res.Metric("disk_free_bytes"); m.Value != nil {
		t.Errorf("disk_free_bytes = %+v, want not measured", m)
	}
}

func TestMeasureDisk(t *testing.T) {
	vols := fakeStatfs(map[string]statfsResult{
		"/home/alice": {free: 10e9, total: 100e9},
		"/":           {free: 20e9, total: 50e9},
		"/broken":     {err: errors.New("input/output error")},
		"/empty":      {free: 0, total: 0},
		"/odd":        {free: 10, total: 5},
	})
	tests := []struct {
		name       string
		candidates []string
		want       disk
		wantErr    []string
	}{
		{"home", []string{"/home/alice", "/"}, disk{Path: "/home/alice", Free: 10e9, Total: 100e9}, nil},
		{"home missing, root", []string{"/home/bob", "/"}, disk{Path: "/", Free: 20e9, Total: 50e9}, nil},
		{"home broken, root", []string{"/broken", "/"}, disk{Path: "/", Free: 20e9, Total: 50e9}, nil},
		{"zero size skipped", []string{"/empty", "/"}, disk{Path: "/", Free: 20e9, Total: 50e9}, nil},
		{"all fail", []string{"/broken", "/empty", "/odd"}, disk{}, []string{
			"system: disk space: ", "/broken: input/output error", "/empty: the volume reports a size of 0",
			"/odd: the volume reports more free space (10) than its size (5)",
		}},
		{"nothing to measure", nil, disk{}, []string{"no directory to measure"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := measureDisk(context.Background(), vols, tt.candidates)
			if got != tt.want {
				t.Errorf("disk = %+v, want %+v", got, tt.want)
			}
			if (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %q, want it to contain %q", err, w)
				}
			}
		})
	}

	if _, err := measureDisk(context.Background(), nil, []string{"/"}); !errors.Is(err, errUnsupported) {
		t.Errorf("nil statfs: err = %v, want errUnsupported", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	_, err := measureDisk(ctx, func(string) (uint64, uint64, error) { called = true; return 1, 1, nil }, []string{"/"})
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("canceled: err = %v, statfs called %v", err, called)
	}
}

func TestDiskCandidates(t *testing.T) {
	env := func(vars map[string]string) *checks.Env {
		return &checks.Env{Getenv: func(k string) string { return vars[k] }}
	}
	unix := []struct {
		vars map[string]string
		want []string
	}{
		{map[string]string{"HOME": "/Users/alice"}, []string{"/Users/alice", "/"}},
		{map[string]string{"HOME": "/"}, []string{"/"}},
		{map[string]string{"HOME": "relative/home"}, []string{"/"}},
		{nil, []string{"/"}},
	}
	for _, tt := range unix {
		if got := unixDiskCandidates(env(tt.vars)); !slices.Equal(got, tt.want) {
			t.Errorf("unixDiskCandidates(%v) = %q, want %q", tt.vars, got, tt.want)
		}
	}
	if got := unixDiskCandidates(&checks.Env{}); !slices.Equal(got, []string{"/"}) {
		t.Errorf("unixDiskCandidates(no Getenv) = %q", got)
	}

	windows := []struct {
		vars map[string]string
		want []string
	}{
		{map[string]string{"USERPROFILE": `C:\Users\alice`, "HOMEDRIVE": "C:", "HOMEPATH": `\Users\alice`, "SystemDrive": "C:"},
			[]string{`C:\Users\alice`, `C:\`}},
		{map[string]string{"USERPROFILE": `D:\Profiles\alice`, "SystemDrive": "C:"}, []string{`D:\Profiles\alice`, `C:\`}},
		{map[string]string{"HOMEDRIVE": "H:", "HOMEPATH": `\`, "SystemDrive": "C:"}, []string{`H:\`, `C:\`}},
		{map[string]string{"USERPROFILE": `\\fs01\profiles$\alice`, "SystemDrive": "D:"}, []string{`\\fs01\profiles$\alice`, `D:\`, `C:\`}},
		{map[string]string{"USERPROFILE": "garbage", "SystemDrive": `E:\`}, []string{`E:\`, `C:\`}},
		{nil, []string{`C:\`}},
	}
	for _, tt := range windows {
		if got := windowsDiskCandidates(env(tt.vars)); !slices.Equal(got, tt.want) {
			t.Errorf("windowsDiskCandidates(%v) = %q, want %q", tt.vars, got, tt.want)
		}
	}
}

func TestProbesMeasureTheHomeVolume(t *testing.T) {
	vols := fakeStatfs(map[string]statfsResult{
		"/home/alice":    {free: 10e9, total: 100e9},
		"/Users/alice":   {free: 11e9, total: 100e9},
		`C:\Users\alice`: {free: 12e9, total: 100e9},
	})
	tests := []struct {
		p    probe
		vars map[string]string
		want uint64
	}{
		{linuxProbe{statfs: vols}, map[string]string{"HOME": "/home/alice"}, 10e9},
		{darwinProbe{statfs: vols}, map[string]string{"HOME": "/Users/alice"}, 11e9},
		{windowsProbe{statfs: vols}, map[string]string{"USERPROFILE": `C:\Users\alice`}, 12e9},
	}
	for _, tt := range tests {
		env := testEnv(nil, tt.vars)
		d, err := tt.p.diskSpace(context.Background(), env)
		if err != nil || d.Free != tt.want {
			t.Errorf("%T.diskSpace = %+v, %v; want %d free", tt.p, d, err, tt.want)
		}
	}
}
