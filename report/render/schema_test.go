package render_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wfh-cli/wfh/internal/reportschema"
)

// TestJSONGoldensMatchSchema: every JSON report the renderer's tests write
// is a valid instance of the published schema, and so are the files
// `wfh report` is tested on. It lives in an external test package because
// reportschema imports report.
func TestJSONGoldensMatchSchema(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no JSON goldens: %v", err)
	}
	for _, f := range files {
		if filepath.Base(f) == "hostile.json.golden" {
			continue // carries an invalid status on purpose, to prove the renderers cope
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := reportschema.Validate(data); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
