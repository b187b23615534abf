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
)

type reportOptions struct {
	file    string
	format  string
	output  string
	verbose bool
	noColor bool
}

func newReportCmd(f *factory, runF func(context.Context, *reportOptions) error) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report FILE.json",
		Short: "Show a saved JSON report as text, Markdown or a web page",
		Long: `Read a report saved with 'wfh doctor --format json' and write it in another
format, exactly as the run itself would have. Use - as FILE to read standard
input. The report is shown as it was saved: redacted or not.

A report from any 1.x version of wfh's report format is read; fields a
newer 1.x adds are ignored. A report of another major version is refused
with the version it needs.

EXIT STATUS
  0  the report was written (whatever its verdicts)
  2  usage error: no file, an unknown --format, a file that cannot be read,
     is not a wfh JSON report, or has an unsupported schema version
  3  the output cannot be written, or an internal error (a bug in wfh)`,
		Example: `  # Open a user's report in a browser
  wfh report wfh-report.json --format html --output wfh-report.html

  # Paste it into a ticket
  wfh report wfh-report.json --format markdown`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("wfh report needs one report file (saved with wfh doctor --format json), got %d arguments; see wfh report --help", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file = args[0]
			if strings.EqualFold(strings.TrimSpace(opts.format), string(report.FormatJSON)) {
				f.jsonErrors = true
			}
			f.verbose = f.verbose || opts.verbose
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return reportRun(f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.format, "format", "f", "text", "output format: "+joinFormats())
	fl.StringVarP(&opts.output, "output", "o", "", "write to `FILE` instead of standard output")
	fl.BoolVarP(&opts.verbose, "verbose", "v", false, "show every measurement, not only the key figures")
	fl.BoolVar(&opts.noColor, "no-color", false, "never use colour (NO_COLOR is honoured too)")
	return cmd
}

func reportRun(f *factory, o *reportOptions) error {
	format, err := report.ParseFormat(o.format)
	if err != nil {
		return usageError("%s", err)
	}
	rep, err := readReportFile(f, o.file)
	if err != nil {
		return err
	}
	f.ios.SetNoColor(o.noColor)
	return emitReport(f, rep, format, o.output, o.verbose, "open or attach it")
}

// readReportFile reads and checks the report; every problem with the input
// is a usage error (exit 2) that names the file.
func readReportFile(f *factory, name string) (report.Report, error) {
	var in io.Reader
	if name == "-" {
		in, name = f.ios.In, "standard input"
	} else {
		file, err := os.Open(name)
		if err != nil {
			return report.Report{}, usageError("cannot read the report: %s", fileProblem(err))
		}
		defer file.Close()
		if st, err := file.Stat(); err == nil && st.IsDir() {
			return report.Report{}, usageError("cannot read the report: %s is a folder; give the .json file saved by wfh doctor --format json", name)
		}
		in = file
	}
	rep, err := report.ReadJSON(in)
	if err != nil {
		return report.Report{}, &exitError{code: exitUsage, err: err, msg: name + ": " + err.Error()}
	}
	return rep, nil
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
