package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newChecksCmd(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "checks",
		Short: "List the checks wfh doctor runs",
		Long: `List every check with its id (for --only and --skip), what it needs and the
longest it may take.`,
		Example: `  wfh checks
  wfh doctor --only system,network`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(f.ios.Out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTITLE\tNEEDS\tBUDGET")
			for _, c := range f.registry.All() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID(), c.Title(), c.Needs(), c.Budget())
			}
			if err := tw.Flush(); err != nil {
				return &exitError{code: exitNoReport, msg: "cannot write the list of checks: " + err.Error(), err: err}
			}
			return nil
		},
	}
}
