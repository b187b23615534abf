package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/render"
)

type reportOptions struct {
	file    string
	format  string
	output  string
	verbose bool
	noColor bool
	// formatSet: --format was given, so it beats the --output extension.
	formatSet bool
}

func newReportCmd(f *factory, runF func(context.Context, *reportOptions) error) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report FILE.json",
		Short: "Show a saved JSON report as text, Markdown, a web page or metrics",
		Long: `Read a report saved with 'wfh doctor --format json' (or a watch saved with
'wfh watch --output FILE.json') and write it in another format, exactly as
the run itself would have. Use - as FILE to read standard
input. The report is shown as it was saved: redacted or not.

A report from any 1.x version of wfh's report format is read; fields a
newer 1.x adds are ignored. A report of another major version is refused
with the version it needs.

Without --format, an --output name ending in .html, .json, .md (or
.markdown), .txt or .prom chooses the format; a --format that contradicts it is
refused.

EXIT STATUS
  0    the report was written (whatever its verdicts)
  2    usage error: no file, an unknown --format or one that contradicts
       the --output name, a file that cannot be read, is not a wfh JSON
       report, or has an unsupported schema version
  3    the output cannot be written, or an internal error (a bug in wfh)
  130  interrupted with Ctrl-C while reading`,
		Example: `  # Open a user's report in a browser
  wfh report wfh-report.json --output wfh-report.html

  # Paste it into a ticket
  wfh report wfh-report.json --format markdown

  # Its key figures as Prometheus metrics (.prom selects the format)
  wfh report wfh-report.json --output wfh.prom`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("wfh report needs one report file (saved with wfh doctor --format json), got %d arguments; see wfh report --help", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file = args[0]
			opts.formatSet = cmd.Flags().Changed("format")
			if strings.EqualFold(strings.TrimSpace(opts.format), string(render.FormatJSON)) {
				f.jsonErrors = true
			}
			f.verbose = f.verbose || opts.verbose
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return reportRun(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.format, "format", "f", "", "output format: "+joinFormats()+" (default: the --output file's extension, else text)")
	fl.StringVarP(&opts.output, "output", "o", "", "write to `FILE` instead of standard output; .html, .json, .md, .txt and .prom choose the format")
	fl.BoolVarP(&opts.verbose, "verbose", "v", false, "show every measurement, not only the key figures")
	fl.BoolVar(&opts.noColor, "no-color", false, "never use colour (NO_COLOR is honoured too)")
	return cmd
}

func reportRun(ctx context.Context, f *factory, o *reportOptions) error {
	format, err := reportFormat(o.format, o.formatSet, o.output)
	if err != nil {
		return err
	}
	if err := checkOutput(o.output); err != nil {
		return err
	}
	rep, err := readReportFile(ctx, f, o.file)
	if err != nil {
		return err
	}
	if odd := report.Implausible(rep); len(odd) > 0 {
		more := ""
		if len(odd) > 1 {
			more = fmt.Sprintf(" (and %d more)", len(odd)-1)
		}
		fmt.Fprintf(f.ios.ErrOut, "wfh: note: %s holds durations no run can have, not shown: %s%s\n",
			displayName(o.file), odd[0], more)
	}
	f.ios.SetNoColor(o.noColor)
	return emitReport(f, rep, format, o.output, o.verbose, "open or attach it", nil)
}

// readReportFile reads and checks the report; every problem with the input
// is a usage error (exit 2) that names the file. Ctrl-C ends the wait for
// input that never comes (exit 130).
func readReportFile(ctx context.Context, f *factory, name string) (report.Report, error) {
	var in io.Reader
	if name == "-" {
		in, name = f.ios.In, "standard input"
	} else {
		st, err := os.Stat(name)
		switch {
		case err != nil:
			return report.Report{}, usageError("cannot read the report: %s", fileProblem(err))
		case st.IsDir():
			return report.Report{}, usageError("cannot read the report: %s is a folder; give the .json file saved by wfh doctor --format json", name)
		case !st.Mode().IsRegular():
			// Opening a named pipe without a writer blocks for ever.
			return report.Report{}, usageError("cannot read the report: %s is not a regular file; give the .json file, or pipe it in with wfh report -", name)
		}
		file, err := os.Open(name)
		if err != nil {
			return report.Report{}, usageError("cannot read the report: %s", fileProblem(err))
		}
		defer file.Close()
		in = file
	}
	type result struct {
		rep report.Report
		err error
	}
	done := make(chan result, 1) // buffered: a read left behind must not block
	go func() {
		rep, err := report.ReadJSON(in)
		done <- result{rep, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		return report.Report{}, &exitError{code: exitInterrupted, msg: "interrupted while reading " + name, err: ctx.Err()}
	}
	if r.err != nil {
		return report.Report{}, &exitError{code: exitUsage, err: r.err, msg: name + ": " + r.err.Error()}
	}
	return r.rep, nil
}

// displayName is how a report file is named in messages.
func displayName(file string) string {
	if file == "-" {
		return "standard input"
	}
	return file
}

// fileProblem says why a file cannot be opened without Go's "open" prefix.
func fileProblem(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(err, os.ErrNotExist):
			return fmt.Sprintf("%s does not exist", pe.Path)
		case errors.Is(err, os.ErrPermission):
			return fmt.Sprintf("%s: permission denied", pe.Path)
		}
		return fmt.Sprintf("%s: %s", pe.Path, pe.Err)
	}
	return err.Error()
}
