package audio

import (
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// brief renders a device in one line so that expectations are exact and
// still readable: kind|label|name|muted|volume|state|port|bus|profile|spec.
func brief(d device) string {
	mute, vol := "?", "?"
	if d.MuteKnown {
		mute = strconv.FormatBool(d.Muted)
	}
	if d.VolumeKnown {
		vol = strconv.Itoa(d.Volume)
	}
	return strings.Join([]string{d.Kind, d.Label, d.Name, mute, vol, d.State, d.ActivePort, d.Bus, d.Profile, d.SampleSpec}, "|")
}

func briefs(ds []device) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, brief(d))
	}
	return out
}

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParsePactlTextRealSamples(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"linux/pactl-list-1.txt", []string{
			"speaker|Built-in Audio Analog Stereo|alsa_output.pci-0000_00_1b.0.analog-stereo|false|23|suspended|analog-output-speaker|pci||s16le 2ch 44100Hz",
			"speaker|Built-in Audio Digital Stereo (HDMI)|alsa_output.pci-0000_00_03.0.hdmi-stereo-extra1|false|50|suspended|hdmi-output-1|pci||s16le 2ch 44100Hz",
			"speaker|MW600|bluez_sink.8C_64_22_BE_B2_9A|false|100|suspended|headset-output|bluetooth|hsp|s16le 1ch 8000Hz",
			"microphone|Built-in Audio Analog Stereo|alsa_input.pci-0000_00_1b.0.analog-stereo|false|97|suspended|analog-input-microphone-internal|pci||s16le 2ch 44100Hz",
			"microphone|MW600|bluez_source.8C_64_22_BE_B2_9A|false|100|suspended|headset-input|bluetooth|hsp|s16le 1ch 8000Hz",
		}},
		{"linux/pactl-list-2.txt", []string{
			"speaker|Logitech B530 USB Headset Digital Stereo (IEC958)|alsa_output.usb-Logitech_Logitech_B530_USB_Headset-00.iec958-stereo|false|100|suspended|iec958-stereo-output|usb||s16le 2ch 48000Hz",
			"speaker|Built-in Audio Digital Stereo (HDMI)|alsa_output.pci-0000_00_1f.3.hdmi-stereo|false|32|suspended|hdmi-output-0|pci||s16le 2ch 44100Hz",
			"microphone|Built-in Audio Analog Stereo|alsa_input.pci-0000_00_1f.3.analog-stereo|false|50|suspended|analog-input-internal-mic|pci||s16le 2ch 44100Hz",
			"microphone|Logitech B530 USB Headset Analog Mono|alsa_input.usb-Logitech_Logitech_B530_USB_Headset-00.analog-mono|false|100|suspended|analog-input-headset-mic|usb||s16le 1ch 44100Hz",
			"microphone|HD Pro Webcam C920 Analog Stereo|alsa_input.usb-046d_HD_Pro_Webcam_C920_73BD39DF-02.analog-stereo|false|63|suspended|analog-input-mic|usb||s16le 2ch 32000Hz",
		}},
		{"linux/pactl-list-3.txt", []string{
			"speaker|sof-hda-dsp HDMI / DisplayPort 3 Output|alsa_output.pci-0000_00_1f.3-platform-skl_hda_dsp_generic.HiFi__hw_sofhdadsp_5__sink|false|50|unavailable|[Out] HDMI3|pci||s16le 2ch 48000Hz",
			"speaker|sof-hda-dsp HDMI / DisplayPort 2 Output|alsa_output.pci-0000_00_1f.3-platform-skl_hda_dsp_generic.HiFi__hw_sofhdadsp_4__sink|false|100|unavailable|[Out] HDMI2|pci||s16le 2ch 48000Hz",
			"speaker|sof-hda-dsp HDMI / DisplayPort 1 Output|alsa_output.pci-0000_00_1f.3-platform-skl_hda_dsp_generic.HiFi__hw_sofhdadsp_3__sink|false|100|unavailable|[Out] HDMI1|pci||s16le 2ch 48000Hz",
			"speaker|sof-hda-dsp Speaker + Headphones|alsa_output.pci-0000_00_1f.3-platform-skl_hda_dsp_generic.HiFi__hw_sofhdadsp__sink|false|49|idle|[Out] Speaker|pci||s16le 2ch 48000Hz",
			"microphone|sof-hda-dsp Headset Mono Microphone + Headphones Stereo Microphone|alsa_input.pci-0000_00_1f.3-platform-skl_hda_dsp_generic.HiFi__hw_sofhdadsp__source|false|10|unavailable|[In] Headset|pci||s16le 2ch 48000Hz",
			"microphone|sof-hda-dsp Digital Microphone|alsa_input.pci-0000_00_1f.3-platform-skl_hda_dsp_generic.HiFi__hw_sofhdadsp_6__source|true|31|running|[In] Mic1|pci||s16le 2ch 48000Hz",
		}},
		{"linux/pactl-list-sinks-1.txt", []string{
			"speaker|sof-hda-dsp Speaker + Headphones|alsa_output.pci-0000_00_1f.3-platform-skl_hda_dsp_generic.HiFi__hw_sofhdadsp__sink|false|56|suspended|[Out] Speaker|pci||s16le 2ch 48000Hz",
		}},
		{"linux/pactl-list-sources-null.txt", []string{
			"microphone|Null Input|wfh_mic|true|100|idle||||s16le 2ch 44100Hz",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parsePactlText(readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(briefs(got), tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(briefs(got), "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestParsePactlTextEdges(t *testing.T) {
	if got, err := parsePactlText(""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
	if _, err := parsePactlText("Segmentation fault\n"); err == nil {
		t.Error("garbage must be an error, not an empty list")
	}
	long := strings.Repeat("x", 400)
	in := "Source #7\n\tState: RUNNING\n\tName: odd\n\tDescription: \"Quote\" 🎤 <b>bold</b>\x1b[31m\n\tMute: yes\n\tVolume: mono: 0 / 0% / -inf dB\n" +
		"Sink #8\n\tName: long\n\tDescription: " + long + "\n\tVolume: garbage\n"
	got, err := parsePactlText(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"microphone|\"Quote\" 🎤 <b>bold</b>[31m|odd|true|0|running||||",
		"speaker|" + strings.Repeat("x", maxText) + "…|long|?|?|||||",
	}
	if !reflect.DeepEqual(briefs(got), want) {
		t.Errorf("got  %q\nwant %q", briefs(got), want)
	}
}

func TestParsePactlJSON(t *testing.T) {
	sinks, err := parsePactlJSON(readFixture(t, "linux/pactl-json-sinks-null.json"), kindSpeaker)
	if err != nil {
		t.Fatal(err)
	}
	sources, err := parsePactlJSON(readFixture(t, "linux/pactl-json-sources-null.json"), kindMic)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"speaker|Null Output|wfh_speaker|false|0|idle||||s16le 2ch 44100Hz",
		"microphone|Null Input|wfh_mic|true|100|idle||||s16le 2ch 44100Hz", // the monitor source is dropped
	}
	if got := briefs(append(sinks, sources...)); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}

	bt := `[{"name":"bluez_input.00_11_22_33_44_55.0","description":"Jabra <Evolve> 65","state":"RUNNING","mute":false,
	"volume":{"mono":{"value_percent":"80%"}},"active_port":"headset-input","sample_specification":"s16le 1ch 16000Hz",
	"properties":{"device.bus":"bluetooth","api.bluez5.profile":"headset-head-unit"},
	"ports":[{"name":"headset-input","availability":"available"}]},
	{"name":"alsa_input.x","description":"Jack","state":"SUSPENDED","mute":false,"volume":{},"active_port":"analog-input-mic",
	"ports":[{"name":"analog-input-mic","availability":"not available"}]}]`
	got, err := parsePactlJSON(bt, kindMic)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"microphone|Jabra <Evolve> 65|bluez_input.00_11_22_33_44_55.0|false|80|running|headset-input|bluetooth|headset-head-unit|s16le 1ch 16000Hz",
		"microphone|Jack|alsa_input.x|false|?|unavailable|analog-input-mic|||",
	}
	if !reflect.DeepEqual(briefs(got), want) {
		t.Errorf("got  %q\nwant %q", briefs(got), want)
	}
	if !got[0].callMode() || got[1].callMode() {
		t.Error("callMode wrong")
	}

	for _, bad := range []string{"", "Invalid format", `[{"balance":0,00}]`, "{}"} {
		if _, err := parsePactlJSON(bad, kindSpeaker); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	if got, err := parsePactlJSON("[]", kindSpeaker); err != nil || len(got) != 0 {
		t.Errorf("[]: %v %v", got, err)
	}
}

func TestParsePactlDefaults(t *testing.T) {
	sink, src := parsePactlDefaults("Server Name: pulseaudio\nDefault Sink: wfh_speaker\nDefault Source: wfh_mic\n")
	if sink != "wfh_speaker" || src != "wfh_mic" {
		t.Errorf("got %q %q", sink, src)
	}
}

func TestParseAsound(t *testing.T) {
	cards := " 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n                      HDA Intel PCH at 0xf7f10000 irq 33\n 1 [Headset        ]: USB-Audio - Logitech USB Headset\n                      Logitech Logitech USB Headset at usb-0000:00:14.0-2, full speed\n"
	if got, want := parseAsoundCards(cards), []string{"HDA Intel PCH", "Logitech USB Headset"}; !reflect.DeepEqual(got, want) {
		t.Errorf("cards: got %q want %q", got, want)
	}
	if got := parseAsoundCards("--- no soundcards ---\n"); len(got) != 0 {
		t.Errorf("no soundcards: %q", got)
	}
	for file, want := range map[string][]string{
		"linux/aplay-l-1.txt": {"bcm2835 ALSA", "Logitech G35 Headset"},
		"linux/aplay-l-2.txt": {"vc4-hdmi-0", "PianoDACPlus"},
		"linux/aplay-l-3.txt": {"audioinjector-pi-soundcard"}, // German: "Karte 0:"
	} {
		if got := parseAplayL(readFixture(t, file)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q want %q", file, got, want)
		}
	}
}

func TestParseSPAudioJSON(t *testing.T) {
	tests := []struct {
		file string
		want []string // kind|label|default|bus
	}{
		{"macos/spaudio-usb-headset.json", []string{
			"microphone|MacBook Pro Microphone|false|builtin",
			"speaker|MacBook Pro Speakers|false|builtin",
			"microphone|Jabra Evolve2 40|true|usb",
			"speaker|Jabra Evolve2 40|true|usb",
		}},
		{"macos/spaudio-nested-bluetooth.json", []string{
			"microphone|AirPods Pro \"Work\" 🎧|true|bluetooth",
			"speaker|AirPods Pro \"Work\" 🎧|true|bluetooth",
		}},
		{"macos/spaudio-empty.json", []string{}},
	}
	for _, tt := range tests {
		devs, err := parseSPAudioJSON(readFixture(t, tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		got := []string{}
		for _, d := range devs {
			got = append(got, strings.Join([]string{d.Kind, d.Label, strconv.FormatBool(d.Default), d.Bus}, "|"))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %q want %q", tt.file, got, tt.want)
		}
	}
	for _, bad := range []string{"", "not json", `{"SPCameraDataType":[]}`, `{"SPAudioDataType":{}}`} {
		if _, err := parseSPAudioJSON(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestParseOsascriptVolume(t *testing.T) {
	v, err := parseOsascriptVolume("output volume:50, input volume:75, alert volume:100, output muted:false\n")
	if err != nil || *v.Output != 50 || *v.Input != 75 || *v.OutputMuted {
		t.Errorf("got %+v %v", v, err)
	}
	v, err = parseOsascriptVolume("output volume:missing value, input volume:0, alert volume:100, output muted:missing value")
	if err != nil || v.Output != nil || *v.Input != 0 || v.OutputMuted != nil {
		t.Errorf("missing value: got %+v %v", v, err)
	}
	if _, err := parseOsascriptVolume("execution error: Not authorized"); err == nil {
		t.Error("garbage must be an error")
	}
}

func TestParseAudioEndpointJSON(t *testing.T) {
	devs, err := parseAudioEndpointJSON(readFixture(t, "windows/endpoints-three.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, d := range devs {
		got = append(got, d.Kind+"|"+d.Label+"|"+d.Status+"|"+d.State)
	}
	want := []string{
		"microphone|Microphone (USB Headset)|OK|",
		"speaker|Speakers (Realtek(R) Audio)|OK|",
		"speaker|Headphones (<b>BT</b> Hands-Free)|Unknown|unavailable",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q want %q", got, want)
	}
	one, err := parseAudioEndpointJSON(readFixture(t, "windows/endpoints-single.json"))
	if err != nil || len(one) != 1 || one[0].Kind != kindSpeaker || one[0].MuteKnown || one[0].VolumeKnown {
		t.Errorf("single: %+v %v", one, err)
	}
	for _, empty := range []string{"", "  \r\n", "null", "\uFEFF"} {
		if got, err := parseAudioEndpointJSON(empty); err != nil || len(got) != 0 {
			t.Errorf("%q: %v %v", empty, got, err)
		}
	}
	if _, err := parseAudioEndpointJSON("Get-PnpDevice : The term is not recognized"); err == nil {
		t.Error("garbage must be an error")
	}
}

// Fuzz targets: parsers read what other programs print and must never
// panic, whatever they get.

func FuzzParsePactlJSON(f *testing.F) {
	f.Add(readFixture(f, "linux/pactl-json-sources-null.json"))
	f.Add(`[{"name":"a","volume":{"x":{"value_percent":"-5%"}},"active_port":null}]`)
	f.Fuzz(func(t *testing.T, s string) {
		devs, err := parsePactlJSON(s, kindMic)
		if err == nil {
			for _, d := range devs {
				if d.VolumeKnown && d.Volume < 0 {
					t.Errorf("negative volume %d", d.Volume)
				}
			}
		}
	})
}

func FuzzParsePactlText(f *testing.F) {
	f.Add(readFixture(f, "linux/pactl-list-1.txt"))
	f.Add(readFixture(f, "linux/pactl-list-3.txt"))
	f.Add("Sink #0\n\tVolume: 0:  5% 1: 100%\n\tPorts:\n\t\tx: y (not available)\n\tActive Port: x\n")
	f.Fuzz(func(t *testing.T, s string) {
		devs, _ := parsePactlText(s)
		for _, d := range devs {
			if len(d.Label) > maxText+len("…") {
				t.Errorf("label not bounded: %d bytes", len(d.Label))
			}
		}
	})
}

func FuzzParseAsoundCards(f *testing.F) {
	f.Add(" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n")
	f.Add(readFixture(f, "linux/aplay-l-3.txt"))
	f.Fuzz(func(t *testing.T, s string) {
		parseAsoundCards(s)
		parseAplayL(s)
	})
}

func FuzzParseSPAudioJSON(f *testing.F) {
	f.Add(readFixture(f, "macos/spaudio-nested-bluetooth.json"))
	f.Add(`{"SPAudioDataType":[{"_items":[{"_items":[{"_items":[]}]}]}]}`)
	f.Fuzz(func(t *testing.T, s string) { parseSPAudioJSON(s) })
}

func FuzzParseOsascriptVolume(f *testing.F) {
	f.Add("output volume:50, input volume:75, alert volume:100, output muted:false")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseOsascriptVolume(s)
		if err == nil && v.Output != nil && (*v.Output < 0 || *v.Output > 100) {
			t.Errorf("volume out of range: %d", *v.Output)
		}
	})
}

func FuzzParseAudioEndpointJSON(f *testing.F) {
	f.Add(readFixture(f, "windows/endpoints-three.json"))
	f.Add(readFixture(f, "windows/endpoints-single.json"))
	f.Fuzz(func(t *testing.T, s string) { parseAudioEndpointJSON(s) })
}
