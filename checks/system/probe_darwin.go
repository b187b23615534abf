package system

// newProbe picks the macOS probe. Its logic lives in darwinprobe.go, without
// an OS suffix, so that its tests (fake commands, fixture trees) run on every
// OS; only the statfs call is macOS's own.
func newProbe() probe { return darwinProbe{statfs: statfsSyscall} }
