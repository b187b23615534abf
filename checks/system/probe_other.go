//go:build !linux

package system

// newProbe: no probe reads this OS yet, so every fact is reported as "not
// available on this OS yet". macOS and Windows get their own files (and a
// narrower build constraint here) when their probes land.
func newProbe() probe { return unsupportedProbe{} }
