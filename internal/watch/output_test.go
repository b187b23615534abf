package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/redact"
	"github.com/wfh-cli/wfh/report/render"
)

// scheduledRecord runs the lab's schedule in the fake world.
func scheduledRecord(t *testing.T, s Sink) *Record {
	t.Helper()
	w := newWorld(1, true)
	w.probe = scheduled
	w.state = scheduledState
	cfg := w.config(118*time.Second, nil)
	cfg.Sink = s
	cfg.ExpectVPN = true
	rec, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func reportOf(rec *Record) report.Report {
	w := rec.Watch
	return report.Report{
		SchemaVersion: report.SchemaVersion, Tool: report.Tool{Name: "wfh", Version: "test"},
		StartedAt: rec.Started, FinishedAt: rec.Finished, DurationSeconds: rec.Finished.Sub(rec.Started).Seconds(),
		Host: report.Host{OS: "linux", Arch: "amd64", UTCOffset: "+01:00"}, Redaction: "on",
		Overall: rec.Result.Status, Results: []report.Result{rec.Result}, Watch: &w,
	}
}

// TestLinesMatchTheirSchema: every line of the stream, events and
// summary, matches docs/watch-events.schema.json, and the report matches
// docs/report.schema.json.
func TestLinesMatchTheirSchema(t *testing.T) {
	var buf bytes.Buffer
	lines := &Lines{W: &buf}
	rec := scheduledRecord(t, lines)
	rep := reportOf(rec)
	if err := lines.Summary(rep, "watch.json"); err != nil {
		t.Fatal(err)
	}
	all := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(all) != len(rec.Watch.Events)+1 {
		t.Fatalf("%d lines for %d events", len(all), len(rec.Watch.Events))
	}
	for i, l := range all {
		if err := reportschema.ValidateWatchLine(l); err != nil {
			t.Errorf("line %d: %v\n%s", i+1, err, l)
		}
	}
	if !bytes.HasPrefix(all[len(all)-1], []byte(`{"type":"summary"`)) {
		t.Errorf("last line %s", all[len(all)-1])
	}
	var out bytes.Buffer
	if err := render.Render(&out, rep, render.FormatJSON, render.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := reportschema.Validate(out.Bytes()); err != nil {
		t.Error(err)
	}
	back, err := report.ReadJSON(&out)
	if err != nil || back.Watch == nil || len(back.Watch.Events) != len(rec.Watch.Events) || len(back.Watch.Minutes) != len(rec.Watch.Minutes) {
		t.Fatalf("read back: %v", err)
	}
	for _, f := range []render.Format{render.FormatText, render.FormatMarkdown, render.FormatHTML, render.FormatPrometheus} {
		var b bytes.Buffer
		if err := render.Render(&b, back, f, render.Options{Unicode: true, Verbose: true}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if f == render.FormatHTML && (!strings.Contains(b.String(), `class="chart timeline"`) || strings.Contains(b.String(), "<script")) {
			t.Errorf("html: no timeline, or a script")
		}
		if f == render.FormatText && !strings.Contains(b.String(), "Loss burst of") {
			t.Errorf("text: no events:\n%s", b.String())
		}
	}
}

// TestEventSchemasAgree: an event line holds exactly the fields of
// watch_event in the report's schema, plus its type.
func TestEventSchemasAgree(t *testing.T) {
	read := func(name string) map[string]any {
		b, err := os.ReadFile(filepath.Join("..", "..", "docs", name))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	keys := func(m map[string]any, path ...string) []string {
		for _, p := range path {
			m = m[p].(map[string]any)
		}
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	rep := keys(read("report.schema.json"), "$defs", "watch_event", "properties")
	lines := keys(read("watch-events.schema.json"), "$defs", "event", "properties")
	lines = slices.DeleteFunc(lines, func(k string) bool { return k == "type" })
	if !slices.Equal(rep, lines) {
		t.Errorf("report.schema.json watch_event %v, watch-events.schema.json event %v", rep, lines)
	}
	// and the Go model writes the same fields
	b, _ := json.Marshal(EventLine{Type: "event", WatchEvent: fullEvent()})
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	got := keys(m)
	got = slices.DeleteFunc(got, func(k string) bool { return k == "type" })
	if !slices.Equal(got, rep) {
		t.Errorf("the model writes %v, the schema has %v", got, rep)
	}
}

func fullEvent() report.WatchEvent {
	v := 1.0
	return report.WatchEvent{Kind: report.WatchKindLoss, Start: time.Unix(1, 0), End: time.Unix(2, 0), DurationSeconds: 1,
		Where: report.WhereHome, Severity: report.Warn, Summary: "x", Open: true, LossPercent: &v, RTTIncreaseMs: &v, SignalDBm: &v,
		From: "a", To: "b"}
}

// TestRedactedLines: a roam's access points and a public gateway are
// numbered alike in the stream and in the report.
func TestRedactedLines(t *testing.T) {
	sess := redact.NewSession(report.Known{}, report.Host{})
	ev := report.WatchEvent{Kind: report.WatchKindWiFiRoam, Severity: report.Pass, Start: time.Unix(1, 0), End: time.Unix(1, 0),
		Summary: "roamed from aa:bb:cc:dd:ee:01 to aa:bb:cc:dd:ee:02 via 203.0.113.7", From: "aa:bb:cc:dd:ee:01", To: "aa:bb:cc:dd:ee:02"}
	var buf bytes.Buffer
	lines := &Lines{W: &buf, Redact: sess.Event}
	if err := lines.Event(ev); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); strings.Contains(s, "aa:bb") || strings.Contains(s, "203.0.113.7") || !strings.Contains(s, `"from":"[mac-1]"`) {
		t.Errorf("line %s", s)
	}
	rep := sess.Report(report.Report{Watch: &report.Watch{Events: []report.WatchEvent{ev}}})
	if e := rep.Watch.Events[0]; e.From != "[mac-1]" || e.To != "[mac-2]" || !strings.Contains(e.Summary, "[public-ipv4-1]") {
		t.Errorf("report %+v", e)
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// TestLiveViewFits: every line fits the terminal, whatever the labels, and
// a redraw first moves back over the lines drawn before.
func TestLiveViewFits(t *testing.T) {
	var buf bytes.Buffer
	width := 30
	v := &LiveView{W: &buf, Width: func() int { return width }, Color: true, Unicode: true}
	st := Status{
		Elapsed: 3723 * time.Second, Planned: 8 * time.Hour, Connection: "Wi-Fi (wlp0s20f3) via 192.168.178.1", DataUsed: 1_234_567, Budget: 20_000_000,
		Rungs: []RungStatus{
			{Label: "router", Address: "192.168.178.1", Probed: true, Answering: true, LastRTT: 2 * time.Millisecond, Sent: 60},
			{Label: "internet a-very-long-anchor-name.example.com\x1b[2J", Probed: true, SilentFor: 12 * time.Second, Sent: 300, Lost: 12},
			{Label: "DNS lookup of www.google.com"},
		},
		Ongoing: []string{"outage for 12 s"}, Counts: map[string]int{report.WatchKindOutage: 2},
		Recent: []report.WatchEvent{{Kind: report.WatchKindOutage, Severity: report.Fail, Start: time.Now(), Summary: strings.Repeat("long ", 40)}},
		WiFi:   "-61 dBm, channel 36, 5 GHz",
	}
	v.Update(st)
	first := buf.String()
	lines := strings.Split(strings.TrimSuffix(first, "\n"), "\n")
	for _, l := range lines {
		plain := ansi.ReplaceAllString(l, "")
		if n := utf8.RuneCountInString(plain); n > width-1 {
			t.Errorf("%d columns: %q", n, plain)
		}
		if strings.ContainsAny(plain, "\x1b\r") {
			t.Errorf("a control character got through: %q", plain)
		}
	}
	buf.Reset()
	width = 100
	v.Update(st)
	if !strings.HasPrefix(buf.String(), "\x1b["+itoa(len(lines))+"F\x1b[J") {
		t.Errorf("the redraw does not go back over %d lines: %q", len(lines), buf.String()[:20])
	}
	buf.Reset()
	v.Clear()
	if buf.Len() == 0 {
		t.Error("Clear erased nothing")
	}
	if testing.Verbose() {
		t.Logf("the view at 30 columns:\n%s", ansi.ReplaceAllString(first, ""))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
