package main

import (
	"os"
	"syscall"
)

// peakRSSKB is the finished process's peak resident memory; Linux counts
// Maxrss in kilobytes.
func peakRSSKB(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}
