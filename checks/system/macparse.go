package system

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Parsers for what macOS prints. Like parse.go, this file has no OS suffix so
// the parsers are tested and fuzzed on every OS.

// parseSwVers reads sw_vers output: "Key:<tabs>Value" lines such as
//
//	ProductName:		macOS
//	ProductVersion:		14.4.1
//	BuildVersion:		23E224
//
// Older releases use one tab and "Mac OS X"; macOS 13 and later add
// ProductVersionExtra ("(a)") after a Rapid Security Response. Keys are
// letters only; other lines (an error message, a warning on stderr merged
// into the output) are skipped, and the first value of a key wins. Values are
// cleaned for display.
func parseSwVers(data string) map[string]string {
	out := map[string]string{}
	for line := range strings.Lines(stripBOM(data)) {
		key, value, ok := strings.Cut(line, ":")
		key = strings.TrimSpace(key)
		if !ok || !allLetters(key) {
			continue
		}
		if _, dup := out[key]; dup {
			continue
		}
		out[key] = clean(value)
	}
	return out
}

// macRelease is what sw_vers or SystemVersion.plist say about the release.
type macRelease struct {
	name, version, extra, build string
}

// macReleaseFrom picks the release from sw_vers fields (BuildVersion) or
// plist fields (ProductBuildVersion). A version that is not dotted digits is
// not trusted: the caller then falls back to the next source.
func macReleaseFrom(f map[string]string) (macRelease, error) {
	r := macRelease{name: f["ProductName"], version: f["ProductVersion"], extra: f["ProductVersionExtra"]}
	r.build = f["BuildVersion"]
	if r.build == "" {
		r.build = f["ProductBuildVersion"]
	}
	if r.version == "" {
		return macRelease{}, errors.New("no ProductVersion")
	}
	if !dottedVersion(r.version) {
		return macRelease{}, fmt.Errorf("ProductVersion %q is not a version number", shorten(r.version))
	}
	if r.name == "" {
		r.name = "macOS"
	}
	if !buildID(r.build) {
		r.build = "" // a garbled build must not hide a good version
	}
	if !rsrTag(r.extra) {
		r.extra = ""
	}
	return r, nil
}

// info renders the release: "macOS 14.4.1 (23E224)", or with a Rapid
// Security Response "macOS 13.4.1 (c) (22F770820d)", as About This Mac does.
func (r macRelease) info() osInfo {
	pretty := r.name + " " + r.version
	if r.extra != "" {
		pretty += " " + r.extra
	}
	if r.build != "" {
		pretty += " (" + r.build + ")"
	}
	return osInfo{Name: r.name, Version: r.version, PrettyName: pretty}
}

// dottedVersion accepts "14", "14.4" and "10.15.7".
func dottedVersion(s string) bool {
	if len(s) > 32 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if !allDigits(part) {
			return false
		}
	}
	return true
}

// buildID accepts Apple build numbers: "23E224", "21E5227a", "22F770820d".
func buildID(s string) bool { return alnumToken(s, 32) }

// alnumToken accepts a non-empty run of ASCII letters and digits up to max
// bytes: build numbers and release labels, never free text.
func alnumToken(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || isLetter(c)) {
			return false
		}
	}
	return true
}

// rsrTag accepts the Rapid Security Response suffix: "(a)", "(b)"...
func rsrTag(s string) bool {
	return len(s) >= 3 && len(s) <= 8 && s[0] == '(' && s[len(s)-1] == ')' && allLetters(s[1:len(s)-1])
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return s != ""
}

// parseSystemVersionPlist reads the string values of the top-level dict of
// System/Library/CoreServices/SystemVersion.plist, an XML property list:
//
//	<plist version="1.0"><dict>
//	  <key>ProductBuildVersion</key><string>23E224</string>
//	  <key>ProductName</key><string>macOS</string>
//	  ...
//
// Values that are not strings, and everything in nested containers, are
// skipped. A binary plist is refused with an error rather than misread.
func parseSystemVersionPlist(data string) (map[string]string, error) {
	data = stripBOM(data)
	if strings.HasPrefix(data, "bplist") {
		return nil, errors.New("binary property list, not XML")
	}
	d := xml.NewDecoder(strings.NewReader(data))
	// SystemVersion.plist declares UTF-8; refusing every other charset
	// rather than guessing keeps the decoder from misreading bytes.
	d.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("charset %q", shorten(charset))
	}
	out := map[string]string{}
	var stack []string
	key, haveKey := "", false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(out) > 0 {
				break // keep what a truncated file still told
			}
			return nil, fmt.Errorf("not a property list: %s", shorten(err.Error()))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !topDict(stack) {
				stack = append(stack, t.Name.Local)
				continue
			}
			// A child of the top-level dict: a key, or the value after one.
			switch t.Name.Local {
			case "key":
				var k string
				if err := d.DecodeElement(&k, &t); err != nil {
					return finishPlist(out, err)
				}
				key, haveKey = strings.TrimSpace(k), true
			case "string":
				var v string
				if err := d.DecodeElement(&v, &t); err != nil {
					return finishPlist(out, err)
				}
				if _, dup := out[key]; haveKey && validKey(key) && !dup {
					out[key] = clean(v)
				}
				haveKey = false
			default:
				if err := d.Skip(); err != nil {
					return finishPlist(out, err)
				}
				haveKey = false
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no string values in the top-level dict")
	}
	return out, nil
}

