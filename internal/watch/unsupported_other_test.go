//go:build !windows

package watch

import "syscall"

// errUnsupportedSocket is the system's "operation not supported" socket
// error (see neterr.Unsupported).
var errUnsupportedSocket = syscall.EOPNOTSUPP
