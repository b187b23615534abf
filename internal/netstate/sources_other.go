//go:build !linux && !darwin && !windows

package netstate

// platformSources: other systems have only the sources of their tools.
func platformSources(_ *tools, text Sources) Sources { return text }
