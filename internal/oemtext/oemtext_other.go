//go:build !windows

package oemtext

// fromConsoleCodePage has no console code page to convert from off
// Windows.
func fromConsoleCodePage([]byte) (string, bool) { return "", false }
