package system

// newProbe picks the Windows probe. Its logic lives in windowsprobe.go,
// without an OS suffix, so that its tests (fake commands) run on every OS;
// only the two system calls are Windows's own.
func newProbe() probe { return windowsProbe{statfs: statfsSyscall, sinceBoot: sinceBootSyscall} }
