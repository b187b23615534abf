// Package textutil turns what wfh reads from the machine (command output,
// small files) into text that is safe to parse and to show. The checks
// reach it through checks/probeutil; internal/netstate, which the checks
// package itself depends on, uses it directly.
package textutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeText turns command output into a Go string: a UTF-8 byte order mark
// is dropped, and UTF-16 with a byte order mark (what Windows tools print
// when redirected in Unicode mode) is decoded. Anything else is taken as
// UTF-8; parsers clean invalid bytes.
func DecodeText(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return string(b[3:])
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		return decodeUTF16(b[2:], func(x, y byte) uint16 { return uint16(x) | uint16(y)<<8 })
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		return decodeUTF16(b[2:], func(x, y byte) uint16 { return uint16(y) | uint16(x)<<8 })
	}
	return string(b)
}

func decodeUTF16(b []byte, unit func(x, y byte) uint16) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, unit(b[i], b[i+1]))
	}
	return string(utf16.Decode(u))
}

// ReadSmall reads a whole small file from fsys, refusing more than limit
// bytes: /proc and /sys files report size 0, so the size cannot be checked
// up front, and a link to /dev/zero must not hang a check.
func ReadSmall(ctx context.Context, fsys fs.FS, name string, limit int) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if fsys == nil {
		return nil, fmt.Errorf("read %s: no filesystem to read", name)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, Cause(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, Cause(err))
	}
	if len(data) > limit {
		return nil, fmt.Errorf("read %s: larger than %d kB", name, limit>>10)
	}
	return data, nil
}

// Cause drops the path an *fs.PathError repeats, so messages name the file
// once: "read etc/os-release: permission denied".
func Cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// CleanText makes text read from the machine safe to show: valid UTF-8,
// no control characters, line or paragraph separators or byte order marks
// (a device name or SSID must not send terminal escapes through a report),
// trimmed, and cut to at most maxBytes at a character boundary with "…".
// Quotes, emoji and markup stay as written: the renderers escape them.
func CleanText(s string, maxBytes int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\uFEFF' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxBytes {
		cut := maxBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = strings.TrimSpace(s[:cut]) + "…"
	}
	return s
}
