package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/atomicfile"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/progress"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/redact"
	"github.com/wfh-cli/wfh/report/render"
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
	post        string // web address the redacted JSON report is posted to (--post)

	// Set when the flag was given, so it beats the profile (or, for
	// --format, the --output file's extension).
	timeoutSet, failOnSet, onlySet, skipSet, formatSet bool
}

func newDoctorCmd(f *factory, runF func(context.Context, *doctorOptions) error) *cobra.Command {
	opts := &doctorOptions{}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check this computer and connection, and say what to fix",
		Long: `Run every check at once and print a verdict for each — pass, warn, fail,
skipped or error — with a plain-language fix for every problem.

The report goes to standard output (or --output FILE, whose name chooses
the format when --format is not given: .html, .json, .md, .txt); live
progress goes to the terminal on standard error, and so does a last line
saying what to attach or paste (only on a terminal, or with --copy). On a
terminal the report fits its width and ends with "What to fix", the worst
problems and their fixes. --copy also puts the report, as Markdown, on the
clipboard; without a clipboard a note says so, and the exit status is
unchanged. Private data (public IP addresses, MAC
addresses, host, user and Wi-Fi names, home folders, serial numbers and
device IDs, mail addresses) is redacted unless --no-redact is given.

For IT: --format prometheus (or an --output file ending in .prom) writes
the key figures as Prometheus gauges for node_exporter's textfile
collector; --post URL (or the profile's report.post_url) also sends the
redacted JSON report to the helpdesk, and a post that fails adds one
warning line without changing the exit status. --profile (or WFH_PROFILE)
may be IT's https:// address, optionally pinned with #sha256=; when it
cannot be reached, the copy saved by an earlier run is used, with a
warning. See docs/fleet.md.

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
  2    usage error: unknown flag or check, a --format that contradicts the
       --output name, broken profile, or a profile address that fails its
       pin or cannot be fetched with no saved copy
  3    no report could be written at all (e.g. --output in a folder that
       does not exist: said before any check runs), or an internal error
       (a bug in wfh: run again with --verbose and report it)
  130  interrupted with Ctrl-C; the checks that finished are reported`,
		Example: `  # Check everything
  wfh doctor

  # Save a report to attach to a helpdesk ticket (.md: Markdown)
  wfh doctor --output wfh-report.md

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

  # Metrics for node_exporter's textfile collector (.prom selects the format)
  wfh doctor --quick --output /var/lib/prometheus/node-exporter/wfh-quick.prom

  # IT's published profile, pinned, and the report sent to the helpdesk
  wfh doctor --profile 'https://it.acme.example/wfh/acme.yaml#sha256=9f2c…' --post https://helpdesk.acme.example/wfh

  # "They can't hear me": check the microphone level while you speak
  wfh doctor --only audio --mic-test`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			opts.timeoutSet, opts.failOnSet = fl.Changed("timeout"), fl.Changed("fail-on")
			opts.onlySet, opts.skipSet = fl.Changed("only"), fl.Changed("skip")
			opts.formatSet = fl.Changed("format")
			if strings.EqualFold(strings.TrimSpace(opts.format), string(render.FormatJSON)) {
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
	fl.StringVarP(&opts.format, "format", "f", "", "report format: "+joinFormats()+" (default: the --output file's extension, else text)")
	fl.StringVarP(&opts.output, "output", "o", "", "write the report to `FILE` instead of standard output; .html, .json, .md, .txt and .prom choose the format")
	fl.StringSliceVar(&opts.only, "only", nil, "run only these `checks` (comma-separated; see wfh checks)")
	fl.StringSliceVar(&opts.skip, "skip", nil, "leave out these `checks` (comma-separated)")
	fl.DurationVar(&opts.timeout, "timeout", defaultTimeout, "overall time limit; checks still running then are reported as errors")
	fl.StringVar(&opts.profilePath, "profile", "", "organisation profile from your IT department: a YAML `FILE` or an https:// address (default: $WFH_PROFILE)")
	fl.BoolVar(&opts.noColor, "no-color", false, "never use colour (NO_COLOR is honoured too)")
	fl.BoolVarP(&opts.verbose, "verbose", "v", false, "show every measurement, not only the key figures")
	fl.StringVar(&opts.failOn, "fail-on", "fail", "lowest verdict that makes the exit status 1: warn or fail")
	fl.BoolVar(&opts.noRedact, "no-redact", false, "keep private data (addresses, names) in the report")
	fl.BoolVar(&opts.micTest, "mic-test", false, "record about 3 s from the default microphone and report its level (speak while it records)")
	fl.BoolVar(&opts.quick, "quick", false, "leave out the checks that load the network (the speed test), for a run of a few seconds")
	fl.StringVar(&opts.maxData, "max-data", "", "most data the speed test may use, e.g. 50MB (default 250MB, or the profile's bandwidth.max_data)")
	fl.BoolVar(&opts.copy, "copy", false, "also put the report, as Markdown, on the clipboard to paste into a ticket (a note says so if there is no clipboard; the exit status does not change)")
	fl.StringVar(&opts.post, "post", "", "also send the redacted JSON report to IT's https:// `URL` (default: the profile's report.post_url)")
	fl.BoolVar(&opts.debug, "debug", false, "print diagnostic detail on standard error")
	_ = fl.MarkHidden("debug")
	return cmd
}

func joinFormats() string {
	var s []string
	for _, f := range render.AllFormats() {
		s = append(s, string(f))
	}
	return strings.Join(s, ", ")
}

// settings are the options after the profile and flags are merged.
type settings struct {
	format  render.Format
	failOn  report.Status
	timeout time.Duration
	profile *profile.Profile
	// source says where a profile fetched from a web address came from;
	// nil for a file or none.
	source *profile.Source
	checks []checks.Check
}

func resolveSettings(ctx context.Context, f *factory, o *doctorOptions) (*settings, error) {
	format, err := reportFormat(o.format, o.formatSet, o.output)
	if err != nil {
		return nil, err
	}
	if err := checkPostFlag(o); err != nil {
		return nil, err
	}
	prof, source, err := loadProfile(ctx, f, o)
	if err != nil {
		return nil, err
	}
	s := &settings{format: format, profile: prof, source: source, timeout: defaultTimeout, failOn: report.Fail}

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
	if err := checkOutput(o.output); err != nil {
		return nil, err
	}
	return s, nil
}

func doctorRun(ctx context.Context, f *factory, o *doctorOptions) error {
	started := time.Now()
	s, err := resolveSettings(ctx, f, o)
	if err != nil {
		return err
	}
	// A JSON report chosen by its file name is read by a script too.
	f.jsonErrors = f.jsonErrors || s.format == render.FormatJSON
	// The checks get the whole --timeout: fetching a profile from a web
	// address (bounded by profile.FetchTimeout) comes before it.
	deadline := time.Now().Add(s.timeout)
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
	host := f.registry.DescribeHost(hostCtx, env)
	cancelHost()
	identity := f.identity
	if identity == nil {
		identity = machineIdentity
	}
	known := identity(&host)

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
		ProfileSource:   reportSource(s.source),
		Interrupted:     outcome.Interrupted,
		Quick:           o.quick,
		Overall:         report.ComputeOverall(outcome.Results),
		Results:         outcome.Results,
	}
	known.Keep = keepList(ctx, f.registry, s.profile, outcome.Net)
	if s.source != nil {
		known.Keep = append(known.Keep, hostOf(s.source.URL))
	}
	raw := rep
	if o.noRedact {
		rep = redact.MarkUnredacted(rep)
	} else {
		rep = redact.Redact(rep, known)
	}

	testPanic("report")
	code := runExitCode(rep, s.failOn)
	werr := writeReport(f, o, s, rep, code)
	copied := o.copy && copyReport(ctx, f, rep, o.verbose)
	if target := postTarget(o, s.profile); target != "" {
		// IT receives the redacted report even when the person kept
		// everything in their own copy with --no-redact.
		shared := rep
		if o.noRedact {
			shared = redact.Redact(raw, known)
		}
		postReport(ctx, f, s.profile, env, target, shared, werr == nil)
	}
	printShareLine(f, o, s.format, copied, werr == nil)
	if werr != nil {
		return werr
	}
	switch code {
	case exitInterrupted:
		return &exitError{code: exitInterrupted, msg: "interrupted: the report shows only the checks that finished"}
	case exitChecks:
		return &exitError{code: exitChecks} // the report already says why
	}
	return nil
}

