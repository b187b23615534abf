package winetest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/winetest"
	"github.com/wfh-cli/wfh/report"
)

// watchLine is what the test reads of a JSON line of wfh watch
// (docs/watch-events.schema.json).
type watchLine struct {
	Type            string  `json:"type"`
	Kind            string  `json:"kind"`
	Where           string  `json:"where"`
	DurationSeconds float64 `json:"duration_seconds"`
	Summary         string  `json:"summary"`
	Ended           string  `json:"ended"`
	Overall         string  `json:"overall"`
}

// watchRun is one wfh.exe watch under Wine: its lines, its report and
// what it printed.
type watchRun struct {
	r     winetest.Result
	lines []watchLine
	rep   report.Report
	raw   []byte // the report file
}

// watchExe runs wfh.exe watch in the lab's home for forDur, one tick a
// second, with the lab's profile, the report as JSON in a file and the
// events as JSON lines on standard output (a file under winetest, so not
// a terminal). While it runs, during(start) is called once wfh.exe has
// started (nil: nothing).
func watchExe(t *testing.T, w *winLab, forDur time.Duration, during func()) watchRun {
	t.Helper()
	out := filepath.Join(t.TempDir(), "watch.json")
	// The bound: the watch itself, Wine's start-up (2–5 s, more on a
	// busy machine) and the report's writing, with room for a loaded CI
	// machine; a watch that overruns it is a hang, the failure this
	// bound exists to catch.
	ctx, cancel := context.WithTimeout(context.Background(), forDur+70*time.Second)
	defer cancel()
	if during != nil {
		go during()
	}
	r, err := w.prefix.Run(ctx, []string{"NO_COLOR=1"}, winetest.WfhExe(t), "watch", "--for", forDur.String(), "--every", "1s",
		"--profile", w.profile(), "--no-redact", "--output", winetest.WinPath(out))
	if err != nil {
		t.Fatalf("wfh.exe watch: %v\nstdout: %s\nstderr: %s", err, r.Stdout, r.Stderr)
	}
	t.Logf("wfh.exe watch --for %v: exit %d in %v", forDur, r.Code, r.Took.Round(time.Millisecond))
	t.Logf("stdout:\n%s", r.Stdout)
	if len(r.Stderr) > 0 {
		t.Logf("stderr:\n%s", r.Stderr)
	}
	run := watchRun{r: r}
	if m := stackTrace.Find(append(r.Stdout, r.Stderr...)); m != nil {
		t.Errorf("a stack trace (%q):\nstdout: %s\nstderr: %s", m, r.Stdout, r.Stderr)
	}
	sc := bufio.NewScanner(bytes.NewReader(r.Stdout))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l watchLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Errorf("a line of standard output is not JSON (%v): %s", err, sc.Bytes())
			continue
		}
		run.lines = append(run.lines, l)
	}
	if len(run.lines) == 0 || run.lines[len(run.lines)-1].Type != "summary" {
		t.Errorf("standard output does not end with a summary line:\n%s", r.Stdout)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no report written (exit %d): %v\nstderr: %s", r.Code, err, r.Stderr)
	}
	run.raw = raw
	rep, err := report.ReadJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the report does not read: %v\n%s", err, raw)
	}
	run.rep = rep
	if rep.Watch == nil {
		t.Fatalf("the report has no watch section:\n%s", raw)
	}
	for what, b := range map[string][]byte{"standard output": r.Stdout, "standard error": r.Stderr, "the report": raw} {
		if m := rawPlatformText.Find(b); m != nil {
			t.Errorf("raw platform text %q in %s:\n%s", m, what, b)
		}
	}
	return run
}

func TestWfhExeWatch(t *testing.T) {
	w := newWinLab(t)
	run := watchExe(t, w, 20*time.Second, nil)
	t.Logf("report: %s", run.raw)
	_ = strings.TrimSpace
	_ = netlab.TopoGatewayIPv4
}
