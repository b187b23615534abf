//go:build !linux && !darwin && !windows

package camera

// newProbe: wfh cannot list cameras on this OS (the BSDs, say), so the check
// is skipped with a reason.
func newProbe() probe { return unsupportedProbe{} }
