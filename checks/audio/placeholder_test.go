package audio

import "testing"

// TestMissingDescriptionFallsBackToName: a device whose description is
// missing, or a placeholder a tool prints for one ("(null)", "null",
// "(none)", "n/a"), is shown under its name, never as "(null)".
func TestMissingDescriptionFallsBackToName(t *testing.T) {
	for _, desc := range []string{"(null)", "(NULL)", "null", "<null>", "(none)", "n/a", "  ", "\"\""} {
		text := "Source #1\n\tState: IDLE\n\tName: alsa_input.usb-headset\n\tDescription: " + desc + "\n\tMute: no\n"
		got, err := parsePactlText(text)
		if err != nil || len(got) != 1 || got[0].Label != "alsa_input.usb-headset" {
			t.Errorf("pactl text, description %q: %+v %v", desc, got, err)
		}
		js := `[{"name":"alsa_output.usb-speaker","description":` + quote(desc) + `,"state":"IDLE","mute":false}]`
		got, err = parsePactlJSON(js, kindSpeaker)
		if err != nil || len(got) != 1 || got[0].Label != "alsa_output.usb-speaker" {
			t.Errorf("pactl json, description %q: %+v %v", desc, got, err)
		}
		win := `[{"InstanceId":"SWD\\MMDEVAPI\\{0.0.1.00000000}.{abc}","FriendlyName":` + quote(desc) + `,"Status":"OK"}]`
		got, err = parseAudioEndpointJSON(win)
		if err != nil || len(got) != 1 || got[0].Label != `SWD\MMDEVAPI\{0.0.1.00000000}.{abc}` {
			t.Errorf("windows, friendly name %q: %+v %v", desc, got, err)
		}
	}
	// A real name that merely contains the word stays.
	got, _ := parsePactlText("Sink #2\n\tName: x\n\tDescription: Null Output\n")
	if len(got) != 1 || got[0].Label != "Null Output" {
		t.Errorf("Null Output: %+v", got)
	}
}

func quote(s string) string {
	out := `"`
	for _, r := range s {
		if r == '"' || r == '\\' {
			out += `\`
		}
		out += string(r)
	}
	return out + `"`
}
