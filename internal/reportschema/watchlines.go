package reportschema

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// watchLines is docs/watch-events.schema.json, the contract of the JSON
// lines wfh watch writes to a pipe, compiled once.
var watchLines = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	path := filepath.Join(filepath.Dir(schemaPath()), "watch-events.schema.json")
	s, err := c.Compile(path)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", path, err)
	}
	return s, nil
})

// ValidateWatchLine checks one line of wfh watch's output against
// docs/watch-events.schema.json.
func ValidateWatchLine(line []byte) error {
	s, err := watchLines()
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		return fmt.Errorf("line is not valid JSON: %w", err)
	}
	err = s.Validate(doc)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var b strings.Builder
	b.WriteString("line does not match docs/watch-events.schema.json:")
	for _, v := range violations(ve.DetailedOutput()) {
		b.WriteString("\n  ")
		b.WriteString(v)
	}
	return errors.New(b.String())
}
