// Package audio implements the "audio" check: which microphones and
// speakers the computer sees, which are the defaults, and whether one of
// them is muted, silent or in Bluetooth's low-quality call mode. "They
// can't hear me" is the teleworker's most common call problem, and the
// cause is usually one of these, not the network.
//
// The verdict is OS-independent; each OS answers a small probe interface
// (probe.go), chosen by newProbe in a per-OS file. Linux asks the sound
// server with pactl and falls back to ALSA's card list, macOS runs
// system_profiler and osascript, Windows runs PowerShell's Get-PnpDevice.
package audio

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/report"
)

const (
	// listBudget: pactl answers in milliseconds, but system_profiler and
	// PowerShell take 1–3 s on a loaded machine; 5 s covers them.
	listBudget = 5 * time.Second
	// budget adds room for --mic-test: micRecordTime of recording plus the
	// recorder's start-up.
	budget = listBudget + micRecordTime + 1500*time.Millisecond

	// margin: the check ends itself this long before its budget, so that it
	// reports what hung instead of the runner reporting a timeout.
	margin = 250 * time.Millisecond
)

type check struct {
	probe probe
	// record captures raw 16-bit mono PCM from the default microphone for
	// --mic-test; tests replace it.
	record recorder
}

// New returns the audio check for the OS wfh was built for.
func New() checks.Check { return &check{probe: newProbe(), record: newRecorder()} }

func (*check) ID() string            { return "audio" }
func (*check) Title() string         { return "Microphone and speakers" }
func (*check) Budget() time.Duration { return budget }
func (*check) Needs() checks.Needs {
	return checks.Needs{Uses: []checks.Resource{checks.LocalDevices}}
}

func (c *check) Run(ctx context.Context, env *checks.Env) checks.Result {
	if env == nil {
		env = &checks.Env{}
	}
	res := c.listDevices(ctx, env)
	if env.MicTest {
		c.micTest(ctx, env, &res)
	}
	return res
}

func (c *check) listDevices(ctx context.Context, env *checks.Env) checks.Result {
	s, err := probeutil.Bounded(ctx, env, listBudget-margin, "its sound devices", func(ctx context.Context) (scan, error) {
		return c.probe.devices(ctx, env)
	})
	return verdict(env, s, err)
}

// Fixes, in the user's words.
const (
	fixNoMic     = "Plug in a headset or microphone (or try another USB port) and check that it is switched on; a Bluetooth headset must be connected in the Bluetooth settings."
	fixNoSpeaker = "Plug in headphones or a headset (or try another USB port) and check that they are switched on; a Bluetooth headset must be connected in the Bluetooth settings."
	fixCallMode  = "In the sound settings, switch the headset's output to its high-fidelity (A2DP) profile and use the computer's microphone, or use a wired headset: Bluetooth cannot carry good sound and the microphone at the same time."
	fixNoServer  = "Log out and in again. If that does not help: systemctl --user restart pipewire pipewire-pulse (or pulseaudio), or ask IT."
)

