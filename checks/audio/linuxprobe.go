package audio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// pactlTimeout bounds one pactl call: a live sound server answers in
// milliseconds, so 1.5 s only ends a wedged one while leaving room in the
// budget for the other calls and the ALSA fallback.
const pactlTimeout = 1500 * time.Millisecond

// linuxProbe asks the sound server (PulseAudio, or PipeWire's pulse
// server) through pactl, and falls back to ALSA's card list when no
// server answers.
type linuxProbe struct{}

func (linuxProbe) devices(ctx context.Context, env *checks.Env) (scan, error) {
	sinks, src, err := listPactl(ctx, env, "sinks", kindSpeaker)
	if err != nil {
		var down *serverDown
		if errors.As(err, &down) {
			return alsaScan(ctx, env, down.why)
		}
		return scan{}, err
	}
	sources, _, err := listPactl(ctx, env, "sources", kindMic)
	if err != nil {
		return scan{}, err
	}
	s := scan{Source: src, Devices: append(sinks, sources...)}
	defSink, defSource := pactlDefaults(ctx, env)
	if isMonitor(defSource, "", "") {
		s.MonitorDefault = defSource
	}
	for i := range s.Devices {
		d := &s.Devices[i]
		want := defSink
		if d.Kind == kindMic {
			want = defSource
		}
		d.DefaultKnown = want != ""
		d.Default = want != "" && d.Name == want
	}
	return s, nil
}

// serverDown is pactl's way of saying no sound server runs.
type serverDown struct{ why string }

func (e *serverDown) Error() string { return e.why }

// noServer recognises pactl's wording when it reaches no server.
func noServer(text string) bool {
	return strings.Contains(text, "Connection failure") || strings.Contains(text, "Connection refused") ||
		(strings.Contains(text, "No such file or directory") && strings.Contains(text, "pa_context"))
}

// listPactl lists sinks or sources, in JSON where pactl can (16 and later)
// and in the text form otherwise.
func listPactl(ctx context.Context, env *checks.Env, what, kind string) ([]device, string, error) {
	out, err := probeutil.Run(ctx, env, pactlTimeout, "pactl", "-f", "json", "list", what)
	if err == nil {
		devs, perr := parsePactlJSON(out, kind)
		if perr == nil {
			return devs, "pactl -f json list", nil
		}
		// pactl 16.0 wrote some numbers in the locale's format, which is not
		// JSON; the text form of the same list is the fallback.
		env.Debugf("audio: pactl -f json list %s: %v", what, perr)
	} else {
		if errors.Is(err, probeutil.ErrNotInstalled) {
			return nil, "", &serverDown{why: "pactl is not installed, so wfh cannot ask the sound server"}
		}
		var hung *probeutil.HungError
		if errors.As(err, &hung) {
			return nil, "", fmt.Errorf("the sound server: %w", err)
		}
		if noServer(err.Error() + out) {
			return nil, "", &serverDown{why: "no sound server (PulseAudio or PipeWire) answered"}
		}
		env.Debugf("audio: pactl -f json list %s: %v; trying the text form", what, err)
	}
	out, err = probeutil.Run(ctx, env, pactlTimeout, "pactl", "list", what)
	if err != nil {
		if noServer(err.Error() + out) {
			return nil, "", &serverDown{why: "no sound server (PulseAudio or PipeWire) answered"}
		}
		return nil, "", fmt.Errorf("list the %s: %w", what, err)
	}
	devs, err := parsePactlText(out)
	if err != nil {
		return nil, "", fmt.Errorf("pactl list %s %w", what, err)
	}
	var kept []device
	for _, d := range devs {
		if d.Kind == kind {
			kept = append(kept, d)
		}
	}
	return kept, "pactl list", nil
}

// pactlDefaults names the default sink and source: get-default-sink exists
// from pactl 15, `pactl info` before. An unknown default is "" and only
// costs the muted-default findings their certainty, so errors are logged.
func pactlDefaults(ctx context.Context, env *checks.Env) (sink, source string) {
	s, err1 := probeutil.Run(ctx, env, pactlTimeout, "pactl", "get-default-sink")
	src, err2 := probeutil.Run(ctx, env, pactlTimeout, "pactl", "get-default-source")
	if err1 == nil && err2 == nil {
		return clean(s), clean(src)
	}
	info, err := probeutil.Run(ctx, env, pactlTimeout, "pactl", "info")
	if err != nil {
		env.Debugf("audio: pactl info: %v", err)
		return "", ""
	}
	sink, source = parsePactlDefaults(info)
	return clean(sink), clean(source)
}

// alsaScan lists the kernel's sound cards when no sound server answered:
// apps on a desktop play and record through the server, so the cards alone
// show only that the hardware is there.
func alsaScan(ctx context.Context, env *checks.Env, why string) (scan, error) {
	s := scan{ServerDown: why, Source: "/proc/asound/cards"}
	data, err := probeutil.ReadSmall(ctx, env.FS, "proc/asound/cards", 64<<10)
	if err == nil {
		s.Cards = parseAsoundCards(string(data))
		return s, nil
	}
	env.Debugf("audio: %v", err)
	out, aerr := probeutil.Run(ctx, env, pactlTimeout, "aplay", "-l")
	if aerr != nil {
		if errors.Is(aerr, probeutil.ErrNotInstalled) {
			// No server, no /proc/asound, no ALSA tools: a machine without
			// sound support, which is a verdict, not a failure to read.
			s.Source = ""
			return s, nil
		}
		if strings.Contains(aerr.Error()+out, "no soundcards") {
			s.Source = "aplay -l"
			return s, nil
		}
		return scan{}, fmt.Errorf("%s, and the sound cards could not be read: %w", why, aerr)
	}
	s.Source = "aplay -l"
	s.Cards = parseAplayL(out)
	return s, nil
}
