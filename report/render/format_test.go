package render

import "testing"

// TestFormatForPath: a report file's name says what it holds, so that a
// browser opens r.html as a page and wfh report reads r.json back.
func TestFormatForPath(t *testing.T) {
	for _, tc := range []struct {
		path string
		want Format
		ok   bool
	}{
		{"r.html", FormatHTML, true},
		{"R.HTM", FormatHTML, true},
		{"dir.d/r.json", FormatJSON, true},
		{`C:\Users\x\r.JSON`, FormatJSON, true},
		{"r.md", FormatMarkdown, true},
		{"notes.markdown", FormatMarkdown, true},
		{"r.txt", FormatText, true},
		{"r.text", FormatText, true},
		{"/var/lib/node_exporter/textfile/wfh.prom", FormatPrometheus, true},
		{"r.log", "", false},
		{"report", "", false},
		{"json", "", false},
		{".json", FormatJSON, true},
		{"/dev/stdout", "", false},
		{"r.json/", "", false},
		{"", "", false},
	} {
		got, ok := FormatForPath(tc.path)
		if got != tc.want || ok != tc.ok {
			t.Errorf("FormatForPath(%q) = %q, %v; want %q, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
}
