package audio

import (
	"context"
	"fmt"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// macTimeout bounds system_profiler, which takes 1–3 s on a loaded Mac; the
// osascript call after it answers in well under a second.
const macTimeout = 3500 * time.Millisecond

type darwinProbe struct{}

func (darwinProbe) devices(ctx context.Context, env *checks.Env) (scan, error) {
	out, err := probeutil.Run(ctx, env, macTimeout, "system_profiler", "SPAudioDataType", "-json")
	if err != nil {
		return scan{}, fmt.Errorf("list the sound devices: %w", err)
	}
	devs, err := parseSPAudioJSON(out)
	if err != nil {
		return scan{}, fmt.Errorf("system_profiler %w", err)
	}
	s := scan{Devices: devs, Source: "system_profiler SPAudioDataType -json"}
	vol, err := probeutil.Run(ctx, env, macTimeout/4, "osascript", "-e", "get volume settings")
	var v volumeSettings
	if err == nil {
		v, err = parseOsascriptVolume(vol)
	}
	if err != nil {
		// Volume and mute are extras: the device list stands without them.
		env.Debugf("audio: osascript: %v", err)
		s.Notes = append(s.Notes, "The volume and mute state could not be read.")
		return s, nil
	}
	for i := range s.Devices {
		d := &s.Devices[i]
		if !d.Default {
			continue
		}
		switch d.Kind {
		case kindSpeaker:
			if v.Output != nil {
				d.Volume, d.VolumeKnown = *v.Output, true
			}
			if v.OutputMuted != nil {
				d.Muted, d.MuteKnown = *v.OutputMuted, true
			}
		case kindMic:
			if v.Input != nil {
				d.Volume, d.VolumeKnown = *v.Input, true
			}
		}
	}
	return s, nil
}
