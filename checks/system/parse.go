package system

import (
	"errors"
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wfh-cli/wfh/checks/probeutil"
)

// The parsers live in this file, which has no OS suffix, so that they build
// and are tested (and fuzzed) on every OS, not only on the one they serve.

// parseOSRelease reads the os-release format (os-release(5)): KEY=value lines
// in a reduced shell syntax. It follows the shell, as systemd's own parser
// does: single quotes are literal, inside double quotes a backslash escapes
// only $ ` " and \, and unquoted a backslash escapes any character. Blank
// lines, comments, lines that are not assignments and lines with an
// unterminated quote are ignored rather than failing the whole file, because
// one odd line must not hide the OS name. A later assignment wins, as in a
// shell. Values are cleaned for display (see clean).
func parseOSRelease(data string) map[string]string {
	out := map[string]string{}
	for line := range strings.Lines(data) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		key, raw, ok := strings.Cut(line, "=")
		if !ok || !validKey(key) {
			continue
		}
		value, ok := shellValue(raw)
		if !ok {
			continue
		}
		out[key] = clean(value)
	}
	return out
}

// validKey accepts shell variable names: [A-Za-z_][A-Za-z0-9_]*.
func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// shellValue decodes the right-hand side of one assignment. Unquoted
// whitespace followed by nothing or by a "#" comment ends the value; other
// unquoted whitespace is kept, as systemd does, so that a sloppy
// NAME=Fedora Linux still reads as "Fedora Linux".
func shellValue(s string) (string, bool) {
	const (
		unquoted = iota
		single
		double
	)
	var b strings.Builder
	state := unquoted
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch state {
		case single:
			if c == '\'' {
				state = unquoted
			} else {
				b.WriteByte(c)
			}
		case double:
			switch {
			case c == '"':
				state = unquoted
			case c == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\", s[i+1]) >= 0:
				i++
				b.WriteByte(s[i])
			default:
				b.WriteByte(c)
			}
		default:
			switch c {
			case '\'':
				state = single
			case '"':
				state = double
			case '\\':
				if i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				}
			case ' ', '\t':
				rest := strings.TrimLeft(s[i:], " \t")
				if rest == "" || rest[0] == '#' {
					return b.String(), true
				}
				b.WriteByte(c)
			default:
				b.WriteByte(c)
			}
		}
	}
	if state != unquoted {
		return "", false // values never span lines in os-release
	}
	return b.String(), true
}

// maxFactLen bounds one fact: real values are a few dozen characters, and a
// corrupt or hostile file must not flood a report someone pastes in a ticket.
const maxFactLen = 256

// clean: see probeutil.CleanText.
func clean(s string) string { return probeutil.CleanText(s, maxFactLen) }

// maxUptime rejects absurd /proc/uptime values: Linux is younger than 50
// years, so anything longer is a corrupt file, and it keeps the value far
// below time.Duration's limit of about 292 years.
const maxUptime = 50 * 365 * 24 * time.Hour

