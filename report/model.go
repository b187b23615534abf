// Package report holds the wfh report model: the results checks fill in, the
// names of the key figures the summary reads (keys.go), what redaction must
// know about the machine (Known), and reading a saved JSON report back.
//
// The model is plain data: checks fill it, and the packages beside it only
// read it. report/redact makes the copy that may be shared, report/summary
// picks the key figures and problems a reader needs first, and report/render
// writes text, Markdown, JSON and HTML. None of them runs a check, and a
// check never formats output. The JSON form is a public, versioned contract
// described by docs/report.schema.json.
package report

import (
	"time"

	"github.com/wfh-cli/wfh/report/internal/human"
)

// SchemaVersion is major.minor. Later changes only add optional fields and bump
// the minor; the major changes only when a field is removed or changes meaning.
const SchemaVersion = "1.2"

// Status is the verdict of one check, one item, one finding or the whole run.
type Status string

const (
	Pass    Status = "pass"
	Warn    Status = "warn"
	Fail    Status = "fail"
	Skipped Status = "skipped"
	Error   Status = "error"
)

// AllStatuses lists the statuses in severity order, for docs and validation.
var AllStatuses = []Status{Pass, Skipped, Warn, Fail, Error}

// Rank orders statuses by severity: pass = skipped < warn < fail = error.
// Unknown statuses rank as error so that a corrupt value never reads as good.
func (s Status) Rank() int {
	switch s {
	case Pass, Skipped:
		return 0
	case Warn:
		return 1
	default:
		return 2
	}
}

// Valid reports whether s is one of the five statuses.
func (s Status) Valid() bool {
	switch s {
	case Pass, Warn, Fail, Skipped, Error:
		return true
	}
	return false
}

// Worst returns the most severe of the statuses; error wins a tie with fail
// because it tells the reader the figures are missing, not bad.
func Worst(statuses ...Status) Status {
	worst := Pass
	for _, s := range statuses {
		if s.Rank() > worst.Rank() || (s.Rank() == worst.Rank() && s == Error) {
			worst = s
		}
	}
	return worst
}

// Report is one run of wfh doctor, or one wfh watch (then Watch is set).
type Report struct {
	SchemaVersion string    `json:"schema_version"`
	Tool          Tool      `json:"tool"`
	StartedAt     time.Time `json:"started_at"`
	FinishedAt    time.Time `json:"finished_at"`
	// DurationSeconds is FinishedAt - StartedAt, in seconds.
	DurationSeconds float64 `json:"duration_seconds"`
	Host            Host    `json:"host"`
	// Profile is the name of the organisation profile used, empty when none.
	Profile string `json:"profile,omitempty"`
	// ProfileSource says where a profile fetched from a URL came from and
	// how old the copy used is; nil for a profile read from a file.
	ProfileSource *ProfileSource `json:"profile_source,omitempty"`
	// Quick is true when --quick left out the checks that load the network.
	Quick bool `json:"quick,omitempty"`
	// Redaction is "on" when private data was replaced, "off" with --no-redact.
	Redaction string `json:"redaction"`
	// Interrupted is true when the user stopped the run (Ctrl-C).
	Interrupted bool     `json:"interrupted,omitempty"`
	Overall     Status   `json:"overall"`
	Results     []Result `json:"results"`
	// Watch is the record of a `wfh watch`: its events, rungs and
	// per-minute timeline; nil for wfh doctor. Added in 1.2.
	Watch *Watch `json:"watch,omitempty"`
}

// ProfileSource describes a profile fetched from IT's web address
// (--profile https://...).
type ProfileSource struct {
	// URL is the profile's address without credentials, query or fragment.
	URL string `json:"url"`
	// SHA256 is the hex SHA-256 of the profile's bytes, the value a
	// "#sha256=" pin compares with.
	SHA256 string `json:"sha256"`
	// Pinned is true when the address carried a "#sha256=" pin, which the
	// profile matched.
	Pinned bool `json:"pinned"`
	// FetchedAt is when the copy used was downloaded.
	FetchedAt time.Time `json:"fetched_at"`
	// FromCache is true when the address could not be reached and the copy
	// saved by an earlier run was used instead.
	FromCache bool `json:"from_cache,omitempty"`
	// AgeSeconds is how old the copy used was when the run started, in
	// seconds: about 0 when it was fetched for this run.
	AgeSeconds float64 `json:"age_seconds"`
}

// Tool identifies the wfh build that made the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
}

