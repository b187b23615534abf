package camera

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// Every kind of result the check produces must fit the published JSON
// contract, and render as text and markdown without the machine's strings
// breaking the layout.
func TestResultsMatchSchema(t *testing.T) {
	k := &fakeKernel{queries: laptopQueries(), id: identity{UID: 0}}
	laptopScan, err := k.probe().cameras(context.Background(), linuxEnv(t, laptop(), nil))
	if err != nil {
		t.Fatal(err)
	}
	macEnv, _ := osEnv(t, "darwin", map[string]cmdResult{spJSONCmd: {out: fixture(t, "macos/spcamera-odd-names.json")}})
	macScan, err := darwinProbe{}.cameras(context.Background(), macEnv)
	if err != nil {
		t.Fatal(err)
	}
	results := []report.Result{
		verdict(env(false), laptopScan, nil),
		verdict(env(false), macScan, nil),
		verdict(env(true), scan{Source: pnpSource}, nil),
		verdict(env(false), scan{}, errors.New("powershell did not answer within 4s")),
		verdict(env(false), scan{}, errUnsupported),
	}
	start := time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)
	rep := report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "wfh", Version: "test"},
		StartedAt:     start,
		FinishedAt:    start.Add(2 * time.Second),
		Host:          report.Host{OS: "linux", Arch: "amd64"},
		Redaction:     "off",
	}
	for i, r := range results {
		r.ID, r.Title = "camera", "Camera"
		results[i] = r
	}
	rep.Results = results
	rep.Overall = report.ComputeOverall(results)
	var buf bytes.Buffer
	if err := report.Render(&buf, rep, report.FormatJSON, report.RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := reportschema.Validate(buf.Bytes()); err != nil {
		t.Errorf("schema: %v\n%s", err, buf.String())
	}
	for _, f := range []report.Format{report.FormatText, report.FormatMarkdown} {
		buf.Reset()
		if err := report.Render(&buf, rep, f, report.RenderOptions{Verbose: true}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "\x1b") {
			t.Errorf("%s output carries an escape sequence from a device name", f)
		}
	}
}
