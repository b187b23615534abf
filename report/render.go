package report

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Format names an output form of the report.
type Format string

const (
	FormatText     Format = "text"
	FormatMarkdown Format = "markdown"
	FormatJSON     Format = "json"
	FormatHTML     Format = "html"
)

// Formats returns the valid formats in the order --help lists them.
func Formats() []Format {
	return []Format{FormatText, FormatMarkdown, FormatJSON, FormatHTML}
}

// ParseFormat turns a --format value into a Format. Case and surrounding
// spaces are forgiven because people type these by hand.
func ParseFormat(s string) (Format, error) {
	want := Format(strings.ToLower(strings.TrimSpace(s)))
	for _, f := range Formats() {
		if f == want {
			return f, nil
		}
	}
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown format %q; valid formats: %s", s, strings.Join(names, ", "))
}

// RenderOptions are the caller's decisions about the output device; the
// renderers never look at the environment themselves.
type RenderOptions struct {
	Color   bool // ANSI colour on the text renderer; the caller decides from NO_COLOR/--no-color/TTY
	Verbose bool // show every measurement, item and series; otherwise key figures only
	Unicode bool // status glyphs (✔ ▲ ✖ …) allowed; otherwise ASCII only
}

// Render writes r to w in format f. It only reads the report. The output is
// built in memory first so that a failing writer never leaves a half report
// that looks complete, and so that there is a single write error to report.
func Render(w io.Writer, r Report, f Format, o RenderOptions) error {
	var buf bytes.Buffer
	switch f {
	case FormatText:
		renderText(&buf, r, o)
	case FormatMarkdown:
		renderMarkdown(&buf, r, o)
	case FormatJSON:
		if err := renderJSON(&buf, r); err != nil {
			return fmt.Errorf("render json report: %w", err)
		}
	case FormatHTML:
		if err := renderHTML(&buf, r, o); err != nil {
			return fmt.Errorf("render html report: %w", err)
		}
	default:
		_, err := ParseFormat(string(f))
		return fmt.Errorf("render report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write %s report: %w", f, err)
	}
	return nil
}

// statusLook is how one status is shown to people.
type statusLook struct {
	word    string // fixed caps word, the part colour-blind readers rely on
	ascii   string // mark for terminals without Unicode
	unicode string // glyph mark
}

// looks is an immutable table; unknown statuses fall back to unknownLook so a
// corrupt value never reads as good (as Status.Rank does).
var looks = map[Status]statusLook{
	Pass:    {"PASS", "[ok]", "✔"},
	Warn:    {"WARN", "[!]", "▲"},
	Fail:    {"FAIL", "[x]", "✖"},
	Skipped: {"SKIPPED", "[-]", "○"},
	Error:   {"ERROR", "[?]", "⊘"},
}

var unknownLook = statusLook{"UNKNOWN", "[?]", "?"}

func lookOf(s Status) statusLook {
	if l, ok := looks[s]; ok {
		return l
	}
	return unknownLook
}

// statusWordWidth is the widest status word, so titles line up.
const statusWordWidth = 7

// overallOf trusts the report's verdict but fills it in when a caller forgot,
// rather than printing an empty verdict.
func overallOf(r Report) Status {
	if r.Overall == "" {
		return ComputeOverall(r.Results)
	}
	return r.Overall
}

// countsPhrase says how many results had each verdict, worst first, leaving
// out zero counts ("1 failed, 1 warning, 3 passed, 1 skipped").
func countsPhrase(r Report) string {
	c := r.Counts()
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, strconv.Itoa(n)+" "+many)
		}
	}
	add(c[Fail], "failed", "failed")
	add(c[Error], "error", "errors")
	add(c[Warn], "warning", "warnings")
	add(c[Pass], "passed", "passed")
	add(c[Skipped], "skipped", "skipped")
	unknown := 0
	for s, n := range c {
		if !s.Valid() {
			unknown += n
		}
	}
	add(unknown, "unknown", "unknown")
	if len(parts) == 0 {
		return "no checks ran"
	}
	return strings.Join(parts, ", ")
}

