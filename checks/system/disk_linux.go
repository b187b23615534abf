package system

import "golang.org/x/sys/unix"

// blockUnit is the size of the blocks statfs counts in. On Linux that is
// f_frsize, as statvfs(3) and df use it: NFS reports its transfer size in
// f_bsize, which would overstate the disk many times over. The kernel fills
// f_frsize with f_bsize when a filesystem leaves it 0, but old kernels did
// not.
func blockUnit(s *unix.Statfs_t) uint64 {
	if s.Frsize > 0 {
		return uint64(s.Frsize)
	}
	if s.Bsize > 0 {
		return uint64(s.Bsize)
	}
	return 0
}
