//go:build !windows

package watch

import (
	"errors"
	"syscall"
)

// noRoute recognises "this computer has no route there": the kernel
// refused the packet before it left (no default route, interface down).
func noRoute(err error) bool {
	return errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH)
}

// refused recognises a connection the far end refused or reset: it
// answered.
func refused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}
