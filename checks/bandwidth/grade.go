package bandwidth

import (
	"time"

	"github.com/wfh-cli/wfh/report"
)

// grade is a bufferbloat grade: how much a full line adds to the round
// trip.
//
// The scale is DSLReports' (FAQ 17930, "Bufferbloat Grades"), which the
// Waveform bufferbloat test and bufferbloat.net's advice also use: the
// increase in round trip while the connection is fully used, A+ under
// 5 ms, A under 30, B under 60, C under 200, D under 400, F from 400 ms.
// wfh uses it rather than RPM (the IETF responsiveness draft's round
// trips per minute) because its figure is milliseconds added, which a
// reader compares directly with a ping and with what calls tolerate, and
// because RPM is defined on the loaded connections themselves (in-flow
// HTTP/2 probes), which speed-test servers do not offer.
//
// DSLReports grades the average of the download and upload increases; wfh
// grades each direction and takes the worse, because a call suffers from
// whichever direction is bloated: an F upload averaged with an A download
// would read D and hide the stutter on every upload.
type grade string

const (
	gradeAPlus grade = "A+"
	gradeA     grade = "A"
	gradeB     grade = "B"
	gradeC     grade = "C"
	gradeD     grade = "D"
	gradeF     grade = "F"
)

// gradeScale is DSLReports' scale: the grade of an increase below upTo.
var gradeScale = []struct {
	upTo time.Duration
	g    grade
}{
	{5 * time.Millisecond, gradeAPlus},
	{30 * time.Millisecond, gradeA},
	{60 * time.Millisecond, gradeB},
	{200 * time.Millisecond, gradeC},
	{400 * time.Millisecond, gradeD},
}

// gradeOf grades an increase in round trip under load. A negative
// increase (the loaded median below the idle one, within the noise of a
// few samples) is no bloat at all.
func gradeOf(increase time.Duration) grade {
	for _, s := range gradeScale {
		if increase < s.upTo {
			return s.g
		}
	}
	return gradeF
}

// rank orders grades, A+ best (0).
func (g grade) rank() int {
	for i, s := range gradeScale {
		if s.g == g {
			return i
		}
	}
	return len(gradeScale)
}

// worse returns the worse of two grades; an empty grade is no grade.
func worse(a, b grade) grade {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case b.rank() > a.rank():
		return b
	}
	return a
}

// status is what a grade means for calls. A+ to B pass: bufferbloat.net
// ("Tests for Bufferbloat") calls a rise above 50 ms, or a grade below B,
// worth fixing, so C warns. D and F fail: 200 ms added on top of any real
// round trip breaks ITU-T G.114's 150 ms one-way (300 ms round trip)
// bound for natural conversation on all but the shortest paths.
func (g grade) status() report.Status {
	switch g {
	case gradeAPlus, gradeA, gradeB:
		return report.Pass
	case gradeC:
		return report.Warn
	}
	return report.Fail
}
