package system

// newProbe picks the Linux probe. The probe itself lives in linuxprobe.go,
// without an OS suffix: it only reads env.FS, so its fixture tests run on
// every OS a contributor develops on.
func newProbe() probe { return linuxProbe{statfs: statfsSyscall} }