// localStart returns when the run started on the teleworker's clock. The
// report's own offset is used rather than the reader's zone: a support agent
// in another country must see the time the user saw.
func localStart(r Report) (time.Time, bool) {
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

// whenPhrase is "2024-03-05 10:04 Europe/Paris (UTC+01:00)", with the parts
// that are unknown left out. The strings are raw; callers escape them.
func whenPhrase(r Report) []string {
	var parts []string
	if t, ok := localStart(r); ok {
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

// formatSeconds renders a run or check duration; "" when there is nothing
// worth showing (a skipped check that took no time, a corrupt value).
func formatSeconds(sec float64) string {
	switch {
	case math.IsNaN(sec) || math.IsInf(sec, 0) || sec <= 0:
		return ""
	case sec < 0.1:
		return trimFloat(sec*1000, 0) + " ms"
	case sec < 60:
		return trimFloat(sec, 1) + " s"
	default:
		total := int64(math.Round(sec))
		return fmt.Sprintf("%d min %d s", total/60, total%60)
	}
}

// osArch is "linux/amd64", or whichever half is known.
func osArch(h Host) string {
	switch {
	case h.OS != "" && h.Arch != "":
		return h.OS + "/" + h.Arch
	case h.OS != "":
		return h.OS
	default:
		return h.Arch
	}
}

func toolPhrase(t Tool) string {
	name := t.Name
	if name == "" {
		name = "wfh"
	}
	s := name
	if t.Version != "" {
		s += " " + t.Version
	}
	if t.Commit != "" {
		s += " (" + t.Commit + ")"
	}
	return s
}

// redacted is true only for an explicit "on": a report whose redaction state
// is unknown must not be presented as safe to share.
func redacted(r Report) bool { return r.Redaction == "on" }

// unitSuffixes maps a unit to the name endings that merely repeat it, so that
// "uptime_seconds" reads "uptime: 3.2 days" instead of repeating the unit.
var unitSuffixes = map[string][]string{
	"s":       {"_seconds", "_secs", "_sec", "_s"},
	"ms":      {"_ms", "_millis", "_milliseconds"},
	"bytes":   {"_bytes"},
	"%":       {"_percent", "_pct"},
	"percent": {"_percent", "_pct"},
	"Mbit/s":  {"_mbps", "_mbit_s"},
	"dBm":     {"_dbm"},
	"dB":      {"_db"},
	"MHz":     {"_mhz"},
}

// humanLabel turns a snake_case metric or fact name into words, dropping an
// ending that only restates the unit.
func humanLabel(name, unit string) string {
	lower := strings.ToLower(name)
	suffixes := unitSuffixes[unit]
	if unit != "" {
		suffixes = append(suffixes[:len(suffixes):len(suffixes)], "_"+strings.ToLower(unit))
	}
	for _, suf := range suffixes {
		if strings.HasSuffix(lower, suf) && len(name) > len(suf) {
			name = name[:len(name)-len(suf)]
			break
		}
	}
	return strings.TrimSpace(strings.ReplaceAll(name, "_", " "))
}

// figure is one "label: value" pair shown under a result or an item; both
// strings are raw and escaped by the renderer.
type figure struct {
	label, value string
}

// figuresOf lists metrics in report order, then facts sorted by key so that
// the output does not change between runs of the same machine.
func figuresOf(metrics []Metric, facts map[string]string) []figure {
	out := make([]figure, 0, len(metrics)+len(facts))
	for _, m := range metrics {
		out = append(out, figure{humanLabel(m.Name, m.Unit), m.FormatValue()})
	}
	for _, k := range sortedKeys(facts) {
		out = append(out, figure{humanLabel(k, ""), facts[k]})
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// seriesPhrase is "10 samples (1 lost), min/avg/max 10.2/12.3/15 ms". A nil
// sample is a lost probe; a non-finite one cannot be trusted either, so it
// counts as lost too.
func seriesPhrase(s Series) string {
	n := len(s.Samples)
	if n == 0 {
		return "no samples"
	}
	var lost int
	var sum float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range s.Samples {
		if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
			lost++
			continue
		}
		v := *p
		sum += v
		lo = math.Min(lo, v)
		hi = math.Max(hi, v)
	}
	count := plural(n, "sample", "samples")
	if lost == n {
		return count + ", all lost"
	}
	if lost > 0 {
		count += " (" + strconv.Itoa(lost) + " lost)"
	}
	avg := sum / float64(n-lost)
	stats := count + ", min/avg/max " + trimFloat(lo, 2) + "/" + trimFloat(avg, 2) + "/" + trimFloat(hi, 2)
	if s.Unit != "" {
		stats += " " + s.Unit
	}
	return stats
}

// itemLabel keeps a row with an empty label visible and distinct from a
// formatting glitch.
func itemLabel(it Item) string {
	if strings.TrimSpace(it.Label) == "" {
		return "(no label)"
	}
	return it.Label
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// isFlatSpace reports runes that end or break a line; inside a one-line field
// they become a plain space so a machine string cannot start a new line.
func isFlatSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// needsVisibleEscape reports runes that would act on the terminal or on the
// reading order (ANSI ESC, BEL, backspace, bidi overrides) instead of being
// read; they are shown as \xNN or \uNNNN so the reader still sees them.
func needsVisibleEscape(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

func visibleEscape(r rune) string {
	if r < 0x100 {
		return fmt.Sprintf(`\x%02x`, r)
	}
	if r > 0xFFFF {
		return fmt.Sprintf(`\U%08x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}

// flatten walks s and calls emit for each piece of a safe one-line version
// of it: whitespace runs collapse into one space, leading and trailing space
// goes, invalid UTF-8 bytes and control runes become visible escapes.
// literal says whether the piece is the rune itself (true) or an escape;
// emit returns false to stop early.
func flatten(s string, emit func(piece string, r rune, literal bool) bool) {
	pendingSpace := false
	started := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if isFlatSpace(r) {
			pendingSpace = started
			continue
		}
		if pendingSpace {
			if !emit(" ", ' ', true) {
				return
			}
			pendingSpace = false
		}
		started = true
		var ok bool
		switch {
		case r == utf8.RuneError && size == 1:
			ok = emit(fmt.Sprintf(`\x%02x`, s[i-1]), r, false)
		case needsVisibleEscape(r):
			ok = emit(visibleEscape(r), r, false)
		default:
			ok = emit(string(r), r, true)
		}
		if !ok {
			return
		}
	}
}
