package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// stamp is what the release build writes into the binary with -ldflags -X
// (see .goreleaser.yaml); every field is empty in a source build.
type stamp struct {
	version, commit, commitDate, buildDate, treeState string
}

// buildInfo says which wfh this is. The JSON keys are a contract for
// scripts, listed in docs/install.md; an unknown value is "" (or false).
type buildInfo struct {
	Version string `json:"version"`
	// Commit is the full revision the binary was built from.
	Commit string `json:"commit"`
	// CommitDate is the commit's time, RFC 3339.
	CommitDate string `json:"commit_date"`
	// BuildDate is when the release was built, RFC 3339; a source build
	// does not record it.
	BuildDate string `json:"build_date"`
	// Modified is true when the tree had uncommitted changes.
	Modified  bool   `json:"modified"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}

// currentBuild reads this binary's stamp and build info.
func currentBuild() buildInfo {
	info, _ := debug.ReadBuildInfo()
	return resolveBuild(stamp{version: version, commit: commit, commitDate: commitDate, buildDate: date, treeState: treeState},
		info, runtime.GOOS, runtime.GOARCH)
}

// resolveBuild prefers the release's stamp and falls back, field by field, to
// what the Go toolchain recorded: `go install …@v1.2.3` records the module
// version, and `go build` in a git checkout records the commit, its time and
// whether the tree was modified (unless -buildvcs=false, and `go run` never
// does). info may be nil.
func resolveBuild(s stamp, info *debug.BuildInfo, goos, goarch string) buildInfo {
	// goreleaser stamps these placeholders when it could not read git (a
	// snapshot without a remote); they are unknowns, not values.
	if s.commit == "none" || s.commit == "unknown" {
		s.commit = ""
	}
	if t, err := time.Parse(time.RFC3339, s.commitDate); err == nil && t.Year() < 2000 {
		s.commitDate = ""
	}
	b := buildInfo{Version: s.version, Commit: s.commit, CommitDate: s.commitDate, BuildDate: s.buildDate,
		Modified: s.treeState == "dirty", GoVersion: runtime.Version(), OS: goos, Arch: goarch}
	if info == nil {
		info = &debug.BuildInfo{}
	}
	if info.GoVersion != "" {
		b.GoVersion = info.GoVersion
	}
	// "(devel)" is what the toolchain writes when it knows no version.
	if b.Version == "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	for _, kv := range info.Settings {
		switch kv.Key {
		case "vcs.revision":
			if b.Commit == "" {
				b.Commit = kv.Value
			}
		case "vcs.time":
			if b.CommitDate == "" {
				b.CommitDate = kv.Value
			}
		case "vcs.modified":
			// The stamp's tree state wins when the release set one.
			if s.treeState == "" {
				b.Modified, _ = strconv.ParseBool(kv.Value)
			}
		}
	}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	return b
}

// String is the one line a support agent asks for: it fits a ticket and a
// terminal (the commit shortened to 12 characters, as git does for
// repositories this size).
func (b buildInfo) String() string {
	var parts []string
	if b.Commit != "" {
		c := b.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if b.Modified {
			c += " (modified)"
		}
		parts = append(parts, "commit "+c)
	}
	switch {
	case b.BuildDate != "":
		parts = append(parts, "built "+b.BuildDate)
	case b.CommitDate != "":
		parts = append(parts, "committed "+b.CommitDate)
	}
	if b.GoVersion != "" || b.OS != "" {
		parts = append(parts, strings.TrimSpace(b.GoVersion+" "+b.OS+"/"+b.Arch))
	}
	if len(parts) == 0 {
		return "wfh " + b.Version
	}
	return "wfh " + b.Version + ", " + strings.Join(parts, ", ")
}

func newVersionCmd(f *factory) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Long: `Print the version of wfh, the commit it was built from and when.
--format json prints one object for scripts: version, commit, commit_date,
build_date, modified, go_version, os, arch (docs/install.md).`,
		Example: `  wfh version
  wfh --version
  wfh version --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out string
			switch strings.ToLower(strings.TrimSpace(format)) {
			case "text":
				out = f.build.String()
			case "json":
				b, err := json.Marshal(f.build)
				if err != nil {
					return &exitError{code: exitNoReport, msg: "cannot encode the version: " + err.Error(), err: err}
				}
				out = string(b)
			default:
				return usageError("unknown --format %q for wfh version; use text or json", format)
			}
			if _, err := fmt.Fprintln(f.ios.Out, out); err != nil {
				return &exitError{code: exitNoReport, msg: "cannot write the version: " + err.Error(), err: err}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text, json")
	return cmd
}

// versionTemplate makes `wfh --version` print the same line as `wfh version`.
// The line is quoted as a template string constant, so nothing in it is
// read as template syntax.
func versionTemplate(b buildInfo) string {
	return `{{print ` + strconv.Quote(b.String()) + `}}` + "\n"
}
