package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/wfh-cli/wfh/internal/atomicfile"
	"github.com/wfh-cli/wfh/report/render"
)

// reportFormat decides what a report is written as: --format when it was
// given, otherwise what the --output file's extension promises (r.html is
// a page a browser opens, r.json a report wfh report reads back), otherwise
// text. A --format that contradicts the extension is a usage error naming
// both, since either the flag or the file name is a mistake.
func reportFormat(flag string, flagSet bool, output string) (render.Format, error) {
	byName, named := render.FormatForPath(output)
	if !flagSet {
		if named {
			return byName, nil
		}
		return render.FormatText, nil
	}
	format, err := render.ParseFormat(flag)
	if err != nil {
		return "", usageError("%s", err)
	}
	if named && byName != format {
		return "", usageError("--format %s contradicts --output %s, whose name says %s; drop --format, or name the file %s",
			format, output, byName, withExt(output, format))
	}
	return format, nil
}

// withExt is path with the usual extension of format in place of its own.
func withExt(path string, format render.Format) string {
	return path[:len(path)-len(filepath.Ext(path))] + "." + fileExt(format)
}

// checkOutput says, before any check runs, why the report could not be
// saved at path: a run of a minute must not end in "could not save". Only
// what is certain is refused (a folder that does not exist, a path that is
// a folder); permissions and full disks show up when writing.
func checkOutput(path string) error {
	if path == "" {
		return nil
	}
	if err := atomicfile.CheckDir(path); err != nil {
		return saveError(err)
	}
	return nil
}

// saveError is the one line for a report that cannot be saved (exit 3).
func saveError(err error) error {
	if errors.Is(err, atomicfile.ErrNoFolder) {
		return &exitError{code: exitNoReport, err: err,
			msg: fmt.Sprintf("could not save the report: %s; create the folder, or choose another place with --output", err)}
	}
	return &exitError{code: exitNoReport, err: err,
		msg: fmt.Sprintf("could not save the report: %s; choose another place with --output", err)}
}
