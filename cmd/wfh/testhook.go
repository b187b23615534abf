//go:build !wfhtest

package main

// testPanic does nothing in a real build; see testhook_wfhtest.go.
func testPanic(string) {}
