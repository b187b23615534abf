//go:build wfhtest

package main

import "os"

// testPanic panics when WFH_TEST_PANIC names where, so the end-to-end tests
// can prove that a bug outside any check still ends the real binary with
// one line and exit 3. It is linked only into binaries built with -tags
// wfhtest, like the hanging check.
func testPanic(where string) {
	if os.Getenv("WFH_TEST_PANIC") == where {
		panic("test panic at " + where)
	}
}