// parseUptime reads /proc/uptime ("350735.47 234388.90\n"): seconds since
// boot, then idle seconds summed over CPUs. Only the first field matters. The
// field must be plain decimal digits, which rules out the signs, exponents,
// hex, "NaN" and "Inf" that strconv.ParseFloat would otherwise accept.
func parseUptime(data string) (time.Duration, error) {
	fields := strings.Fields(data)
	if len(fields) == 0 {
		return 0, fmt.Errorf("empty")
	}
	f := fields[0]
	if !plainDecimal(f) {
		return 0, fmt.Errorf("%q is not a number of seconds", shorten(f))
	}
	secs, err := strconv.ParseFloat(f, 64)
	if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || secs < 0 {
		return 0, fmt.Errorf("%q is not a number of seconds", shorten(f))
	}
	if secs > maxUptime.Seconds() {
		return 0, fmt.Errorf("%s seconds is more than 50 years", shorten(f))
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// plainDecimal accepts digits with an optional fraction: "123" or "123.45".
func plainDecimal(s string) bool {
	intPart, frac, hasDot := strings.Cut(s, ".")
	return allDigits(intPart) && (!hasDot || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// shorten keeps error messages about garbage input readable.
func shorten(s string) string {
	s = clean(s)
	if len(s) > 32 {
		cut := 32
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return s[:cut] + "…"
	}
	return s
}

// zoneFromLink turns the target of the /etc/localtime symbolic link into an
// IANA zone name: "/usr/share/zoneinfo/Europe/Paris" or
// "../usr/share/zoneinfo/Europe/Paris" → "Europe/Paris". It takes what
// follows the last "zoneinfo/" directory, so macOS's
// "/var/db/timezone/zoneinfo/Europe/Paris" works too, and drops the "posix/"
// and "right/" variants of the database, which use the same names.
func zoneFromLink(target string) (string, bool) {
	const dir = "zoneinfo/"
	i := strings.LastIndex(target, dir)
	if i < 0 || (i > 0 && target[i-1] != '/') {
		return "", false
	}
	name := path.Clean(strings.TrimLeft(target[i+len(dir):], "/"))
	for _, variant := range []string{"posix/", "right/"} {
		name = strings.TrimPrefix(name, variant)
	}
	if !validZoneName(name) {
		return "", false
	}
	return name, true
}

// zoneFromTZ reads the TZ environment variable when it names a zone: "Europe/
// Paris", ":Europe/Paris" or a path into the zone database such as
// ":/usr/share/zoneinfo/Europe/Paris". It returns false for a path outside
// the database (":/etc/localtime" defers to the system setting) and for
// values that cannot be names, such as POSIX rules ("CET-1CEST,M3.5.0,M10.5.0/3").
// The caller still has to confirm that a name-shaped value is a real zone,
// since "UTC0" is shaped like a name but is a POSIX rule.
func zoneFromTZ(tz string) (string, bool) {
	tz = strings.TrimPrefix(strings.TrimSpace(tz), ":")
	if tz == "" {
		return "", false
	}
	if strings.HasPrefix(tz, "/") || strings.Contains(tz, "zoneinfo/") {
		return zoneFromLink(tz)
	}
	if !validZoneName(tz) {
		return "", false
	}
	return tz, true
}

// zoneFromFile reads /etc/timezone, which holds the zone name on its first
// meaningful line ("Europe/Paris\n").
func zoneFromFile(data string) (string, bool) {
	for line := range strings.Lines(data) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if !validZoneName(line) {
			return "", false
		}
		return line, true
	}
	return "", false
}

// validZoneName accepts the shape of IANA names ("Europe/Paris", "Etc/GMT+1",
// "America/Argentina/Buenos_Aires", "UTC"): slash-separated components of
// letters, digits, "_", "-", "+" and ".", never "." or "..", never absolute.
// "Local" is Go's name for the process's zone, not an IANA one.
func validZoneName(name string) bool {
	if name == "" || len(name) > 128 || name == "Local" {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			switch {
			case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			case c == '_', c == '-', c == '+', c == '.':
			default:
				return false
			}
		}
	}
	return true
}

// formatOffset renders a UTC offset in seconds as ISO 8601: "+01:00",
// "-03:30", "+00:00". Seconds are dropped; no zone in use has them.
func formatOffset(seconds int) string {
	sign := '+'
	if seconds < 0 {
		sign = '-'
		seconds = -seconds
	}
	return fmt.Sprintf("%c%02d:%02d", sign, seconds/3600, seconds%3600/60)
}

// stripBOM drops a leading U+FEFF, which some editors and tools put before
// text that parsers then see as part of the first key.
func stripBOM(s string) string {
	return strings.TrimPrefix(s, "\uFEFF")
}

// errNoOutput is returned when a command succeeded but printed nothing useful.
var errNoOutput = errors.New("printed nothing")
