package audio

// newProbe picks the Linux probe; its logic lives in linuxprobe.go, without
// an OS suffix, so that its fixture tests run on every OS.
func newProbe() probe { return linuxProbe{} }
