// Package oemtext turns the output of Windows console tools (ipconfig,
// route print, netsh) into UTF-8. Redirected to a pipe, they write in the
// console's code page, which is the OEM code page of the system's
// language unless the user changed it: CP850 in Western Europe
// ("Prim\x84res DNS-Suffix"), GBK (936) in China, Shift-JIS (932) in
// Japan. Read as UTF-8, those bytes are invalid and a parser sees U+FFFD
// where the localised words were.
package oemtext

import "unicode/utf8"

// Decode returns out as UTF-8. Output that is valid UTF-8 already (ASCII,
// or a console set to code page 65001) is returned as it is: natural text
// in a legacy code page is almost never valid UTF-8. Other output is
// converted from the console's code page on Windows; elsewhere, and where
// the conversion fails, invalid bytes become U+FFFD.
func Decode(out []byte) string {
	if utf8.Valid(out) {
		return string(out)
	}
	if s, ok := fromConsoleCodePage(out); ok {
		return s
	}
	return string(toValid(out))
}

func toValid(b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		out = utf8.AppendRune(out, r) // RuneError for an invalid byte
		b = b[n:]
	}
	return out
}
