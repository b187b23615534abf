package iostreams

import "testing"

func TestColourAndUnicodeDecisions(t *testing.T) {
	env := map[string]string{}
	s, _, _ := Test()
	s.SetEnv(func(k string) string { return env[k] })
	if s.ColorStdout() || s.ColorStderr() {
		t.Error("colour on a non-terminal")
	}
	s.SetStdoutTTY(true)
	if !s.ColorStdout() || s.ColorStderr() {
		t.Error("each stream decides from its own terminal")
	}
	s.SetStderrTTY(true)
	env["NO_COLOR"] = "1"
	if s.ColorStdout() || s.ColorStderr() {
		t.Error("NO_COLOR ignored")
	}
	env["NO_COLOR"] = ""
	s.SetNoColor(true)
	if s.ColorStdout() {
		t.Error("--no-color ignored")
	}
	s.SetNoColor(false)
	env["TERM"] = "dumb"
	if s.ColorStdout() || s.Unicode() {
		t.Error("TERM=dumb gets colour or Unicode")
	}
	env["TERM"] = ""
	s.goos = "windows"
	if s.Unicode() {
		t.Error("classic Windows console cannot show the glyphs")
	}
	env["WT_SESSION"] = "x"
	if !s.Unicode() {
		t.Error("Windows Terminal shows the glyphs")
	}
	if s.TerminalWidth() != 100 {
		t.Error("width")
	}
}

// TestReportWidth: the report wraps to the terminal it is shown on (80
// columns when its size cannot be read), and not at all when piped.
func TestReportWidth(t *testing.T) {
	s, _, _ := Test()
	if s.ReportWidth() != 0 {
		t.Errorf("piped: width %d, want 0 (no wrapping)", s.ReportWidth())
	}
	s.SetStdoutTTY(true)
	if s.ReportWidth() != 80 {
		t.Errorf("terminal of unknown size: width %d, want 80", s.ReportWidth())
	}
	s.SetStdoutWidth(40)
	if s.ReportWidth() != 40 {
		t.Errorf("40-column terminal: width %d", s.ReportWidth())
	}
	s.SetStdoutTTY(false)
	if s.ReportWidth() != 0 {
		t.Errorf("piped again: width %d", s.ReportWidth())
	}
}
