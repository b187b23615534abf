package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/dns"
	"github.com/wfh-cli/wfh/checks/latency"
	"github.com/wfh-cli/wfh/checks/network"
	"github.com/wfh-cli/wfh/checks/system"
	"github.com/wfh-cli/wfh/checks/vpn"
	"github.com/wfh-cli/wfh/internal/atomicfile"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/progress"
	"github.com/wfh-cli/wfh/report"
)

const (
	// defaultTimeout bounds a whole run: long enough for a bandwidth test
	// plus everything else, short enough that nobody thinks wfh hung.
	defaultTimeout = 60 * time.Second
	// minTimeout is lower than a profile's minimum (profile.MinTimeout)
	// because a one-off run such as --only system finishes in milliseconds;
	// under a second not even the local checks can answer.
	minTimeout = time.Second
	// maxTimeout is the profile's maximum: past it a person assumes a hang.
	maxTimeout = profile.MaxTimeout
	// hostFactsBudget bounds the host facts gathered before the checks run;
	// they read local files only.
	hostFactsBudget = time.Second
)

type envBuilder func(*profile.Profile) (*checks.Env, error)

type doctorOptions struct {
	format      string
	output      string
	only, skip  []string
	timeout     time.Duration
	profilePath string
	noColor     bool
	verbose     bool
	failOn      string
	noRedact    bool
	debug       bool
	micTest     bool
	quick       bool   // leave out the checks that load the network
	maxData     string // data budget of the network-loading checks ("250MB")
	copy        bool   // also put the Markdown report on the clipboard

	// Set when the flag was given, so it beats the profile.
	timeoutSet, failOnSet, onlySet, skipSet bool
}

func newDoctorCmd(f *factory, runF func(context.Context, *doctorOptions) error) *cobra.Command {
	opts := &doctorOptions{}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check this computer and connection, and say what to fix",
		Long: `Run every check at once and print a verdict for each — pass, warn, fail,
skipped or error — with a plain-language fix for every problem.

The report goes to standard output (or --output FILE); live progress goes to
the terminal on standard error, and so does a last line saying what to
attach or paste (only on a terminal, or with --copy). --copy also puts the
report, as Markdown, on the clipboard; without a clipboard a note says so,
and the exit status is unchanged. Private data (public IP addresses, MAC
addresses, host, user and Wi-Fi names, home folders, serial numbers and
device IDs, mail addresses) is redacted unless --no-redact is given.

VERDICTS
  pass     works as it should
  warn     works, but something will likely cause trouble
  fail     broken: follow the fix
  skipped  not run, and the report says why (for example offline)
  error    could not be measured (it ran out of time, or crashed)

EXIT STATUS
  0    no check at or above the --fail-on level (default: fail)
  1    at least one check at or above the --fail-on level
       (a check in error counts as fail)
  2    usage error: unknown flag or check, broken profile
  3    no report could be written at all, or an internal error (a bug in
       wfh: run again with --verbose and report it)
  130  interrupted with Ctrl-C; the checks that finished are reported`,
		Example: `  # Check everything
  wfh doctor

  # Save a report to attach to a helpdesk ticket
  wfh doctor --format markdown --output wfh-report.md

  # Put the report on the clipboard, to paste into a ticket or a chat
  wfh doctor --copy

  # A quick run of a few seconds: everything but the speed test
  wfh doctor --quick

  # A page to open in any browser (self-contained: no script, nothing loaded)
  wfh doctor --format html --output wfh-report.html

  # Only the basics, as JSON for a script; exit 1 on any warning
  wfh doctor --only system --format json --fail-on warn

  # Use the profile IT gave you
  wfh doctor --profile acme.yaml

  # "They can't hear me": check the microphone level while you speak
  wfh doctor --only audio --mic-test`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			opts.timeoutSet, opts.failOnSet = fl.Changed("timeout"), fl.Changed("fail-on")
			opts.onlySet, opts.skipSet = fl.Changed("only"), fl.Changed("skip")
			if strings.EqualFold(strings.TrimSpace(opts.format), string(report.FormatJSON)) {
				f.jsonErrors = true
			}
			f.verbose = f.verbose || opts.verbose
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return doctorRun(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.format, "format", "f", "text", "report format: "+joinFormats())
	fl.StringVarP(&opts.output, "output", "o", "", "write the report to `FILE` instead of standard output")
	fl.StringSliceVar(&opts.only, "only", nil, "run only these `checks` (comma-separated; see wfh checks)")
	fl.StringSliceVar(&opts.skip, "skip", nil, "leave out these `checks` (comma-separated)")
	fl.DurationVar(&opts.timeout, "timeout", defaultTimeout, "overall time limit; checks still running then are reported as errors")
	fl.StringVar(&opts.profilePath, "profile", "", "organisation profile `FILE` from your IT department (YAML)")
	fl.BoolVar(&opts.noColor, "no-color", false, "never use colour (NO_COLOR is honoured too)")
	fl.BoolVarP(&opts.verbose, "verbose", "v", false, "show every measurement, not only the key figures")
	fl.StringVar(&opts.failOn, "fail-on", "fail", "lowest verdict that makes the exit status 1: warn or fail")
	fl.BoolVar(&opts.noRedact, "no-redact", false, "keep private data (addresses, names) in the report")
	fl.BoolVar(&opts.micTest, "mic-test", false, "record about 3 s from the default microphone and report its level (speak while it records)")
	fl.BoolVar(&opts.quick, "quick", false, "leave out the checks that load the network (the speed test), for a run of a few seconds")
	fl.StringVar(&opts.maxData, "max-data", "", "most data the speed test may use, e.g. 50MB (default 250MB, or the profile's bandwidth.max_data)")
	fl.BoolVar(&opts.copy, "copy", false, "also put the report, as Markdown, on the clipboard to paste into a ticket (a note says so if there is no clipboard; the exit status does not change)")
	fl.BoolVar(&opts.debug, "debug", false, "print diagnostic detail on standard error")
	_ = fl.MarkHidden("debug")
	return cmd
}

