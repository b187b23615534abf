// Package reportschema checks JSON reports against docs/report.schema.json,
// the published contract of `wfh doctor --format json`. Tests use it so that
// a field added to the model without the schema, or the reverse, fails.
package reportschema

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaPath returns where the schema file is: found from this source file rather
// than the working directory, because go test runs each package in its own
// directory. It therefore needs the source tree, which tests always have.
func schemaPath() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("docs", "report.schema.json")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "docs", "report.schema.json")
}

// compiled holds the schema, compiled once: it never changes while a test
// binary runs, and compiling it for every document would dominate the tests.
var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	// Formats are annotations in draft 2020-12 unless asserted, and a broken
	// started_at is exactly what the schema should catch.
	c.AssertFormat()
	path := schemaPath()
	s, err := c.Compile(path)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", path, err)
	}
	return s, nil
})

// Validate checks that data is one JSON document that matches the report
// schema. The error lists every violation with its JSON pointer.
func Validate(data []byte) error {
	s, err := compiled()
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("report is not valid JSON: %w", err)
	}
	err = s.Validate(doc)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var b strings.Builder
	b.WriteString("report does not match docs/report.schema.json:")
	for _, v := range violations(ve.DetailedOutput()) {
		b.WriteString("\n  ")
		b.WriteString(v)
	}
	return errors.New(b.String())
}

// violations flattens the detailed output to its leaves: the inner nodes only
// say "validation failed" for a $ref or a group, which tells the reader nothing.
func violations(u *jsonschema.OutputUnit) []string {
	if len(u.Errors) == 0 {
		if u.Error == nil {
			return nil
		}
		loc := u.InstanceLocation
		if loc == "" {
			loc = "/"
		}
		return []string{fmt.Sprintf("at %s: %s", loc, u.Error)}
	}
	var out []string
	for i := range u.Errors {
		out = append(out, violations(&u.Errors[i])...)
	}
	return out
}
