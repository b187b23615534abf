package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/wfh-cli/wfh/internal/iostreams"
)

// Exit codes are a stable contract for scripts; docs/exit-codes.md and the
// EXIT STATUS section of `wfh doctor --help` document them.
const (
	exitOK          = 0   // no check at or above the --fail-on level
	exitChecks      = 1   // at least one check at or above the --fail-on level
	exitUsage       = 2   // bad flags, unknown check, broken profile
	exitNoReport    = 3   // no report could be written at all
	exitInterrupted = 130 // Ctrl-C (128 + SIGINT), as shells report it
)

// exitError carries an exit code with a message for the user. An empty
// message means the report already said everything (exit 1, 130).
type exitError struct {
	code int
	msg  string
	err  error
}

func (e *exitError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	if e.err != nil {
		return e.err.Error()
	}
	return ""
}

func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

// exitCode is the one place errors become exit codes. Anything not marked
// otherwise is a usage error: cobra's own flag and argument errors land here.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitUsage
}

// printError writes err as one line on stderr, or as a JSON object when the
// caller asked for JSON so that scripts can parse failures too.
func printError(ios *iostreams.IOStreams, err error, asJSON bool) {
	msg := oneLine(err.Error())
	if msg == "" {
		return
	}
	if asJSON {
		b, _ := json.Marshal(struct {
			Error    string `json:"error"`
			ExitCode int    `json:"exit_code"`
		}{msg, exitCode(err)})
		fmt.Fprintln(ios.ErrOut, string(b))
		return
	}
	fmt.Fprintln(ios.ErrOut, "wfh: "+msg)
}

// oneLine folds an error chain into one line; a teleworker should never see
// a multi-line dump.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
