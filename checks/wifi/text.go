package wifi

import (
	"strings"

	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/wifilink"
)

// isMAC: see wifilink.IsMAC.
func isMAC(s string) bool { return wifilink.IsMAC(s) }

// normMAC writes a MAC address the way the report always shows it: lower
// case, colons.
func normMAC(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "-", ":"))
}

// maxText bounds any text taken from a command into the report; SSIDs are at
// most 32 bytes and adapter names a few dozen characters.
const maxText = 128

// clean: see probeutil.CleanText.
func clean(s string) string { return probeutil.CleanText(s, maxText) }

// firstLine is the first non-blank line of s, cleaned, for quoting a tool's
// message in a note.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if c := clean(l); c != "" {
			return c
		}
	}
	return ""
}
