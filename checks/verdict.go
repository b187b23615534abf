package checks

import (
	"slices"

	"github.com/wfh-cli/wfh/report"
)

// Conclusion is one finding of a check: a report.Finding plus the short
// form the result's summary line takes when it leads.
type Conclusion struct {
	// Severity is pass for a note, warn or fail for a problem, error when
	// something the check needed could not be measured.
	Severity report.Status
	Message  string
	// Fix is the next step in plain words; empty for notes.
	Fix string
	// Summary is the result's summary line when this finding leads (see
	// Verdict); empty for a finding that never does. A note never leads.
	Summary string
	// Tag is the check's own name for the conclusion (the dns check's
	// "diagnosis" fact), handed back with the lead by Apply.
	Tag string
}

// Verdict builds a check's status, summary and findings one way for every
// check:
//
//   - the status is the most severe of the default (Default; pass unless
//     set) and every finding's severity, error above fail above warn above
//     pass; a skipped default stays skipped unless a problem outranks it;
//   - the summary is that of the lead, the most severe problem (warn, fail
//     or error) that has a Summary, the first added on a tie, provided it
//     is at least as severe as the default; otherwise the default's;
//   - the findings are listed most severe first, problems before notes,
//     each severity in the order added, so the reader meets what to fix
//     first (the Markdown report and the report's summary list problems
//     first too).
//
// The zero Verdict is ready to use.
type Verdict struct {
	status   report.Status
	summary  string
	findings []Conclusion
}

// Default sets the status and summary the result has when no finding
// outranks them: pass and a one-line description when all is well,
// skipped and the reason when there was nothing to judge, error and what
// could not be measured.
func (v *Verdict) Default(status report.Status, summary string) {
	v.status, v.summary = status, summary
}

// Add adds findings in order; a finding without a severity is a note.
func (v *Verdict) Add(fs ...Conclusion) {
	for _, f := range fs {
		if f.Severity == "" {
			f.Severity = report.Pass
		}
		v.findings = append(v.findings, f)
	}
}

// Note adds a note: a pass finding, something to know but not to act on.
func (v *Verdict) Note(msg string) { v.Add(Conclusion{Severity: report.Pass, Message: msg}) }

// Status is the status the findings so far give, for checks whose later
// findings depend on how bad things already are.
func (v *Verdict) Status() report.Status {
	st := v.status
	if st == "" {
		st = report.Pass
	}
	for _, f := range v.findings {
		if severity(f.Severity) > severity(st) {
			st = f.Severity
		}
	}
	return st
}

// Problems reports whether any finding is a problem (warn, fail or error).
func (v *Verdict) Problems() bool {
	return slices.ContainsFunc(v.findings, func(f Conclusion) bool { return severity(f.Severity) > 0 })
}

// Apply sets res's status and summary and lists the findings in res,
// after those res already holds (which count as added first, without a
// summary) in the Verdict order. It returns a copy of the lead finding
// when its summary is used, else nil.
func (v *Verdict) Apply(res *report.Result) *Conclusion {
	if len(res.Findings) > 0 {
		all := Verdict{status: v.status, summary: v.summary}
		for _, f := range res.Findings {
			all.Add(Conclusion{Severity: f.Severity, Message: f.Message, Fix: f.Fix})
		}
		all.Add(v.findings...)
		v = &all
	}
	lead := v.lead(v.status)
	res.Status = v.Status()
	res.Summary = v.summary
	if lead != nil {
		res.Summary = lead.Summary
	}
	res.Findings = sorted(v.findings)
	if lead != nil {
		l := *lead
		return &l
	}
	return nil
}

// lead is the most severe problem with a summary, the first on a tie, if
// it is at least as severe as base.
func (v *Verdict) lead(base report.Status) *Conclusion {
	var lead *Conclusion
	for i := range v.findings {
		f := &v.findings[i]
		if f.Summary != "" && severity(f.Severity) > 0 && (lead == nil || severity(f.Severity) > severity(lead.Severity)) {
			lead = f
		}
	}
	if lead == nil || severity(lead.Severity) < severity(base) {
		return nil
	}
	return lead
}

// AddFindings adds findings to a result whose verdict is already built
// (the bandwidth check's figures under load arrive after it): the status
// becomes the most severe, the findings are listed in the Verdict order
// again, and a new problem with a Summary takes the summary line only when
// it is more severe than the result's status was.
func AddFindings(res *report.Result, fs ...Conclusion) {
	prev := res.Status
	if prev == "" {
		prev = report.Pass
	}
	added := Verdict{status: prev}
	added.Add(fs...)
	lead := added.lead(prev)
	if lead != nil && severity(lead.Severity) == severity(prev) {
		lead = nil // the summary already names a problem this severe
	}
	all := Verdict{status: prev}
	for _, f := range res.Findings {
		all.Add(Conclusion{Severity: f.Severity, Message: f.Message, Fix: f.Fix})
	}
	all.Add(added.findings...)
	res.Status = all.Status()
	res.Findings = sorted(all.findings)
	if lead != nil {
		res.Summary = lead.Summary
	}
}

// order ranks severities for the verdict: error above fail (the figures
// are missing, not bad; as report.Worst) above warn above pass and skipped.
func severity(s report.Status) int {
	switch s {
	case report.Error:
		return 3
	case report.Fail:
		return 2
	case report.Warn:
		return 1
	}
	return 0
}

// sorted returns the report's findings, most severe first, stable.
func sorted(fs []Conclusion) []report.Finding {
	out := make([]report.Finding, 0, len(fs))
	for _, f := range fs {
		out = append(out, report.Finding{Severity: f.Severity, Message: f.Message, Fix: f.Fix})
	}
	slices.SortStableFunc(out, func(a, b report.Finding) int { return severity(b.Severity) - severity(a.Severity) })
	return out
}
