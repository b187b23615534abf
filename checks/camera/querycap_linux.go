package camera

import (
	"fmt"
	"io/fs"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// queryCapIoctl opens a V4L2 device node and asks its driver what it is.
// O_NONBLOCK keeps the open from waiting on a driver that would block, and
// O_RDONLY is enough for VIDIOC_QUERYCAP; the node is closed at once, so no
// frame is captured and the camera's light stays off.
func queryCapIoctl(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, capabilitySize)
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), vidiocQueryCap, uintptr(unsafe.Pointer(&buf[0]))); errno != 0 {
		return nil, &fs.PathError{Op: "VIDIOC_QUERYCAP", Path: path, Err: errno}
	}
	return buf, nil
}

// statNode reads the owner, group and permission bits of a device file.
func statNode(path string) (nodeOwner, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return nodeOwner{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	return nodeOwner{Perm: st.Mode & 0o777, UID: st.Uid, GID: st.Gid}, nil
}

// currentIdentity is who this process runs as, with the groups the kernel
// checks file access against: the effective IDs and the supplementary
// groups of this login session (not those added since in /etc/group).
func currentIdentity() (identity, error) {
	gids, err := os.Getgroups()
	if err != nil {
		return identity{}, fmt.Errorf("read the groups of this session: %w", err)
	}
	id := identity{UID: uint32(os.Geteuid()), Groups: []uint32{uint32(os.Getegid())}}
	for _, g := range gids {
		id.Groups = append(id.Groups, uint32(g))
	}
	return id, nil
}
