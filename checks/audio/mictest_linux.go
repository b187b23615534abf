package audio

import (
	"context"
	"errors"
	"strconv"

	"github.com/wfh-cli/wfh/checks"
)

// newRecorder records with parec, the PulseAudio client that pipewire-pulse
// also serves: raw samples on stdout, so nothing is written to disk.
func newRecorder() recorder {
	return func(ctx context.Context, env *checks.Env) ([]byte, error) {
		if env.Exec == nil {
			return nil, errors.New("no command runner")
		}
		rctx, cancel := context.WithTimeout(ctx, micRecordTime)
		defer cancel()
		// A short latency makes parec write as it records, so the samples
		// are on stdout when the timeout ends the recording.
		out, err := env.Exec.Run(rctx, "parec", "--raw", "--format=s16le", "--channels=1",
			"--rate="+strconv.Itoa(micRate), "--latency-msec=50", "--device=@DEFAULT_SOURCE@")
		if rctx.Err() != nil && ctx.Err() == nil {
			// The recording ended because its time was up: that is success.
			return out, nil
		}
		return out, err
	}
}
