//go:build !linux && !darwin && !windows

package system

// newProbe: no probe reads this OS (the BSDs, say), so every fact is
// reported as "not available on this OS yet"; the architecture and the UTC
// offset from the clock are still reported.
func newProbe() probe { return unsupportedProbe{} }
