//go:build wfhtest

package all

import _ "github.com/wfh-cli/wfh/checks/testcheck"
