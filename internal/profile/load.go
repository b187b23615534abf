package profile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// maxFileSize bounds what Load and the company CA check read. A profile is a
// few dozen lines and a CA bundle a few hundred kilobytes; anything bigger is
// the wrong file, and reading it whole would only waste memory.
const maxFileSize = 1 << 20

// Options tunes validation to the build that loads the profile.
type Options struct {
	// KnownChecks are the valid check IDs. When set, names in checks.only and
	// checks.skip are validated here, so a typo is reported with its line
	// rather than later by the registry without one.
	KnownChecks []string

	// remoteCA, set for a profile fetched from a web address, fetches and
	// checks its company_ca instead of reading a file (remote.go).
	remoteCA func(*Profile) *readError
}

// Error is a problem with a profile, written for the teleworker or the IT
// person who wrote the file: where it is, what is wrong and how to fix it.
type Error struct {
	// File is the profile's path as given.
	File string
	// Line is 1-based; 0 when the problem is not tied to a line.
	Line int
	// Msg says what is wrong.
	Msg string
	// Fix says what to do about it.
	Fix string

	err error // underlying cause, for errors.Is (fs.ErrNotExist and the like)
}

// Error renders the problem on one line, in the file:line form editors and
// terminals turn into links. The whole text is forced onto one line because a
// value quoted from the file must never be able to break the report layout.
func (e *Error) Error() string {
	file := e.File
	if file == "" {
		file = "(unnamed)"
	}
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "%s:%d: %s", file, e.Line, e.Msg)
	} else {
		// Without a line the bare file name reads ambiguously ("acme.yaml:
		// cannot read"); naming it a profile says which file of the run failed.
		fmt.Fprintf(&b, "profile %s: %s", file, e.Msg)
	}
	if e.Fix != "" {
		b.WriteString("; ")
		b.WriteString(e.Fix)
	}
	return oneLine(b.String())
}

// Unwrap returns the I/O error behind the problem, if any.
func (e *Error) Unwrap() error { return e.err }

// oneLine escapes control characters so that the text stays on one line and
// cannot carry terminal escape sequences.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Load reads the profile at path and parses it.
func Load(path string, o Options) (*Profile, error) {
	return LoadContext(context.Background(), path, o)
}

// LoadContext is Load that gives up when ctx ends (Ctrl-C), whatever the
// read is waiting for; the error then wraps ctx's.
func LoadContext(ctx context.Context, path string, o Options) (*Profile, error) {
	data, err := withContext(ctx, func() ([]byte, *readError) { return readProfile(path) })
	if err != nil {
		fix := err.fix
		if fix == "" {
			fix = "check the path given to --profile"
		}
		return nil, &Error{File: path, Msg: err.msg, Fix: fix, err: err.err}
	}
	return Parse(path, data, o)
}

// withContext runs read and returns its result, or an error wrapping
// ctx's as soon as ctx ends. A read stuck in the kernel (a network share
// that stopped answering) cannot be stopped, so it is left to finish on its
// own; the process is about to exit anyway.
func withContext(ctx context.Context, read func() ([]byte, *readError)) ([]byte, *readError) {
	if err := ctx.Err(); err != nil {
		return nil, &readError{msg: "not read: interrupted", fix: "run wfh again", err: err}
	}
	type result struct {
		data []byte
		err  *readError
	}
	done := make(chan result, 1) // buffered: a late read must not block
	go func() {
		data, err := read()
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-ctx.Done():
		return nil, &readError{msg: "not read: interrupted", fix: "run wfh again", err: ctx.Err()}
	}
}

// readProfile reads a profile file: a regular file of text. Anything else
// is refused before it is opened, because opening a named pipe without a
// writer blocks for ever, and a device may never end; "--profile <(curl
// …)" is such a pipe, and saving the profile first is the way around.
func readProfile(path string) ([]byte, *readError) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, ioProblem(err)
	}
	if info.IsDir() {
		return nil, &readError{msg: "is a folder, not a file", fix: "give the path of the .yaml file inside it"}
	}
	if !info.Mode().IsRegular() {
		return nil, &readError{msg: "is not a regular file (" + fileKind(info.Mode()) + ")",
			fix: "save the profile to a file and give its path (a profile cannot be read from a pipe or a device)"}
	}
	data, rerr := readLimited(path)
	if rerr != nil {
		return nil, rerr
	}
	if binary(data) {
		return nil, &readError{msg: "is not a text file",
			fix: "give the profile's .yaml file, a text file your IT department sent (see docs/profile.md)"}
	}
	return data, nil
}

// fileKind names what a file that is not a regular file is.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// binary reports whether data is not text: it holds a NUL byte (which no
// UTF-8 text file does, while images, archives and programs do) and does
// not start with a UTF-16 byte order mark (Notepad's "Unicode" files are
// UTF-16, NULs and all, and YAML reads them).
func binary(data []byte) bool {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return false
	}
	return bytes.IndexByte(data, 0) >= 0
}

