package watch

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// Lines writes the watch as JSON lines (docs/watch-events.schema.json):
// one {"type":"event",...} line per event as it becomes known, and a
// closing {"type":"summary",...} line. Each line is written whole, so a
// reader (jq, a log shipper) never sees half of one.
type Lines struct {
	W io.Writer
	// Redact, when set, is applied to each event before it is written.
	Redact func(report.WatchEvent) report.WatchEvent
	mu     sync.Mutex
}

// EventLine is one event line.
type EventLine struct {
	Type string `json:"type"` // "event"
	report.WatchEvent
}

// SummaryLine is the last line: the watch's verdict and figures.
type SummaryLine struct {
	Type            string             `json:"type"` // "summary"
	StartedAt       time.Time          `json:"started_at"`
	FinishedAt      time.Time          `json:"finished_at"`
	WatchedSeconds  float64            `json:"watched_seconds"`
	AsleepSeconds   float64            `json:"asleep_seconds,omitempty"`
	Ended           string             `json:"ended"`
	Overall         report.Status      `json:"overall"`
	Summary         string             `json:"summary"`
	Counts          map[string]int     `json:"counts"`
	DataUsedBytes   int64              `json:"data_used_bytes"`
	DataBudgetBytes int64              `json:"data_budget_bytes"`
	Rungs           []report.WatchRung `json:"rungs"`
	// Report is where the full report was saved, when it was.
	Report string `json:"report,omitempty"`
}

// Event writes one event line.
func (l *Lines) Event(ev report.WatchEvent) error {
	if l.Redact != nil {
		ev = l.Redact(ev)
	}
	return l.write(EventLine{Type: "event", WatchEvent: ev})
}

// Update does nothing: lines carry events only.
func (l *Lines) Update(Status) {}

// Summary writes the closing line from a finished report.
func (l *Lines) Summary(r report.Report, saved string) error {
	s := SummaryLine{Type: "summary", StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Overall: r.Overall, Report: saved}
	if len(r.Results) > 0 {
		s.Summary = r.Results[0].Summary
	}
	if w := r.Watch; w != nil {
		s.WatchedSeconds, s.AsleepSeconds, s.Ended = w.WatchedSeconds, w.AsleepSeconds, w.Ended
		s.Counts, s.DataUsedBytes, s.DataBudgetBytes, s.Rungs = w.Counts, w.DataUsedBytes, w.DataBudgetBytes, w.Rungs
	}
	if s.Counts == nil {
		s.Counts = map[string]int{}
	}
	return l.write(s)
}

func (l *Lines) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode a JSON line: %w", err)
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.W.Write(b); err != nil {
		return err
	}
	return nil
}

// Tee hands everything to several sinks; the first error wins.
type Tee []Sink

// Event calls every sink.
func (t Tee) Event(ev report.WatchEvent) error {
	var first error
	for _, s := range t {
		if err := s.Event(ev); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Update calls every sink.
func (t Tee) Update(st Status) {
	for _, s := range t {
		s.Update(st)
	}
}
