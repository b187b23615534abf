package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newManCmd writes the man pages, one per command, from the same commands
// and help text the binary runs: the release builds them with it (see
// .goreleaser.yaml) and ships them in the archives and the .deb and .rpm.
// Hidden, because a user reads them with `man wfh`, not this.
func newManCmd(f *factory) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:    "man",
		Short:  "Write the man pages into a directory",
		Args:   cobra.NoArgs,
		Hidden: true,
		Example: `  wfh man --dir manpages
  man -l manpages/wfh.1`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usageError("wfh man needs --dir DIR, the directory to write the pages into")
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return &exitError{code: exitNoReport, msg: "cannot create " + dir + ": " + err.Error(), err: err}
			}
			if err := writeManPages(cmd.Root(), f.build, dir); err != nil {
				return &exitError{code: exitNoReport, msg: "cannot write the man pages: " + err.Error(), err: err}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory to write wfh.1 and one page per command into")
	return cmd
}

// writeManPages writes section-1 pages for root and every visible command.
func writeManPages(root *cobra.Command, b buildInfo, dir string) error {
	// No "Auto generated" footer with today's date: the same commit gives
	// the same pages, so the release is reproducible.
	var disableTag func(*cobra.Command)
	disableTag = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, sub := range c.Commands() {
			disableTag(sub)
		}
	}
	disableTag(root)
	header := &doc.GenManHeader{Title: "WFH", Section: "1", Source: "wfh " + b.Version, Manual: "wfh manual"}
	// The page's date is the commit's, so it says how old the text is;
	// without one, cobra takes SOURCE_DATE_EPOCH, else today.
	if t, err := time.Parse(time.RFC3339, b.CommitDate); err == nil {
		header.Date = &t
	}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("generate in %s: %w", dir, err)
	}
	return nil
}
