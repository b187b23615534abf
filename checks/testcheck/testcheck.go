//go:build wfhtest

// Package testcheck adds a check that hangs, ignoring its context, so the
// end-to-end tests can prove that the real binary honours --timeout and
// Ctrl-C. It is linked only into binaries built with -tags wfhtest.
package testcheck

import (
	"context"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
)

type hang struct{}

// New returns the check; checks/all lists it in wfhtest builds.
func New() checks.Check { return hang{} }

func (hang) ID() string            { return "hang" }
func (hang) Title() string         { return "Hangs (test only)" }
func (hang) Budget() time.Duration { return time.Hour }
func (hang) Needs() checks.Needs   { return checks.Needs{} }

// Run blocks far past any deadline and ignores ctx, like a buggy check.
func (hang) Run(context.Context, *checks.Env) checks.Result {
	time.Sleep(time.Hour)
	return checks.Result{Status: report.Pass}
}
