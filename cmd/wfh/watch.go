package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/watch"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/redact"
	"github.com/wfh-cli/wfh/report/render"
)

// Bounds of a watch.
const (
	defaultWatchFor = 8 * time.Hour
	// minWatchFor: under ten seconds there is no baseline to compare with.
	minWatchFor = 10 * time.Second
	// maxWatchFor: a day; a report holds no longer durations
	// (report.MaxPlausibleSeconds), and a longer watch is better run day
	// by day.
	maxWatchFor = 24 * time.Hour
	// minEvery: five ticks a second is already finer than any drop a
	// person notices; faster only spends the budget.
	minEvery = 200 * time.Millisecond
	// maxEvery: a minute between ticks would miss whole outages.
	maxEvery = time.Minute
	// minWatchBudget and maxWatchBudget bound --max-data: under 100 kB not
	// even a minute of the slowest plan fits; 10 GB is the speed test's
	// own ceiling.
	minWatchBudget = 100_000
	maxWatchBudget = profile.MaxDataBudget
)

type watchOptions struct {
	forDur, every time.Duration
	output        string
	format        string
	profilePath   string
	maxData       string
	failOn        string
	noColor       bool
	noRedact      bool
	verbose       bool
	debug         bool
	formatSet     bool
}

// watchSources is what a watch probes and reads; tests replace it
// through factory.watchSources.
type watchSources struct {
	echo, dns watch.Prober
	state     watch.NetState
	ladder    watch.Ladder
	clock     watch.Clock
	notes     []string
	close     func()
}

