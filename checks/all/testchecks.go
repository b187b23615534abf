//go:build wfhtest

package all

import (
	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/testcheck"
)

// testChecks adds the checks that exist only for the end-to-end tests,
// after the real ones, in binaries built with -tags wfhtest.
func testChecks() []checks.Check { return []checks.Check{testcheck.New()} }
