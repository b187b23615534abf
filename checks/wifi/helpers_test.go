package wifi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fixture reads a file under testdata.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// displayable fails when s could garble a terminal or a report.
func displayable(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s %q is not valid UTF-8", what, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			t.Errorf("%s %q holds control character %U", what, s, r)
		}
	}
	if strings.TrimSpace(s) != s {
		t.Errorf("%s %q has surrounding space", what, s)
	}
}

func f64(v float64) *float64 { return &v }
