package system

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// linuxProbe reads Linux facts from env.FS and env.Getenv only, never from
// the os package, so fixture trees stand in for any distribution. That is
// also why this file has no _linux suffix: probe_linux.go selects it, and its
// tests run on every OS. statfs is the only system call; probe_linux.go
// fills it and tests fake it.
type linuxProbe struct {
	statfs statfsFunc
}

// maxFileSize caps every read: the files read here are under 1 kB, and a cap
// means a corrupt tree (etc/os-release linked to /dev/zero) cannot hang the
// check or exhaust memory.
const maxFileSize = 64 << 10

func (linuxProbe) osInfo(ctx context.Context, env *checks.Env) (osInfo, error) {
	var info osInfo
	var errs []error
	if fields, err := readOSRelease(ctx, env.FS); err != nil {
		errs = append(errs, err)
	} else {
		info = fromOSRelease(fields)
	}
	if data, err := readSmall(ctx, env.FS, "proc/sys/kernel/osrelease"); err != nil {
		errs = append(errs, err)
	} else if k := clean(firstLine(string(data))); k == "" {
		errs = append(errs, errors.New("read proc/sys/kernel/osrelease: empty"))
	} else {
		info.Kernel = k
	}
	if err := joinErrs(errs); err != nil {
		return info, fmt.Errorf("system: %w", err)
	}
	return info, nil
}

// readOSRelease returns the fields of the first os-release file that can be
// read, in the order os-release(5) gives; the two are never merged. An
// unreadable etc/os-release falls back too, not only a missing one: any
// identification beats none.
func readOSRelease(ctx context.Context, fsys fs.FS) (map[string]string, error) {
	var errs []error
	for _, name := range []string{"etc/os-release", "usr/lib/os-release"} {
		data, err := readSmall(ctx, fsys, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fields := parseOSRelease(string(data))
		if len(fields) == 0 {
			errs = append(errs, fmt.Errorf("read %s: no KEY=value lines", name))
			continue
		}
		return fields, nil
	}
	return nil, joinErrs(errs)
}

// fromOSRelease picks the display fields. VERSION_ID is preferred for the
// version because it is the stable, comparable form ("12", not
// "12 (bookworm)"); NAME defaults to "Linux" as os-release(5) specifies.
func fromOSRelease(f map[string]string) osInfo {
	info := osInfo{Name: f["NAME"], Version: f["VERSION_ID"], PrettyName: f["PRETTY_NAME"]}
	if info.Name == "" {
		info.Name = "Linux"
	}
	if info.Version == "" {
		info.Version = f["VERSION"]
	}
	if info.PrettyName == "" {
		version := f["VERSION"]
		if version == "" {
			version = f["VERSION_ID"]
		}
		info.PrettyName = strings.TrimSpace(info.Name + " " + version)
	}
	return info
}

// uptime reads the first field of /proc/uptime, which counts from boot and
// includes time asleep: a laptop suspended every night for three weeks has
// still not restarted for three weeks, which is what the verdict is about.
func (linuxProbe) uptime(ctx context.Context, env *checks.Env) (time.Duration, error) {
	const name = "proc/uptime"
	data, err := readSmall(ctx, env.FS, name)
	if err != nil {
		return 0, fmt.Errorf("system: %w", err)
	}
	d, err := parseUptime(string(data))
	if err != nil {
		return 0, fmt.Errorf("system: read %s: %w", name, err)
	}
	return d, nil
}

// timeZone looks where the C library does. TZ wins because it overrides the
// system setting for the processes that see it. Then the etc/localtime link,
// because it is what glibc, systemd (timedatectl) and Go actually use. Then
// etc/timezone, a Debian-family file that timedatectl does not update, so it
// can be stale and only serves when etc/localtime is a copied file without a
// name.
func (linuxProbe) timeZone(ctx context.Context, env *checks.Env) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("system: time zone: %w", err)
	}
	var reasons []string
	name, why := zoneFromTZVar(env)
	if name != "" {
		return name, nil
	}
	reasons = append(reasons, why)

	name, why = zoneFromLocaltime(env.FS)
	if name != "" {
		return name, nil
	}
	reasons = append(reasons, why)

	const tzFile = "etc/timezone"
	data, err := readSmall(ctx, env.FS, tzFile)
	switch {
	case err != nil:
		reasons = append(reasons, err.Error())
	default:
		if name, ok := zoneFromFile(string(data)); ok {
			return name, nil
		}
		reasons = append(reasons, tzFile+" holds no zone name")
	}
	return "", fmt.Errorf("system: time zone unknown: %s", strings.Join(reasons, "; "))
}

// diskSpace measures the volume holding HOME, else the root filesystem.
func (p linuxProbe) diskSpace(ctx context.Context, env *checks.Env) (disk, error) {
	return measureDisk(ctx, p.statfs, unixDiskCandidates(env))
}

// zoneFromTZVar names the zone the TZ environment variable sets, or says why
// it names none. TZ overrides the system setting for the processes that see
// it, on Linux and macOS alike.
func zoneFromTZVar(env *checks.Env) (name, why string) {
	tz := getenv(env, "TZ")
	if tz == "" {
		return "", "TZ is not set"
	}
	if name, ok := zoneFromTZ(tz); ok && loadable(name) {
		return name, ""
	}
	return "", fmt.Sprintf("TZ=%q is not a zone name", shorten(tz))
}

// loadable confirms that a TZ value is a zone and not a POSIX rule shaped
// like a name ("UTC0", "CET-1CEST"). It consults the Go time database (the
// system's, else the copy embedded by system.go), the same one the UTC offset
// is computed from.
func loadable(name string) bool {
	_, err := time.LoadLocation(name)
	return err == nil
}

// zoneFromLocaltime names the zone etc/localtime links to, or says why it
// cannot.
func zoneFromLocaltime(fsys fs.FS) (name, why string) {
	const link = "etc/localtime"
	if fsys == nil {
		return "", link + ": no filesystem to read"
	}
	if _, ok := fsys.(fs.ReadLinkFS); !ok {
		return "", link + ": the filesystem cannot read links"
	}
	fi, err := fs.Lstat(fsys, link)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", link + " is missing"
	case err != nil:
		return "", fmt.Sprintf("read %s: %v", link, probeutil.Cause(err))
	case fi.Mode()&fs.ModeSymlink == 0:
		return "", link + " is a copy of a zone file, not a link, so it carries no name"
	}
	target, err := fs.ReadLink(fsys, link)
	if err != nil {
		return "", fmt.Sprintf("read %s: %v", link, probeutil.Cause(err))
	}
	if name, ok := zoneFromLink(target); ok {
		return name, ""
	}
	return "", fmt.Sprintf("%s links to %q, outside the zone database", link, shorten(target))
}

// readSmall reads a whole small file, refusing more than maxFileSize.
func readSmall(ctx context.Context, fsys fs.FS, name string) ([]byte, error) {
	return probeutil.ReadSmall(ctx, fsys, name, maxFileSize)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func getenv(env *checks.Env, key string) string {
	if env.Getenv == nil {
		return ""
	}
	return env.Getenv(key)
}

// multiErr joins errors on one line, for notes people read in a report;
// errors.Join would put each on its own line.
type multiErr []error

func (m multiErr) Error() string {
	parts := make([]string, len(m))
	for i, err := range m {
		parts[i] = err.Error()
	}
	return strings.Join(parts, "; ")
}

func (m multiErr) Unwrap() []error { return m }

func joinErrs(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return multiErr(errs)
}
