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

// unsupported recognises a socket the system cannot make or configure
// (WSAEOPNOTSUPP, 10045): Wine 8.0 answers it to the SIO_UDP_NETRESET
// ioctl Go's net package sets on every UDP socket, so no UDP socket of
// wfh.exe opens there (see DNSProber.TCP).
func unsupported(err error) bool {
	var errno syscall.Errno
	if errors.As(err, &errno) && errno == 10045 {
		return true
	}
	return errors.Is(err, errors.ErrUnsupported)
}
