package reportschema

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/render"
)

// CheckResults is for check packages' tests: it wraps results in a report,
// fails t unless the JSON form matches docs/report.schema.json, and unless
// the text and Markdown forms are free of terminal escape sequences that a
// hostile device or network name could smuggle in. It returns the report
// for further assertions.
func CheckResults(t testing.TB, id, title string, results []report.Result) report.Report {
	t.Helper()
	start := time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)
	rep := report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "wfh", Version: "test"},
		StartedAt:     start,
		FinishedAt:    start.Add(2 * time.Second),
		Host:          report.Host{OS: "linux", Arch: "amd64"},
		Redaction:     "off",
	}
	for _, r := range results {
		r.ID, r.Title = id, title
		rep.Results = append(rep.Results, r)
	}
	rep.Overall = report.ComputeOverall(rep.Results)
	var buf bytes.Buffer
	if err := render.Render(&buf, rep, render.FormatJSON, render.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Validate(buf.Bytes()); err != nil {
		t.Errorf("schema: %v\n%s", err, buf.String())
	}
	for _, f := range []render.Format{render.FormatText, render.FormatMarkdown} {
		buf.Reset()
		if err := render.Render(&buf, rep, f, render.Options{Verbose: true}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "\x1b") {
			t.Errorf("%s output carries an escape sequence", f)
		}
	}
	return rep
}
