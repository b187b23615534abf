//go:build !linux && !darwin && !windows

package wifi

// newProbe: no probe reads Wi-Fi on this OS (the BSDs, say), so the check
// is skipped with "not available on this OS yet".
func newProbe() probe { return unsupportedProbe{} }
