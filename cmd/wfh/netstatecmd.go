package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/wfh-cli/wfh/internal/profile"
)

// newNetstateCmd prints the network state one run of wfh reads (the
// snapshot every check shares: interfaces with their kinds, routes, the
// default path, DNS settings, proxy, the parts that could not be read and
// which source answered each part), as JSON. It is what a support agent
// asks for when an adapter is classified wrong, and what the tests that
// run the Windows binary under Wine read. Hidden: its JSON follows the
// internal snapshot and is not a stable interface; it is not redacted.
func newNetstateCmd(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "netstate",
		Short: "Print the network state wfh reads, as JSON (not redacted)",
		Long: `Print the network state wfh reads at the start of every run, as JSON: the
interfaces and their kinds, the routes, the way internet traffic leaves, the
DNS settings and the proxy, with the parts that could not be read and which
source answered each part. Addresses and names are not redacted. The format
follows wfh's internals and may change between releases.`,
		Example: `  wfh netstate > netstate.json`,
		Args:    cobra.NoArgs,
		Hidden:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := f.newEnv(profile.Default())
			if err != nil {
				return err
			}
			env.Net.Start(cmd.Context())
			enc := json.NewEncoder(f.ios.Out)
			enc.SetIndent("", "  ")
			return enc.Encode(env.Net.Snapshot(cmd.Context()))
		},
	}
}
