package reportschema

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/redact"
)

func f64(v float64) *float64 { return &v }

// sample uses every field of the model, every status and both kinds of null.
func sample() report.Report {
	start := time.Date(2025, 3, 1, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))
	return report.Report{
		SchemaVersion:   report.SchemaVersion,
		Tool:            report.Tool{Name: "wfh", Version: "1.0.0", Commit: "3f552c2"},
		StartedAt:       start,
		FinishedAt:      start.Add(7500 * time.Millisecond),
		DurationSeconds: 7.5,
		Host: report.Host{OS: "linux", Arch: "amd64", Hostname: "alice-laptop", User: "alice",
			TimeZone: "Europe/Paris", UTCOffset: "+01:00"},
		Profile:     "acme",
		Redaction:   "off",
		Interrupted: true,
		Overall:     report.Error,
		Results: []report.Result{
			{
				ID: "network", Title: "Network", Status: report.Warn, Summary: "Slow but working", DurationSeconds: 2.25,
				Findings: []report.Finding{
					{Severity: report.Warn, Message: "Loss 5 %", Fix: "Move closer to the router"},
					{Severity: report.Pass, Message: "IPv6 works"},
				},
				Metrics: []report.Metric{
					report.Measured("rtt_avg", 23.5, "ms"),
					report.Measured("count", 3, ""),
					report.NotMeasured("jitter", "ms", "no replies"),
					{Name: "loss", Unit: "%"},
				},
				Facts: map[string]string{"gateway": "192.168.1.1", "ssid": "Home"},
				Items: []report.Item{
					{Label: "8.8.8.8", Kind: "target", Status: report.Pass, Summary: "fine",
						Metrics:    []report.Metric{report.Measured("rtt_avg", 12, "ms")},
						Attributes: map[string]string{"name": "dns.google"}},
					{Label: "1.1.1.1", Status: report.Fail},
				},
				Series: []report.Series{
					{Name: "rtt", Unit: "ms", Item: "8.8.8.8", IntervalSeconds: 0.5,
						Samples: []*float64{f64(11), nil, f64(12.5), nil}},
					{Name: "rtt", Unit: "ms", Samples: []*float64{}},
					{Name: "rtt", Unit: "ms"},
				},
			},
			{ID: "clock", Title: "Clock", Status: report.Pass, Summary: "In sync"},
			{ID: "camera", Title: "Camera", Status: report.Skipped, Summary: "No camera"},
			{ID: "vpn", Title: "VPN", Status: report.Fail, Summary: "Gateway unreachable"},
			{ID: "audio", Title: "Audio", Status: report.Error, Summary: "Could not list devices",
				Findings: []report.Finding{{Severity: report.Error, Message: "permission denied"}}},
		},
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSampleValidates(t *testing.T) {
	if err := Validate(marshal(t, sample())); err != nil {
		t.Fatal(err)
	}
	// The smallest report wfh can write: nothing optional, no results.
	minimal := report.Report{SchemaVersion: "1.0", Tool: report.Tool{Name: "wfh", Version: "dev"},
		Redaction: "on", Overall: report.Error}
	if err := Validate(marshal(t, minimal)); err != nil {
		t.Fatal(err)
	}
	r, err := json.MarshalIndent(redact.Redact(sample(), report.Known{Hostname: "alice-laptop", User: "alice"}), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(r); err != nil {
		t.Fatalf("redacted report: %v", err)
	}
}

// edit decodes the sample, lets change alter the generic form and encodes it.
func edit(t *testing.T, change func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(marshal(t, sample()), &doc); err != nil {
		t.Fatal(err)
	}
	change(doc)
	return marshal(t, doc)
}

func result0(doc map[string]any) map[string]any {
	return doc["results"].([]any)[0].(map[string]any)
}

func TestInvalidDocumentsFail(t *testing.T) {
	cases := []struct {
		name   string
		data   []byte
		wantIn string // a JSON pointer or text the error must name
	}{
		{"unknown top-level field", edit(t, func(d map[string]any) { d["color"] = "red" }), "color"},
		{"unknown metric field", edit(t, func(d map[string]any) {
			result0(d)["metrics"].([]any)[0].(map[string]any)["min"] = 1
		}), "/results/0/metrics/0"},
		{"unknown host field", edit(t, func(d map[string]any) { d["host"].(map[string]any)["ip"] = "1.2.3.4" }), "/host"},
		{"bad status", edit(t, func(d map[string]any) { result0(d)["status"] = "ok" }), "/results/0/status"},
		{"bad finding severity", edit(t, func(d map[string]any) {
			result0(d)["findings"].([]any)[0].(map[string]any)["severity"] = "WARN"
		}), "/results/0/findings/0/severity"},
		{"bad overall", edit(t, func(d map[string]any) { d["overall"] = "" }), "/overall"},
		{"missing summary", edit(t, func(d map[string]any) { delete(result0(d), "summary") }), "/results/0"},
		{"missing metric value", edit(t, func(d map[string]any) {
			delete(result0(d)["metrics"].([]any)[0].(map[string]any), "value")
		}), "/results/0/metrics/0"},
		{"missing schema_version", edit(t, func(d map[string]any) { delete(d, "schema_version") }), "schema_version"},
		{"string metric value", edit(t, func(d map[string]any) {
			result0(d)["metrics"].([]any)[0].(map[string]any)["value"] = "23.5"
		}), "/results/0/metrics/0/value"},
		{"string sample", edit(t, func(d map[string]any) {
			result0(d)["series"].([]any)[0].(map[string]any)["samples"] = []any{1, "lost"}
		}), "/results/0/series/0/samples/1"},
		{"non-string fact", edit(t, func(d map[string]any) { result0(d)["facts"].(map[string]any)["n"] = 3 }), "/results/0/facts/n"},
		{"redaction", edit(t, func(d map[string]any) { d["redaction"] = "yes" }), "/redaction"},
		{"major version 2", edit(t, func(d map[string]any) { d["schema_version"] = "2.0" }), "/schema_version"},
		{"bad date-time", edit(t, func(d map[string]any) { d["started_at"] = "yesterday" }), "/started_at"},
		{"utc offset", edit(t, func(d map[string]any) { d["host"].(map[string]any)["utc_offset"] = "+0100" }), "/host/utc_offset"},
		{"negative duration", edit(t, func(d map[string]any) { d["duration_seconds"] = -1 }), "/duration_seconds"},
		{"empty findings", edit(t, func(d map[string]any) { result0(d)["findings"] = []any{} }), "/results/0/findings"},
		{"not JSON", []byte(`{"schema_version": "1.0",`), "not valid JSON"},
		{"two documents", append(marshal(t, sample()), []byte(" {}")...), "not valid JSON"},
		{"not an object", []byte(`[]`), "/"},
	}
	for _, c := range cases {
		err := Validate(c.data)
		if err == nil {
			t.Errorf("%s: validated", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.wantIn) {
			t.Errorf("%s: error does not name %q:\n%v", c.name, c.wantIn, err)
		}
	}
}

func TestErrorListsEveryViolation(t *testing.T) {
	data := edit(t, func(d map[string]any) {
		d["overall"] = "bad"
		result0(d)["status"] = "worse"
		d["extra"] = true
	})
	err := Validate(data)
	if err == nil {
		t.Fatal("validated")
	}
	for _, want := range []string{"/overall", "/results/0/status", "extra"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error misses %s:\n%v", want, err)
		}
	}
}

// The schema documents the report for IT scripts, so it must describe each
// field of the model and nothing else, with the same optionality.
func TestSchemaMatchesModel(t *testing.T) {
	raw, err := os.ReadFile(schemaPath())
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	defs := schema["$defs"].(map[string]any)
	nodes := map[reflect.Type]map[string]any{
		reflect.TypeFor[report.Report]():  schema,
		reflect.TypeFor[report.Tool]():    defs["tool"].(map[string]any),
		reflect.TypeFor[report.Host]():    defs["host"].(map[string]any),
		reflect.TypeFor[report.Result]():  defs["result"].(map[string]any),
		reflect.TypeFor[report.Finding](): defs["finding"].(map[string]any),
		reflect.TypeFor[report.Metric]():  defs["metric"].(map[string]any),
		reflect.TypeFor[report.Item]():    defs["item"].(map[string]any),
		reflect.TypeFor[report.Series]():  defs["series"].(map[string]any),
	}
	for typ, node := range nodes {
		if node["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties is not false", typ.Name())
		}
		props := node["properties"].(map[string]any)
		var required []string
		for _, r := range node["required"].([]any) {
			required = append(required, r.(string))
		}
		var fields []string
		for f := range typ.Fields() {
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			fields = append(fields, name)
			if _, ok := props[name]; !ok {
				t.Errorf("%s.%s (%s) is not in the schema", typ.Name(), f.Name, name)
			}
			omitempty := slices.Contains(strings.Split(opts, ","), "omitempty")
			if omitempty == slices.Contains(required, name) {
				t.Errorf("%s.%s: omitempty %v but required %v", typ.Name(), f.Name, omitempty, !omitempty)
			}
		}
		for name := range props {
			if !slices.Contains(fields, name) {
				t.Errorf("schema property %s.%s is not in the model", typ.Name(), name)
			}
		}
	}
}

func TestEveryPropertyIsDescribed(t *testing.T) {
	raw, err := os.ReadFile(schemaPath())
	if err != nil {
		t.Fatal(err)
	}
	var schema any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		if props, ok := obj["properties"].(map[string]any); ok {
			for name, p := range props {
				if d, _ := p.(map[string]any)["description"].(string); len(d) < 10 {
					t.Errorf("%s/properties/%s has no real description", path, name)
				}
			}
		}
		for k, child := range obj {
			walk(path+"/"+k, child)
		}
	}
	walk("#", schema)
}

func TestStatusEnumMatchesModel(t *testing.T) {
	raw, err := os.ReadFile(schemaPath())
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs struct {
			Status struct {
				Enum []string `json:"enum"`
			} `json:"status"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range report.AllStatuses {
		want = append(want, string(s))
	}
	got := slices.Sorted(slices.Values(schema.Defs.Status.Enum))
	if slices.Sort(want); !slices.Equal(got, want) {
		t.Errorf("status enum %v, model %v", got, want)
	}
}
