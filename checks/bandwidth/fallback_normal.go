//go:build !wfh_nokernelcounters

package bandwidth

// forcedFallback is false in every release build: the kernel's counters
// are used wherever the OS has them (see fallback_forced.go).
const forcedFallback = false