func newWatchCmd(f *factory, runF func(context.Context, *watchOptions) error) *cobra.Command {
	opts := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Watch the connection for hours and log every drop, with where it starts",
		Long: `Watch the connection until the time is up (--for, 8 hours by default) or
Ctrl-C, with light probes every second: the round trip and loss to your
router, your provider's first router, two internet test sites and the DNS
server, a DNS lookup, the company's service through the VPN when the
profile names one, and the Wi-Fi link. No speed test.

It logs events, each with its start, end and where it starts (your home
network, your internet provider, or beyond): outages, loss bursts,
latency spikes, DNS failures, VPN drops, the default route or interface
changing (Wi-Fi to cable, a VPN coming up), Wi-Fi roams, channel changes
and signal drops. One lost probe is never an event. A laptop that sleeps
is noticed and reported as asleep, not as an outage.

At the end, or on Ctrl-C, it writes the report: a summary ("3 outages in
4 h 12 min, longest 41 s, all starting at your router: Wi-Fi"), the
events, each target's median, p95, maximum and loss, and in HTML a
timeline. Private data is redacted unless --no-redact is given.
wfh report re-renders a watch saved as JSON.

WHERE THINGS GO
  On a terminal, a live view (each target now, the last events) is
  redrawn in place on standard error, and the report follows on
  standard output (or in --output FILE).
  Piped, standard output carries one JSON line per event and a last
  {"type":"summary"} line (docs/watch-events.schema.json); the report
  goes to --output FILE, or, when --format is given without --output,
  to standard output instead of the lines.

DATA
  The probes fit a data budget (--max-data; default 20 MB, plus 2.5 MB
  per hour past 8 hours): a longer watch probes the internet test sites
  less often. The report says what was used.

EXIT STATUS
  0    watched to the end; no event at or above the --fail-on level
  1    at least one event at or above the --fail-on level (default: fail:
       outages, DNS failures, VPN drops, no route)
  2    usage error: a bad flag or profile, or a --max-data too small for
       --for at --every (the message says how much is needed)
  3    the report or the event lines could not be written (a full disk,
       a closed standard output): one line says which
  130  interrupted with Ctrl-C; the report covers the time watched`,
		Example: `  # Watch a working day and save the report to attach to a ticket
  wfh watch --output wfh-watch.html

  # One hour, with IT's profile (the company's VPN target is watched too)
  wfh watch --for 1h --profile acme.yaml --output wfh-watch.html

  # Events as JSON lines for a script, the report as JSON for wfh report
  wfh watch --for 30m --output watch.json | jq -c 'select(.type == "event")'

  # On a metered connection: a smaller budget, a tick every 5 seconds
  wfh watch --every 5s --max-data 5MB --output wfh-watch.md

  # Later: the saved report as a web page
  wfh report watch.json --output watch.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.formatSet = cmd.Flags().Changed("format")
			if strings.EqualFold(strings.TrimSpace(opts.format), string(render.FormatJSON)) {
				f.jsonErrors = true
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return watchRun(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&opts.forDur, "for", defaultWatchFor, "how long to watch, 10s to 24h (Ctrl-C ends it sooner)")
	fl.DurationVar(&opts.every, "every", time.Second, "time between ticks, 200ms to 1m")
	fl.StringVarP(&opts.output, "output", "o", "", "write the report to `FILE`; .html, .json, .md, .txt and .prom choose the format")
	fl.StringVarP(&opts.format, "format", "f", "", "report format: "+joinFormats()+" (default: the --output file's extension, else text)")
	fl.StringVar(&opts.profilePath, "profile", "", "organisation profile from your IT department: a YAML `FILE` or an https:// address (default: $WFH_PROFILE)")
	fl.StringVar(&opts.maxData, "max-data", "", "most data the probes may use over the whole watch, e.g. 5MB (default 20MB, plus 2.5MB per hour past 8h)")
	fl.StringVar(&opts.failOn, "fail-on", "fail", "lowest event severity that makes the exit status 1: warn or fail")
	fl.BoolVar(&opts.noColor, "no-color", false, "never use colour (NO_COLOR is honoured too)")
	fl.BoolVar(&opts.noRedact, "no-redact", false, "keep private data (addresses, names) in the report and the lines")
	fl.BoolVarP(&opts.verbose, "verbose", "v", false, "list every event and each minute's figures in the report")
	fl.BoolVar(&opts.debug, "debug", false, "print diagnostic detail on standard error")
	_ = fl.MarkHidden("debug")
	return cmd
}

func watchRun(ctx context.Context, f *factory, o *watchOptions) error {
	if o.forDur < minWatchFor || o.forDur > maxWatchFor {
		return usageError("--for must be between %s and %s, not %s", minWatchFor, "24h", o.forDur)
	}
	if o.every < minEvery || o.every > maxEvery {
		return usageError("--every must be between %s and %s, not %s", minEvery, maxEvery, o.every)
	}
	if o.every > o.forDur/10 {
		return usageError("--every %s leaves fewer than ten ticks in --for %s; watch longer or tick more often", o.every, o.forDur)
	}
	format, err := reportFormat(o.format, o.formatSet, o.output)
	if err != nil {
		return err
	}
	failOn := report.Fail
	switch o.failOn {
	case "warn":
		failOn = report.Warn
	case "fail":
	default:
		return usageError("--fail-on must be warn or fail, not %q", o.failOn)
	}
	budget := watch.DefaultBudgetOf(o.forDur)
	if o.maxData != "" {
		v, err := profile.ParseDataSize(o.maxData)
		if err != nil {
			return usageError("--max-data %s", strings.TrimPrefix(err.Error(), "is "))
		}
		if v < minWatchBudget || v > maxWatchBudget {
			return usageError("--max-data must be between 100kB and %s, not %s", maxWatchBudget, v)
		}
		budget = int64(v)
	}
	if err := checkOutput(o.output); err != nil {
		return err
	}
	f.jsonErrors = f.jsonErrors || format == render.FormatJSON && o.output == ""
	prof, source, err := loadProfile(ctx, f, &doctorOptions{profilePath: o.profilePath})
	if err != nil {
		return err
	}
	targets := watchTargets(prof)

	newSources := f.watchSources
	if newSources == nil {
		newSources = systemWatchSources
	}
	src, err := newSources(targets)
	if err != nil {
		return &exitError{code: exitNoReport, msg: "cannot watch: " + err.Error(), err: err}
	}
	if src.close != nil {
		defer src.close()
	}
	if targets.VPNTarget == "" && strings.TrimSpace(prof.VPN.Gateway) != "" {
		src.notes = append(src.notes, "the profile names a VPN gateway but no company target behind it (vpn.targets), so the VPN is not watched")
	}
	ignoreBrokenPipe()
	f.ios.SetNoColor(o.noColor)

	host := watchHost()
	identity := f.identity
	if identity == nil {
		identity = machineIdentity
	}
	known := identity(&host)
	known.Keep = watchKeep(prof, targets)
	if source != nil {
		known.Keep = append(known.Keep, hostOf(source.URL))
	}
	session := redact.NewSession(known, host)
	redactEvent := session.Event
	redactText := session.Text
	if o.noRedact {
		redactEvent = func(e report.WatchEvent) report.WatchEvent { return e }
		redactText = func(s string) string { return s }
	}

	// Piped, standard output carries the event lines, unless --format
	// without --output asks for the report there.
	linesOut := !f.ios.IsStdoutTTY() && (o.output != "" || !o.formatSet)
	var sinks watch.Tee
	var lines *watch.Lines
	if linesOut {
		lines = &watch.Lines{W: f.ios.Out, Redact: redactEvent}
		sinks = append(sinks, lines)
	}
	var view *watch.LiveView
	if f.ios.IsStderrTTY() && !o.debug {
		view = &watch.LiveView{W: f.ios.ErrOut, Width: f.ios.TerminalWidth, Color: f.ios.ColorStderr(), Unicode: f.ios.Unicode(),
			Redact: redactEvent, RedactText: redactText}
		sinks = append(sinks, view)
	}
	cfg := watch.Config{
		Every: o.every, For: o.forDur, Budget: budget, ExpectVPN: targets.VPNTarget != "",
		Echo: src.echo, DNS: src.dns, State: src.state, Ladder: src.ladder, Clock: src.clock, Sink: sinks, Notes: src.notes,
	}
	if o.debug {
		cfg.Logf = func(format string, args ...any) { fmt.Fprintf(f.ios.ErrOut, "wfh: debug: "+format+"\n", args...) }
	}
	rec, err := watch.Run(ctx, cfg)
	if view != nil {
		view.Clear()
	}
	if errors.Is(err, watch.ErrBudget) {
		return usageError("%s; give a larger --max-data or a longer --every", err)
	}
	if err != nil {
		return &exitError{code: exitNoReport, msg: "the watch could not start: " + err.Error(), err: err}
	}

	w := rec.Watch
	rep := report.Report{
		SchemaVersion:   report.SchemaVersion,
		Tool:            report.Tool{Name: "wfh", Version: f.build.Version, Commit: f.build.Commit},
		StartedAt:       rec.Started,
		FinishedAt:      rec.Finished,
		DurationSeconds: rec.Finished.Sub(rec.Started).Seconds(),
		Host:            host,
		Profile:         prof.Name,
		ProfileSource:   reportSource(source),
		Interrupted:     rec.Interrupted,
		Overall:         rec.Result.Status,
		Results:         []report.Result{rec.Result},
		Watch:           &w,
	}
	if o.noRedact {
		rep = redact.MarkUnredacted(rep)
	} else {
		rep = session.Report(rep)
	}
	code := watchExitCode(rep, failOn)

	var werr error
	saved := ""
	switch {
	case o.output != "":
		werr = emitReport(f, rep, format, o.output, o.verbose, "", &code)
		if werr == nil {
			saved = o.output
		}
	case !linesOut && rec.OutputErr == nil:
		werr = emitReport(f, rep, format, "", o.verbose, "", &code)
	}
	outErr := rec.OutputErr
	if lines != nil && outErr == nil {
		outErr = lines.Summary(rep, saved)
	}
	switch {
	case outErr != nil:
		msg := "standard output could not be written (" + oneLine(outErr.Error()) + "), so the watch stopped"
		if saved != "" {
			msg += "; the report was saved to " + saved
		} else {
			msg += "; run it again with --output FILE to keep the report"
		}
		return &exitError{code: exitNoReport, msg: msg, err: outErr}
	case werr != nil:
		return werr
	}
	if f.ios.IsStderrTTY() {
		switch {
		case saved != "":
			fmt.Fprintf(f.ios.ErrOut, "Report saved to %s: %s\n", saved, attachWords(format))
		case linesOut:
			fmt.Fprintln(f.ios.ErrOut, "The report was not saved: run wfh watch --output wfh-watch.html to keep it.")
		}
	}
	switch code {
	case exitInterrupted:
		return &exitError{code: exitInterrupted, msg: "interrupted: the report covers the " + shortWords(w.WatchedSeconds) + " watched"}
	case exitChecks:
		return &exitError{code: exitChecks}
	}
	return nil
}

// watchExitCode is the exit status of a watch whose report was written.
func watchExitCode(rep report.Report, failOn report.Status) int {
	switch {
	case rep.Interrupted:
		return exitInterrupted
	case rep.Overall.Rank() >= failOn.Rank():
		return exitChecks
	}
	return exitOK
}

// shortWords is a watched time for the last line: "12 s", "4.5 min".
func shortWords(sec float64) string {
	switch {
	case sec < 120:
		return fmt.Sprintf("%.0f s", sec)
	case sec < 7200:
		return fmt.Sprintf("%.1f min", sec/60)
	}
	return fmt.Sprintf("%.1f h", sec/3600)
}

// watchTargets reads the profile: the latency section's anchors (else
// the hosts of network.anchors), the first of dns.names, and the first
// of vpn.targets when the profile names a VPN.
func watchTargets(p *profile.Profile) watch.Targets {
	var t watch.Targets
	t.Anchors = append(t.Anchors, p.Latency.Anchors...)
	if len(t.Anchors) == 0 {
		for _, raw := range p.Network.Anchors {
			if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.Hostname() != "" {
				t.Anchors = append(t.Anchors, u.Hostname())
			}
		}
	}
	if len(p.DNS.Names) > 0 {
		t.DNSName = p.DNS.Names[0]
	}
	if len(p.VPN.Targets) > 0 {
		t.VPNTarget = p.VPN.Targets[0]
	}
	return t
}

// watchKeep lists the names and addresses the watch probes because the
// profile or wfh named them: the reader of the ticket knows them.
func watchKeep(p *profile.Profile, t watch.Targets) []string {
	keep := append([]string(nil), t.Anchors...)
	if len(keep) == 0 {
		keep = append(keep, watch.DefaultAnchors()...)
	}
	name := t.DNSName
	if name == "" {
		name = watch.DefaultDNSName
	}
	keep = append(keep, name)
	for _, raw := range append([]string{t.VPNTarget, p.VPN.Gateway}, p.VPN.Targets...) {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" && strings.Contains(raw, "://") {
			keep = append(keep, u.Hostname())
			continue
		}
		if h, _, err := net.SplitHostPort(raw); err == nil {
			keep = append(keep, h)
			continue
		}
		keep = append(keep, raw)
	}
	return keep
}

// watchHost is the machine's platform and time zone.
func watchHost() report.Host {
	now := time.Now()
	h := report.Host{OS: runtime.GOOS, Arch: runtime.GOARCH, UTCOffset: now.Format("-07:00")}
	if name := now.Location().String(); name != "" && name != "Local" {
		h.TimeZone = name
	} else if link, err := os.Readlink("/etc/localtime"); err == nil {
		if _, zone, ok := strings.Cut(filepath.ToSlash(link), "zoneinfo/"); ok {
			h.TimeZone = zone
		}
	}
	return h
}

// systemWatchSources are the real machine's: pings where this user may
// send them, TCP connect times otherwise, and the network state read as
// wfh doctor reads it (the OS's own APIs first), afresh every tick.
func systemWatchSources(t watch.Targets) (watchSources, error) {
	env, err := checks.SystemEnv(nil) // no profile: no company CA, so it cannot fail
	if err != nil {
		return watchSources{}, err
	}
	netCfg := env.NetConfig()
	netCfg.Native = true
	s := watchSources{
		dns:    watch.DNSProber{},
		state:  watch.NewSystemState(netCfg),
		ladder: &watch.SystemLadder{Targets: t, Hops: watch.ICMPHops{}},
		clock:  watch.NewSystemClock(),
	}
	if err := watch.UDPUnavailable(); err != nil {
		s.dns = watch.DNSProber{TCP: true}
		s.notes = append(s.notes, "DNS lookups are sent over TCP: this system cannot open a UDP socket (as under Wine, which lacks an operation Go needs for one)")
	}
	p, err := watch.NewPinger()
	if err != nil {
		s.echo = watch.TCPProber{}
		s.notes = append(s.notes, "this user may not send pings, so round trips are TCP connect times (on Linux, net.ipv4.ping_group_range must include the user's group)")
		return s, nil
	}
	s.echo = p
	s.close = func() { _ = p.Close() }
	return s, nil
}
