package wifi

import (
	"github.com/wfh-cli/wfh/checks/probeutil"

	"regexp"
	"strings"
)

// macRE matches a MAC address written with colons or dashes, as iw,
// system_profiler and netsh print them.
var macRE = regexp.MustCompile(`^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){4}$`)

// isMAC reports whether s is a MAC address with one kind of separator.
func isMAC(s string) bool {
	if !macRE.MatchString(s) {
		return false
	}
	sep := s[2]
	return strings.Count(s, string(sep)) == 5
}

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
