package main

import (
	"path/filepath"
	"strings"

	"github.com/wfh-cli/wfh/report/render"
)

// formatFromExtension is the format an --output file name asks for when
// --format is not given: today only ".prom", the name node_exporter's
// textfile collector reads, so that `--output wfh-full.prom` is enough in
// a timer or a scheduled task. The one place this mapping lives, so that
// other extensions can join it.
func formatFromExtension(output string) (render.Format, bool) {
	switch strings.ToLower(filepath.Ext(output)) {
	case ".prom":
		return render.FormatPrometheus, true
	}
	return "", false
}
