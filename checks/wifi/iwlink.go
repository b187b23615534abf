package wifi

import "github.com/wfh-cli/wfh/internal/wifilink"

// iw's output is parsed in internal/wifilink, which wfh watch shares; the
// check keeps its own names for it.
type (
	iwLink    = wifilink.IwLink
	iwRate    = wifilink.Rate
	iwMLOLink = wifilink.MLOLink
)

func parseIwLink(out string) (iwLink, error) { return wifilink.ParseIwLink(out) }

// iwCommands: see wifilink.IwCommands.
func iwCommands() []string { return wifilink.IwCommands() }