// verdict turns what the probe found into the check's result.
func verdict(env *checks.Env, s scan, err error) checks.Result {
	var res checks.Result
	var v checks.Verdict
	if err != nil {
		if errors.Is(err, errUnsupported) {
			v.Default(report.Skipped, fmt.Sprintf("listing sound devices is not available on %s yet", checks.DisplayOS(env.OS)))
			v.Apply(&res)
			return res
		}
		// The list could not be read, which is not the same as an empty
		// list: it is no verdict on the devices.
		why := strings.TrimSuffix(err.Error(), ".")
		v.Add(checks.Conclusion{Severity: report.Error, Summary: "could not read the audio devices: " + why,
			Message: "Could not read the audio devices: " + why + "."})
		v.Apply(&res)
		res.Metrics = []report.Metric{
			report.NotMeasured("microphones", "", "the device list could not be read"),
			report.NotMeasured("speakers", "", "the device list could not be read"),
		}
		return res
	}
	if s.Source != "" {
		res.Facts = map[string]string{"audio_source": s.Source}
	}
	var micReq, spkReq bool
	if env.Profile != nil {
		micReq, spkReq = env.Profile.Audio.MicrophoneRequired, env.Profile.Audio.SpeakerRequired
	}

	if s.ServerDown != "" {
		return serverDownVerdict(res, s, micReq, spkReq)
	}

	mics, speakers := 0, 0
	for _, d := range s.Devices {
		if d.State == "unavailable" {
			continue
		}
		if d.Kind == kindMic {
			mics++
		} else {
			speakers++
		}
	}
	defMic, defSpk := pickDefault(s.Devices, kindMic), pickDefault(s.Devices, kindSpeaker)
	// The summary names the first problem; a missing device comes first.
	var problems []checks.Conclusion
	callSeen := map[string]bool{}
	// A Bluetooth headset is named after its owner by default; show it
	// without the name, which goes under a key redaction always removes.
	owners := make([]string, len(s.Devices))
	for i := range s.Devices {
		if rest, ok := probeutil.SplitOwner(s.Devices[i].Label); ok {
			owners[i], s.Devices[i].Label = s.Devices[i].Label, rest
		}
	}
	labels := uniqueLabels(s.Devices)
	for i, d := range s.Devices {
		d.Label = labels[i]
		item := report.Item{Label: d.Label, Kind: d.Kind, Status: report.Pass, Attributes: attributes(d, i == defMic || i == defSpk)}
		if owners[i] != "" {
			item.Attributes["device_name"] = owners[i]
		}
		var states []string
		if i == defMic || i == defSpk {
			states = append(states, "default")
		}
		if d.State == "unavailable" {
			states = append(states, "not plugged in")
		}
		if i == defMic {
			if f, ok := micFinding(d); ok {
				item.Status = report.Warn
				states = append(states, strings.TrimSuffix(f.Message, "."))
				problems = append(problems, f)
			}
		}
		if i == defSpk {
			if f, ok := speakerFinding(d); ok {
				item.Status = report.Warn
				states = append(states, strings.TrimSuffix(f.Message, "."))
				problems = append(problems, f)
			}
		}
		if d.callMode() && d.State != "unavailable" {
			item.Status = report.Warn
			states = append(states, "Bluetooth call mode ("+d.Profile+")")
			if !callSeen[d.Label] {
				callSeen[d.Label] = true
				problems = append(problems, checks.Conclusion{
					Severity: report.Warn,
					Message:  fmt.Sprintf("Your headset '%s' is in call mode; sound quality is low.", d.Label),
					Fix:      fixCallMode,
				})
			}
		}
		item.Summary = strings.Join(states, "; ")
		res.Items = append(res.Items, item)
	}
	res.Metrics = []report.Metric{
		report.Measured("microphones", float64(mics), ""),
		report.Measured("speakers", float64(speakers), ""),
	}
	switch {
	case mics == 0 && speakers == 0:
		problems = append([]checks.Conclusion{missing("No audio devices found.", fixNoSpeaker, micReq || spkReq, "a microphone and speakers")}, problems...)
	default:
		if speakers == 0 {
			problems = append([]checks.Conclusion{missing("No speakers or headphones found.", fixNoSpeaker, spkReq, "speakers")}, problems...)
		}
		if mics == 0 {
			problems = append([]checks.Conclusion{missing("No microphone found.", fixNoMic, micReq, "a microphone")}, problems...)
		}
	}
	if s.MonitorDefault != "" && mics > 0 {
		problems = append(problems, checks.Conclusion{
			Severity: report.Warn,
			Message:  fmt.Sprintf("The default input is '%s', which records what the computer plays, not your voice.", macColons(s.MonitorDefault)),
			Fix:      "Choose your microphone as the input device in the sound settings (or in the call app's audio settings).",
		})
	}
	for _, f := range problems {
		f.Summary = strings.TrimSuffix(f.Message, ".") // a problem's message is short enough to be the summary
		v.Add(f)
	}
	for _, n := range s.Notes {
		v.Note(n)
	}
	v.Default(report.Pass, summary(labels, defMic, defSpk, mics, speakers))
	v.Apply(&res)
	return res
}

// serverDownVerdict: no sound server answered. The cards show whether the
// hardware is there, but apps cannot use it until the server runs.
func serverDownVerdict(res checks.Result, s scan, micReq, spkReq bool) checks.Result {
	res.Metrics = []report.Metric{
		report.NotMeasured("microphones", "", s.ServerDown),
		report.NotMeasured("speakers", "", s.ServerDown),
		report.Measured("sound_cards", float64(len(s.Cards)), ""),
	}
	for _, c := range s.Cards {
		res.Items = append(res.Items, report.Item{Label: c, Kind: "sound card", Status: report.Pass})
	}
	var v checks.Verdict
	if len(s.Cards) == 0 {
		f := missing("No audio devices found.", fixNoSpeaker, micReq || spkReq, "a microphone and speakers")
		f.Message = "No audio devices found: " + s.ServerDown + " and the system lists no sound card."
		f.Summary = "no audio devices found"
		v.Add(f)
		v.Apply(&res)
		return res
	}
	v.Add(checks.Conclusion{
		Severity: report.Warn,
		Summary:  "the sound server is not running",
		Message:  fmt.Sprintf("The sound server is not running (%s), so apps cannot use the sound card (%s).", s.ServerDown, strings.Join(s.Cards, ", ")),
		Fix:      fixNoServer,
	})
	v.Apply(&res)
	return res
}

