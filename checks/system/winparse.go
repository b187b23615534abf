package system

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Parsers for what Windows prints. Like parse.go, this file has no OS suffix
// so the parsers are tested and fuzzed on every OS.

// regValue is one value from `reg query`.
type regValue struct {
	Type string // "REG_SZ", "REG_DWORD"...
	Data string // as printed: text, "0x116c", hex bytes
}

// regSep separates the columns of `reg query` value lines. reg.exe always
// uses four spaces, and names and data may themselves contain single spaces
// ("Windows 10 Pro", "Multiprocessor Free").
const regSep = "    "

// parseRegQuery reads the values of the key `reg query KEY` printed:
//
//	HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion
//	    ProductName    REG_SZ    Windows 10 Pro
//	    UBR    REG_DWORD    0xd1f
//	    EditionSubManufacturer    REG_SZ
//
// Value lines are indented and hold name, type and data separated by four
// spaces; data may be missing. The key line, blank lines, "End of search"
// (printed with /f or /t) and the subkeys listed after the values are
// skipped; values after a second key line belong to a subkey (reg query /s)
// and are skipped too. The first value of a name wins.
func parseRegQuery(data string) map[string]regValue {
	out := map[string]regValue{}
	keys := 0
	for line := range strings.Lines(stripBOM(data)) {
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			if strings.HasPrefix(line, "HKEY_") {
				keys++
			}
			continue
		}
		if keys > 1 {
			continue
		}
		body := strings.TrimLeft(line, " \t")
		i := strings.Index(body, regSep+"REG_")
		if i <= 0 {
			continue
		}
		name := body[:i]
		typ, value, _ := strings.Cut(body[i+len(regSep):], regSep)
		typ = strings.TrimSpace(typ)
		if !regType(typ) {
			continue
		}
		name = clean(name)
		if name == "" {
			continue
		}
		if _, dup := out[name]; dup {
			continue
		}
		out[name] = regValue{Type: typ, Data: clean(value)}
	}
	return out
}

