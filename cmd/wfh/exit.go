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
	exitInternal    = 3   // a bug in wfh: a panic, or an error nothing typed
	exitInterrupted = 130 // Ctrl-C (128 + SIGINT), as shells report it
)

// internalMessage is the one line a user sees for a bug in wfh, whatever it
// was; the detail and the stack follow only with --verbose, for the report.
const internalMessage = "internal error: this is a bug in wfh; please report it with --verbose output"

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

// internalError is a bug in wfh: a recovered panic (with its stack), or an
// error no code path gave an exit code.
type internalError struct {
	detail string // the panic value or the untyped error's text
	stack  []byte // empty for an untyped error
}

func (e *internalError) Error() string { return internalMessage }

// exitCode is the one place errors become exit codes. An error nothing
// typed is a bug in wfh, not the user's mistake: usage errors are typed
// where they are found (usageError, the flag and argument wrappers in
// root.go), so the default is internal.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitInternal
}

// asInternal turns an error that exitCode does not recognise into an
// internalError, so that it prints the internal-error line.
func asInternal(err error) error {
	var e *exitError
	var ie *internalError
	if err == nil || errors.As(err, &e) || errors.As(err, &ie) {
		return err
	}
	return &internalError{detail: err.Error()}
}

// printError writes err as one line on stderr, or as a JSON object when the
// caller asked for JSON so that scripts can parse failures too. An internal
// error adds its detail and stack only when verbose: a user sees one line,
// the bug report gets the rest.
func printError(ios *iostreams.IOStreams, err error, asJSON, verbose bool) {
	msg := oneLine(err.Error())
	if msg == "" {
		return
	}
	var ie *internalError
	internal := errors.As(err, &ie)
	if asJSON {
		out := struct {
			Error    string `json:"error"`
			ExitCode int    `json:"exit_code"`
			Detail   string `json:"detail,omitempty"`
			Stack    string `json:"stack,omitempty"`
		}{Error: msg, ExitCode: exitCode(err)}
		if internal {
			out.ExitCode = exitInternal
			if verbose {
				out.Detail, out.Stack = ie.detail, string(ie.stack)
			}
		}
		b, _ := json.Marshal(out)
		fmt.Fprintln(ios.ErrOut, string(b))
		return
	}
	fmt.Fprintln(ios.ErrOut, "wfh: "+msg)
	if internal && verbose {
		fmt.Fprintf(ios.ErrOut, "\n%s\n", ie.detail)
		if len(ie.stack) > 0 {
			fmt.Fprintf(ios.ErrOut, "\n%s", ie.stack)
		}
	}
}

// oneLine folds an error chain into one line; a teleworker should never see
// a multi-line dump.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
