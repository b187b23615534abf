package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wfh-cli/wfh/internal/atomicfile"
	"github.com/wfh-cli/wfh/internal/profile"
)

func newProfileCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Write or check an organisation profile (for IT)",
		Long: `An organisation profile is the YAML file IT hands out so that every
wfh doctor run checks the same things against the same limits. See
docs/profile.md, and docs/profile.schema.json for editors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError("wfh profile needs a command: init or validate; see wfh profile --help")
		},
	}
	cmd.AddCommand(newProfileInitCmd(f), newProfileValidateCmd(f))
	return cmd
}

func newProfileInitCmd(f *factory) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a profile with every key commented out at its default",
		Long: `Write a profile with every key, what it does and its default, all commented
out: uncomment a line and change its value to set that key. Without FILE
the profile goes to standard output. An existing FILE is kept unless
--force is given.

EXIT STATUS
  0  the profile was written
  2  usage error: more than one FILE, or FILE exists without --force
  3  FILE cannot be written`,
		Example: `  # Start Acme's profile, then edit it
  wfh profile init acme.yaml

  # Check it
  wfh profile validate acme.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError("wfh profile init takes at most one file name, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			text := profile.Template()
			if len(args) == 0 {
				if _, err := fmt.Fprint(f.ios.Out, text); err != nil {
					return &exitError{code: exitNoReport, err: err, msg: "could not write the profile to standard output: " + err.Error()}
				}
				return nil
			}
			path := args[0]
			if _, err := os.Stat(path); err == nil && !force {
				return usageError("%s already exists; give another name, or --force to replace it", path)
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return &exitError{code: exitNoReport, err: err, msg: "could not write the profile: " + fileProblem(err)}
			}
			if err := atomicfile.Write(path, []byte(text)); err != nil {
				return &exitError{code: exitNoReport, err: err, msg: "could not write the profile: " + err.Error()}
			}
			if f.ios.IsStderrTTY() {
				fmt.Fprintf(f.ios.ErrOut, "Wrote %s: uncomment the keys to set, then run wfh profile validate %s.\n", path, path)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace FILE if it exists")
	return cmd
}

func newProfileValidateCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate FILE|URL",
		Short: "Check a profile and list what it sets",
		Long: `Read a profile as wfh doctor would, say whether it is valid, and list every
key it sets with its value; the keys it leaves out keep their defaults
(wfh profile init shows them). An https:// address is fetched now, never
from the saved copy, and its SHA-256 is printed with the address that pins
it (#sha256=...), ready to hand out.

EXIT STATUS
  0  the profile is valid
  2  it is not (one line names the file, the line and the fix), or it
     cannot be read or fetched`,
		Example: `  wfh profile validate acme.yaml
  wfh profile validate https://it.acme.example/wfh/acme.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("wfh profile validate needs one profile file or address, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return profileValidate(cmd.Context(), f, args[0])
		},
	}
	return cmd
}

func profileValidate(ctx context.Context, f *factory, name string) error {
	opts := profile.Options{KnownChecks: f.registry.IDs()}
	var (
		p        *profile.Profile
		settings []profile.Setting
		src      *profile.Source
		err      error
	)
	if profile.IsURL(name) {
		fetcher := f.fetcher()
		fetcher.NoCache = true
		var res *profile.Fetched
		res, err = fetcher.Fetch(ctx, name, opts)
		if err == nil {
			p, settings, src = res.Profile, res.Settings, &res.Source
		}
	} else {
		p, settings, err = profile.InspectFile(name, opts)
	}
	if err != nil {
		return usageError("%s", err)
	}
	var b strings.Builder
	shown := name
	if src != nil {
		shown = src.URL
	}
	if p.Name != "" {
		fmt.Fprintf(&b, "%s: a valid wfh profile, %q\n", shown, p.Name)
	} else {
		fmt.Fprintf(&b, "%s: a valid wfh profile\n", shown)
	}
	if src != nil {
		fmt.Fprintf(&b, "sha256: %s\npinned address: %s#sha256=%s\n", src.SHA256, src.URL, src.SHA256)
	}
	if len(settings) == 0 {
		b.WriteString("It sets nothing: every key keeps its default (wfh profile init shows them).\n")
	} else {
		b.WriteString("It sets:\n")
		width := 0
		for _, s := range settings {
			width = max(width, len(s.Path))
		}
		for _, s := range settings {
			fmt.Fprintf(&b, "  %-*s  %s\n", width+1, s.Path+":", s.Value)
		}
		b.WriteString("Every other key keeps its default (wfh profile init shows them).\n")
	}
	if _, err := fmt.Fprint(f.ios.Out, b.String()); err != nil {
		return &exitError{code: exitNoReport, err: err, msg: "could not write to standard output: " + err.Error()}
	}
	return nil
}