// regType accepts "REG_" and upper-case letters, digits and underscores:
// REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_QWORD, REG_BINARY...
func regType(s string) bool {
	rest, ok := strings.CutPrefix(s, "REG_")
	if !ok || rest == "" || len(rest) > 32 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// regString returns a string value, or "" when it is missing or not a string.
func regString(vals map[string]regValue, name string) string {
	v, ok := vals[name]
	if !ok || (v.Type != "REG_SZ" && v.Type != "REG_EXPAND_SZ") {
		return ""
	}
	return v.Data
}

// regDWORD returns a REG_DWORD value, which reg.exe prints in hex ("0x116c").
func regDWORD(vals map[string]regValue, name string) (uint32, bool) {
	v, ok := vals[name]
	if !ok || v.Type != "REG_DWORD" {
		return 0, false
	}
	hex, ok := strings.CutPrefix(strings.ToLower(v.Data), "0x")
	if !ok || hex == "" || len(hex) > 8 {
		return 0, false
	}
	n, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// firstWindows11Build: Windows 11 is build 22000 and later (21H2 was 22000).
// Windows 11 kept "Windows 10" in ProductName for compatibility, so the build
// is the only reliable way to tell the two apart.
const firstWindows11Build = 22000

// firstWindows10Build: Windows 10 1507 was build 10240; from then on the
// kernel reports version 10.0.
const firstWindows10Build = 10240

// windowsRelease turns the values of
// HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion into OS facts:
//
//	Name       "Windows 11 Pro"  (ProductName, "10" corrected to "11" by build)
//	Version    "23H2"            (DisplayVersion, else ReleaseId on 1507-2004)
//	PrettyName "Windows 11 Pro 23H2 (build 22631.3447)"
//	Kernel     "10.0.22631.3447" (what `ver` and winver show)
func windowsRelease(vals map[string]regValue) (osInfo, error) {
	name := regString(vals, "ProductName")
	version := regString(vals, "DisplayVersion")
	if version == "" {
		version = regString(vals, "ReleaseId")
	}
	if !shortToken(version) {
		version = ""
	}

	buildText := regString(vals, "CurrentBuild")
	if !allDigits(buildText) || len(buildText) > 9 {
		buildText = regString(vals, "CurrentBuildNumber")
	}
	build := -1
	if allDigits(buildText) && len(buildText) <= 9 {
		build, _ = strconv.Atoi(buildText)
	}

	if name == "" && build < 0 {
		return osInfo{}, errors.New("neither ProductName nor CurrentBuild")
	}

	switch {
	case name == "" && build >= firstWindows11Build:
		name = "Windows 11"
	case name == "" && build >= firstWindows10Build:
		name = "Windows 10"
	case name == "":
		name = "Windows"
	case build >= firstWindows11Build:
		if rest, ok := strings.CutPrefix(name, "Windows 10"); ok && (rest == "" || rest[0] == ' ') {
			name = "Windows 11" + rest
		}
	}

	info := osInfo{Name: name, Version: version}
	buildPart := ""
	if build >= 0 {
		buildPart = strconv.Itoa(build)
		if ubr, ok := regDWORD(vals, "UBR"); ok {
			buildPart += "." + strconv.FormatUint(uint64(ubr), 10)
		}
		info.Kernel = buildPart
		if kv := kernelVersion(vals, build); kv != "" {
			info.Kernel = kv + "." + buildPart
		}
	}

	info.PrettyName = name
	if version != "" {
		info.PrettyName += " " + version
	}
	if buildPart != "" {
		info.PrettyName += " (build " + buildPart + ")"
	}
	return info, nil
}

// kernelVersion is major.minor: the DWORDs Windows 10 added, since the old
// CurrentVersion string is frozen at "6.3" for compatibility; "10.0" for any
// Windows 10 build without them; else CurrentVersion ("6.1" on Windows 7);
// else "" (unknown).
func kernelVersion(vals map[string]regValue, build int) string {
	major, okMajor := regDWORD(vals, "CurrentMajorVersionNumber")
	minor, okMinor := regDWORD(vals, "CurrentMinorVersionNumber")
	switch {
	case okMajor && okMinor:
		return fmt.Sprintf("%d.%d", major, minor)
	case build >= firstWindows10Build:
		return "10.0"
	}
	if cv := regString(vals, "CurrentVersion"); dottedVersion(cv) {
		return cv
	}
	return ""
}

// shortToken accepts a release label such as "23H2" or "2009".
func shortToken(s string) bool { return alnumToken(s, 16) }

// dstOffSuffix is what tzutil appends to the zone when "Adjust for daylight
// saving time automatically" is off ("Pacific Standard Time_dstoff").
const dstOffSuffix = "_dstoff"

// parseTzutil reads `tzutil /g`: the Windows time zone ID of the machine on
// one line ("W. Europe Standard Time"), often without a final newline. The
// ID is the registry key name, which is the same in every display language.
// dstOff reports the "_dstoff" suffix.
func parseTzutil(data string) (name string, dstOff bool, err error) {
	for line := range strings.Lines(stripBOM(data)) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if base, ok := strings.CutSuffix(line, dstOffSuffix); ok {
			line, dstOff = base, true
		}
		if !windowsZoneID(line) {
			return "", false, fmt.Errorf("%q is not a Windows time zone name", shorten(line))
		}
		return line, dstOff, nil
	}
	return "", false, errNoOutput
}

// windowsZoneID accepts the shape of Windows zone IDs: "UTC", "UTC+12",
// "Pacific Standard Time (Mexico)", "Cen. Australia Standard Time",
// "Russia Time Zone 3". At least one letter, at most 64 characters.
func windowsZoneID(s string) bool {
	if len(s) > 64 {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isLetter(c):
			letter = true
		case c >= '0' && c <= '9', c == ' ', c == '.', c == '-', c == '+', c == '(', c == ')':
		default:
			return false
		}
	}
	return letter
}
