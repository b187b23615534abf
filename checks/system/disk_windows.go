package system

import (
	"time"

	"golang.org/x/sys/windows"
)

// statfsSyscall measures the volume holding path with GetDiskFreeSpaceEx,
// which accepts any directory on the volume, UNC paths included. It returns
// the bytes available to the caller, which honours disk quotas.
func statfsSyscall(path string) (free, total uint64, err error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, 0, err
	}
	var avail, size, allFree uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &size, &allFree); err != nil {
		return 0, 0, err
	}
	return avail, size, nil
}

// sinceBootSyscall is GetTickCount64, which counts from boot and includes
// time asleep or hibernated, like /proc/uptime on Linux; no process start.
func sinceBootSyscall() time.Duration { return windows.DurationSinceBoot() }
