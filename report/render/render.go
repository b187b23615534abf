// Package render writes a report for people and programs: text for the
// terminal, Markdown for tickets and chat, JSON for scripts (the versioned
// contract of docs/report.schema.json) and one self-contained HTML page. It
// only reads the report it is given: redaction happens before (report/redact),
// and the first screen's key figures and problems come from report/summary.
package render

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/internal/human"
)

// Format names an output form of the report.
type Format string

const (
	FormatText     Format = "text"
	FormatMarkdown Format = "markdown"
	FormatJSON     Format = "json"
	FormatHTML     Format = "html"
	// FormatPrometheus is not a report a person reads but the key figures
	// as Prometheus gauges (text exposition format 0.0.4), for
	// node_exporter's textfile collector; see prometheus.go.
	FormatPrometheus Format = "prometheus"
)

// Formats returns the report formats, the documents a person or a script
// reads, in the order --help lists them.
func Formats() []Format {
	return []Format{FormatText, FormatMarkdown, FormatJSON, FormatHTML}
}

// AllFormats returns every format --format accepts: the report formats,
// then the Prometheus metrics.
func AllFormats() []Format {
	return append(Formats(), FormatPrometheus)
}

// ParseFormat turns a --format value into a Format. Case and surrounding
// spaces are forgiven because people type these by hand.
func ParseFormat(s string) (Format, error) {
	want := Format(strings.ToLower(strings.TrimSpace(s)))
	for _, f := range AllFormats() {
		if f == want {
			return f, nil
		}
	}
	names := make([]string, 0, len(AllFormats()))
	for _, f := range AllFormats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown format %q; valid formats: %s", s, strings.Join(names, ", "))
}

// Options are the caller's decisions about the output device; the
// renderers never look at the environment themselves.
type Options struct {
	Color   bool // ANSI colour on the text renderer; the caller decides from NO_COLOR/--no-color/TTY
	Verbose bool // show every measurement, item and series; otherwise key figures only
	Unicode bool // status glyphs (✔ ▲ ✖ …) allowed; otherwise ASCII only
	// ExitCode is the run's exit status, which the Prometheus metrics
	// carry (wfh_exit_code); nil leaves it out, as when a saved report is
	// rendered again. The report formats ignore it.
	ExitCode *int
	// Width is the terminal's width in columns: the text report wraps its
	// lines at word boundaries to it, continuation lines indented under
	// their own. 0 (a file, a pipe) wraps nothing.
	Width int
	// FixesLast ends the text report with a short "What to fix" block (the
	// worst problems and their fixes) after the details, so that the last
	// screen of a terminal is the one that matters. Off for files and pipes,
	// whose readers scroll or search.
	FixesLast bool
}

// Render writes r to w in format f. It only reads the report. The output is
// built in memory first so that a failing writer never leaves a half report
// that looks complete, and so that there is a single write error to report.
func Render(w io.Writer, r report.Report, f Format, o Options) error {
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
	case FormatPrometheus:
		renderPrometheus(&buf, r, o)
	default:
		_, err := ParseFormat(string(f))
		return fmt.Errorf("render report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write %s report: %w", f, err)
	}
	return nil
}

// statusWordWidth is the widest status word, so titles line up.
const statusWordWidth = 7

// overallOf trusts the report's verdict but fills it in when a caller forgot,
// rather than printing an empty verdict.
func overallOf(r report.Report) report.Status {
	if r.Overall == "" {
		return report.ComputeOverall(r.Results)
	}
	return r.Overall
}

