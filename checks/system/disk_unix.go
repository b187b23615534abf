//go:build linux || darwin

package system

import (
	"fmt"
	"math/bits"

	"golang.org/x/sys/unix"
)

// statfsSyscall measures the volume holding path with statfs(2). Bavail, not
// Bfree: the blocks reserved for root (5 % on ext4 by default) are of no use
// to the user's updates and apps.
func statfsSyscall(path string) (free, total uint64, err error) {
	var s unix.Statfs_t
	if err := unix.Statfs(path, &s); err != nil {
		return 0, 0, err
	}
	unit := blockUnit(&s)
	if unit == 0 {
		return 0, 0, fmt.Errorf("statfs reports a block size of 0")
	}
	hiF, free := bits.Mul64(s.Bavail, unit)
	hiT, total := bits.Mul64(s.Blocks, unit)
	if hiF != 0 || hiT != 0 {
		return 0, 0, fmt.Errorf("statfs reports more than 16 EiB")
	}
	return free, total, nil
}