func joinFormats() string {
	var s []string
	for _, f := range report.Formats() {
		s = append(s, string(f))
	}
	return strings.Join(s, ", ")
}

// settings are the options after the profile and flags are merged.
type settings struct {
	format  report.Format
	failOn  report.Status
	timeout time.Duration
	profile *profile.Profile
	checks  []checks.Check
}

func resolveSettings(f *factory, o *doctorOptions) (*settings, error) {
	format, err := report.ParseFormat(o.format)
	if err != nil {
		return nil, usageError("%s", err)
	}
	prof := profile.Default()
	if o.profilePath != "" {
		prof, err = profile.Load(o.profilePath, profile.Options{KnownChecks: f.registry.IDs()})
		if err != nil {
			return nil, usageError("%s", err)
		}
	}
	s := &settings{format: format, profile: prof, timeout: defaultTimeout, failOn: report.Fail}

	failOn := prof.FailOn
	if o.failOnSet || failOn == "" {
		failOn = o.failOn
	}
	switch failOn {
	case "warn":
		s.failOn = report.Warn
	case "fail":
		s.failOn = report.Fail
	default:
		return nil, usageError("--fail-on must be warn or fail, not %q", failOn)
	}

	switch {
	case o.timeoutSet:
		s.timeout = o.timeout
	case prof.Timeout != 0:
		s.timeout = prof.Timeout.Std()
	}
	if s.timeout < minTimeout || s.timeout > maxTimeout {
		return nil, usageError("--timeout must be between %s and %s, not %s", minTimeout, maxTimeout, s.timeout)
	}

	only, skip := prof.Checks.Only, prof.Checks.Skip
	if o.onlySet {
		// An empty --only (a script's unset variable) must not quietly
		// mean "everything", which would include the network-loading checks.
		if strings.TrimSpace(strings.Join(o.only, "")) == "" {
			return nil, usageError("--only needs at least one check name; see wfh checks")
		}
		only = o.only
	}
	if o.skipSet {
		skip = o.skip
	}
	s.checks, err = f.registry.Select(only, skip)
	if err != nil {
		return nil, usageError("%s (see wfh checks)", err)
	}
	if len(s.checks) == 0 {
		return nil, usageError("--only and --skip leave no check to run; see wfh checks")
	}
	if err := applyLoadOptions(o, s); err != nil {
		return nil, err
	}
	return s, nil
}

func doctorRun(ctx context.Context, f *factory, o *doctorOptions) error {
	started := time.Now()
	s, err := resolveSettings(f, o)
	if err != nil {
		return err
	}
	deadline := started.Add(s.timeout)
	env, err := f.newEnv(s.profile)
	if err != nil {
		return usageError("%s", err)
	}
	env.MicTest = o.micTest
	f.ios.SetNoColor(o.noColor)
	showProgress := f.ios.IsStderrTTY() && !o.debug
	if o.debug {
		env.Logf = func(format string, args ...any) {
			fmt.Fprintf(f.ios.ErrOut, "wfh: debug: "+format+"\n", args...)
		}
	}

	hostCtx, cancelHost := context.WithTimeout(ctx, hostFactsBudget)
	host := system.HostFacts(hostCtx, env)
	cancelHost()
	identity := f.identity
	if identity == nil {
		identity = machineIdentity
	}
	known := identity(&host)
	known.Keep = namedTargets(s.profile)

	runner := &checks.Runner{Env: *env, Timeout: time.Until(deadline), Limit: s.timeout, Clock: f.now}
	var display *progress.Display
	if showProgress {
		display = progress.New(f.ios.ErrOut, s.checks, progress.Options{
			Color: f.ios.ColorStderr(), Unicode: f.ios.Unicode(), Width: f.ios.TerminalWidth(),
		})
		runner.Observer = display
		display.Start()
	}
	outcome := runner.Run(ctx, s.checks)
	if display != nil {
		display.Stop()
	}

	finished := time.Now()
	if f.now != nil {
		started, finished = f.now(), f.now()
	}
	rep := report.Report{
		SchemaVersion:   report.SchemaVersion,
		Tool:            report.Tool{Name: "wfh", Version: f.build.Version, Commit: f.build.Commit},
		StartedAt:       started.UTC(),
		FinishedAt:      finished.UTC(),
		DurationSeconds: finished.Sub(started).Seconds(),
		Host:            host,
		Profile:         s.profile.Name,
		Interrupted:     outcome.Interrupted,
		Overall:         report.ComputeOverall(outcome.Results),
		Results:         outcome.Results,
	}
	if o.noRedact {
		rep = report.MarkUnredacted(rep)
	} else {
		rep = report.Redact(rep, known)
	}

	testPanic("report")
	werr := writeReport(f, o, s, rep)
	copied := o.copy && copyReport(ctx, f, rep, o.verbose)
	printShareLine(f, o, s.format, copied, werr == nil)
	if werr != nil {
		return werr
	}
	if outcome.Interrupted {
		return &exitError{code: exitInterrupted, msg: "interrupted: the report shows only the checks that finished"}
	}
	if rep.Overall.Rank() >= s.failOn.Rank() {
		return &exitError{code: exitChecks} // the report already says why
	}
	return nil
}

