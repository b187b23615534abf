package audio

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/redact"
	"github.com/wfh-cli/wfh/report/render"
)

// Every kind of result the check produces must fit the published JSON
// contract, render as text and markdown without device names breaking the
// layout, and lose the headset's Bluetooth address to redaction.
func TestResultsMatchSchema(t *testing.T) {
	text := readFixture(t, "linux/pactl-list-1.txt")
	ex := commands{
		"pactl list sinks":           {Out: text},
		"pactl list sources":         {Out: text},
		"pactl -f json list sinks":   {Out: "not json"},
		"pactl -f json list sources": {Out: "not json"},
		"pactl info":                 {Out: "Default Sink: bluez_sink.8C_64_22_BE_B2_9A\nDefault Source: bluez_source.8C_64_22_BE_B2_9A\n"},
		"pactl get-default-sink":     {Err: errNoCommand},
		"pactl get-default-source":   {Err: errNoCommand},
	}
	btScan, err := linuxProbe{}.devices(context.Background(), testEnv(t, "linux", ex, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	odd := scan{Devices: []device{{Kind: kindMic, Name: "m", Label: "\"Quote\" 🎤 <b>bold</b> | pipe", Default: true, DefaultKnown: true, MuteKnown: true, Muted: true}}}
	req := profile.Default()
	req.Audio.SpeakerRequired = true
	env := testEnv(t, "linux", nil, nil, nil)
	results := []report.Result{
		verdict(env, btScan, nil),
		verdict(env, odd, nil),
		verdict(testEnv(t, "linux", nil, nil, req), odd, nil),
		verdict(env, scan{ServerDown: "pactl is not installed", Cards: []string{"HDA Intel PCH"}}, nil),
		verdict(env, scan{ServerDown: "pactl is not installed"}, nil),
		verdict(env, scan{}, errors.New("pactl did not answer within 1.5s")),
		verdict(env, scan{}, errUnsupported),
	}
	rep := reportschema.CheckResults(t, "audio", "Microphone and speakers", results)
	var buf bytes.Buffer
	red := redact.Redact(rep, report.Known{})
	if err := render.Render(&buf, red, render.FormatJSON, render.Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "8C:64:22") || strings.Contains(buf.String(), "8C_64_22") {
		t.Errorf("the headset's Bluetooth address survives redaction:\n%s", buf.String())
	}
}
