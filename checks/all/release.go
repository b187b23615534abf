//go:build !wfhtest

package all

import "github.com/wfh-cli/wfh/checks"

// testChecks is empty in every binary users get; see testchecks.go.
func testChecks() []checks.Check { return nil }