// machineIdentity fills the host name and user into host and returns what
// redaction must look for in free text.
func machineIdentity(host *report.Host) report.Known {
	var k report.Known
	if name, err := os.Hostname(); err == nil {
		host.Hostname, k.Hostname = name, name
	}
	if u, err := user.Current(); err == nil {
		name := u.Username
		if i := strings.LastIndexAny(name, `\`); i >= 0 { // DOMAIN\user on Windows
			name = name[i+1:]
		}
		host.User, k.User, k.HomeDir = name, name, u.HomeDir
	}
	if k.HomeDir == "" {
		k.HomeDir, _ = os.UserHomeDir()
	}
	return k
}

// namedTargets lists the hosts the profile and wfh's defaults name: they
// identify nobody, and the agent needs them verbatim.
func namedTargets(p *profile.Profile) []string {
	urls := append(network.DefaultTargets(), p.Network.Anchors...)
	urls = append(urls, p.Network.PortalURL, p.System.TimeURL)
	var keep []string
	for _, raw := range urls {
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
			keep = append(keep, u.Hostname())
		}
	}
	if h := p.System.NTPServer; h != "" {
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		keep = append(keep, h)
	}
	// The latency check pings hosts and addresses, not URLs.
	keep = append(keep, latency.DefaultTargets()...)
	keep = append(keep, p.Latency.Anchors...)
	// The dns check's public comparison server and names.
	keep = append(keep, dns.DefaultTargets()...)
	keep = append(keep, dns.Targets(p)...)
	// The vpn check's gateway and company targets.
	keep = append(keep, vpn.Targets(p)...)
	return keep
}

// writeReport writes the report where it was asked; printShareLine then
// says what to do with it.
func writeReport(f *factory, o *doctorOptions, s *settings, rep report.Report) error {
	return emitReport(f, rep, s.format, o.output, o.verbose, "")
}

// emitReport renders rep and writes it to output, or to standard output
// when output is empty; savedHint, when not empty, follows "Report saved
// to FILE:" on a terminal. Every failure here is exit 3: there is no report.
func emitReport(f *factory, rep report.Report, format report.Format, output string, verbose bool, savedHint string) error {
	var buf bytes.Buffer
	toTerminal := output == "" && f.ios.IsStdoutTTY()
	ro := report.RenderOptions{
		Color:   output == "" && f.ios.ColorStdout(),
		Verbose: verbose,
		// A file may be opened anywhere, so only a terminal decides this.
		Unicode: !toTerminal || f.ios.Unicode(),
	}
	if err := report.Render(&buf, rep, format, ro); err != nil {
		return &exitError{code: exitNoReport, msg: "could not produce the report: " + err.Error(), err: err}
	}
	if output != "" {
		if err := atomicfile.Write(output, buf.Bytes()); err != nil {
			return &exitError{code: exitNoReport, err: err,
				msg: fmt.Sprintf("could not save the report: %s; choose another place with --output", err)}
		}
		if savedHint != "" && f.ios.IsStderrTTY() {
			fmt.Fprintf(f.ios.ErrOut, "Report saved to %s: %s.\n", output, savedHint)
		}
		return nil
	}
	if _, err := f.ios.Out.Write(buf.Bytes()); err != nil {
		return &exitError{code: exitNoReport, err: err,
			msg: fmt.Sprintf("could not write the report to standard output: %s; try --output wfh-report.%s", err, fileExt(format))}
	}
	return nil
}

// fileExt is the usual file name extension of a report format.
func fileExt(f report.Format) string {
	switch f {
	case report.FormatMarkdown:
		return "md"
	case report.FormatJSON:
		return "json"
	case report.FormatHTML:
		return "html"
	default:
		return "txt"
	}
}

func systemEnv(p *profile.Profile) (*checks.Env, error) { return checks.SystemEnv(p) }
