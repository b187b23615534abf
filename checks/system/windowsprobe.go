package system

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// windowsProbe reads Windows facts through env.Exec (reg, tzutil) and two
// system calls held as fields: the volume size (GetDiskFreeSpaceEx) and the
// time since boot (GetTickCount64). That is why this file has no _windows
// suffix: probe_windows.go selects it and fills the fields, and its tests run
// on every OS with fake commands and fake calls.
type windowsProbe struct {
	statfs    statfsFunc
	sinceBoot func() time.Duration
}

// currentVersionKey holds the release facts winver shows. reg.exe is in
// System32 on every Windows since XP and needs no rights to read HKLM.
const currentVersionKey = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`

// osInfo reads ProductName, DisplayVersion, CurrentBuild and UBR with one
// `reg query`, and names Windows 11 from the build number (see
// windowsRelease).
func (windowsProbe) osInfo(ctx context.Context, env *checks.Env) (osInfo, error) {
	out, err := probeutil.Run(ctx, env, cmdTimeout, "reg", "query", currentVersionKey)
	if err != nil {
		return osInfo{}, fmt.Errorf("system: %w", err)
	}
	vals := parseRegQuery(out)
	if len(vals) == 0 {
		return osInfo{}, fmt.Errorf("system: reg query %s: no values in the output", currentVersionKey)
	}
	info, err := windowsRelease(vals)
	if err != nil {
		return osInfo{}, fmt.Errorf("system: reg query %s: %w", currentVersionKey, err)
	}
	return info, nil
}

// uptime is GetTickCount64: time since boot, sleep and hibernation included.
// With Fast Startup (on by default), "Shut down" hibernates the kernel rather
// than ending it, so only Restart resets this count; the fix says Restart.
func (p windowsProbe) uptime(ctx context.Context, _ *checks.Env) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("system: uptime: %w", err)
	}
	if p.sinceBoot == nil {
		return 0, fmt.Errorf("system: uptime: %w", errUnsupported)
	}
	d := p.sinceBoot()
	switch {
	case d < 0:
		return 0, fmt.Errorf("system: uptime: the tick count is negative (%v)", d)
	case d > maxUptime:
		return 0, fmt.Errorf("system: uptime: the tick count is more than 50 years (%v)", d)
	}
	return d, nil
}

// errDSTOff is the note for a machine whose clock ignores daylight saving.
var errDSTOff = errors.New(`"Adjust for daylight saving time automatically" is off in Windows, so the clock may be an hour off for part of the year; the UTC offset shown is the clock's`)

// timeZone runs `tzutil /g` and maps the Windows zone ID to its IANA name
// with the CLDR table (windowszones.go). An ID the table does not know, or a
// zone with daylight saving turned off (whose offset the IANA zone would get
// wrong half the year), is reported under its Windows name with a note; the
// UTC offset then comes from the clock, as for any name Go cannot load.
func (windowsProbe) timeZone(ctx context.Context, env *checks.Env) (string, error) {
	out, err := probeutil.Run(ctx, env, cmdTimeout, "tzutil", "/g")
	if err != nil {
		return "", fmt.Errorf("system: time zone unknown: %w", err)
	}
	id, dstOff, err := parseTzutil(out)
	if err != nil {
		return "", fmt.Errorf("system: time zone unknown: tzutil /g: %w", err)
	}
	if dstOff {
		return id, fmt.Errorf("system: %w", errDSTOff)
	}
	name, ok := ianaFromWindows(id)
	if !ok {
		return id, fmt.Errorf("system: the Windows time zone %q has no IANA name in wfh's table, so the UTC offset shown is the clock's", id)
	}
	return name, nil
}

// diskSpace measures the volume holding the profile folder, else the system
// drive.
func (p windowsProbe) diskSpace(ctx context.Context, env *checks.Env) (disk, error) {
	return measureDisk(ctx, p.statfs, windowsDiskCandidates(env))
}