// missing words a missing device; the profile may make it a failure.
func missing(msg, fix string, required bool, what string) checks.Conclusion {
	f := checks.Conclusion{Severity: report.Warn, Message: msg, Fix: fix}
	if required {
		// The organisation depends on calls: the missing device stops the
		// user's work, so it fails instead of warning.
		f.Severity = report.Fail
		f.Message += " Your organisation's profile requires " + what + "."
	}
	return f
}

// pickDefault returns the index of the default device of a kind, or -1. When
// the system does not say which is the default and only one is present,
// that one is what apps use.
func pickDefault(devs []device, kind string) int {
	only, n, known := -1, 0, false
	for i, d := range devs {
		if d.Kind != kind {
			continue
		}
		if d.Default {
			return i
		}
		known = known || d.DefaultKnown
		if d.State != "unavailable" {
			only = i
			n++
		}
	}
	if !known && n == 1 {
		return only
	}
	return -1
}

func micFinding(d device) (checks.Conclusion, bool) {
	switch {
	case d.MuteKnown && d.Muted:
		return checks.Conclusion{Severity: report.Warn,
			Message: fmt.Sprintf("Your microphone '%s' is muted.", d.Label),
			Fix:     "Unmute it in the sound settings or with the mute key on the headset."}, true
	case d.VolumeKnown && d.Volume == 0:
		return checks.Conclusion{Severity: report.Warn,
			Message: fmt.Sprintf("Your microphone '%s' is at 0 %% volume, so nobody can hear you.", d.Label),
			Fix:     "Turn the input volume up in the sound settings."}, true
	}
	return checks.Conclusion{}, false
}

func speakerFinding(d device) (checks.Conclusion, bool) {
	switch {
	case d.MuteKnown && d.Muted:
		return checks.Conclusion{Severity: report.Warn,
			Message: fmt.Sprintf("Your speakers '%s' are muted.", d.Label),
			Fix:     "Unmute them in the sound settings or with the mute key on the keyboard or headset."}, true
	case d.VolumeKnown && d.Volume == 0:
		return checks.Conclusion{Severity: report.Warn,
			Message: fmt.Sprintf("The volume of your speakers '%s' is at 0 %%.", d.Label),
			Fix:     "Turn the volume up in the sound settings or with the volume keys."}, true
	}
	return checks.Conclusion{}, false
}

// attributes are the device's facts for the report item; what the OS does
// not tell is "not available", never a guess.
func attributes(d device, isDefault bool) map[string]string {
	a := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	set("name", macColons(d.Name))
	switch {
	case isDefault:
		a["default"] = "yes"
	case d.DefaultKnown:
		a["default"] = "no"
	default:
		a["default"] = "not available"
	}
	switch {
	case !d.MuteKnown:
		a["muted"] = "not available"
	case d.Muted:
		a["muted"] = "yes"
	default:
		a["muted"] = "no"
	}
	if d.VolumeKnown {
		a["volume_percent"] = strconv.Itoa(d.Volume)
	} else {
		a["volume_percent"] = "not available"
	}
	set("state", d.State)
	set("active_port", d.ActivePort)
	set("bus", d.Bus)
	set("profile", d.Profile)
	set("sample_spec", d.SampleSpec)
	set("device_status", d.Status)
	return a
}

// underscoreMAC is a Bluetooth address as PulseAudio and PipeWire write it
// in device names ("bluez_sink.8C_64_22_BE_B2_9A").
var underscoreMAC = regexp.MustCompile(`[0-9A-Fa-f]{2}(?:_[0-9A-Fa-f]{2}){5}`)

// macColons writes a Bluetooth address in a device name with colons, the
// form the report's redaction recognises: the headset's address is a
// hardware identifier that must not reach a ticket by default.
func macColons(name string) string {
	return underscoreMAC.ReplaceAllStringFunc(name, func(m string) string { return strings.ReplaceAll(m, "_", ":") })
}

// uniqueLabels returns a label per device: its description, made unique
// within its kind with the system's name when two share one (two identical
// headsets), so the reader can tell which is muted.
func uniqueLabels(devs []device) []string {
	count := map[string]int{}
	for _, d := range devs {
		count[d.Kind+"\x00"+d.Label]++
	}
	labels := make([]string, len(devs))
	for i, d := range devs {
		labels[i] = d.Label
		if count[d.Kind+"\x00"+d.Label] > 1 && d.Name != "" && d.Name != d.Label {
			labels[i] = d.Label + " (" + macColons(d.Name) + ")"
		}
	}
	return labels
}

// summary names the default devices, or counts them when none is known.
func summary(labels []string, defMic, defSpk, mics, speakers int) string {
	var parts []string
	if defMic >= 0 {
		parts = append(parts, "microphone: "+labels[defMic])
	}
	if defSpk >= 0 {
		parts = append(parts, "speakers: "+labels[defSpk])
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d microphone(s), %d speaker(s)", mics, speakers)
	}
	return strings.Join(parts, "; ")
}
