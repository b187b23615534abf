package main

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/all"
	"github.com/wfh-cli/wfh/internal/iostreams"
	"github.com/wfh-cli/wfh/internal/watch"
	"github.com/wfh-cli/wfh/report"
)

// factory carries what every command needs; tests build one with fakes.
type factory struct {
	ios      *iostreams.IOStreams
	registry *checks.Registry
	// newEnv builds the real environment for checks; tests replace it.
	newEnv envBuilder
	// identity fills the host's name and user and says what redaction must
	// find; tests replace it to plant known values.
	identity func(*report.Host) report.Known
	build    buildInfo
	// now, when set, stamps the report's times and check durations in
	// place of the real clock, so that a test's two runs give the same
	// report; deadlines always use the real clock.
	now func() time.Time
	// clipboard copies the report for --copy; tests replace it.
	clipboard copyFunc
	// jsonErrors is set once --format json is parsed, so errors are JSON too.
	jsonErrors bool
	// fleet holds the seams of the profile fetched from a web address and
	// of the report's post (post.go); the zero value is the real machine's.
	fleet fleetHooks
	// watchSources builds what wfh watch probes and reads; nil means the
	// real machine's (watch.go).
	watchSources func(watch.Targets) (watchSources, error)
	// verbose is set once --verbose is parsed, so an internal error shows
	// its detail and stack.
	verbose bool
}

func run(ctx context.Context, args []string, ios *iostreams.IOStreams) int {
	f := &factory{ios: ios, registry: checks.NewRegistry(all.Checks()...), newEnv: systemEnv, identity: machineIdentity, build: currentBuild(),
		clipboard: systemClipboard}
	return execute(ctx, f, args)
}

func execute(ctx context.Context, f *factory, args []string) (code int) {
	// Decided before cobra parses anything, so that a flag error in a run
	// that asked for JSON is JSON too, and a panic while parsing still
	// shows its stack to whoever asked for --verbose.
	f.jsonErrors = f.jsonErrors || asksForJSON(args)
	f.verbose = f.verbose || asksForVerbose(args)
	// A panic anywhere on this goroutine (outside the checks, which the
	// runner guards itself) is a bug in wfh: one line and exit 3, never a
	// stack dump and Go's exit 2, which a script would read as "usage".
	defer func() {
		if v := recover(); v != nil {
			printError(f.ios, &internalError{detail: fmt.Sprintf("panic: %v", v), stack: debug.Stack()}, f.jsonErrors, f.verbose)
			code = exitInternal
		}
	}()
	testPanic("start")
	root := newRootCmd(f)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		var e *exitError
		if !errors.As(err, &e) && strings.HasPrefix(err.Error(), "unknown command") {
			err = usageError("%s; run 'wfh --help' to see the commands", err.Error())
		}
		err = asInternal(err)
		printError(f.ios, err, f.jsonErrors, f.verbose)
	}
	return exitCode(err)
}

func newRootCmd(f *factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "wfh",
		Short: "Find out why calls stutter, the VPN won't connect or the camera isn't seen",
		Long: `wfh checks a home worker's computer and connection — network, Wi-Fi, speed,
latency, DNS, VPN, camera, microphone and speakers, clock — and says in plain
words what is wrong and what to do. It writes a report you can hand to IT.`,
		Example: `  # Check everything and read the verdicts
  wfh doctor

  # Save a report to attach to a helpdesk ticket
  wfh doctor --format markdown --output wfh-report.md

  # Calls drop now and then: watch the connection for a working day
  wfh watch --output wfh-watch.html

  # See which checks exist
  wfh checks

  # Tab completion in your shell (bash, zsh, fish or powershell)
  wfh completion --help`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(f.ios.Out)
	root.SetErr(f.ios.ErrOut)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError("%s; run '%s --help' for the flags", flagProblem(err), cmd.CommandPath())
	})
	// --version prints the same line as `wfh version`.
	root.Version = f.build.Version
	root.SetVersionTemplate(versionTemplate(f.build))
	root.AddCommand(newDoctorCmd(f, nil), newChecksCmd(f), newReportCmd(f, nil), newServeCmd(f, nil), newVersionCmd(f),
		newManCmd(f), newProfileCmd(f), newNetstateCmd(f), newWatchCmd(f, nil))
	tuneCompletionCmd(root)
	typeArgErrors(root)
	return root
}

// typeArgErrors makes every command's argument check return a usage error:
// cobra's validators (NoArgs, ExactArgs...) return plain errors, which
// exitCode would otherwise take for a bug.
func typeArgErrors(c *cobra.Command) {
	if validate := c.Args; validate != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := validate(cmd, args)
			var e *exitError
			if err == nil || errors.As(err, &e) {
				return err
			}
			return usageError("%s; run '%s --help' for the usage", err.Error(), cmd.CommandPath())
		}
	}
	for _, sub := range c.Commands() {
		typeArgErrors(sub)
	}
}

// asksForJSON reports whether args request --format json in any of the
// spellings pflag accepts (--format json, --format=json, -f json, -fjson).
func asksForJSON(args []string) bool {
	for i, a := range args {
		if a == "--" {
			return false
		}
		var v string
		switch {
		case a == "--format" || a == "-f":
			if i+1 < len(args) {
				v = args[i+1]
			}
		case strings.HasPrefix(a, "--format="):
			v = strings.TrimPrefix(a, "--format=")
		case strings.HasPrefix(a, "-f") && !strings.HasPrefix(a, "--"):
			v = strings.TrimPrefix(strings.TrimPrefix(a, "-f"), "=")
		}
		if strings.EqualFold(strings.TrimSpace(v), "json") {
			return true
		}
	}
	return false
}

// tuneCompletionCmd adds cobra's `completion` command now rather than at
// Execute, so that an unknown shell is a usage error naming the shells
// (cobra alone prints the help and exits 0).
func tuneCompletionCmd(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	c, _, err := root.Find([]string{"completion"})
	if err != nil || c.Name() != "completion" {
		return
	}
	c.Args = func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError("unknown shell %q for wfh completion; use bash, zsh, fish or powershell", args[0])
		}
		return nil
	}
	c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
}

// asksForVerbose reports whether args ask for --verbose (or -v, alone or
// among other short flags such as -nv... up to the first flag that takes a
// value), before cobra has parsed them.
func asksForVerbose(args []string) bool {
	for _, a := range args {
		switch {
		case a == "--":
			return false
		case a == "--verbose" || a == "--verbose=true" || a == "--verbose=1":
			return true
		case len(a) > 1 && a[0] == '-' && a[1] != '-':
			// Short flags: -v, or -v among booleans before a value flag
			// (-fjson ends at f: "json" is its value, not flags).
			for _, r := range a[1:] {
				if r == 'v' {
					return true
				}
				if r == 'f' || r == 'o' {
					break
				}
			}
		}
	}
	return false
}