// topDict says whether the element stack is inside the plist's top-level
// dict ("plist/dict", or a bare "dict" root).
func topDict(stack []string) bool {
	switch len(stack) {
	case 1:
		return stack[0] == "dict"
	case 2:
		return stack[0] == "plist" && stack[1] == "dict"
	}
	return false
}

func finishPlist(out map[string]string, err error) (map[string]string, error) {
	if len(out) > 0 {
		return out, nil
	}
	return nil, fmt.Errorf("not a property list: %s", shorten(err.Error()))
}

// parseBoottime reads `sysctl -n kern.boottime`:
//
//	{ sec = 1700000000, usec = 123456 } Tue Nov 14 22:13:20 2023
//
// The "kern.boottime: " prefix of `sysctl kern.boottime` is accepted too.
// The date after the braces is local time in the C library's format and is
// ignored: the seconds are exact and unambiguous. Only plain digits are
// accepted, so signs, exponents and overflow cannot sneak in.
func parseBoottime(data string) (time.Time, error) {
	s := strings.TrimSpace(stripBOM(data))
	s = strings.TrimSpace(strings.TrimPrefix(s, "kern.boottime:"))
	if !strings.HasPrefix(s, "{") {
		return time.Time{}, fmt.Errorf("%q is not a boot time", shorten(s))
	}
	inner, _, ok := strings.Cut(s[1:], "}")
	if !ok {
		return time.Time{}, fmt.Errorf("%q is not a boot time", shorten(s))
	}
	var sec, usec int64
	haveSec := false
	for field := range strings.SplitSeq(inner, ",") {
		name, value, ok := strings.Cut(field, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok {
			continue
		}
		switch name {
		case "sec":
			// 11 digits reach the year 5138: any real boot time fits, and
			// the product with 1e9 below cannot overflow.
			if !allDigits(value) || len(value) > 11 {
				return time.Time{}, fmt.Errorf("sec = %q is not a number of seconds", shorten(value))
			}
			sec, _ = strconv.ParseInt(value, 10, 64)
			haveSec = true
		case "usec":
			if !allDigits(value) || len(value) > 6 {
				return time.Time{}, fmt.Errorf("usec = %q is not a number of microseconds", shorten(value))
			}
			usec, _ = strconv.ParseInt(value, 10, 64)
		}
	}
	if !haveSec {
		return time.Time{}, fmt.Errorf("%q has no sec field", shorten(s))
	}
	if sec == 0 {
		return time.Time{}, errors.New("the boot time is 0 (not set)")
	}
	return time.Unix(sec, usec*1000), nil
}

// uptimeSince is the time from boot to now. A boot time after now means the
// clock was wrong at boot or is wrong now; reporting a negative or a made-up
// uptime would be worse than none.
func uptimeSince(now, boot time.Time) (time.Duration, error) {
	if boot.After(now) {
		return 0, fmt.Errorf("the boot time %s is after the current time %s; the clock may be wrong",
			boot.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.Sub(boot) > maxUptime {
		return 0, fmt.Errorf("the boot time %s is more than 50 years ago", boot.UTC().Format(time.RFC3339))
	}
	return now.Sub(boot), nil
}

// parseKernelRelease reads `uname -r` ("23.4.0"). The value is shown as is;
// it only has to look like a release, not like an error message.
func parseKernelRelease(data string) (string, error) {
	k := clean(firstLine(strings.TrimLeft(stripBOM(data), "\r\n")))
	if k == "" {
		return "", errNoOutput
	}
	if len(k) > 64 || strings.ContainsAny(k, " \t") {
		return "", fmt.Errorf("%q is not a kernel release", shorten(k))
	}
	return k, nil
}
