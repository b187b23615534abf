package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

type buildInfo struct {
	Version, Commit, Date string
}

// currentBuild prefers the release's ldflags and falls back to what the Go
// toolchain recorded, so `go install` and `go run` builds still say something.
func currentBuild() buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: date}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && info.Main.Version != "" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			}
		}
	}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	if len(b.Commit) > 12 {
		b.Commit = b.Commit[:12]
	}
	return b
}

func (b buildInfo) String() string {
	s := "wfh " + b.Version
	if b.Commit != "" {
		s += ", commit " + b.Commit
	}
	if b.Date != "" {
		s += ", built " + b.Date
	}
	return s
}

func newVersionCmd(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := fmt.Fprintln(f.ios.Out, f.build.String()); err != nil {
				return &exitError{code: exitNoReport, msg: "cannot write the version: " + err.Error(), err: err}
			}
			return nil
		},
	}
}
