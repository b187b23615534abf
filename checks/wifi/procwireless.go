package wifi

import (
	"strconv"
	"strings"
)

// wextStats is one interface's row of /proc/net/wireless.
type wextStats struct {
	Interface string
	// Quality is the "link" column, on the driver's own scale (cfg80211
	// drivers print signal + 110, capped at 70).
	Quality float64
	Level   wextValue
	Noise   wextValue
}

// wextValue is a level or noise column.
type wextValue struct {
	Value float64
	// Kind says how to read Value.
	Kind wextKind
}

type wextKind int

const (
	// wextNone: the driver reported nothing (0, or -256, which is 0 with
	// the dBm flag: cfg80211 drivers print noise that way as they have none).
	wextNone wextKind = iota
	// wextDBM: Value is in dBm.
	wextDBM
	// wextRelative: Value is on the driver's own scale (a percentage, or
	// 0–255), not in dBm; some older and vendor drivers report only this.
	wextRelative
)

// parseProcNetWireless reads /proc/net/wireless. The kernel prints each row
// with "%6s: %04x  %3d%c  %3d%c  %3d%c ..." (net/wireless/wext-proc.c): the
// interface, status, then link quality, level and noise, each followed by
// "." when the driver updated it since the last read, or a space.
//
// The "." is not the unit. The unit follows from the sign: with the
// IW_QUAL_DBM flag the kernel prints the stored byte minus 256, so every
// dBm figure is negative; without it the byte is printed as it is, 0–255.
// A positive level is therefore never dBm, whatever its suffix: the
// Raspberry Pi sample in testdata prints "95." for a percentage.
func parseProcNetWireless(out string) []wextStats {
	var rows []wextStats
	for _, line := range strings.Split(out, "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || strings.Contains(name, "|") {
			continue // the two header lines
		}
		name = clean(name)
		f := strings.Fields(rest)
		if name == "" || strings.ContainsAny(name, " \t/") || len(f) < 4 {
			continue
		}
		if _, err := strconv.ParseUint(f[0], 16, 16); err != nil {
			continue // the status column is four hex digits
		}
		q, okQ := wextNumber(f[1])
		level, okL := wextNumber(f[2])
		noise, okN := wextNumber(f[3])
		if !okQ || !okL || !okN {
			continue
		}
		rows = append(rows, wextStats{
			Interface: name,
			Quality:   q,
			Level:     wextClassify(level),
			Noise:     wextClassify(noise),
		})
	}
	return rows
}

// wextNumber reads "68.", "-42." or "-256" (the update mark is optional).
func wextNumber(s string) (float64, bool) {
	s = strings.TrimSuffix(s, ".")
	v, err := strconv.Atoi(s)
	// The kernel prints a byte, minus 256 for dBm: -256..255.
	if err != nil || v < -256 || v > 255 {
		return 0, false
	}
	return float64(v), true
}

func wextClassify(v float64) wextValue {
	switch {
	case v == 0 || v == -256:
		return wextValue{Kind: wextNone}
	case v < 0:
		return wextValue{Value: v, Kind: wextDBM}
	default:
		return wextValue{Value: v, Kind: wextRelative}
	}
}
