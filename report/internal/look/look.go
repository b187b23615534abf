// Package look is how the report model reads to people, shared by the
// summary and every renderer so that they never disagree: the word and mark
// of each status, the local time of the run, the platform, an item's label
// and which findings are problems to fix.
package look

import (
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// Look is how one status is shown to people.
type Look struct {
	Word    string // fixed caps word, the part colour-blind readers rely on
	ASCII   string // mark for terminals without Unicode
	Unicode string // glyph mark
}

// looks is an immutable table; unknown statuses fall back to unknownLook so a
// corrupt value never reads as good (as Status.Rank does).
var looks = map[report.Status]Look{
	report.Pass:    {"PASS", "[ok]", "✔"},
	report.Warn:    {"WARN", "[!]", "▲"},
	report.Fail:    {"FAIL", "[x]", "✖"},
	report.Skipped: {"SKIPPED", "[-]", "○"},
	report.Error:   {"ERROR", "[?]", "⊘"},
}

var unknownLook = Look{"UNKNOWN", "[?]", "?"}

// Of returns how s is shown.
func Of(s report.Status) Look {
	if l, ok := looks[s]; ok {
		return l
	}
	return unknownLook
}

// IsProblem is true for findings a reader has to act on; notes (pass) and
// anything skipped are context only.
func IsProblem(f report.Finding) bool {
	return f.Severity != report.Pass && f.Severity != report.Skipped
}

// LocalStart returns when the run started on the teleworker's clock. The
// report's own offset is used rather than the reader's zone: a support agent
// in another country must see the time the user saw.
func LocalStart(r report.Report) (time.Time, bool) {
	if r.StartedAt.IsZero() {
		return time.Time{}, false
	}
	if secs, ok := parseUTCOffset(r.Host.UTCOffset); ok {
		return r.StartedAt.In(time.FixedZone("", secs)), true
	}
	return r.StartedAt, true
}

// parseUTCOffset accepts "+01:00", "+0100", "-05" and "Z".
func parseUTCOffset(s string) (int, bool) {
	if s == "Z" {
		return 0, true
	}
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	digits := strings.ReplaceAll(s[1:], ":", "")
	if len(digits) != 2 && len(digits) != 4 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	h, _ := strconv.Atoi(digits[:2])
	m := 0
	if len(digits) == 4 {
		m, _ = strconv.Atoi(digits[2:])
	}
	if h > 14 || m > 59 {
		return 0, false
	}
	secs := h*3600 + m*60
	if s[0] == '-' {
		secs = -secs
	}
	return secs, true
}

// When is "2024-03-05 10:04 Europe/Paris (UTC+01:00)", with the parts
// that are unknown left out. The strings are raw; callers escape them.
func When(r report.Report) []string {
	var parts []string
	if t, ok := LocalStart(r); ok {
		parts = append(parts, t.Format("2006-01-02 15:04"))
	}
	switch {
	case r.Host.TimeZone != "" && r.Host.UTCOffset != "":
		parts = append(parts, r.Host.TimeZone, "(UTC"+r.Host.UTCOffset+")")
	case r.Host.TimeZone != "":
		parts = append(parts, r.Host.TimeZone)
	case r.Host.UTCOffset != "":
		parts = append(parts, "UTC"+r.Host.UTCOffset)
	}
	return parts
}

// OSArch is "linux/amd64", or whichever half is known.
func OSArch(h report.Host) string {
	switch {
	case h.OS != "" && h.Arch != "":
		return h.OS + "/" + h.Arch
	case h.OS != "":
		return h.OS
	default:
		return h.Arch
	}
}

// ItemLabel keeps a row with an empty label visible and distinct from a
// formatting glitch.
func ItemLabel(it report.Item) string {
	if strings.TrimSpace(it.Label) == "" {
		return "(no label)"
	}
	return it.Label
}

// InReportZone returns t on the teleworker's clock (the report's UTC
// offset), as LocalStart does for the start: a watch's events must read
// at the times the user lived them.
func InReportZone(r report.Report, t time.Time) time.Time {
	if secs, ok := parseUTCOffset(r.Host.UTCOffset); ok {
		return t.In(time.FixedZone("", secs))
	}
	return t
}
