package camera

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

const (
	spJSONCmd = "system_profiler SPCameraDataType -json"
	spTextCmd = "system_profiler SPCameraDataType"
	pnpCmd    = "powershell -NoProfile -NonInteractive -Command " + pnpScript
)

func osEnv(t *testing.T, goos string, cmds map[string]checkstest.Reply) (*checks.Env, *checkstest.Commands) {
	ex := checkstest.NewCommands(t, cmds)
	return &checks.Env{OS: goos, Exec: ex, Profile: profile.Default(), Logf: t.Logf}, ex
}

func TestDarwinProbe(t *testing.T) {
	realText := fixture(t, "macos/system-profiler-spcamera-1.txt")
	tests := []struct {
		name    string
		cmds    map[string]checkstest.Reply
		source  string
		names   []string
		calls   int
		status  report.Status
		summary string
	}{
		{"JSON", map[string]checkstest.Reply{spJSONCmd: {Out: fixture(t, "macos/spcamera-builtin-usb.json")}}, spJSONSource,
			[]string{"FaceTime HD Camera", "HD Pro Webcam C920"}, 1, report.Pass, "2 cameras: FaceTime HD Camera (built-in), HD Pro Webcam C920 (USB)"},
		{"nested JSON", map[string]checkstest.Reply{spJSONCmd: {Out: fixture(t, "macos/spcamera-nested.json")}}, spJSONSource,
			[]string{"FaceTime HD Camera (Built-in)", "Studio Display Camera"}, 1, report.Pass, "2 cameras: FaceTime HD Camera (Built-in) (built-in), Studio Display Camera (USB)"},
		{"Apple silicon's camera and an Apple display's", map[string]checkstest.Reply{spJSONCmd: {Out: fixture(t, "macos/spcamera-apple-silicon-display-written.json")}}, spJSONSource,
			[]string{"MacBook Pro Camera", "FaceTime HD Camera (Display)"}, 1, report.Pass, "2 cameras: MacBook Pro Camera (built-in), FaceTime HD Camera (Display) (USB)"},
		{"no camera", map[string]checkstest.Reply{spJSONCmd: {Out: fixture(t, "macos/spcamera-empty.json")}}, spJSONSource,
			nil, 1, report.Warn, noCamera},
		{"continuity and virtual", map[string]checkstest.Reply{spJSONCmd: {Out: fixture(t, "macos/spcamera-continuity-virtual.json")}}, spJSONSource,
			[]string{"iPhone Continuity Camera", "iPhone Continuity Camera (Desk View)", "OBS Virtual Camera"}, 1, report.Pass,
			"2 cameras: iPhone Continuity Camera (continuity), iPhone Continuity Camera (Desk View) (continuity); also a virtual camera (OBS Virtual Camera)"},
		// macOS before 10.15 has no -json: system_profiler prints its usage.
		{"no -json: the text form", map[string]checkstest.Reply{
			spJSONCmd: {Err: errors.New("exit status 1: system_profiler: unknown option -json")},
			spTextCmd: {Out: realText}}, spTextSource,
			[]string{"Canon Digital Camera", "iPhone Continuity Camera"}, 2, report.Pass,
			"2 cameras: Canon Digital Camera (USB), iPhone Continuity Camera (continuity)"},
		{"JSON not understood: the text form", map[string]checkstest.Reply{
			spJSONCmd: {Out: `{"SPCameraDataType": {"cameras": 1}}`},
			spTextCmd: {Out: realText}}, spTextSource,
			[]string{"Canon Digital Camera", "iPhone Continuity Camera"}, 2, report.Pass,
			"2 cameras: Canon Digital Camera (USB), iPhone Continuity Camera (continuity)"},
		{"text form prints nothing", map[string]checkstest.Reply{
			spJSONCmd: {Out: "garbage"},
			spTextCmd: {Out: ""}}, spTextSource, nil, 2, report.Warn, noCamera},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, ex := osEnv(t, "darwin", tt.cmds)
			s, err := darwinProbe{}.cameras(context.Background(), env)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range s.Cameras {
				names = append(names, c.Name)
			}
			if s.Source != tt.source || strings.Join(names, "|") != strings.Join(tt.names, "|") || len(ex.Calls()) != tt.calls {
				t.Errorf("source %q, cameras %q, calls %q", s.Source, names, ex.Calls())
			}
			if len(s.Cameras) > 0 && (len(s.Notes) != 1 || s.Notes[0] != macHeldNote) {
				t.Errorf("notes %q: macOS must say it cannot tell which app holds a camera", s.Notes)
			}
			res := verdict(env, s, nil)
			if res.Status != tt.status || res.Summary != tt.summary {
				t.Errorf("verdict %s %q\nwant    %s %q", res.Status, res.Summary, tt.status, tt.summary)
			}
			if tt.status == report.Pass && !hasFinding(res, report.Pass, "macOS does not tell other apps") {
				t.Errorf("findings %+v", res.Findings)
			}
		})
	}
}

