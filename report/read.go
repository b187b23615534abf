package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/wfh-cli/wfh/report/internal/human"
)

// MaxReportBytes bounds a report read back from a file. A full run's JSON is
// tens of kilobytes and the largest benchmark report about a megabyte, so
// anything bigger is the wrong file, and must not exhaust memory.
const MaxReportBytes = 32 << 20

// ErrNotReport marks input that is not a wfh JSON report; ErrSchemaVersion a
// report from a wfh whose schema this build cannot read.
var (
	ErrNotReport     = errors.New("not a wfh JSON report")
	ErrSchemaVersion = errors.New("unsupported report schema version")
)

// ReadJSON reads a report written by `wfh doctor --format json`. Any minor
// version of the schema's major version is accepted: minors only add
// optional fields, which are ignored. Another major version is refused,
// because its fields may mean something else. Errors are one line that
// says what is wrong with the input.
func ReadJSON(r io.Reader) (Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxReportBytes+1))
	if err != nil {
		return Report{}, fmt.Errorf("read report: %w", err)
	}
	if len(data) > MaxReportBytes {
		return Report{}, fmt.Errorf("%w: larger than %d MB, far more than any report", ErrNotReport, MaxReportBytes>>20)
	}
	data = decodeBOM(data)
	if len(bytes.TrimSpace(data)) == 0 {
		return Report{}, fmt.Errorf("%w: the file is empty", ErrNotReport)
	}

	// The version is checked before the fields: a later major version may
	// have changed a field's type, and "results[0].status is a number" would
	// hide the real reason.
	var head struct {
		SchemaVersion *string `json:"schema_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Report{}, jsonProblem(data, err)
	}
	if head.SchemaVersion == nil {
		return Report{}, fmt.Errorf("%w: it has no schema_version (make one with wfh doctor --format json --output FILE)", ErrNotReport)
	}
	if err := CheckSchemaVersion(*head.SchemaVersion); err != nil {
		return Report{}, err
	}

	var rep Report
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&rep); err != nil {
		return Report{}, jsonProblem(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, _ := lineCol(data, int(dec.InputOffset()))
		return Report{}, fmt.Errorf("%w: unexpected text after the report on line %d", ErrNotReport, line)
	}
	return rep, nil
}

// CheckSchemaVersion accepts "MAJOR.MINOR" with this build's major version.
func CheckSchemaVersion(v string) error {
	major, minor, ok := strings.Cut(v, ".")
	if !ok || !isDigits(major) || !isDigits(minor) {
		return fmt.Errorf("%w: schema_version %q is not MAJOR.MINOR", ErrNotReport, clip(v))
	}
	oursText, _, _ := strings.Cut(SchemaVersion, ".")
	theirs, _ := strconv.Atoi(major)
	ours, _ := strconv.Atoi(oursText)
	switch {
	case theirs > ours:
		return fmt.Errorf("%w: the report uses schema %s and this wfh reads %d.x; update wfh to a release that reads %d.x (wfh version shows yours)",
			ErrSchemaVersion, clip(v), ours, theirs)
	case theirs < ours:
		return fmt.Errorf("%w: the report uses schema %s and this wfh reads %d.x; open it with an older wfh release that reads %d.x",
			ErrSchemaVersion, clip(v), ours, theirs)
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// clip keeps an echoed value from flooding the one-line error.
func clip(s string) string {
	return human.FlatClip(s, 40)
}

// jsonProblem turns a decoding error into one line with its position.
func jsonProblem(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tim *time.ParseError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, the bad one included
		line, col := lineCol(data, int(syn.Offset)-1)
		switch msg := syn.Error(); {
		case strings.Contains(msg, "unexpected end of JSON input"):
			return fmt.Errorf("%w: the file ends in the middle of the report (cut short?)", ErrNotReport)
		case strings.Contains(msg, "after top-level value"):
			return fmt.Errorf("%w: unexpected text after the report on line %d", ErrNotReport, line)
		default:
			return fmt.Errorf("%w: invalid JSON on line %d, column %d: %s", ErrNotReport, line, col, msg)
		}
	case errors.As(err, &typ):
		line, _ := lineCol(data, int(typ.Offset))
		if typ.Field == "" {
			return fmt.Errorf("%w: the file holds a JSON %s, not a report object", ErrNotReport, typ.Value)
		}
		return fmt.Errorf("%w: %s is a %s on line %d, want %s", ErrNotReport, typ.Field, typ.Value, line, jsonKind(typ.Type.Kind().String()))
	case errors.As(err, &tim):
		return fmt.Errorf("%w: a time is not in RFC 3339 form (2025-03-14T08:30:05Z): %q", ErrNotReport, clip(tim.Value))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: the file ends in the middle of the report (cut short?)", ErrNotReport)
	default:
		return fmt.Errorf("%w: %s", ErrNotReport, err.Error())
	}
}

// jsonKind names a Go kind the way a JSON reader would.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "true or false"
	default:
		return "a number"
	}
}

// lineCol is the 1-based line and column of byte offset off.
func lineCol(data []byte, off int) (int, int) {
	off = max(0, min(off, len(data)))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// decodeBOM drops a UTF-8 byte order mark and decodes UTF-16 with one:
// Windows PowerShell 5.1 writes "wfh doctor --format json > r.json" as
// UTF-16, and Notepad may add a BOM when a file is saved again.
func decodeBOM(b []byte) []byte {
	var unit func(x, y byte) uint16
	switch {
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return b[3:]
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		unit = func(x, y byte) uint16 { return uint16(x) | uint16(y)<<8 }
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		unit = func(x, y byte) uint16 { return uint16(y) | uint16(x)<<8 }
	default:
		return b
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 2; i+1 < len(b); i += 2 {
		u = append(u, unit(b[i], b[i+1]))
	}
	return []byte(string(utf16.Decode(u)))
}
