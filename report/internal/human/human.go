// Package human formats machine values for people: numbers with no more
// digits than they carry, durations and sizes in units people know, and
// machine-provided strings made into one safe line. It knows nothing of the
// report model, so that the model, the summary and the renderers can all use
// it.
package human

import (
	"fmt"
	"strings"
	"time"
)

// TrimFloat prints v with at most prec decimals and no trailing zeros.
func TrimFloat(v float64, prec int) string {
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
	d := time.Duration(v * float64(time.Second))
	switch {
	case d >= 48*time.Hour:
		return TrimFloat(d.Hours()/24, 1) + " days"
	case d >= 2*time.Hour:
		return TrimFloat(d.Hours(), 1) + " hours"
	case d >= 2*time.Minute:
		return TrimFloat(d.Minutes(), 1) + " min"
	case d >= time.Second:
		return TrimFloat(v, 2) + " s"
	default:
		return TrimFloat(v*1000, 1) + " ms"
	}
}

// Bytes renders a size in SI units ("80.4 GB"), and a small one, such as an
// MTU, to the byte.
func Bytes(v float64) string {
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