func TestDarwinProbeErrors(t *testing.T) {
	tests := []struct {
		name  string
		cmds  map[string]checkstest.Reply
		want  string
		calls int
	}{
		{"system_profiler missing", map[string]checkstest.Reply{"system_profiler": checkstest.NotInstalled}, "system_profiler is not installed or not on PATH", 1},
		{"both forms unreadable", map[string]checkstest.Reply{spJSONCmd: {Out: "<html>"}, spTextCmd: {Out: "Segmentation fault: 11\n"}},
			"system_profiler -json: not the JSON system_profiler prints: invalid character '<' looking for beginning of value; then system_profiler (text): the output has no section header", 2},
		{"both forms fail", map[string]checkstest.Reply{spJSONCmd: {Err: errors.New("exit status 1")}, spTextCmd: {Err: errors.New("signal: abort trap")}},
			"system_profiler: exit status 1; then system_profiler: signal: abort trap", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, ex := osEnv(t, "darwin", tt.cmds)
			_, err := darwinProbe{}.cameras(context.Background(), env)
			if err == nil || !strings.Contains(err.Error(), tt.want) || len(ex.Calls()) != tt.calls {
				t.Errorf("err = %v, calls %q\nwant %q", err, ex.Calls(), tt.want)
			}
			res := verdict(env, scan{}, err)
			if res.Status != report.Error || !strings.HasPrefix(res.Summary, "could not read the cameras: ") {
				t.Errorf("verdict %s %q", res.Status, res.Summary)
			}
		})
	}
}

func TestWindowsProbe(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		labels  []string
		status  report.Status
		summary string
	}{
		{"laptop", fixture(t, "windows/pnp-laptop-bom-crlf.json"), []string{"Integrated Camera", "Integrated IR Camera"}, report.Pass,
			"1 camera: Integrated Camera (USB); also an infrared sign-in camera (Integrated IR Camera)"},
		{"single object", fixture(t, "windows/pnp-single.json"), []string{"Logitech BRIO"}, report.Pass, "1 camera: Logitech BRIO (USB)"},
		{"no camera", fixture(t, "windows/pnp-empty-list.json"), nil, report.Warn, noCamera},
		{"no output", "", nil, report.Warn, noCamera},
		{"problems", fixture(t, "windows/pnp-error-and-virtual.json"),
			[]string{"USB2.0 HD UVC WebCam", "Windows Virtual Camera", "Intel(R) AVStream Camera"}, report.Warn,
			"Windows reports a problem with USB2.0 HD UVC WebCam (status Error): it may be disabled, or its driver failed"},
		{"odd names", fixture(t, "windows/pnp-odd-names.json"), nil, report.Pass, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, ex := osEnv(t, "windows", map[string]checkstest.Reply{pnpCmd: {Out: tt.out}})
			s, err := windowsProbe{}.cameras(context.Background(), env)
			if err != nil {
				t.Fatal(err)
			}
			if calls := ex.Calls(); len(calls) != 1 || calls[0] != pnpCmd {
				t.Errorf("calls %q", calls)
			}
			res := verdict(env, s, nil)
			var labels []string
			for _, it := range res.Items {
				labels = append(labels, it.Label)
			}
			if tt.labels != nil && strings.Join(labels, "|") != strings.Join(tt.labels, "|") {
				t.Errorf("labels %q", labels)
			}
			if res.Status != tt.status || (tt.summary != "" && res.Summary != tt.summary) {
				t.Errorf("verdict %s %q\nwant    %s %q", res.Status, res.Summary, tt.status, tt.summary)
			}
			if s.Source != pnpSource || (len(s.Cameras) > 0 && !hasFinding(res, report.Pass, "wfh cannot yet tell on Windows")) {
				t.Errorf("source %q, findings %+v", s.Source, res.Findings)
			}
			for _, it := range res.Items {
				displayable(t, it.Label)
			}
		})
	}
}

