package camera

// newProbe picks the Windows probe, which only runs PowerShell.
func newProbe() probe { return windowsProbe{} }
