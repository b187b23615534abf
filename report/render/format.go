package render

import (
	"path/filepath"
	"strings"
)

// FormatForPath is the format a file name promises by its extension:
// .html/.htm, .json, .md/.markdown, .txt/.text, .prom (node_exporter's
// textfile collector reads only *.prom). ok is false for any other
// name, which says nothing about its content. A browser opens r.html as a
// page and wfh report reads r.json back only if they hold what their names
// say, so --output uses this when --format is not given.
func FormatForPath(path string) (f Format, ok bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm":
		return FormatHTML, true
	case ".json":
		return FormatJSON, true
	case ".md", ".markdown":
		return FormatMarkdown, true
	case ".txt", ".text":
		return FormatText, true
	case ".prom":
		return FormatPrometheus, true
	}
	return "", false
}
