package probeutil

import "strings"

// Placeholder reports whether a value read from a system tool stands for
// "no value": empty, or the text a tool prints for a missing one
// ("(null)" from C's printf of a NULL string, as pactl shows a device
// without a description; "null", "<null>", "(none)", "n/a", or a pair of
// empty quotes). A caller falls back to another name rather than show it.
func Placeholder(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "(null)", "null", "<null>", "nil", "(nil)", "(none)", "<none>", "n/a", `""`, "''":
		return true
	}
	return false
}
