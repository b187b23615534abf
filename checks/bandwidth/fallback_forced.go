//go:build wfh_nokernelcounters

package bandwidth

// forcedFallback: this build ignores the kernel's byte counters, so the
// bench can measure on Linux the fallback that runs where the OS has none
// (Wine, older Windows): go build -tags wfh_nokernelcounters ./cmd/wfh.
const forcedFallback = true