func TestWindowsProbeErrors(t *testing.T) {
	tests := []struct {
		name string
		cmd  *checkstest.Reply
		want string
	}{
		{"powershell missing", nil, "powershell is not installed or not on PATH"},
		{"query fails", &checkstest.Reply{Err: errors.New("exit status 1: Get-PnpDevice : Access denied")}, "powershell: exit status 1: Get-PnpDevice : Access denied"},
		{"garbage", &checkstest.Reply{Out: "Get-PnpDevice : The term 'Get-PnpDevice' is not recognized\r\n"}, "Get-PnpDevice: not the JSON PowerShell prints"},
		{"wrong JSON", &checkstest.Reply{Out: `[{"Name":"x"}]`}, "Get-PnpDevice: the JSON has 1 entries but no device wfh can read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds := map[string]checkstest.Reply{"powershell": checkstest.NotInstalled}
			if tt.cmd != nil {
				cmds = map[string]checkstest.Reply{pnpCmd: *tt.cmd}
			}
			env, _ := osEnv(t, "windows", cmds)
			_, err := windowsProbe{}.cameras(context.Background(), env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			res := verdict(env, scan{}, err)
			if res.Status != report.Error || res.Summary != "could not read the cameras: "+err.Error() || len(res.Items) != 0 {
				t.Errorf("verdict %s %q", res.Status, res.Summary)
			}
		})
	}
}

// A command that never returns ends in "could not read the cameras" inside
// the budget, through the whole check as the runner calls it.
func TestHungCommands(t *testing.T) {
	tests := []struct {
		goos  string
		probe probe
		cmds  map[string]checkstest.Reply
		want  string
	}{
		{"darwin", darwinProbe{}, map[string]checkstest.Reply{spJSONCmd: {Hang: true}},
			"could not read the cameras: system_profiler did not answer within 4s"},
		{"windows", windowsProbe{}, map[string]checkstest.Reply{pnpCmd: {Hang: true}},
			"could not read the cameras: powershell did not answer within 4s"},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			t.Parallel()
			env, ex := osEnv(t, tt.goos, tt.cmds)
			c := &check{probe: tt.probe}
			ctx, cancel := context.WithTimeout(context.Background(), c.Budget())
			defer cancel()
			start := time.Now()
			res := c.Run(ctx, env)
			// The check gives up after cmdTimeout, leaving margin before
			// the budget (TestTimeoutsFitTheBudget); a busy machine may
			// deliver that late, never past the budget and its slack.
			if took := time.Since(start); took > budget+busySlack {
				t.Errorf("took %v, budget %v", took, budget)
			}
			if res.Status != report.Error || res.Summary != tt.want {
				t.Errorf("result %s %q, want error %q", res.Status, res.Summary, tt.want)
			}
			// A hung system_profiler is not tried again in text: there is no
			// time for a second wait.
			if len(ex.Calls()) != 1 {
				t.Errorf("calls %q", ex.Calls())
			}
		})
	}
}

// The script must reach PowerShell intact and must not turn a failed query
// into an empty list.
func TestPnpScript(t *testing.T) {
	if strings.ContainsAny(pnpScript, "\"\r\n") {
		t.Error("the script must fit one command-line argument without escaping")
	}
	for _, want := range []string{
		"$ErrorActionPreference = 'Stop'",
		"Get-PnpDevice -Class Camera,Image -PresentOnly",
		"-like 'CmdletizationQuery_NotFound*') { $d = @() } else { throw }",
		"ConvertTo-Json -InputObject $d",
	} {
		if !strings.Contains(pnpScript, want) {
			t.Errorf("script lacks %q", want)
		}
	}
}

// busySlack is how late a deadline may be met on a busy machine: two CPU
// hogs and the race detector hold goroutines back for up to a second.
const busySlack = 2 * time.Second

// A hung command is given up before the budget, with room to say so.
func TestTimeoutsFitTheBudget(t *testing.T) {
	if cmdTimeout+margin >= budget {
		t.Errorf("cmdTimeout %v + margin %v leave nothing of the %v budget", cmdTimeout, margin, budget)
	}
}
