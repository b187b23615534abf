package wifi

// newProbe picks the macOS probe; its logic lives in darwinprobe.go, without
// an OS suffix, so that its tests run on every OS.
func newProbe() probe { return darwinProbe{} }
