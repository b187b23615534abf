// Package human formats machine values for people: numbers with no more
// digits than they carry, durations and sizes in units people know, and
// machine-provided strings made into one safe line. It knows nothing of the
// report model, so that the model, the summary and the renderers can all use
// it.
package human

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// hugeFigure is where a figure stops being written digit by digit: no
// measurement wfh makes comes near it, so a value past it is corrupt and
// reads best as "1e+300", not as a line of 300 digits.
const hugeFigure = 1e15

// TrimFloat prints v with at most prec decimals and no trailing zeros.
func TrimFloat(v float64, prec int) string {
	if math.Abs(v) >= hugeFigure {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	s := fmt.Sprintf("%.*f", prec, v)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Seconds renders a duration in seconds in the largest unit that keeps it
// readable: "12.5 ms", "3.2 s", "4.5 min", "3 hours", "23 days".
func Seconds(v float64) string {
	if v < 0 {
		return "-" + Seconds(-v)
	}
	// In float seconds, not time.Duration: a corrupt value past 292 years
	// would overflow it and print as a negative.
	const minute, hour, day = 60.0, 3600.0, 86400.0
	switch {
	case v >= 2*day:
		return TrimFloat(v/day, 1) + " days"
	case v >= 2*hour:
		return TrimFloat(v/hour, 1) + " hours"
	case v >= 2*minute:
		return TrimFloat(v/minute, 1) + " min"
	case v >= 1:
		return TrimFloat(v, 2) + " s"
	default:
		return TrimFloat(v*1000, 1) + " ms"
	}
}

// Mbps renders a rate given in Mbit/s the way the speed test words it, in
// the unit that keeps three significant digits or so: "850 kbit/s",
// "43.2 Mbit/s", "940 Mbit/s", "36.80 Gbit/s". Every place that shows a
// rate uses it, so a figure never reads differently in two places.
func Mbps(v float64) string {
	if v < 0 {
		return "-" + Mbps(-v)
	}
	switch {
	case v >= hugeFigure:
		return TrimFloat(v, 0) + " Mbit/s"
	case v >= 1000:
		return fmt.Sprintf("%.2f Gbit/s", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0f Mbit/s", v)
	case v >= 1:
		return fmt.Sprintf("%.1f Mbit/s", v)
	default:
		return fmt.Sprintf("%.0f kbit/s", v*1000)
	}
}

// Bytes renders a size in SI units ("80.4 GB"), and a small one, such as an
// MTU, to the byte.
func Bytes(v float64) string {
	if v < 0 {
		return "-" + Bytes(-v)
	}
	const unit = 1000 // disk vendors and OS dialogs on macOS use SI units
	// Below ten kilobytes the figure is a packet size (an MTU), where
	// every byte counts: 1380 B, not 1.4 kB.
	if v < 10*unit {
		return TrimFloat(v, 0) + " B"
	}
	suffixes := []string{"kB", "MB", "GB", "TB", "PB"}
	i := -1
	for v >= unit && i < len(suffixes)-1 {
		v /= unit
		i++
	}
	return TrimFloat(v, 1) + " " + suffixes[i]
}
