package audio

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
)

// tone makes n samples of a sine at amplitude amp (0..1 of full scale).
func tone(n int, amp float64) []byte {
	b := make([]byte, 2*n)
	for i := 0; i < n; i++ {
		v := amp * 32767 * math.Sin(2*math.Pi*440*float64(i)/micRate)
		binary.LittleEndian.PutUint16(b[2*i:], uint16(int16(math.Round(v))))
	}
	return b
}

func TestAnalyseGrades(t *testing.T) {
	n := 3 * micRate
	for _, tc := range []struct {
		name string
		pcm  []byte
		want string
	}{
		{"digital silence", make([]byte, 2*n), "silent"},
		{"noise floor", tone(n, 0.0005), "silent"}, // about -69 dBFS RMS
		{"faint voice", tone(n, 0.01), "low"},      // about -43 dBFS
		{"speech", tone(n, 0.1), "good"},           // about -23 dBFS
		{"clipping", tone(n, 4), "clipping"},       // overdriven: sample values wrap at full scale
	} {
		pcm := tc.pcm
		if tc.name == "clipping" {
			pcm = make([]byte, 2*n)
			for i := 0; i < n; i++ {
				v := int16(32767)
				if i%2 == 1 {
					v = -32768
				}
				binary.LittleEndian.PutUint16(pcm[2*i:], uint16(v))
			}
		}
		if got := analyse(pcm).grade(); got != tc.want {
			t.Errorf("%s: %s (%+v), want %s", tc.name, got, analyse(pcm), tc.want)
		}
	}
	if l := analyse(tone(micRate, 0.5)); math.Abs(l.PeakdBFS-(-6.02)) > 0.1 || math.Abs(l.RMSdBFS-(-9.03)) > 0.1 {
		t.Errorf("a half-scale sine: peak %.2f rms %.2f dBFS, want -6.02 and -9.03", l.PeakdBFS, l.RMSdBFS)
	}
}

func FuzzAnalyse(f *testing.F) {
	f.Add([]byte{0xff, 0x7f, 0x00, 0x80, 0x01})
	f.Fuzz(func(t *testing.T, pcm []byte) {
		l := analyse(pcm)
		if math.IsNaN(l.RMSdBFS) || math.IsNaN(l.PeakdBFS) || l.RMSdBFS > 0.01 || l.Clipped < 0 || l.Clipped > 1 {
			t.Fatalf("%+v", l)
		}
		l.grade()
	})
}

func TestMicTestVerdicts(t *testing.T) {
	base := func() checks.Result {
		return checks.Result{Status: report.Pass, Metrics: []report.Metric{report.Measured("microphones", 1, "")}}
	}
	for _, tc := range []struct {
		name     string
		rec      recorder
		level    string
		status   report.Status
		contains string
	}{
		{"speech", func(context.Context, *checks.Env) ([]byte, error) { return tone(3*micRate, 0.1), nil }, "good", report.Pass, ""},
		{"silence", func(context.Context, *checks.Env) ([]byte, error) { return make([]byte, 6*micRate), nil }, "silent", report.Warn, "silence"},
		{"faint", func(context.Context, *checks.Env) ([]byte, error) { return tone(3*micRate, 0.01), nil }, "low", report.Warn, "faint"},
		{"unsupported", func(context.Context, *checks.Env) ([]byte, error) { return nil, errUnsupported }, "not measured", report.Pass, ""},
		{"recorder missing", func(context.Context, *checks.Env) ([]byte, error) {
			return nil, errors.New("parec is not installed or not on PATH")
		}, "not measured", report.Pass, "could not record"},
		{"too short", func(context.Context, *checks.Env) ([]byte, error) { return tone(100, 0.1), nil }, "not measured", report.Pass, ""},
	} {
		var progress []string
		env := &checks.Env{OnProgress: func(m string) { progress = append(progress, m) }}
		res := base()
		(&check{record: tc.rec}).micTest(context.Background(), env, &res)
		if res.Facts["mic_test"] != tc.level || res.Status != tc.status {
			t.Errorf("%s: level %q status %s, want %q %s", tc.name, res.Facts["mic_test"], res.Status, tc.level, tc.status)
		}
		all := ""
		for _, f := range res.Findings {
			all += f.Message
		}
		if !strings.Contains(all, tc.contains) {
			t.Errorf("%s: findings %q lack %q", tc.name, all, tc.contains)
		}
		if len(progress) == 0 || !strings.Contains(progress[0], "speak now") {
			t.Errorf("%s: the user was not asked to speak: %q", tc.name, progress)
		}
	}
	res := checks.Result{Status: report.Warn, Metrics: []report.Metric{report.Measured("microphones", 0, "")}}
	(&check{record: func(context.Context, *checks.Env) ([]byte, error) {
		t.Error("recorded without a microphone")
		return nil, nil
	}}).micTest(context.Background(), &checks.Env{}, &res)
	if res.Facts["mic_test"] != "not measured" {
		t.Errorf("no microphone: %v", res.Facts)
	}
}
