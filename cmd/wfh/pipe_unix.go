//go:build !windows

package main

import (
	"os/signal"
	"syscall"
)

// ignoreBrokenPipe makes a write to a closed pipe (wfh watch | head -1)
// fail with EPIPE, which the watch reports in one line, instead of the
// signal killing the process before it can write the report.
func ignoreBrokenPipe() { signal.Ignore(syscall.SIGPIPE) }
