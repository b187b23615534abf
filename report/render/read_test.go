package render

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/wfh-cli/wfh/report"
)

// htmlOnlyFixtures are the sample reports added with the HTML report; their
// JSON form is kept as goldens too, so that the schema test
// (schema_test.go) covers them and `wfh report` has real files to read.
var htmlOnlyFixtures = []string{"full", "allfail", "nodevices", "longnames", "script"}

func htmlSample(name string) report.Report {
	for _, sr := range htmlSampleReports {
		if sr.name == name {
			return sr.report()
		}
	}
	panic("no sample report " + name)
}

func TestFixtureJSONGolden(t *testing.T) {
	for _, name := range htmlOnlyFixtures {
		t.Run(name, func(t *testing.T) {
			got := render(t, htmlSample(name), FormatJSON, Options{})
			path := filepath.Join("testdata", name+".json.golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./report/... -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from golden\n%s", path, firstDiff(string(want), got))
			}
		})
	}
}

// TestReadJSONRendersLikeTheRun is the promise of `wfh report`: the JSON of
// a run, read back, renders exactly as the run itself did, in every format.
func TestReadJSONRendersLikeTheRun(t *testing.T) {
	for _, sr := range htmlSampleReports {
		in := sr.report()
		data := render(t, in, FormatJSON, Options{})
		back, err := report.ReadJSON(strings.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", sr.name, err)
		}
		if sr.name == "hostile" {
			// encoding/json replaces invalid UTF-8 bytes; the only change
			// the round trip may make (see TestJSONRoundTrip)
			in.Results[0].Facts["invalid"] = "bad\uFFFD\uFFFDbytes"
		}
		for _, f := range Formats() {
			for _, o := range allOptions() {
				if want, got := render(t, in, f, o), render(t, back, f, o); got != want {
					t.Errorf("%s %s %+v: re-rendered report differs\n%s", sr.name, f, o, firstDiff(want, got))
				}
			}
		}
	}
}

func TestReadJSONVersions(t *testing.T) {
	base := render(t, mixedReport(), FormatJSON, Options{})
	withVersion := func(v string) string {
		return strings.Replace(base, `"schema_version": "`+report.SchemaVersion+`"`, `"schema_version": `+v, 1)
	}
	for _, tc := range []struct {
		doc  string
		want error
		msg  string
	}{
		{withVersion(`"1.0"`), nil, ""},
		{withVersion(`"1.7"`), nil, ""},
		{withVersion(`"01.12"`), nil, ""},
		// a later minor adds fields this build does not know
		{strings.Replace(withVersion(`"1.3"`), `"results": [`, `"battery": {"percent": 80}, "results": [`, 1), nil, ""},
		{strings.Replace(base, `"status": "pass",`, `"status": "pass", "confidence": 0.9,`, 1), nil, ""},
		{withVersion(`"2.0"`), report.ErrSchemaVersion, "the report uses schema 2.0 and this wfh reads 1.x; update wfh to a release that reads 2.x"},
		{withVersion(`"0.9"`), report.ErrSchemaVersion, "open it with an older wfh release that reads 0.x"},
		{withVersion(`"1"`), report.ErrNotReport, `schema_version "1" is not MAJOR.MINOR`},
		{withVersion(`"v1.0"`), report.ErrNotReport, "is not MAJOR.MINOR"},
		{withVersion(`""`), report.ErrNotReport, "is not MAJOR.MINOR"},
		{withVersion(`1.0`), report.ErrNotReport, "schema_version is a number on line 2, want a string"},
		{strings.Replace(base, `"schema_version": "`+report.SchemaVersion+`",`, "", 1), report.ErrNotReport, "it has no schema_version"},
	} {
		_, err := report.ReadJSON(strings.NewReader(tc.doc))
		switch {
		case tc.want == nil && err != nil:
			t.Errorf("%.80q: %v", tc.doc, err)
		case tc.want != nil && (!errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg)):
			t.Errorf("error %v, want %v with %q", err, tc.want, tc.msg)
		}
	}
}

func utf16LE(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func TestReadJSONBadInput(t *testing.T) {
	good := render(t, fullReport(), FormatJSON, Options{})
	for _, tc := range []struct {
		name string
		doc  []byte
		msg  string // "" means the report must be read
	}{
		{"utf-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, good...), ""},
		{"utf-16 from PowerShell", utf16LE(good), ""},
		{"empty", nil, "the file is empty"},
		{"blank", []byte(" \n\t"), "the file is empty"},
		{"array", []byte(`[1, 2]`), "the file holds a JSON array, not a report object"},
		{"null", []byte(`null`), "it has no schema_version"},
		{"markdown", []byte("## wfh report: PASS\n"), "invalid JSON on line 1, column 1"},
		{"cut short", []byte(good[:len(good)/2]), "the file ends in the middle of the report"},
		{"two reports", []byte(good + good), "unexpected text after the report on line"},
		{"wrong type", []byte(strings.Replace(good, `"results": [`, `"results": "none", "x": [`, 1)), "results is a string on line"},
		{"bad value", []byte(strings.Replace(good, `"value": 2.1,`, `"value": "fast",`, 1)), "results.metrics.value is a string on line 32, want a number"},
		{"bad time", []byte(strings.Replace(good, `"started_at": "2025-03-14T08:30:05Z"`, `"started_at": "yesterday"`, 1)), `a time is not in RFC 3339 form`},
		{"syntax", []byte(strings.Replace(good, `"overall": "fail",`, `"overall": fail,`, 1)), "invalid JSON on line"},
		{"too large", append([]byte(`{"schema_version": "1.0", "x": "`), bytes.Repeat([]byte("a"), report.MaxReportBytes)...), "larger than 32 MB"},
	} {
		rep, err := report.ReadJSON(bytes.NewReader(tc.doc))
		if tc.msg == "" {
			if err != nil || len(rep.Results) != len(fullReport().Results) {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !errors.Is(err, report.ErrNotReport) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.msg)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("%s: error is more than one line: %q", tc.name, err)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errBroken }

func TestReadJSONReadError(t *testing.T) {
	if _, err := report.ReadJSON(failingReader{}); !errors.Is(err, errBroken) {
		t.Errorf("read error not wrapped: %v", err)
	}
}

func FuzzReadJSON(f *testing.F) {
	for _, name := range []string{"full", "mixed", "hostile", "empty"} {
		var b bytes.Buffer
		if err := Render(&b, htmlSample(name), FormatJSON, Options{}); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	for _, s := range []string{"", "{}", `{"schema_version":"1.0"}`, `{"schema_version":"9.0"}`, `{"schema_version":"1.0","results":[{}]}`,
		`{"schema_version":"1.0","results":[{"series":[{"samples":[null,1e308,-1e308]}]}]}`, "\xff\xfe{\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := report.ReadJSON(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, report.ErrNotReport) && !errors.Is(err, report.ErrSchemaVersion) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error is more than one line: %q", err)
			}
			return
		}
		// whatever was read renders in every format
		for _, format := range Formats() {
			var b bytes.Buffer
			if err := Render(&b, rep, format, Options{Verbose: true}); err != nil {
				t.Fatalf("render %s: %v", format, err)
			}
		}
	})
}
