package camera

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/redact"
)

func TestCheckContract(t *testing.T) {
	c := New()
	if c.ID() != "camera" || c.Title() != "Camera" {
		t.Errorf("ID %q, Title %q", c.ID(), c.Title())
	}
	if c.Budget() != 5*time.Second || cmdTimeout >= c.Budget()-margin || queryTimeout >= c.Budget()-margin {
		t.Errorf("budget %v must exceed each step (command %v, query %v) plus the margin", c.Budget(), cmdTimeout, queryTimeout)
	}
	if got := c.Needs(); !reflect.DeepEqual(got, checks.Needs{Uses: []checks.Resource{checks.LocalDevices}}) {
		t.Errorf("Needs = %+v", got)
	}
}

func env(required bool) *checks.Env {
	p := profile.Default()
	p.Camera.Required = required
	return &checks.Env{OS: "linux", Profile: p}
}

func TestVerdictNoCamera(t *testing.T) {
	obs := camera{Name: "OBS Virtual Camera", Connection: connVirtual}
	ir := camera{Name: "HP IR Camera", Connection: connUSB, Infrared: true}
	tests := []struct {
		name     string
		cams     []camera
		required bool
		status   report.Status
		message  string
	}{
		{"none", nil, false, report.Warn, "No camera found."},
		{"none, required by the profile", nil, true, report.Fail, "No camera found. Your organisation's profile requires a camera."},
		{"only a virtual camera", []camera{obs}, false, report.Warn,
			"No camera found that can be used for video calls: a virtual camera (OBS Virtual Camera)."},
		{"only virtual and IR, required", []camera{obs, ir, {Name: "Snap Camera", Connection: connVirtual}}, true, report.Fail,
			"No camera found that can be used for video calls: virtual cameras (OBS Virtual Camera, Snap Camera) and an infrared sign-in camera (HP IR Camera). Your organisation's profile requires a camera."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := verdict(env(tt.required), scan{Cameras: tt.cams, Source: linuxSource}, nil)
			if res.Status != tt.status || res.Summary != noCamera {
				t.Errorf("result %s %q", res.Status, res.Summary)
			}
			f := res.Findings[0]
			if f.Severity != tt.status || f.Message != tt.message ||
				f.Fix != "Plug the camera in (or try another USB port), open its privacy shutter or switch (some laptops have a key or slider that disconnects it), and close other video apps." {
				t.Errorf("finding %+v\nwant message %q", f, tt.message)
			}
			if m, _ := res.Metric("cameras"); m.Value == nil || *m.Value != 0 {
				t.Errorf("cameras metric %+v: measured zero, not unknown", m)
			}
			if len(res.Items) != len(tt.cams) || res.Facts["camera_source"] != linuxSource {
				t.Errorf("items %+v facts %v", res.Items, res.Facts)
			}
		})
	}
}

func TestVerdictErrorIsNeverNoCamera(t *testing.T) {
	res := verdict(env(true), scan{}, errors.New("sysfs is not mounted (/sys/class: file does not exist)"))
	if res.Status != report.Error || res.Summary != "could not read the cameras: sysfs is not mounted (/sys/class: file does not exist)" {
		t.Errorf("result %s %q", res.Status, res.Summary)
	}
	if m, _ := res.Metric("cameras"); m.Value != nil {
		t.Errorf("cameras metric %+v: must be not measured", m)
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "No camera") || f.Severity != report.Error {
			t.Errorf("finding %+v", f)
		}
	}
	res = verdict(&checks.Env{OS: "freebsd"}, scan{}, errUnsupported)
	if res.Status != report.Skipped || res.Summary != "listing cameras is not available on FreeBSD yet" {
		t.Errorf("unsupported: %s %q", res.Status, res.Summary)
	}
}

func TestVerdictPass(t *testing.T) {
	cams := []camera{
		{Name: "USB Camera", Connection: connUSB, Node: "/dev/video0"},
		{Name: "USB Camera", Connection: connUSB, Node: "/dev/video2"},
		{Name: "HD Webcam"},
		{Name: "HD Webcam"},
		{Name: "iPhone Continuity Camera", Connection: connContinuity, ModelID: "iPhone15,2", OwnerName: "Jane’s iPhone Camera"},
	}
	res := verdict(&checks.Env{OS: "linux"}, scan{Cameras: cams}, nil)
	want := "5 cameras: USB Camera (/dev/video0) (USB), USB Camera (/dev/video2) (USB), HD Webcam #1, HD Webcam #2, iPhone Continuity Camera (continuity)"
	if res.Status != report.Pass || res.Summary != want || len(res.Findings) != 0 {
		t.Errorf("result %s %q %+v\nwant %q", res.Status, res.Summary, res.Findings, want)
	}
	if res.Facts != nil {
		t.Errorf("facts %v without a source", res.Facts)
	}
	cont := res.Items[4]
	if cont.Label != "iPhone Continuity Camera" || cont.Attributes["device_name"] != "Jane’s iPhone Camera" || cont.Summary != "continuity camera" {
		t.Errorf("continuity item %+v", cont)
	}
	if res.Items[2].Attributes != nil || res.Items[2].Summary != "" {
		t.Errorf("an unknown camera has no attributes: %+v", res.Items[2])
	}

	// The owner's name reaches no report that is redacted.
	rep := report.Report{Results: []report.Result{res}}
	red := redact.Redact(rep, report.Known{})
	if got := red.Results[0].Items[4].Attributes["device_name"]; strings.Contains(got, "Jane") {
		t.Errorf("redacted device_name = %q", got)
	}
}

