// Package system implements the "system" check: which OS the machine runs,
// how long since it last restarted, and its time zone. These are the first
// facts a helpdesk asks for, and a machine that has not restarted for weeks
// is a common, easily fixed cause of slowness and half-installed updates.
//
// The verdict logic here is OS-independent; each OS answers a small probe
// interface (probe.go), chosen by newProbe in a per-OS file.
package system

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
)

const (
	// budget: the Linux probe reads a few small files in milliseconds; 5 s
	// leaves room for a slow disk and for the macOS and Windows probes to
	// come, which start commands (sw_vers, PowerShell) that take a second or
	// two on a loaded machine.
	budget = 5 * time.Second

	// defaultMaxUptimeDays: Windows (Patch Tuesday) and macOS ship updates
	// monthly or faster and most only take effect after a restart, so two
	// weeks without one means updates are likely pending; "restart at least
	// every 14 days" is also a common helpdesk rule. Profiles override it
	// with system.max_uptime_days.
	defaultMaxUptimeDays = 14
)

type check struct{ probe probe }

// New returns the system check for the OS wfh was built for.
func New() checks.Check { return &check{probe: newProbe()} }

func init() { checks.Register(New()) }

func (*check) ID() string            { return "system" }
func (*check) Title() string         { return "System basics" }
func (*check) Budget() time.Duration { return budget }
func (*check) Needs() checks.Needs   { return checks.Needs{} }
func (c *check) Run(ctx context.Context, env *checks.Env) checks.Result {
	return run(ctx, env, c.probe)
}

// HostFacts returns the report's host block: OS, architecture, time zone and
// UTC offset, read through the same probe as the check so both agree. The CLI
// fills Hostname and User.
func HostFacts(ctx context.Context, env *checks.Env) report.Host {
	return hostFacts(ctx, env, newProbe())
}

func hostFacts(ctx context.Context, env *checks.Env, p probe) report.Host {
	if env == nil {
		env = &checks.Env{}
	}
	z := readZone(ctx, env, p)
	return report.Host{OS: env.OS, Arch: env.Arch, TimeZone: z.name, UTCOffset: z.offset}
}

// facts is what the probe answered, errors included.
type facts struct {
	info   osInfo
	osErr  error
	up     time.Duration
	upErr  error
	zone   zone
	failed int // probes that returned nothing at all
	unsupp int // of those, how many because the OS is not supported yet
}

type zone struct {
	name   string
	offset string
	err    error
}

func run(ctx context.Context, env *checks.Env, p probe) checks.Result {
	if env == nil {
		env = &checks.Env{}
	}
	f := gather(ctx, env, p)
	res := checks.Result{Facts: map[string]string{}}
	setFact(res.Facts, "os_name", f.info.Name)
	setFact(res.Facts, "os_version", f.info.Version)
	setFact(res.Facts, "os_pretty_name", f.info.PrettyName)
	setFact(res.Facts, "kernel", f.info.Kernel)
	setFact(res.Facts, "arch", env.Arch)
	setFact(res.Facts, "time_zone", f.zone.name)
	setFact(res.Facts, "utc_offset", f.zone.offset)

	if f.upErr != nil {
		res.Metrics = append(res.Metrics, report.NotMeasured("uptime_seconds", "s", reason(f.upErr)))
	} else {
		res.Metrics = append(res.Metrics, report.Measured("uptime_seconds", f.up.Seconds(), "s"))
	}

	// A fact that cannot be read is a note, not a failure: the machine may be
	// fine, and the other facts still help whoever reads the report.
	if f.osErr != nil {
		res.Findings = append(res.Findings, note("Could not read the OS details: %s", f.osErr))
	}
	if f.upErr != nil {
		res.Findings = append(res.Findings, note("Could not read the uptime: %s", f.upErr))
	}
	if f.zone.err != nil {
		res.Findings = append(res.Findings, note("Could not tell the time zone name (the UTC offset comes from the clock): %s", f.zone.err))
	}

	const probes = 3
	switch {
	case f.failed == probes && f.unsupp == probes:
		res.Status = report.Skipped
		res.Summary = fmt.Sprintf("system facts are not available on %s yet", displayOS(env.OS))
		return res
	case f.failed == probes:
		res.Status = report.Error
		res.Summary = "could not read the OS, the uptime or the time zone (see the notes)"
		return res
	}

	res.Status = report.Pass
	maxDays := maxUptimeDays(env)
	if f.upErr == nil && f.up > time.Duration(maxDays)*24*time.Hour {
		res.Status = report.Warn
		res.Findings = append([]report.Finding{{
			Severity: report.Warn,
			Message:  fmt.Sprintf("Your computer has not restarted for %d days.", int(f.up/(24*time.Hour))),
			Fix:      "Restart your computer (save your work first): pending updates finish installing and slow-downs clear.",
		}}, res.Findings...)
	}
	res.Summary = summary(env, f)
	return res
}

