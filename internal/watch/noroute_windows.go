package watch

import (
	"errors"
	"syscall"
)

// noRoute recognises "this computer has no route there" in Windows'
// socket errors (WSAENETUNREACH, WSAEHOSTUNREACH).
func noRoute(err error) bool {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno == 10051 || errno == 10065
	}
	return false
}

// refused recognises a connection the far end refused or reset
// (WSAECONNREFUSED, WSAECONNRESET): it answered.
func refused(err error) bool {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno == 10061 || errno == 10054
	}
	return false
}