// runExitCode is the exit status a written report gives the run; the
// Prometheus metrics carry it too (wfh_exit_code), so it is decided before
// the report is rendered.
func runExitCode(rep report.Report, failOn report.Status) int {
	switch {
	case rep.Interrupted:
		return exitInterrupted
	case rep.Overall.Rank() >= failOn.Rank():
		return exitChecks
	}
	return exitOK
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

// hostOf is the host name of an address, or "".
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// keepList is what redaction leaves as it is: the hosts the checks name by
// default or from the profile (they identify nobody, and the agent needs
// them verbatim), and the DNS servers this machine asks, which are shared
// by every customer of the provider or service that runs them.
func keepList(ctx context.Context, reg *checks.Registry, p *profile.Profile, state *netstate.State) []string {
	keep := reg.NamedHosts(p)
	// The run has ended: the DNS settings were read or given up on long
	// ago; the short wait only guards a read that never started.
	wctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if cfg, err := state.DNS(wctx); err == nil {
		for _, s := range cfg.Servers {
			keep = append(keep, s.Addr.Addr().WithZone("").String())
		}
	}
	return keep
}

// writeReport writes the report where it was asked; printShareLine then
// says what to do with it.
func writeReport(f *factory, o *doctorOptions, s *settings, rep report.Report, code int) error {
	return emitReport(f, rep, s.format, o.output, o.verbose, "", &code)
}

// emitReport renders rep and writes it to output, or to standard output
// when output is empty; savedHint, when not empty, follows "Report saved
// to FILE:" on a terminal; exitCode, when known, goes into the Prometheus
// metrics. Every failure here is exit 3: there is no report.
func emitReport(f *factory, rep report.Report, format render.Format, output string, verbose bool, savedHint string, exitCode *int) error {
	var buf bytes.Buffer
	toTerminal := output == "" && f.ios.IsStdoutTTY()
	ro := render.Options{
		Color:   output == "" && f.ios.ColorStdout(),
		Verbose: verbose,
		// A file may be opened anywhere, so only a terminal decides this.
		Unicode:  !toTerminal || f.ios.Unicode(),
		ExitCode: exitCode,
	}
	if toTerminal {
		// A person reads this screen by screen: fit it to the terminal, and
		// end with what to fix. A file or pipe gets neither.
		ro.Width, ro.FixesLast = f.ios.ReportWidth(), true
	}
	if err := render.Render(&buf, rep, format, ro); err != nil {
		return &exitError{code: exitNoReport, msg: "could not produce the report: " + err.Error(), err: err}
	}
	if output != "" {
		if err := atomicfile.Write(output, buf.Bytes()); err != nil {
			return saveError(err)
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
func fileExt(f render.Format) string {
	switch f {
	case render.FormatMarkdown:
		return "md"
	case render.FormatJSON:
		return "json"
	case render.FormatHTML:
		return "html"
	case render.FormatPrometheus:
		return "prom"
	default:
		return "txt"
	}
}

func systemEnv(p *profile.Profile) (*checks.Env, error) { return checks.SystemEnv(p) }
