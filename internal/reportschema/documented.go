package reportschema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/report"
)

// FieldNames collects the names a check's results publish: metric and
// fact names, item kinds, item metric and attribute names, series names.
// Extra names (outcomes, states, reasons a check writes as values) can be
// added to the returned set by the caller.
func FieldNames(results ...report.Result) map[string]bool {
	names := map[string]bool{}
	for _, r := range results {
		for _, m := range r.Metrics {
			names[m.Name] = true
		}
		for k := range r.Facts {
			names[k] = true
		}
		for _, it := range r.Items {
			names[it.Kind] = true
			for _, m := range it.Metrics {
				names[m.Name] = true
			}
			for k := range it.Attributes {
				names[k] = true
			}
		}
		for _, s := range r.Series {
			names[s.Name] = true
		}
	}
	delete(names, "")
	return names
}

// AssertDocumented fails t for every name that the "## id" section of
// docs/checks.md does not write as `name`, so a field a check adds is
// documented in the same change.
func AssertDocumented(t testing.TB, id string, names map[string]bool) {
	t.Helper()
	path := filepath.Join(filepath.Dir(schemaPath()), "checks.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	start := strings.Index(text, "\n## "+id+"\n")
	if start < 0 {
		t.Fatalf("docs/checks.md has no %s section", id)
	}
	section := text[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	for n := range names {
		if !strings.Contains(section, "`"+n+"`") {
			t.Errorf("docs/checks.md's %s section does not name `%s`", id, n)
		}
	}
}
