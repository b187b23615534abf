package audio

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/redact"
	"github.com/wfh-cli/wfh/report/render"
)

func TestOwnerNameStaysOutOfRedactedReports(t *testing.T) {
	s := scan{Devices: []device{
		{Kind: kindMic, Name: "bluez_input.AC_80_0A_11_22_33", Label: "Alice's AirPods Pro", Default: true, DefaultKnown: true, Muted: true, MuteKnown: true},
		{Kind: kindSpeaker, Name: "bluez_output.AC_80_0A_11_22_33", Label: "Alice's AirPods Pro", Default: true, DefaultKnown: true},
	}}
	res := verdict(&checks.Env{OS: "linux"}, s, nil)
	res.ID, res.Title = "audio", "Microphone and speakers"
	if res.Items[0].Label != "AirPods Pro" || res.Items[0].Attributes["device_name"] != "Alice's AirPods Pro" {
		t.Fatalf("item %+v", res.Items[0])
	}
	if !strings.Contains(res.Summary+res.Findings[0].Message, "AirPods Pro") {
		t.Errorf("the finding should still name the device: %+v", res.Findings)
	}
	rep := redact.Redact(report.Report{SchemaVersion: report.SchemaVersion, Results: []report.Result{res}}, report.Known{})
	for _, f := range render.Formats() {
		var buf bytes.Buffer
		if err := render.Render(&buf, rep, f, render.Options{Verbose: true}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "Alice") {
			t.Errorf("%s report names the owner:\n%s", f, buf.String())
		}
	}
	var buf bytes.Buffer
	render.Render(&buf, redact.MarkUnredacted(report.Report{Results: []report.Result{res}}), render.FormatJSON, render.Options{})
	if !strings.Contains(buf.String(), "Alice's AirPods Pro") {
		t.Error("--no-redact must keep the full name")
	}
}
