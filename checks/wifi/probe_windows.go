package wifi

// newProbe picks the Windows probe; its logic lives in windowsprobe.go,
// without an OS suffix, so that its tests run on every OS.
func newProbe() probe { return windowsProbe{} }
