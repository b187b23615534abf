package winnet

import (
	"slices"
	"strings"
)

// ParseSearchList reads a registry SearchList value: suffixes separated
// by "," (Windows' own form) or spaces, without empty items, duplicates
// or trailing dots, in order.
func ParseSearchList(s string) []string {
	var out []string
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == ';' }) {
		item = strings.ToLower(strings.TrimRight(item, "."))
		if item != "" && !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out
}

// GlobalDNS is the machine-wide DNS naming of Windows.
type GlobalDNS struct {
	// PrimarySuffix is the computer's primary DNS suffix (a domain-joined
	// machine's domain).
	PrimarySuffix string
	// SearchList is the suffix search list when one is set (by policy or
	// by hand); empty means Windows devolves the primary and the
	// connection-specific suffixes instead.
	SearchList []string
}
