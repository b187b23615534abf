package audio

import (
	"context"
	"errors"
	"strings"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// probe is the only OS-specific part of the check: it lists the sound
// devices the OS sees, and audio.go turns the list into a verdict. An error
// means the list could not be read; it never means "no audio", which is an
// empty scan with a nil error.
type probe interface {
	devices(ctx context.Context, env *checks.Env) (scan, error)
}

// scan is what a probe found.
type scan struct {
	Devices []device
	// Cards are sound cards seen below the sound server (ALSA), listed when
	// no sound server answered: they prove hardware exists but say nothing
	// of microphones and speakers.
	Cards []string
	// ServerDown says why no sound server answered, "" when one did or the
	// OS has none to ask.
	ServerDown string
	// MonitorDefault is the name of the default input when it is a monitor
	// source, which records what the computer plays instead of the voice.
	MonitorDefault string
	// Source names where the list came from ("pactl -f json list").
	Source string
	// Notes are things the reader should know, such as what the OS does not
	// tell (mute state on Windows).
	Notes []string
}

// Device kinds, as shown in the report item's kind.
const (
	kindSpeaker = "speaker"
	kindMic     = "microphone"
)

// device is one output (sink) or input (source). Empty fields are unknown.
type device struct {
	Kind string
	// Name is the system's identifier (PulseAudio's sink name); Label is
	// what people see in the sound settings.
	Name  string
	Label string
	// Default is whether apps use it unless told otherwise; DefaultKnown
	// is false on systems that do not say (Windows' endpoint list).
	Default      bool
	DefaultKnown bool
	// Muted and Volume are valid only when MuteKnown / VolumeKnown.
	Muted       bool
	MuteKnown   bool
	Volume      int
	VolumeKnown bool
	// State is running, idle, suspended or unavailable (nothing plugged
	// into the active jack, or Windows reports the endpoint absent).
	State      string
	ActivePort string
	// Bus is how it is connected ("bluetooth", "usb", "pci").
	Bus string
	// Profile is the Bluetooth protocol or profile ("a2dp_sink", "hsp").
	Profile    string
	SampleSpec string
	// Status is what Windows says of the endpoint ("OK", "Unknown").
	Status string
}

// callMode reports whether a Bluetooth device uses a headset/hands-free
// profile: the only Bluetooth mode that carries a microphone, and one with
// telephone sound (8 or 16 kHz, mono).
func (d device) callMode() bool {
	p := strings.ToLower(d.Profile)
	if p == "" {
		return false
	}
	for _, s := range []string{"hsp", "hfp", "head_unit", "head-unit", "handsfree", "hands-free"} {
		if strings.Contains(p, s) {
			return true
		}
	}
	return false
}

// errUnsupported is returned by the probe of an OS wfh cannot read sound
// devices on; the check is then skipped, not failed.
var errUnsupported = errors.New("not available on this OS yet")

// unsupportedProbe serves every OS without a probe of its own; it lives here
// so that it is built and tested everywhere.
type unsupportedProbe struct{}

func (unsupportedProbe) devices(context.Context, *checks.Env) (scan, error) {
	return scan{}, errUnsupported
}

// maxText bounds one name: real device names are a few dozen characters,
// so anything longer is corrupt or hostile and must not flood a ticket.
const maxText = 160

// clean: see probeutil.CleanText.
func clean(s string) string { return probeutil.CleanText(s, maxText) }

// cleanLabel is clean for a device's display name: a placeholder for a
// missing one ("(null)") is no name, so the caller falls back to the
// device's system name.
func cleanLabel(s string) string {
	if s = clean(s); probeutil.Placeholder(s) {
		return ""
	}
	return s
}
