package profile

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// docs/profile.schema.json lets editors check a profile as it is typed.
// These tests hold it to the loader: the same keys, the same defaults, the
// example profiles valid under both, and the usual mistakes refused by
// both. The loader stays the judge (some rules, such as timeout's range or
// a warn level above its fail level, a schema cannot say).

const schemaFile = "../../docs/profile.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	s, err := c.Compile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// yamlAsJSON turns a profile into the JSON document a YAML-aware editor
// hands the schema.
func yamlAsJSON(t *testing.T, src string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// schemaKeys lists the schema's property paths with their nodes, in the
// loader's notation ("dns.company_names[].name").
func schemaKeys(t *testing.T) map[string]map[string]any {
	t.Helper()
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	var visit func(node map[string]any, prefix string)
	visit = func(node map[string]any, prefix string) {
		if props, ok := node["properties"].(map[string]any); ok {
			for name, p := range props {
				child := p.(map[string]any)
				path := join(prefix, name)
				out[path] = child
				visit(child, path)
			}
		}
		if items, ok := node["items"].(map[string]any); ok {
			visit(items, prefix+"[]")
		}
	}
	visit(root, "")
	return out
}

func TestSchemaHasEveryKey(t *testing.T) {
	inSchema := schemaKeys(t)
	var schemaPaths []string
	for p := range inSchema {
		schemaPaths = append(schemaPaths, p)
	}
	loader := loaderKeyPaths()
	sort.Strings(schemaPaths)
	for _, p := range loader {
		if _, ok := inSchema[p]; !ok {
			t.Errorf("the loader reads %s, which docs/profile.schema.json lacks", p)
		}
	}
	for _, p := range schemaPaths {
		if !slices.Contains(loader, p) {
			t.Errorf("docs/profile.schema.json has %s, which the loader refuses", p)
		}
	}
	for _, k := range keys {
		node := inSchema[k.Path]
		if node == nil {
			continue
		}
		if d, _ := node["description"].(string); d == "" {
			t.Errorf("%s has no description in the schema", k.Path)
		}
		if !k.Section() && k.Path != "" {
			// A map keyed by a closed set of names (calls.targets by app)
			// closes itself with propertyNames instead.
			if ap, ok := node["additionalProperties"]; ok && ap != false && node["propertyNames"] == nil {
				t.Errorf("%s: additionalProperties must be false, or propertyNames must close the keys", k.Path)
			}
		}
	}
}

// TestSchemaDefaults: the schema's defaults are the key table's, which the
// template writes.
func TestSchemaDefaults(t *testing.T) {
	inSchema := schemaKeys(t)
	for _, k := range keys {
		node := inSchema[k.Path]
		if node == nil {
			continue
		}
		got, has := node["default"]
		if k.Default == "" {
			if has {
				t.Errorf("%s: the schema gives the default %v, the key table none (%s)", k.Path, got, k.DefaultWords)
			}
			continue
		}
		var want any
		if err := yaml.Unmarshal([]byte(k.Default), &want); err != nil {
			t.Fatalf("%s: default %q: %v", k.Path, k.Default, err)
		}
		wantJSON, _ := json.Marshal(want)
		gotJSON, _ := json.Marshal(got)
		if !bytes.Equal(wantJSON, gotJSON) {
			t.Errorf("%s: the schema's default is %s, the key table's %s", k.Path, gotJSON, wantJSON)
		}
	}
}

// TestSchemaAcceptsValidProfiles: the example, the template and the
// template with every line uncommented are valid under both.
func TestSchemaAcceptsValidProfiles(t *testing.T) {
	s := compileSchema(t)
	example, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeCert(t, dir, "acme-root-ca.pem", true)
	for name, src := range map[string]string{
		"example":           string(example),
		"template":          Template(),
		"template defaults": uncomment(Template(), false),
		"template examples": uncomment(Template(), true),
		"empty":             "",
		"null sections":     "checks:\nsystem:\nreport:\n",
		"mixed case check":  "checks:\n  only: [' System ']\n",
	} {
		path := filepath.Join(dir, "p.yaml")
		mustWrite(t, path, src)
		if _, err := Load(path, known); err != nil {
			t.Errorf("%s: the loader refuses it: %v", name, err)
		}
		if err := s.Validate(yamlAsJSON(t, src)); err != nil {
			t.Errorf("%s: the schema refuses it: %v", name, err)
		}
	}
}

// TestSchemaRefusesWhatTheLoaderRefuses: the mistakes a schema can see.
func TestSchemaRefusesWhatTheLoaderRefuses(t *testing.T) {
	s := compileSchema(t)
	for _, src := range []string{
		"chekcs:\n  only: [system]\n",
		"timeout: 90\n",
		"timeout: 90 seconds\n",
		"fail_on: sometimes\n",
		"system:\n  max_uptime_days: 0\n",
		"system:\n  max_uptime_days: 1.5\n",
		"system:\n  max_uptime_days: \"two weeks\"\n",
		"camera:\n  required: yes please\n",
		"network:\n  anchors: [http://www.acme.example/]\n",
		"network:\n  anchors: https://www.acme.example/\n",
		"latency:\n  rtt_warn_ms: 0\n",
		"latency:\n  anchors: [a, b, c, d, e, f, g, h, i]\n",
		"dns:\n  company_names:\n    - vpn_only: true\n",
		"dns:\n  company_names:\n    - name: a.example\n      vpn: true\n",
		"bandwidth:\n  max_data: 250\n",
		"bandwidth:\n  min_upload_mbps: -1\n",
		"vpn:\n  gateway: vpn.acme.example\n  gateway_type: ipsec\n",
		"report:\n  post_url: http://helpdesk.acme.example/\n",
		"report:\n  post_authorization_env: Bearer abc123\n",
		"report:\n  post_secret_env: 1SECRET\n",
		"system: 14\n",
	} {
		if _, err := Parse("p.yaml", []byte(src), known); err == nil {
			t.Errorf("the loader accepts %q", src)
		}
		if err := s.Validate(yamlAsJSON(t, src)); err == nil {
			t.Errorf("the schema accepts %q", src)
		}
	}
}

// TestSchemaIsCompact keeps the file readable: descriptions are one line
// each and the schema names its draft.
func TestSchemaIsCompact(t *testing.T) {
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	if root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", root["$schema"])
	}
	if !reflect.DeepEqual(root["type"], []any{"object", "null"}) {
		t.Errorf("an empty profile (null) must be valid: type %v", root["type"])
	}
	if strings.Contains(string(data), "\t") {
		t.Error("tabs in the schema")
	}
}
