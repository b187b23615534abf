// Package system implements the "system" check: which OS the machine runs,
// how long since it last restarted, how much disk space is free, and its
// time zone. These are the first facts a helpdesk asks for; a machine that
// has not restarted for weeks and a nearly full disk are common, easily fixed
// causes of slowness, failed updates and crashing call apps.
//
// The verdict logic here is OS-independent; each OS answers a small probe
// interface (probe.go), chosen by newProbe in a per-OS file.
package system

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

const (
	// budget: the Linux probe reads a few small files in milliseconds; the
	// macOS probe starts three commands (sw_vers, uname, sysctl) and the
	// Windows probe two (reg, tzutil), each a few tens of milliseconds, or a
	// second on a loaded machine with an antivirus scanning new processes.
	// The clock comparison runs alongside and takes at most 4.5 s (NTP 2 s,
	// then the HTTP Date fallback 2.5 s); 6 s covers both with room to spare.
	budget = 6 * time.Second

	// defaultMaxUptimeDays: Windows (Patch Tuesday) and macOS ship updates
	// monthly or faster and most only take effect after a restart, so two
	// weeks without one means updates are likely pending; "restart at least
	// every 14 days" is also a common helpdesk rule. Profiles override it
	// with system.max_uptime_days.
	defaultMaxUptimeDays = 14

	// diskTimeout: a local volume answers statfs in microseconds; a home on
	// a network share that answers slowly gets 1.5 s before it is reported
	// as not read, well inside the check's budget.
	diskTimeout = 1500 * time.Millisecond
)

type check struct {
	probe probe
	// clock measures the clock offset; tests replace it so that no test
	// reaches a public time server.
	clock func(ctx context.Context, env *checks.Env) clockReading
}

// New returns the system check for the OS wfh was built for.
func New() checks.Check { return &check{probe: newProbe(), clock: measureClock} }

func (*check) ID() string            { return "system" }
func (*check) Title() string         { return "System basics" }
func (*check) Budget() time.Duration { return budget }
func (*check) Needs() checks.Needs   { return checks.Needs{} }
func (c *check) Run(ctx context.Context, env *checks.Env) checks.Result {
	if env == nil {
		env = &checks.Env{}
	}
	// The clock is compared over the network while the local facts are read,
	// so the slow part never adds to the fast one.
	clockCh := make(chan clockReading, 1)
	go func() { clockCh <- c.clock(ctx, env) }()
	res := run(ctx, env, c.probe)
	var cr clockReading
	select {
	case cr = <-clockCh:
	case <-ctx.Done():
		cr = clockReading{notMeasured: "the check ran out of time"}
	}
	applyClock(&res, cr)
	return res
}

// DescribeHost implements checks.HostDescriber: the report's host block,
// read before the run from local files only.
func (c *check) DescribeHost(ctx context.Context, env *checks.Env) report.Host {
	return hostFacts(ctx, env, c.probe)
}

// NamedHosts implements checks.HostNamer: the clock's references, the
// defaults and the profile's.
func (*check) NamedHosts(p *profile.Profile) []string {
	ntp, urls := []string{defaultNTPServer}, []string{defaultTimeURL}
	if p != nil {
		ntp = append(ntp, p.System.NTPServer)
		urls = append(urls, p.System.TimeURL)
	}
	var out []string
	for _, h := range ntp {
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		if h != "" {
			out = append(out, h)
		}
	}
	for _, raw := range urls {
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
			out = append(out, u.Hostname())
		}
	}
	return out
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
	info    osInfo
	osErr   error
	up      time.Duration
	upErr   error
	disk    disk
	diskErr error
	zone    zone
	failed  int // probes that returned nothing at all
	unsupp  int // of those, how many because the OS is not supported yet
}

// probes is how many questions gather asks; when all fail the check is error.
const probes = 4

type zone struct {
	name   string
	offset string
	err    error // the name is unknown
	note   error // the name is known but is not an IANA name (see probe.timeZone)
}

func run(ctx context.Context, env *checks.Env, p probe) checks.Result {
	if env == nil {
		env = &checks.Env{}
	}
	f := gather(ctx, env, p)
	res := checks.Result{Facts: map[string]string{}}
	setFact(res.Facts, report.KeyOSName, f.info.Name)
	setFact(res.Facts, report.KeyOSVersion, f.info.Version)
	setFact(res.Facts, report.KeyOSPrettyName, f.info.PrettyName)
	setFact(res.Facts, "kernel", f.info.Kernel)
	setFact(res.Facts, "arch", env.Arch)
	setFact(res.Facts, "time_zone", f.zone.name)
	setFact(res.Facts, "utc_offset", f.zone.offset)

	if f.upErr != nil {
		res.Metrics = append(res.Metrics, report.NotMeasured(report.KeyUptimeSeconds, "s", reason(f.upErr)))
	} else {
		res.Metrics = append(res.Metrics, report.Measured(report.KeyUptimeSeconds, f.up.Seconds(), "s"))
	}
	res.Metrics = append(res.Metrics, diskMetrics(f)...)

	// A fact that cannot be read is a note, not a failure: the machine may be
	// fine, and the other facts still help whoever reads the report.
	var v checks.Verdict
	if f.osErr != nil {
		v.Note(note("Could not read the OS details: %s", f.osErr))
	}
	if f.upErr != nil {
		v.Note(note("Could not read the uptime: %s", f.upErr))
	}
	if f.diskErr != nil {
		v.Note(note("Could not read the free disk space: %s", f.diskErr))
	}
	if f.zone.err != nil {
		v.Note(note("Could not tell the time zone name (the UTC offset comes from the clock): %s", f.zone.err))
	}
	if f.zone.note != nil {
		v.Note(note("Time zone: %s", f.zone.note))
	}

	switch {
	case f.failed == probes && f.unsupp == probes:
		v.Default(report.Skipped, fmt.Sprintf("system facts are not available on %s yet", checks.DisplayOS(env.OS)))
		v.Apply(&res)
		return res
	case f.failed == probes:
		v.Default(report.Error, "could not read the OS, the uptime, the disk space or the time zone (see the notes)")
		v.Apply(&res)
		return res
	}

	// Problems in the order a user should act on them.
	maxDays := maxUptimeDays(env)
	if f.upErr == nil && f.up > time.Duration(maxDays)*24*time.Hour {
		v.Add(checks.Conclusion{
			Severity: report.Warn,
			Message:  fmt.Sprintf("Your computer has not restarted for %d days.", int(f.up/(24*time.Hour))),
			Fix:      restartFix(env.OS),
		})
	}
	if f.diskErr == nil && lowDisk(f.disk) {
		v.Add(checks.Conclusion{
			Severity: report.Warn,
			Message:  fmt.Sprintf("Only %s free on your disk.", humanSize(f.disk.Free)),
			Fix:      diskFix,
		})
	}
	v.Default(report.Pass, summary(env, f))
	v.Apply(&res)
	return res
}

