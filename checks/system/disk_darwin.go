package system

import "golang.org/x/sys/unix"

// blockUnit is the size of the blocks statfs counts in: on macOS, f_bsize,
// the "fundamental file system block size" of statfs(2) (f_iosize is the
// transfer size). Darwin's statfs has no f_frsize.
func blockUnit(s *unix.Statfs_t) uint64 { return uint64(s.Bsize) }