func TestVerdictWindowsStates(t *testing.T) {
	cams := []camera{
		{Name: "Integrated Camera", Connection: connUSB, OSStatus: "Unknown", Class: "Image"},
		{Name: "Broken Cam", Connection: connUSB, OSStatus: "Error", Fault: &fault{Msg: "Windows reports a problem.", Fix: "Open Device Manager."}},
	}
	res := verdict(&checks.Env{OS: "windows"}, scan{Cameras: cams}, nil)
	if res.Status != report.Warn || res.Summary != "Windows reports a problem" {
		t.Errorf("result %s %q", res.Status, res.Summary)
	}
	if it := res.Items[0]; it.Status != report.Pass || it.Summary != "USB camera; Windows does not report its state" ||
		it.Attributes["device_status"] != "Unknown" || it.Attributes["class"] != "Image" {
		t.Errorf("item %+v", it)
	}
	if it := res.Items[1]; it.Status != report.Warn || it.Summary != "USB camera; Windows reports a problem" {
		t.Errorf("item %+v", it)
	}
}

// Only one of two cameras held, and by two apps: the apps are named, once.
func TestVerdictHeld(t *testing.T) {
	cams := []camera{
		{Name: "C920", Connection: connUSB, HeldBy: []holder{{PID: 7, Comm: "chrome"}, {PID: 8, Comm: "chrome"}, {PID: 9, Comm: "obs"}}},
		{Name: "Integrated Camera", Connection: connBuiltIn, HeldBy: []holder{{PID: 2, Comm: "wireplumber"}}},
		{Name: "OBS Virtual Camera", Connection: connVirtual, HeldBy: []holder{{PID: 9, Comm: "obs"}}},
	}
	res := verdict(&checks.Env{OS: "linux"}, scan{Cameras: cams}, nil)
	if res.Status != report.Warn || res.Summary != "C920 is in use by chrome, obs" {
		t.Errorf("result %s %q", res.Status, res.Summary)
	}
	if len(res.Findings) != 2 || res.Findings[0].Fix != "Quit chrome, obs (or end its call) before using the camera in another app: most cameras serve one app at a time." ||
		res.Findings[1].Severity != report.Pass {
		t.Errorf("findings %+v", res.Findings)
	}
	if res.Items[0].Attributes["held_by"] != "chrome (PID 7), chrome (PID 8), obs (PID 9)" || res.Items[2].Status != report.Pass {
		t.Errorf("items %+v", res.Items)
	}
}

type probeFunc func(ctx context.Context, env *checks.Env) (scan, error)

func (f probeFunc) cameras(ctx context.Context, env *checks.Env) (scan, error) { return f(ctx, env) }

func TestRunSurvivesBadProbes(t *testing.T) {
	t.Run("panic", func(t *testing.T) {
		c := &check{probe: probeFunc(func(context.Context, *checks.Env) (scan, error) { panic("boom") })}
		res := c.Run(context.Background(), nil)
		if res.Status != report.Error || res.Summary != "could not read the cameras: internal error (a bug in wfh): boom" {
			t.Errorf("result %s %q", res.Status, res.Summary)
		}
	})
	t.Run("ignores its context", func(t *testing.T) {
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		c := &check{probe: probeFunc(func(context.Context, *checks.Env) (scan, error) {
			<-release
			return scan{}, nil
		})}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		res := c.Run(ctx, &checks.Env{})
		if time.Since(start) > 300*time.Millisecond+busySlack || res.Status != report.Error ||
			!strings.HasPrefix(res.Summary, "could not read the cameras: the system did not list its cameras within ") {
			t.Errorf("result %s %q after %v", res.Status, res.Summary, time.Since(start))
		}
	})
	t.Run("stopped by the user", func(t *testing.T) {
		c := &check{probe: probeFunc(func(ctx context.Context, _ *checks.Env) (scan, error) {
			<-ctx.Done()
			time.Sleep(50 * time.Millisecond)
			return scan{}, ctx.Err()
		})}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if res := c.Run(ctx, &checks.Env{}); res.Status != report.Error || res.Summary != "could not read the cameras: the run was stopped" {
			t.Errorf("result %s %q", res.Status, res.Summary)
		}
	})
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"  Integrated Camera\n":  "Integrated Camera",
		"Cam\x1b[31mRed\x07":     "Cam[31mRed",
		"\uFEFFCam":              "Cam",
		"bad \xff byte":          "bad \uFFFD byte",
		"<b>Bold</b> \"q\" 📷":    "<b>Bold</b> \"q\" 📷",
		strings.Repeat("é", 100): strings.Repeat("é", 80) + "…",
		strings.Repeat("a", 200): strings.Repeat("a", 160) + "…",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeText(t *testing.T) {
	for in, want := range map[string]string{
		"\xef\xbb\xbf[]":     "[]",
		"\xff\xfe[\x00]\x00": "[]",
		"\xfe\xff\x00[\x00]": "[]",
		"plain":              "plain",
	} {
		if got := probeutil.DecodeText([]byte(in)); got != want {
			t.Errorf("probeutil.DecodeText(%q) = %q, want %q", in, got, want)
		}
	}
}
