package system

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/report"
)

// TestDiskSpaceOnARealFilesystem mounts a tmpfs of a known size, fills it,
// and checks that the real statfs-based probe reads it right and that the
// verdict warns. tmpfs is exact: its size is what the mount option says, it
// keeps no blocks for root and spends none on metadata, so the expected
// figures are known to the page.
func TestDiskSpaceOnARealFilesystem(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root; run the tests as root (CI does) to check statfs against a real filesystem")
	}
	if _, err := exec.LookPath("mount"); err != nil {
		t.Skipf("no mount command: %v", err)
	}
	const size = 64 << 20 // big enough to be a real filesystem, small enough to fill in a blink
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?): %v: %s", err, bytes.TrimSpace(out))
	}
	// Registered after t.TempDir, so it runs before the directory is removed,
	// and it runs when the test fails or panics too.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, bytes.TrimSpace(out))
			_ = exec.Command("umount", "-l", dir).Run()
		}
	})

	p := newProbe()
	env := testEnv(nil, map[string]string{"HOME": dir})
	d, err := p.diskSpace(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	if d.Path != dir {
		t.Errorf("measured %s, want the home directory %s", d.Path, dir)
	}
	// Within 1 %: tmpfs rounds the size to whole pages, nothing more.
	within := func(got, want uint64) bool {
		return math.Abs(float64(got)-float64(want)) <= 0.01*size
	}
	if !within(d.Total, size) || !within(d.Free, size) {
		t.Fatalf("empty tmpfs: free %d, total %d; want both about %d", d.Free, d.Total, size)
	}
	// 64 MiB is under 5 GB, so the absolute floor warns; nearly all of it is
	// free, so the percentage floor does not.
	if !belowBytes(d) || belowPercent(d) {
		t.Errorf("empty tmpfs: belowBytes %v, belowPercent %v; want true, false", belowBytes(d), belowPercent(d))
	}

	// Fill it past 95 %, leaving about 3 %.
	const fill = 62 << 20
	if err := os.WriteFile(filepath.Join(dir, "fill"), make([]byte, fill), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err = p.diskSpace(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	if !within(d.Total, size) || !within(d.Free, size-fill) {
		t.Errorf("filled tmpfs: free %d, total %d; want about %d of %d", d.Free, d.Total, size-fill, size)
	}
	if pct := freePercent(d); pct >= minFreePercent || pct < 1 {
		t.Errorf("filled tmpfs: %.2f %% free, want about 3 %%", pct)
	}
	if !belowPercent(d) {
		t.Errorf("filled tmpfs: the 5 %% rule does not fire at %.2f %% free", freePercent(d))
	}

	// Through the whole check: the verdict warns about the disk.
	res := run(context.Background(), env, p)
	if res.Status != report.Warn {
		t.Errorf("Status = %q, want warn", res.Status)
	}
	found := false
	for _, f := range res.Findings {
		if f.Severity == report.Warn && strings.HasSuffix(f.Message, " free on your disk.") && f.Fix == diskFix {
			found = true
		}
	}
	if !found {
		t.Errorf("Findings = %+v, want the low disk warning", res.Findings)
	}
	if m, _ := res.Metric("disk_total_bytes"); m.Value == nil || !within(uint64(*m.Value), size) {
		t.Errorf("disk_total_bytes = %+v", m)
	}
}
