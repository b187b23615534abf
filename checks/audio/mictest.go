package audio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
)

const (
	// micRecordTime: about three seconds holds a short sentence, enough to
	// judge the level without making the user wait.
	micRecordTime = 3 * time.Second
	// micRate is the sample rate asked of the recorder; speech needs no more
	// than 16 kHz (wideband telephony, ITU-T G.722).
	micRate = 16000

	// Level thresholds, RMS in dBFS over the recording. Speech from a
	// headset or laptop microphone at normal distance reads about -30 to
	// -15 dBFS; an input that is muted in hardware, unplugged or a null
	// device sits at its noise floor, below -60 dBFS. Call apps' automatic
	// gain makes up about 20 dB, so speech under -40 dBFS arrives faint.
	silentBelowDBFS = -60.0
	lowBelowDBFS    = -40.0
	// clipShare: when more than 0.5 % of samples hit full scale the input
	// gain is too high and the voice distorts.
	clipShare = 0.005
	// digitalSilenceDBFS is the quietest level 16-bit samples can express,
	// reported when every sample is zero.
	digitalSilenceDBFS = -96.3
)

// recorder captures about micRecordTime of signed 16-bit little-endian mono
// PCM at micRate from the default input.
type recorder func(ctx context.Context, env *checks.Env) ([]byte, error)

// micLevel is what a recording says about the microphone.
type micLevel struct {
	Samples  int
	RMSdBFS  float64 // -Inf for pure digital silence
	PeakdBFS float64
	Clipped  float64 // share of samples at full scale
}

// analyse measures a recording of s16le mono PCM.
func analyse(pcm []byte) micLevel {
	n := len(pcm) / 2
	l := micLevel{Samples: n, RMSdBFS: math.Inf(-1), PeakdBFS: math.Inf(-1)}
	if n == 0 {
		return l
	}
	var sum float64
	var peak, clipped int
	for i := 0; i < n; i++ {
		v := int(int16(binary.LittleEndian.Uint16(pcm[2*i:])))
		a := v
		if a < 0 {
			a = -a
		}
		if a > peak {
			peak = a
		}
		if a >= 32767 {
			clipped++
		}
		sum += float64(v) * float64(v)
	}
	rms := math.Sqrt(sum/float64(n)) / 32768
	if rms > 0 {
		l.RMSdBFS = 20 * math.Log10(rms)
	}
	if peak > 0 {
		l.PeakdBFS = 20 * math.Log10(float64(peak)/32768)
	}
	l.Clipped = float64(clipped) / float64(n)
	return l
}

// grade names the level the way a person would.
func (l micLevel) grade() string {
	switch {
	case l.Clipped > clipShare:
		return "clipping"
	case l.RMSdBFS < silentBelowDBFS:
		return "silent"
	case l.RMSdBFS < lowBelowDBFS:
		return "low"
	default:
		return "good"
	}
}

// minSamples: under a quarter of the asked duration the recorder did not
// really record, and a level would be a guess.
const minSamples = micRate * int(micRecordTime/time.Second) / 4

// micTest records from the default microphone and adds its level to res.
func (c *check) micTest(ctx context.Context, env *checks.Env, res *checks.Result) {
	item := report.Item{Label: "microphone test", Kind: "mic_test", Attributes: map[string]string{}}
	add := func() {
		res.Items = append(res.Items, item)
		if res.Facts == nil {
			res.Facts = map[string]string{}
		}
		res.Facts["mic_test"] = item.Attributes["level"]
	}
	if m, ok := res.Metric("microphones"); ok && m.Value != nil && *m.Value == 0 {
		item.Status, item.Summary = report.Skipped, "skipped: no microphone to record from"
		item.Attributes["level"] = "not measured"
		add()
		return
	}
	env.Progress(fmt.Sprintf("speak now: recording %v from the default microphone", micRecordTime))
	rctx, cancel := context.WithTimeout(ctx, micRecordTime+1500*time.Millisecond)
	defer cancel()
	pcm, err := c.record(rctx, env)
	l := analyse(pcm)
	switch {
	case errors.Is(err, errUnsupported):
		item.Status = report.Skipped
		item.Summary = "skipped: the microphone test is available on Linux only for now"
		item.Attributes["level"] = "not measured"
		add()
		return
	case l.Samples < minSamples:
		why := "the recorder returned no sound"
		if err != nil {
			why = err.Error()
		}
		item.Status, item.Summary = report.Skipped, "not measured: "+why
		item.Attributes["level"] = "not measured"
		checks.AddFindings(res, checks.Conclusion{Severity: report.Pass,
			Message: "The microphone test could not record: " + why + "."})
		add()
		return
	}
	grade := l.grade()
	item.Attributes["level"] = grade
	item.Metrics = []report.Metric{
		report.Measured("seconds", round1(float64(l.Samples)/micRate), "s"),
	}
	if !math.IsInf(l.RMSdBFS, -1) {
		item.Metrics = append(item.Metrics, report.Measured("rms_dbfs", round1(l.RMSdBFS), "dBFS"), report.Measured("peak_dbfs", round1(l.PeakdBFS), "dBFS"))
		res.Metrics = append(res.Metrics, report.Measured("mic_level_dbfs", round1(l.RMSdBFS), "dBFS"))
	} else {
		// All-zero samples are a measurement, not a missing one: report the
		// 16-bit floor, 20·log10(1/32768).
		res.Metrics = append(res.Metrics, report.Measured("mic_level_dbfs", digitalSilenceDBFS, "dBFS"))
		item.Metrics = append(item.Metrics, report.Measured("rms_dbfs", digitalSilenceDBFS, "dBFS"))
	}
	item.Status, item.Summary = report.Pass, "level "+grade
	var f *checks.Conclusion
	switch grade {
	case "silent":
		f = &checks.Conclusion{Severity: report.Warn, Message: "The microphone test recorded silence: the default microphone hears nothing.",
			Fix: "Check that the right microphone is chosen in the sound settings and in the call app, that it is not muted (a switch on the headset or cable), and speak while the test records."}
	case "low":
		f = &checks.Conclusion{Severity: report.Warn, Message: "The microphone test recorded only a faint voice: others will hear you quietly.",
			Fix: "Move the microphone closer to your mouth, or raise the input volume in the sound settings."}
	case "clipping":
		f = &checks.Conclusion{Severity: report.Warn, Message: "The microphone test recorded distortion: the input is too loud.",
			Fix: "Lower the input volume in the sound settings, or move the microphone a little away from your mouth."}
	}
	if f != nil {
		item.Status = report.Warn
		checks.AddFindings(res, *f)
	}
	add()
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
