package human

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// isFlatSpace reports runes that end or break a line; inside a one-line field
// they become a plain space so a machine string cannot start a new line.
func isFlatSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// needsVisibleEscape reports runes that would act on the terminal or on the
// reading order (ANSI ESC, BEL, backspace, bidi overrides) instead of being
// read; they are shown as \xNN or \uNNNN so the reader still sees them.
func needsVisibleEscape(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

func visibleEscape(r rune) string {
	if r < 0x100 {
		return fmt.Sprintf(`\x%02x`, r)
	}
	if r > 0xFFFF {
		return fmt.Sprintf(`\U%08x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}

// Flatten walks s and calls emit for each piece of a safe one-line version
// of it: whitespace runs collapse into one space, leading and trailing space
// goes, invalid UTF-8 bytes and control runes become visible escapes.
// literal says whether the piece is the rune itself (true) or an escape;
// emit returns false to stop early.
func Flatten(s string, emit func(piece string, r rune, literal bool) bool) {
	pendingSpace := false
	started := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if isFlatSpace(r) {
			pendingSpace = started
			continue
		}
		if pendingSpace {
			if !emit(" ", ' ', true) {
				return
			}
			pendingSpace = false
		}
		started = true
		var ok bool
		switch {
		case r == utf8.RuneError && size == 1:
			ok = emit(fmt.Sprintf(`\x%02x`, s[i-1]), r, false)
		case needsVisibleEscape(r):
			ok = emit(visibleEscape(r), r, false)
		default:
			ok = emit(string(r), r, true)
		}
		if !ok {
			return
		}
	}
}

// FlatClip makes a machine-provided string one tidy line of at most max
// runes: line breaks become spaces, control and bidi runes and invalid
// UTF-8 become visible escapes (\x1b), and a cut is marked with "…". It
// does no escaping for any format; the renderers do that.
func FlatClip(s string, max int) string {
	var b strings.Builder
	n := 0
	Flatten(s, func(piece string, _ rune, _ bool) bool {
		w := utf8.RuneCountInString(piece)
		if n+w > max {
			b.WriteString("…")
			return false
		}
		b.WriteString(piece)
		n += w
		return true
	})
	return b.String()
}
