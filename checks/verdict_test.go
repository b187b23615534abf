package checks

import (
	"reflect"
	"testing"

	"github.com/wfh-cli/wfh/report"
)

func messages(fs []report.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Severity)+" "+f.Message)
	}
	return out
}

func TestVerdictEmpty(t *testing.T) {
	var v Verdict
	var res report.Result
	if lead := v.Apply(&res); lead != nil || res.Status != report.Pass || res.Summary != "" || len(res.Findings) != 0 {
		t.Errorf("zero verdict: %+v, lead %v", res, lead)
	}
	v.Default(report.Pass, "all good")
	v.Note("a note")
	res = report.Result{}
	if lead := v.Apply(&res); lead != nil || res.Status != report.Pass || res.Summary != "all good" || len(res.Findings) != 1 {
		t.Errorf("notes only: %+v", res)
	}
}

func TestVerdictLeadAndOrder(t *testing.T) {
	var v Verdict
	v.Default(report.Pass, "works")
	v.Note("note 1")
	v.Add(Conclusion{Severity: report.Warn, Message: "warn 1", Fix: "fix", Summary: "first warning", Tag: "w1"})
	v.Note("note 2")
	v.Add(Conclusion{Severity: report.Fail, Message: "fail without summary"})
	v.Add(Conclusion{Severity: report.Warn, Message: "warn 2", Summary: "second warning"})
	v.Add(Conclusion{Severity: report.Fail, Message: "fail 1", Summary: "the failure", Tag: "f1"})
	v.Add(Conclusion{Severity: report.Fail, Message: "fail 2", Summary: "a later failure", Tag: "f2"})
	v.Add(Conclusion{Message: "no severity is a note"})
	var res report.Result
	lead := v.Apply(&res)
	if res.Status != report.Fail {
		t.Errorf("status %s", res.Status)
	}
	// The most severe problem with a summary leads; the first on a tie.
	if lead == nil || lead.Tag != "f1" || res.Summary != "the failure" {
		t.Errorf("lead %+v, summary %q", lead, res.Summary)
	}
	want := []string{"fail fail without summary", "fail fail 1", "fail fail 2", "warn warn 1", "warn warn 2",
		"pass note 1", "pass note 2", "pass no severity is a note"}
	if got := messages(res.Findings); !reflect.DeepEqual(got, want) {
		t.Errorf("order\n got %q\nwant %q", got, want)
	}
	if res.Findings[3].Fix != "fix" {
		t.Errorf("fix lost: %+v", res.Findings[3])
	}
}

// A problem without a summary raises the status but leaves the default's
// summary; a warning with one takes the line.
func TestVerdictProblemWithoutSummary(t *testing.T) {
	var v Verdict
	v.Default(report.Pass, "connected: 2 of 2 services answer")
	v.Add(Conclusion{Severity: report.Warn, Message: "slow"})
	var res report.Result
	if lead := v.Apply(&res); lead != nil || res.Status != report.Warn || res.Summary != "connected: 2 of 2 services answer" {
		t.Errorf("%+v", res)
	}
	if !v.Problems() || v.Status() != report.Warn {
		t.Errorf("Problems %v, Status %s", v.Problems(), v.Status())
	}
}

func TestVerdictSkipAndError(t *testing.T) {
	for _, tc := range []struct {
		name        string
		def         report.Status
		add         []Conclusion
		wantStatus  report.Status
		wantSummary string
	}{
		{"skipped with notes stays skipped", report.Skipped, []Conclusion{{Message: "could not read x"}}, report.Skipped, "default"},
		{"a problem outranks a skip", report.Skipped, []Conclusion{{Severity: report.Warn, Message: "bad profile", Summary: "profile problem"}}, report.Warn, "profile problem"},
		{"error default keeps its summary over a fail", report.Error, []Conclusion{{Severity: report.Fail, Message: "f", Summary: "fail line"}}, report.Error, "default"},
		{"error finding outranks fail", report.Pass, []Conclusion{{Severity: report.Fail, Message: "f", Summary: "fail line"}, {Severity: report.Error, Message: "e", Summary: "error line"}}, report.Error, "error line"},
		{"error finding without summary", report.Pass, []Conclusion{{Severity: report.Error, Message: "e"}}, report.Error, "default"},
		{"a finding as severe as the default leads", report.Fail, []Conclusion{{Severity: report.Fail, Message: "f", Summary: "fail line"}}, report.Fail, "fail line"},
		{"a note never leads", report.Pass, []Conclusion{{Severity: report.Pass, Message: "n", Summary: "note line"}}, report.Pass, "default"},
	} {
		var v Verdict
		v.Default(tc.def, "default")
		v.Add(tc.add...)
		var res report.Result
		v.Apply(&res)
		if res.Status != tc.wantStatus || res.Summary != tc.wantSummary {
			t.Errorf("%s: %s %q, want %s %q", tc.name, res.Status, res.Summary, tc.wantStatus, tc.wantSummary)
		}
	}
}

// Findings already in the result count as added first.
func TestVerdictApplyKeepsExisting(t *testing.T) {
	res := report.Result{Findings: []report.Finding{{Severity: report.Pass, Message: "old note"}, {Severity: report.Warn, Message: "old warning"}}}
	var v Verdict
	v.Add(Conclusion{Severity: report.Warn, Message: "new warning", Summary: "new"})
	v.Apply(&res)
	want := []string{"warn old warning", "warn new warning", "pass old note"}
	if got := messages(res.Findings); !reflect.DeepEqual(got, want) || res.Status != report.Warn || res.Summary != "new" {
		t.Errorf("got %q, %s %q", got, res.Status, res.Summary)
	}
}

func TestAddFindings(t *testing.T) {
	res := report.Result{Status: report.Warn, Summary: "Download 20 Mbit/s",
		Findings: []report.Finding{{Severity: report.Warn, Message: "slow upload"}, {Severity: report.Pass, Message: "note"}}}
	AddFindings(&res, Conclusion{Severity: report.Pass, Message: "router note"}, Conclusion{Severity: report.Warn, Message: "bloat", Summary: "bloat line"})
	want := []string{"warn slow upload", "warn bloat", "pass note", "pass router note"}
	if got := messages(res.Findings); !reflect.DeepEqual(got, want) || res.Status != report.Warn || res.Summary != "Download 20 Mbit/s" {
		t.Errorf("a problem as severe as the status keeps the summary: %q %s %q", got, res.Status, res.Summary)
	}
	AddFindings(&res, Conclusion{Severity: report.Fail, Message: "worse", Summary: "worse line"})
	if res.Status != report.Fail || res.Summary != "worse line" || res.Findings[0].Message != "worse" {
		t.Errorf("a more severe problem leads: %s %q %q", res.Status, res.Summary, messages(res.Findings))
	}
	var empty report.Result
	AddFindings(&empty)
	if empty.Status != report.Pass || len(empty.Findings) != 0 {
		t.Errorf("nothing added: %+v", empty)
	}
}
