//go:build !unix

package browsertest

import "os/exec"

// ownGroup: without Unix process groups only the process itself can be
// killed. New skips every test off Linux, so this only keeps the package
// building for every target.
func ownGroup(cmd *exec.Cmd) {
	cmd.Cancel = func() error { return cmd.Process.Kill() }
}

// killGroup has no group to kill off Unix.
func killGroup(int) {}
