package winetest_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/internal/winetest"
	"github.com/wfh-cli/wfh/report"
)

// rawPlatformText is what no report may carry: Go's text for a Windows
// code it cannot name ("winapi error #10045") and for a program not on
// PATH ("exec: \"route\": executable file not found in %PATH%"), Winsock
// and Win32 call names that Go's errors repeat, and Windows' or Wine's
// own messages for the codes (in the user's language on a real Windows).
// checks/all's TestNoRawPlatformText holds every check to the same on
// every OS.
var rawPlatformText = regexp.MustCompile(`(?i)winapi|error #\d|\bWSAE|wsaioctl|wsarecv|wsasend|connectex|getaddrinfow|Nonauthoritative host|No such host is known|actively refused|forcibly closed|executable file not found|%PATH%|exec: "`)

// stackTrace is what a Go panic or fatal error leaves on stderr.
var stackTrace = regexp.MustCompile(`goroutine \d+ \[|panic:|fatal error:`)

// doctor runs wfh.exe doctor under Wine in p and returns its JSON report,
// checked against docs/report.schema.json and for raw platform text and
// stack traces.
func doctor(t *testing.T, p *winetest.Prefix, limit time.Duration, args ...string) (report.Report, winetest.Result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	r, err := p.Run(ctx, []string{"NO_COLOR=1"}, winetest.WfhExe(t), append([]string{"doctor", "--format", "json"}, args...)...)
	if err != nil {
		t.Fatalf("wfh.exe doctor: %v\nstderr: %s", err, r.Stderr)
	}
	t.Logf("wfh.exe doctor %s: exit %d in %v", strings.Join(args, " "), r.Code, r.Took.Round(time.Millisecond))
	if m := stackTrace.Find(append(r.Stdout, r.Stderr...)); m != nil {
		t.Errorf("a stack trace (%q):\nstdout: %s\nstderr: %s", m, r.Stdout, r.Stderr)
	}
	if m := rawPlatformText.Find(r.Stdout); m != nil {
		t.Errorf("raw platform text %q in the report:\n%s", m, r.Stdout)
	}
	if err := reportschema.Validate(r.Stdout); err != nil {
		t.Errorf("the report does not match docs/report.schema.json: %v\n%s", err, r.Stdout)
	}
	var rep report.Report
	if err := json.Unmarshal(r.Stdout, &rep); err != nil {
		t.Fatalf("wfh.exe printed no JSON report (exit %d): %v\nstdout: %s\nstderr: %s", r.Code, err, r.Stdout, r.Stderr)
	}
	return rep, r
}

func result(t *testing.T, rep report.Report, id string) report.Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no %s result in %+v", id, rep.Results)
	return report.Result{}
}

// The Windows binary, offline: a namespace with nothing but loopback. It
// runs every check, prints a valid report that says the network is down
// and names Windows, and exits with the "a check failed" code.
func TestWfhExeOffline(t *testing.T) {
	lab := netlab.New(t)
	ns := lab.Namespace("offline")
	p := winetest.NewPrefix(t, ns)
	// Wine adds a few seconds of start-up to the run's own bound.
	rep, r := doctor(t, p, 90*time.Second)
	if r.Code != 1 {
		t.Errorf("exit code %d, want 1 (a check failed; docs/exit-codes.md)\nstderr: %s", r.Code, r.Stderr)
	}
	if rep.Host.OS != "windows" {
		t.Errorf("host.os %q, want windows", rep.Host.OS)
	}
	nw := result(t, rep, "network")
	if nw.Status != report.Fail || nw.Facts["connectivity"] != "offline" {
		t.Errorf("network %s/%s: %s", nw.Status, nw.Facts["connectivity"], nw.Summary)
	}
	sys := result(t, rep, "system")
	if !strings.Contains(sys.Summary, "Windows") {
		t.Errorf("the system check does not name Windows: %s", sys.Summary)
	}
	for _, id := range []string{"dns", "latency", "bandwidth"} {
		if res := result(t, rep, id); res.Status != report.Skipped {
			t.Errorf("%s: %s, want skipped offline: %s", id, res.Status, res.Summary)
		}
	}
}
