package system

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// darwinProbe reads macOS facts through env.Exec (sw_vers, uname, sysctl),
// env.FS and env.Getenv, and the disk through statfs. That is why this file
// has no _darwin suffix: probe_darwin.go selects it, and its tests run on
// every OS with fake commands and fixture trees.
type darwinProbe struct {
	statfs statfsFunc
}

// systemVersionPlist is what sw_vers itself reads. It is the fallback when
// sw_vers cannot run (a locked-down PATH, a sandbox).
const systemVersionPlist = "System/Library/CoreServices/SystemVersion.plist"

// osInfo asks sw_vers first, as Apple documents, then reads the plist; the
// kernel comes from `uname -r` ("23.4.0").
func (darwinProbe) osInfo(ctx context.Context, env *checks.Env) (osInfo, error) {
	var info osInfo
	var errs []error
	if rel, err := swVersRelease(ctx, env); err == nil {
		info = rel.info()
	} else {
		errs = append(errs, err)
		if rel, perr := plistRelease(ctx, env); perr == nil {
			info = rel.info()
			errs = nil // the plist said all sw_vers would have
		} else {
			errs = append(errs, perr)
		}
	}
	out, err := probeutil.Run(ctx, env, cmdTimeout, "uname", "-r")
	if err == nil {
		info.Kernel, err = parseKernelRelease(out)
		if err != nil {
			err = fmt.Errorf("uname -r: %w", err)
		}
	}
	if err != nil {
		errs = append(errs, err)
	}
	if err := joinErrs(errs); err != nil {
		return info, fmt.Errorf("system: %w", err)
	}
	return info, nil
}

func swVersRelease(ctx context.Context, env *checks.Env) (macRelease, error) {
	out, err := probeutil.Run(ctx, env, cmdTimeout, "sw_vers")
	if err != nil {
		return macRelease{}, err
	}
	rel, err := macReleaseFrom(parseSwVers(out))
	if err != nil {
		return macRelease{}, fmt.Errorf("sw_vers: %w", err)
	}
	return rel, nil
}

func plistRelease(ctx context.Context, env *checks.Env) (macRelease, error) {
	data, err := readSmall(ctx, env.FS, systemVersionPlist)
	if err != nil {
		return macRelease{}, err
	}
	fields, err := parseSystemVersionPlist(string(data))
	if err != nil {
		return macRelease{}, fmt.Errorf("read %s: %w", systemVersionPlist, err)
	}
	rel, err := macReleaseFrom(fields)
	if err != nil {
		return macRelease{}, fmt.Errorf("read %s: %w", systemVersionPlist, err)
	}
	return rel, nil
}

// uptime is now minus kern.boottime. The boot time is wall-clock time, so
// the difference includes time asleep: a MacBook closed every evening for
// three weeks has not restarted for three weeks, which is what the verdict is
// about.
func (darwinProbe) uptime(ctx context.Context, env *checks.Env) (time.Duration, error) {
	out, err := probeutil.Run(ctx, env, cmdTimeout, "sysctl", "-n", "kern.boottime")
	if err != nil {
		return 0, fmt.Errorf("system: %w", err)
	}
	boot, err := parseBoottime(out)
	if err != nil {
		return 0, fmt.Errorf("system: sysctl kern.boottime: %w", err)
	}
	d, err := uptimeSince(env.Clock()(), boot)
	if err != nil {
		return 0, fmt.Errorf("system: %w", err)
	}
	return d, nil
}

// timeZone looks where macOS's C library does: TZ when set, then the
// etc/localtime link, which System Settings points into
// /var/db/timezone/zoneinfo/. etc is itself a link to private/etc; the real
// filesystem follows it, and a tree that only has private/etc is read too.
func (darwinProbe) timeZone(ctx context.Context, env *checks.Env) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("system: time zone: %w", err)
	}
	name, whyTZ := zoneFromTZVar(env)
	if name != "" {
		return name, nil
	}
	name, whyLink := zoneFromLocaltime(env.FS)
	if name != "" {
		return name, nil
	}
	if name, _ := zoneFromLink(readLinkQuiet(env, "private/etc/localtime")); name != "" {
		return name, nil
	}
	return "", fmt.Errorf("system: time zone unknown: %s; %s", whyTZ, whyLink)
}

// readLinkQuiet returns a link's target, or "" when there is none to read.
func readLinkQuiet(env *checks.Env, name string) string {
	if env.FS == nil {
		return ""
	}
	target, err := fs.ReadLink(env.FS, name)
	if err != nil {
		return ""
	}
	return target
}

// diskSpace measures the volume holding HOME, else "/": on APFS both are
// volumes of one container and share its free space.
func (p darwinProbe) diskSpace(ctx context.Context, env *checks.Env) (disk, error) {
	return measureDisk(ctx, p.statfs, unixDiskCandidates(env))
}