// gather asks the probe each question in turn, stopping early when ctx ends.
func gather(ctx context.Context, env *checks.Env, p probe) facts {
	var f facts
	count := func(err error) {
		f.failed++
		if errors.Is(err, errUnsupported) {
			f.unsupp++
		}
	}

	if err := ctx.Err(); err != nil {
		f.osErr = fmt.Errorf("system: %w", err)
	} else {
		f.info, f.osErr = p.osInfo(ctx, env)
	}
	if f.osErr != nil {
		env.Debugf("os info: %v", f.osErr)
		if f.info.empty() {
			count(f.osErr)
		}
	}

	if err := ctx.Err(); err != nil {
		f.upErr = fmt.Errorf("system: %w", err)
	} else {
		f.up, f.upErr = p.uptime(ctx, env)
	}
	if f.upErr != nil {
		env.Debugf("uptime: %v", f.upErr)
		count(f.upErr)
	}

	f.zone = readZone(ctx, env, p)
	if f.zone.err != nil {
		env.Debugf("time zone: %v", f.zone.err)
		count(f.zone.err)
	}
	return f
}

// readZone names the time zone and computes its UTC offset at env.Now(). The
// offset comes from the named zone when Go's time database knows it, so it
// is right for that zone on that date, daylight saving included. Otherwise
// it comes from the clock's own zone (env.Now().Zone()), which on the real
// machine Go derived from the same TZ and /etc/localtime, so the offset is
// never missing even when the name is.
func readZone(ctx context.Context, env *checks.Env, p probe) zone {
	now := clock(env)()
	var z zone
	if err := ctx.Err(); err != nil {
		z.err = fmt.Errorf("system: %w", err)
	} else {
		z.name, z.err = p.timeZone(ctx, env)
	}
	if z.err == nil && z.name == "" {
		z.err = errors.New("system: time zone unknown")
	}
	_, secs := now.Zone()
	if z.name != "" {
		if loc, err := time.LoadLocation(z.name); err == nil {
			_, secs = now.In(loc).Zone()
		} else {
			env.Debugf("time zone %q is not in the time database, offset from the clock: %v", z.name, err)
		}
	}
	z.offset = formatOffset(secs)
	return z
}

func summary(env *checks.Env, f facts) string {
	osPart := f.info.PrettyName
	if osPart == "" {
		osPart = strings.TrimSpace(f.info.Name + " " + f.info.Version)
	}
	if osPart == "" {
		osPart = displayOS(env.OS)
	}
	upPart := "uptime unknown"
	if f.upErr == nil {
		upPart = "restarted " + ago(f.up)
	}
	zonePart := fmt.Sprintf("time zone name unknown (UTC%s)", f.zone.offset)
	if f.zone.name != "" {
		zonePart = fmt.Sprintf("time zone %s (UTC%s)", f.zone.name, f.zone.offset)
	}
	return osPart + ", " + upPart + ", " + zonePart
}

// ago says how long ago in the unit people use for that span.
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute ago"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	default:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func maxUptimeDays(env *checks.Env) int {
	// Zero means "default" in the profile; a negative value is a profile
	// mistake, and warning on every machine would be the wrong way to say so.
	if env.Profile != nil && env.Profile.System.MaxUptimeDays > 0 {
		return env.Profile.System.MaxUptimeDays
	}
	return defaultMaxUptimeDays
}

func clock(env *checks.Env) func() time.Time {
	if env.Now != nil {
		return env.Now
	}
	return time.Now
}

func displayOS(goos string) string {
	switch goos {
	case "linux":
		return "Linux"
	case "darwin":
		return "macOS"
	case "windows":
		return "Windows"
	case "":
		return "this OS"
	}
	return goos
}

func setFact(m map[string]string, key, value string) {
	if value != "" {
		m[key] = value
	}
}

// note is a pass-severity finding: information for whoever reads the report,
// nothing for the user to fix.
func note(format string, err error) report.Finding {
	return report.Finding{Severity: report.Pass, Message: fmt.Sprintf(format, reason(err)) + "."}
}

// reason is an error as a reader sees it: without the package prefix that
// matters in logs, not in a report.
func reason(err error) string {
	return strings.TrimSuffix(strings.TrimPrefix(err.Error(), "system: "), ".")
}