// readError is why a file could not be read, before it is tied to a profile
// line (Load) or to a key (company_ca).
type readError struct {
	msg, fix string
	err      error
}

// readLimited reads at most maxFileSize bytes of path. Directories are refused
// up front: some systems let you open and read them, with confusing results.
// Its callers refuse files that are not regular files before it opens them.
func readLimited(path string) ([]byte, *readError) {
	f, err := os.Open(path)
	if err != nil {
		return nil, ioProblem(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, ioProblem(err)
	}
	if info.IsDir() {
		return nil, &readError{msg: "is a folder, not a file", fix: "give the path of the .yaml file inside it"}
	}
	// Read one byte past the limit to tell "exactly 1 MiB" from "more", and
	// never trust Stat's size: pipes and /proc files report 0.
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, ioProblem(err)
	}
	if len(data) > maxFileSize {
		return nil, &readError{
			msg: "is larger than 1 MiB",
			fix: "check that the right file was given: a profile is a few lines of YAML, a CA file a few kilobytes",
		}
	}
	return data, nil
}

// ioProblem turns an I/O error into a message without the path, which the
// caller already shows. The fix is left to the caller, which knows where the
// path came from, except for permissions, where the path is not the problem.
func ioProblem(err error) *readError {
	cause := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		cause = pe.Err
	}
	var fix string
	if errors.Is(err, fs.ErrPermission) {
		fix = "make the file readable by your user account, or copy it somewhere you can read"
	}
	return &readError{msg: "cannot read: " + cause.Error(), fix: fix, err: err}
}

// Parse parses a profile held in data. file names it in messages and, for a
// relative company_ca, gives the directory the path is relative to.
func Parse(file string, data []byte, o Options) (*Profile, error) {
	p, _, err := parse(file, data, o)
	return p, err
}

// parse is Parse, also returning the document's root mapping (nil for an
// empty profile) for Inspect.
func parse(file string, data []byte, o Options) (*Profile, *yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := guard(func() error { return dec.Decode(&doc) })
	if errors.Is(err, io.EOF) {
		// Empty, or only comments: IT may ship a commented template.
		p := Default()
		p.Path = file
		return p, nil, nil
	}
	if err != nil {
		return nil, nil, syntaxError(file, data, err)
	}
	var next yaml.Node
	switch err := guard(func() error { return dec.Decode(&next) }); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, nil, syntaxError(file, data, err)
	default:
		// Silently reading only the first document would ignore settings IT
		// believes are in force.
		return nil, nil, &Error{File: file, Line: next.Line, Msg: `a second YAML document starts here ("---")`,
			Fix: `a profile is one document: remove the "---" line and merge the settings into one list of keys`}
	}

	p := Default()
	p.Path = file
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return p, nil, nil // "---" alone or "~": an empty document
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, nil, &Error{File: file, Line: root.Line,
			Msg: "the profile must be made of keys such as \"name: Acme\", got " + describe(root),
			Fix: "start each setting on its own line with its key; see docs/profile.md"}
	}

	w := newWalker(file, reflect.TypeFor[Profile]())
	if err := w.walk(root, reflect.TypeFor[Profile](), ""); err != nil {
		return nil, nil, err
	}
	// The walk has checked every key and value against the struct, so this
	// decode is not expected to fail; if it does, still say where.
	if err := guard(func() error { return root.Decode(p) }); err != nil {
		return nil, nil, decodeError(file, err)
	}
	if err := validate(p, w.lines, file, o); err != nil {
		return nil, nil, err
	}
	return p, root, nil
}

// libraryPanic is a panic inside the YAML library, turned into an error.
type libraryPanic struct{ value any }

func (p *libraryPanic) Error() string { return fmt.Sprint("the YAML reader failed: ", p.value) }

// guard runs one call into the YAML library and turns a panic into an error.
// The library still has internal panics that malformed input can reach
// ("attempted to parse unknown event", reported against go.yaml.in/yaml/v3
// v3.0.4 in mikefarah/yq#2481; the code is unchanged in v3.0.5), and a bad
// profile must give a message, not crash wfh doctor. Only library calls are
// guarded, so the fuzz test still catches panics in this package.
func guard(call func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &libraryPanic{value: r}
		}
	}()
	return call()
}

// syntaxError turns a YAML library error ("yaml: line 3: did not find
// expected key") into the file:line form, fixing the library's line where it
// is known to be off, and adds a fix for the usual causes.
func syntaxError(file string, data []byte, err error) *Error {
	if _, ok := err.(*libraryPanic); ok {
		return &Error{File: file, Msg: err.Error(), err: err,
			Fix: "check the YAML syntax: indentation, quotes, brackets and comments"}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line, msg := splitLine(msg)
	if line > 0 && parserProblem(msg) {
		// The library prints parser errors with libyaml's 0-based line
		// (scanner errors are corrected to 1-based); measured on
		// go.yaml.in/yaml/v3 v3.0.5, see TestSyntaxErrorLines.
		line++
	}
	if line == 0 {
		switch {
		case strings.HasPrefix(msg, "unknown anchor '"):
			name := strings.TrimSuffix(strings.TrimPrefix(msg, "unknown anchor '"), "' referenced")
			line = lineOf(data, bytes.Index(data, []byte("*"+name)))
		case readerProblem(msg):
			line = lineOf(data, badByte(data))
		case strings.HasPrefix(msg, "attempted ") || strings.HasPrefix(msg, "expected "):
			// Composer errors carry no position.
		default:
			// The library leaves out "line N" only when libyaml's 0-based
			// line is 0, that is on the first line.
			line = 1
		}
	}
	if n := lineCount(data); line > n {
		line = n // errors found at the end of input point past the last line
	}
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + msg, Fix: syntaxFix(msg, data, line), err: err}
}