// restartFix is the advice for a long uptime. On Windows it says Restart
// explicitly: with Fast Startup, on by default, "Shut down" resumes the same
// kernel session at the next power-on, so the uptime, and the pending
// updates, survive it.
func restartFix(goos string) string {
	const fix = "Restart your computer (save your work first): pending updates finish installing and slow-downs clear."
	if goos == "windows" {
		return fix + ` Choose Restart, not Shut down: with Fast Startup, shutting down does not restart Windows.`
	}
	return fix
}

// diskMetrics reports the disk as three figures, or says why they are missing.
func diskMetrics(f facts) []report.Metric {
	if f.diskErr != nil {
		why := reason(f.diskErr)
		return []report.Metric{
			report.NotMeasured("disk_free_bytes", "bytes", why),
			report.NotMeasured("disk_total_bytes", "bytes", why),
			report.NotMeasured("disk_free_percent", "%", why),
		}
	}
	return []report.Metric{
		report.Measured("disk_free_bytes", float64(f.disk.Free), "bytes"),
		report.Measured("disk_total_bytes", float64(f.disk.Total), "bytes"),
		report.Measured("disk_free_percent", freePercent(f.disk), "%"),
	}
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

	if err := ctx.Err(); err != nil {
		f.diskErr = fmt.Errorf("system: %w", err)
	} else {
		// statfs on a home folder on a dead network share blocks in the
		// kernel with no deadline: bound it, so the other facts survive.
		f.disk, f.diskErr = probeutil.Bounded(ctx, env, diskTimeout, "the free disk space", func(ctx context.Context) (disk, error) {
			return p.diskSpace(ctx, env)
		})
	}
	if f.diskErr == nil && f.disk.Total == 0 {
		// A probe must not report an empty disk as a measurement.
		f.diskErr = errors.New("system: disk space: the volume reports a size of 0")
	}
	if f.diskErr != nil {
		env.Debugf("disk space: %v", f.diskErr)
		count(f.diskErr)
	} else {
		env.Debugf("disk space: %s: %d of %d bytes free", f.disk.Path, f.disk.Free, f.disk.Total)
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
// machine Go derived from the same TZ and /etc/localtime (on Windows, from
// the system's zone settings), so the offset is never missing even when the
// name is.
func readZone(ctx context.Context, env *checks.Env, p probe) zone {
	now := env.Clock()()
	var z zone
	if err := ctx.Err(); err != nil {
		z.err = fmt.Errorf("system: %w", err)
	} else {
		z.name, z.err = p.timeZone(ctx, env)
	}
	if z.name != "" && z.err != nil {
		z.note, z.err = z.err, nil
	}
	if z.err == nil && z.name == "" {
		z.err = errors.New("system: time zone unknown")
	}
	_, secs := now.Zone()
	// A name that came with a note is not an IANA name (a Windows zone, or
	// one whose daylight saving the machine ignores): only the clock knows
	// its offset.
	if z.name != "" && z.note == nil {
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
		osPart = checks.DisplayOS(env.OS)
	}
	upPart := "uptime unknown"
	if f.upErr == nil {
		upPart = "restarted " + ago(f.up)
	}
	diskPart := "free disk space unknown"
	if f.diskErr == nil {
		diskPart = humanSize(f.disk.Free) + " free"
	}
	zonePart := fmt.Sprintf("time zone name unknown (UTC%s)", f.zone.offset)
	if f.zone.name != "" {
		zonePart = fmt.Sprintf("time zone %s (UTC%s)", f.zone.name, f.zone.offset)
	}
	return osPart + ", " + upPart + ", " + diskPart + ", " + zonePart
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

func setFact(m map[string]string, key, value string) {
	if value != "" {
		m[key] = value
	}
}

// note words a note (a pass finding): information for whoever reads the
// report, nothing for the user to fix.
func note(format string, err error) string {
	return fmt.Sprintf(format, reason(err)) + "."
}

// reason is an error as a reader sees it: without the package prefix that
// matters in logs, not in a report.
func reason(err error) string {
	return strings.TrimSuffix(strings.TrimPrefix(err.Error(), "system: "), ".")
}
