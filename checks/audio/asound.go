package audio

import (
	"strings"
)

// parseAsoundCards parses /proc/asound/cards: each card is a line
// " 0 [PCH            ]: HDA-Intel - HDA Intel PCH" followed by an
// indented long name. It returns the short descriptions ("HDA Intel PCH").
// "--- no soundcards ---" is an empty list.
func parseAsoundCards(data string) []string {
	var out []string
	for _, line := range strings.Split(data, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || t[0] < '0' || t[0] > '9' {
			continue
		}
		_, rest, ok := strings.Cut(t, "]:")
		if !ok {
			continue
		}
		name := rest
		if _, desc, ok := strings.Cut(rest, " - "); ok {
			name = desc
		}
		if name = clean(name); name != "" {
			out = append(out, name)
		}
	}
	return out
}

// parseAplayL parses `aplay -l` (or `arecord -l`) in any language: each
// device line is "card 0: ID [Name], device 0: ...", where "card" may be
// translated ("Karte"), so the line is recognised by its shape. It returns
// each card's name once.
func parseAplayL(data string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(data, "\n") {
		if line == "" || line[0] == ' ' || line[0] == '\t' || line[0] == '*' {
			continue
		}
		word, rest, ok := strings.Cut(line, " ")
		if !ok || word == "" {
			continue
		}
		num, rest, ok := strings.Cut(rest, ": ")
		if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
			continue
		}
		open := strings.Index(rest, "[")
		close := strings.Index(rest, "]")
		if open < 0 || close < open {
			continue
		}
		name := clean(rest[open+1 : close])
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}