// Host holds facts about the machine that every reader of a ticket needs
// before any check result. Hostname and User are redacted by default.
type Host struct {
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	Hostname string `json:"hostname,omitempty"`
	User     string `json:"user,omitempty"`
	// TimeZone is the IANA name where known, and UTCOffset is like "+01:00".
	TimeZone  string `json:"time_zone,omitempty"`
	UTCOffset string `json:"utc_offset,omitempty"`
}

// Result is what one check found.
type Result struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	// Summary is one plain-language line a teleworker can read.
	Summary string `json:"summary"`
	// DurationSeconds is how long the check ran, in seconds.
	DurationSeconds float64   `json:"duration_seconds"`
	Findings        []Finding `json:"findings,omitempty"`
	Metrics         []Metric  `json:"metrics,omitempty"`
	// Facts are named text values (an OS name, a time zone) keyed by stable
	// snake_case names.
	Facts  map[string]string `json:"facts,omitempty"`
	Items  []Item            `json:"items,omitempty"`
	Series []Series          `json:"series,omitempty"`
}

// Finding is one problem or note, with what to do about it.
type Finding struct {
	// Severity is pass for a note, warn or fail for a problem, error when the
	// check could not measure something it needed.
	Severity Status `json:"severity"`
	Message  string `json:"message"`
	// Fix is a plain-language next step ("Restart your router"); empty for notes.
	Fix string `json:"fix,omitempty"`
}

// Metric is one measured figure. Value is nil when the figure was not
// measured, which is not the same as zero; Note then says why.
type Metric struct {
	Name  string   `json:"name"`
	Value *float64 `json:"value"`
	Unit  string   `json:"unit"`
	Note  string   `json:"note,omitempty"`
}

// Item is a labelled row inside a result: a ping target, a resolver, a device.
type Item struct {
	Label      string            `json:"label"`
	Kind       string            `json:"kind,omitempty"`
	Status     Status            `json:"status"`
	Summary    string            `json:"summary,omitempty"`
	Metrics    []Metric          `json:"metrics,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Series is a sequence of samples over time, such as RTTs. A NaN sample is not
// allowed in JSON, so a lost probe is recorded as null.
type Series struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
	// Item names the Item.Label this series belongs to, if any.
	Item string `json:"item,omitempty"`
	// IntervalSeconds is the nominal spacing between samples, if regular.
	IntervalSeconds float64    `json:"interval_seconds,omitempty"`
	Samples         []*float64 `json:"samples"`
}

// Measured builds a metric with a value.
func Measured(name string, value float64, unit string) Metric {
	return Metric{Name: name, Value: &value, Unit: unit}
}

// NotMeasured builds a metric without a value and says why.
func NotMeasured(name, unit, why string) Metric {
	return Metric{Name: name, Unit: unit, Note: why}
}

// Metric returns the named metric of r.
func (r Result) Metric(name string) (Metric, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// Counts returns how many results have each status.
func (r Report) Counts() map[Status]int {
	counts := map[Status]int{}
	for _, res := range r.Results {
		counts[res.Status]++
	}
	return counts
}

// ComputeOverall returns the worst status of the results; a run with no
// results is an error because it checked nothing.
func ComputeOverall(results []Result) Status {
	if len(results) == 0 {
		return Error
	}
	statuses := make([]Status, len(results))
	for i, r := range results {
		statuses[i] = r.Status
	}
	return Worst(statuses...)
}

// FormatMbps words a rate in Mbit/s as every part of wfh shows rates:
// "850 kbit/s", "43.2 Mbit/s", "940 Mbit/s", "36.80 Gbit/s". The speed
// test's own messages use it too, so that a figure never reads differently
// in the summary card and in the check's details.
func FormatMbps(v float64) string { return human.Mbps(v) }

// FormatValue renders a metric value for people: units they know, no more
// digits than the measurement supports.
func (m Metric) FormatValue() string {
	if m.Value == nil {
		if m.Note != "" {
			return "not measured (" + m.Note + ")"
		}
		return "not measured"
	}
	v := *m.Value
	switch m.Unit {
	case "s":
		return human.Seconds(v)
	case "bytes":
		return human.Bytes(v)
	case "Mbit/s":
		return FormatMbps(v)
	case "%", "percent":
		return human.TrimFloat(v, 1) + " %"
	case "":
		return human.TrimFloat(v, 2)
	default:
		return human.TrimFloat(v, 2) + " " + m.Unit
	}
}