// countsPhrase says how many results had each verdict, worst first, leaving
// out zero counts ("1 failed, 1 warning, 3 passed, 1 skipped").
func countsPhrase(r report.Report) string {
	if r.Watch != nil {
		return watchCountsPhrase(r.Watch)
	}
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
	add(c[report.Fail], "failed", "failed")
	add(c[report.Error], "error", "errors")
	add(c[report.Warn], "warning", "warnings")
	add(c[report.Pass], "passed", "passed")
	add(c[report.Skipped], "skipped", "skipped")
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

// formatSeconds renders a run or check duration; "" when there is nothing
// worth showing (a skipped check that took no time, a corrupt value).
func formatSeconds(sec float64) string {
	switch {
	case math.IsNaN(sec) || math.IsInf(sec, 0) || sec <= 0 || !report.PlausibleSeconds(sec):
		return ""
	case sec < 0.1:
		return human.TrimFloat(sec*1000, 0) + " ms"
	case sec < 60:
		return human.TrimFloat(sec, 1) + " s"
	case sec >= 3600:
		total := int64(math.Round(sec / 60))
		return fmt.Sprintf("%d h %d min", total/60, total%60)
	default:
		total := int64(math.Round(sec))
		return fmt.Sprintf("%d min %d s", total/60, total%60)
	}
}

func toolPhrase(t report.Tool) string {
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
func redacted(r report.Report) bool { return r.Redaction == "on" }

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
// the output does not change between runs of the same machine. Names that
// differ only by the unit humanLabel drops ("disk_free_bytes" and
// "disk_free_percent"), or a metric and a fact of one name
// ("public_resolver_ms" and "public_resolver"), would show one label twice:
// they make one figure, "disk free: 69.6 GB (25.7 %)", and a value the
// first already says ("8.8.8.8" after "not measured (8.8.8.8 did not
// reply)") is not repeated.
func figuresOf(metrics []report.Metric, facts map[string]string) []figure {
	out := make([]figure, 0, len(metrics)+len(facts))
	at := map[string]int{}
	add := func(f figure) {
		key := strings.ToLower(f.label)
		i, seen := at[key]
		switch {
		case !seen:
			at[key] = len(out)
			out = append(out, f)
		case strings.TrimSpace(f.value) == "" ||
			strings.Contains(strings.ToLower(out[i].value), strings.ToLower(strings.TrimSpace(f.value))):
		default:
			out[i].value += " (" + f.value + ")"
		}
	}
	for _, m := range metrics {
		add(figure{humanLabel(m.Name, m.Unit), m.FormatValue()})
	}
	for _, k := range sortedKeys(facts) {
		add(figure{humanLabel(k, ""), facts[k]})
	}
	return out
}

// resultFigures are the figures a result's section shows. Without
// --verbose, a fact the result's summary already says is left out: the
// latency summary ends "loss starts at your router (Wi-Fi or cable)", and
// "problems start: at your router (Wi-Fi or cable)" right under it only
// repeats it. Only values of several words count, so that a short value
// ("yes", "12") is never dropped because it happens to be in a sentence.
func resultFigures(res report.Result, verbose bool) []figure {
	facts := res.Facts
	if !verbose && res.Summary != "" {
		summary := strings.ToLower(res.Summary)
		facts = make(map[string]string, len(res.Facts))
		for k, v := range res.Facts {
			said := strings.TrimSpace(v)
			if strings.Contains(said, " ") && utf8.RuneCountInString(said) >= 8 && strings.Contains(summary, strings.ToLower(said)) {
				continue
			}
			facts[k] = v
		}
	}
	return figuresOf(res.Metrics, facts)
}

// shownItems are res's items as the sections show them. In a skipped check
// an item's failure is not a problem to fix: the DNS servers of an offline
// run "fail" only because nothing can be reached, and the check's reason
// says so; such items read as skipped, not as red crosses. The JSON keeps
// each item's own status.
func shownItems(res report.Result) []report.Item {
	if res.Status != report.Skipped {
		return res.Items
	}
	out := slices.Clone(res.Items)
	for i := range out {
		if out[i].Status != report.Pass {
			out[i].Status = report.Skipped
		}
	}
	return out
}

// itemsTitle heads a result's list of items: "5 items, 2 not passing", or,
// for a skipped check, "3 items, not checked".
func itemsTitle(res report.Result) (title string, notPass int) {
	for _, it := range res.Items {
		if it.Status != report.Pass {
			notPass++
		}
	}
	if res.Status == report.Skipped {
		return plural(len(res.Items), "item", "items") + ", not checked", 0
	}
	return plural(len(res.Items), "item", "items") + ", " + strconv.Itoa(notPass) + " not passing", notPass
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// seriesPhrase is "10 samples (1 lost), min/avg/max 10.2/12.3/15 ms". A nil
// sample is a lost probe; a non-finite one cannot be trusted either, so it
// counts as lost too.
func seriesPhrase(s report.Series) string {
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
	stats := count + ", min/avg/max " + human.TrimFloat(lo, 2) + "/" + human.TrimFloat(avg, 2) + "/" + human.TrimFloat(hi, 2)
	if s.Unit != "" {
		stats += " " + s.Unit
	}
	return stats
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
