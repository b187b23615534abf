package redact

import (
	"sync"

	"github.com/wfh-cli/wfh/report"
)

// Session redacts the parts of one run that are written as they happen
// (the events wfh watch streams as JSON lines and shows live) and then its
// final report, with one numbering: the access point that is [mac-2] in a
// streamed event is [mac-2] in the report too. It is safe for concurrent
// use.
type Session struct {
	mu sync.Mutex
	rd *redactor
}

// NewSession starts a session for the machine k and the report's host h.
func NewSession(k report.Known, h report.Host) *Session {
	return &Session{rd: newRedactor(k, h)}
}

// Event returns a redacted copy of e.
func (s *Session) Event(e report.WatchEvent) report.WatchEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	e = cloneEvent(e)
	visitEvent(&e, s.rd.scanTokens)
	visitEvent(&e, s.rd.text)
	return e
}

// Text redacts one line of free text (a rung's label, the connection).
func (s *Session) Text(v string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rd.text(s.rd.scanTokens(v))
}

// Report is Redact with the session's numbering.
func (s *Session) Report(r report.Report) report.Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return redactWith(s.rd, r)
}
