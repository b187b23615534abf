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
		Long: `List every check with its id (for --only and --skip), the longest it may
take, and what it needs: "internet (skipped when offline)" gates the check on
the network check's verdict; "local network" and "local devices" only say
what it touches; privileges give better results where they are named.`,
		Example: `  wfh checks
  wfh doctor --only system,network`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(f.ios.Out, 2, 4, 2, ' ', 0)
			// NEEDS comes last: it is the long column, and a line that
			// wraps there keeps the others aligned.
			fmt.Fprintln(tw, "ID\tTITLE\tBUDGET\tNEEDS")
			for _, c := range f.registry.All() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID(), c.Title(), c.Budget(), c.Needs())
			}
			if err := tw.Flush(); err != nil {
				return &exitError{code: exitNoReport, msg: "cannot write the list of checks: " + err.Error(), err: err}
			}
			return nil
		},
	}
}