// parserProblem reports whether msg comes from libyaml's parser (as opposed
// to its scanner), whose line numbers the library leaves 0-based.
func parserProblem(msg string) bool {
	switch msg {
	case "did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"did not find expected '-' indicator", "did not find expected <document start>",
		"did not find expected <stream-start>", "did not find expected key",
		"did not find expected node content", "found duplicate %TAG directive",
		"found duplicate %YAML directive", "found incompatible YAML document",
		"found undefined tag handle":
		return true
	}
	return false
}

// readerProblem reports whether msg is about the bytes rather than the YAML:
// invalid UTF-8 or UTF-16, or a control character.
func readerProblem(msg string) bool {
	switch msg {
	case "invalid leading UTF-8 octet", "incomplete UTF-8 octet sequence",
		"invalid trailing UTF-8 octet", "invalid length of a UTF-8 sequence",
		"invalid Unicode character", "incomplete UTF-16 character",
		"unexpected low surrogate area", "incomplete UTF-16 surrogate pair",
		"expected low surrogate area", "control characters are not allowed":
		return true
	}
	return false
}

// badByte returns the offset of the first byte YAML refuses in UTF-8 input:
// invalid UTF-8 or a character outside YAML's printable set; -1 if none.
func badByte(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		ok := r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7e) || r == 0x85 ||
			(r >= 0xa0 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || r >= 0x10000
		if !ok {
			return i
		}
		i += size
	}
	return -1
}

// lineOf returns the 1-based line of byte offset off, or 0 when off < 0.
func lineOf(data []byte, off int) int {
	if off < 0 || off > len(data) {
		return 0
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// lineCount is the number of lines, counting a last line without a newline.
func lineCount(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return max(n, 1)
}

// lineText returns line n (1-based) of data, or "".
func lineText(data []byte, n int) string {
	for i := 1; len(data) > 0; i++ {
		l, rest, _ := bytes.Cut(data, []byte("\n"))
		if i == n {
			return string(l)
		}
		data = rest
	}
	return ""
}

// syntaxFix names the usual cause of each YAML syntax error.
func syntaxFix(msg string, data []byte, line int) string {
	if strings.Contains(lineText(data, line), "\t") {
		return "YAML indents with spaces only: replace the tabs on this line with spaces"
	}
	switch {
	case readerProblem(msg):
		return "save the profile as plain UTF-8 text"
	case strings.HasPrefix(msg, "found unknown escape character"):
		return `inside "double quotes" a backslash starts an escape: use 'single quotes' for Windows paths such as 'C:\certs\ca.pem'`
	case strings.HasPrefix(msg, "found unexpected end of stream"):
		return "close the quote opened on this line"
	case strings.HasPrefix(msg, "did not find expected ','"):
		return "close the [ ] or { } opened on this line, and separate items with commas"
	case strings.HasPrefix(msg, "mapping values are not allowed"):
		return `check the indentation of this line, and quote a value that contains ": "`
	case strings.HasPrefix(msg, "found character that cannot start any token"):
		return "quote a value that starts with @, ` or %"
	case strings.HasPrefix(msg, "unknown anchor"):
		return "define the anchor (&name) before using it (*name), or remove the *"
	case strings.HasPrefix(msg, "exceeded max depth"):
		return "a profile nests only a few levels: remove the extra nesting"
	case strings.Contains(msg, "expected key") || strings.Contains(msg, "expected ':'") ||
		strings.Contains(msg, "not allowed in this context") || strings.Contains(msg, "indentation"):
		return "check the indentation: the keys of one section must start in the same column"
	}
	return "check the indentation, quotes and brackets on this line"
}

// splitLine separates the library's "line N: " prefix from a message.
func splitLine(msg string) (int, string) {
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, msg
	}
	num, after, ok := strings.Cut(rest, ": ")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 0 {
		return 0, msg
	}
	return n, after
}

// decodeError converts an error from the final decode, which the walk should
// have made impossible, keeping a line when the library gives one.
func decodeError(file string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0] // the rest would only repeat the same kind of problem
	}
	line, msg := splitLine(msg)
	return &Error{File: file, Line: line, Msg: "cannot read a value: " + msg,
		Fix: "see docs/profile.md for the type of each key", err: err}
}
