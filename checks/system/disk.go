package system

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
)

// The disk-space logic lives in this file, without an OS suffix, so that it is
// tested on every OS; only the statfs call itself is per OS (disk_unix.go,
// disk_windows.go).

const (
	// minFreeBytes: OS updates need several GB to download and unpack
	// (Windows feature updates ask for about 10-20 GB, macOS updates a
	// similar amount), and video-call apps cache recordings and crash or
	// drop calls when the disk fills. 5 GB is also about where Windows and
	// macOS start warning the user themselves.
	minFreeBytes = 5e9

	// minFreePercent: a large disk can have more than 5 GB free and still be
	// nearly full; 5 % is where most OSes (and monitoring defaults such as
	// "disk 95 % full") start to complain, and filesystems slow down and
	// fragment below it.
	minFreePercent = 5.0
)

// diskFix is the advice shown when the disk is nearly full.
const diskFix = "Free up space: empty the Trash/Recycle Bin and remove large downloads; updates and calls fail on a full disk."

// belowBytes says whether the free space is under the absolute floor.
func belowBytes(d disk) bool { return float64(d.Free) < minFreeBytes }

// belowPercent says whether the free space is under the share of the disk.
func belowPercent(d disk) bool {
	return d.Total > 0 && freePercent(d) < minFreePercent
}

// lowDisk is the verdict: either floor is enough to warn.
func lowDisk(d disk) bool { return belowBytes(d) || belowPercent(d) }

func freePercent(d disk) float64 {
	if d.Total == 0 {
		return 0
	}
	return 100 * float64(d.Free) / float64(d.Total)
}

// humanSize renders bytes the way the report does ("3.2 GB"), so the finding
// and the metric agree.
func humanSize(b uint64) string {
	return report.Measured("", float64(b), "bytes").FormatValue()
}

// measureDisk statfs-es the first candidate directory that answers. The
// first candidate is the home directory; the others are fallbacks (the system
// volume) for a home that is unset or unreadable, since a number for the
// system volume still tells whether updates can install.
func measureDisk(ctx context.Context, statfs statfsFunc, candidates []string) (disk, error) {
	if statfs == nil {
		return disk{}, fmt.Errorf("system: disk space: %w", errUnsupported)
	}
	// Paths appear whole in errors, never shortened: redaction replaces the
	// home directory only where it finds all of it.
	var errs []error
	for _, path := range candidates {
		if err := ctx.Err(); err != nil {
			return disk{}, fmt.Errorf("system: disk space: %w", err)
		}
		free, total, err := statfs(path)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", clean(path), err))
			continue
		case total == 0:
			// Pseudo filesystems (a home on a FUSE mount gone stale) report
			// zero; a 0 % free disk would be a false alarm.
			errs = append(errs, fmt.Errorf("%s: the volume reports a size of 0", clean(path)))
			continue
		case free > total:
			errs = append(errs, fmt.Errorf("%s: the volume reports more free space (%d) than its size (%d)", clean(path), free, total))
			continue
		}
		return disk{Path: path, Free: free, Total: total}, nil
	}
	if len(errs) == 0 {
		return disk{}, errors.New("system: disk space: no directory to measure")
	}
	return disk{}, fmt.Errorf("system: disk space: %w", joinErrs(errs))
}

// unixDiskCandidates: HOME, then "/", which on macOS and most Linux desktops
// is the same volume anyway (APFS volumes share their container's space).
func unixDiskCandidates(env *checks.Env) []string {
	return dedupe([]string{absUnix(getenv(env, "HOME")), "/"})
}

// windowsDiskCandidates: the profile folder, then the drive Windows runs
// from, where updates install. HOMEDRIVE+HOMEPATH covers the rare session
// without USERPROFILE.
func windowsDiskCandidates(env *checks.Env) []string {
	homeDrive, homePath := getenv(env, "HOMEDRIVE"), getenv(env, "HOMEPATH")
	system := getenv(env, "SystemDrive")
	if system == "" {
		system = "C:"
	}
	return dedupe([]string{
		absWindows(getenv(env, "USERPROFILE")),
		absWindows(homeDrive + homePath),
		absWindows(strings.TrimRight(system, `\/`) + `\`),
		`C:\`,
	})
}

// absUnix keeps absolute paths only: a relative HOME would be measured
// relative to wherever wfh was started, which is not the user's home.
func absUnix(p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	return ""
}

// absWindows keeps drive-rooted ("C:\Users\alice") and UNC
// ("\\server\share\alice", a roaming profile) paths.
func absWindows(p string) string {
	switch {
	case len(p) >= 3 && isLetter(p[0]) && p[1] == ':' && (p[2] == '\\' || p[2] == '/'):
		return p
	case strings.HasPrefix(p, `\\`) && len(p) > 2:
		return p
	}
	return ""
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

func dedupe(paths []string) []string {
	var out []string
	for _, p := range paths {
		if p == "" {
			continue
		}
		dup := false
		for _, q := range out {
			if strings.EqualFold(p, q) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}
