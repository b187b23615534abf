package render

import (
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/summary"
)

// summaryFacts is the HTML card: the report's key facts (summary.KeyFacts,
// shared with the Markdown summary), each linked to its check's section.
func summaryFacts(r report.Report, anchors []string) []htmlFact {
	keys := summary.KeyFacts(r)
	out := make([]htmlFact, 0, len(keys))
	for _, k := range keys {
		f := htmlFact{Label: k.Label, Value: k.Value, Details: k.Details}
		if k.Result >= 0 {
			st := htmlStatusOf(k.Status)
			f.Status, f.Anchor = &st, anchors[k.Result]
		}
		out = append(out, f)
	}
	return out
}
