package neterr

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestWinsockErrors: Windows' socket and resolver codes are sorted and
// worded by the shared describer, on every OS, never as Go's "winapi error
// #N" or the system's own (localised) text.
func TestWinsockErrors(t *testing.T) {
	// As Go on Windows returns them: a Winsock code inside os.SyscallError
	// inside net.OpError, or inside a DNSError.
	wrap := func(code uintptr, op string) error {
		return &net.OpError{Op: "dial", Net: "udp", Err: os.NewSyscallError(op, syscall.Errno(code))}
	}
	for _, c := range []struct {
		err  error
		kind Kind
		has  string
	}{
		{wrap(10045, "wsaioctl"), Other, "lacks an operation"},
		{wrap(10061, "connectex"), Refused, "connection refused"},
		{wrap(1225, "connectex"), Refused, "connection refused"},
		{wrap(10051, "connect"), Unreachable, "network unreachable"},
		{wrap(1232, "connectex"), HostUnreachable, "host unreachable"},
		{wrap(10054, "wsarecv"), Reset, "reset"},
		{wrap(10060, "connectex"), Timeout, "in time"},
		{&net.DNSError{Err: "getaddrinfow: Nonauthoritative host not found.", Name: "x", UnwrapErr: os.NewSyscallError("getaddrinfow", syscall.Errno(11002))}, Timeout, "temporary"},
		{fmt.Errorf("ask: %w", syscall.Errno(11004)), NoSuchHost, "no address"},
		// As Go's resolver on Windows leaves it: the code only as the
		// system's text, which is this OS's text for the code.
		{&net.DNSError{Err: "getaddrinfow: " + syscall.Errno(11002).Error(), Name: "x"}, Timeout, "temporary"},
	} {
		kind, words := Describe(c.err, winsockTestWords(c.err))
		if kind != c.kind || !strings.Contains(words, c.has) {
			t.Errorf("%v: %v %q, want %v and %q", c.err, kind, words, c.kind, c.has)
		}
		if strings.Contains(words, "#") || strings.Contains(words, "winapi") {
			t.Errorf("%q is not words", words)
		}
	}
	// Any other Winsock code is named as one.
	if kind, words := Describe(wrap(10022, "setsockopt"), nil); kind != Other || words != "the network stack failed (Windows Sockets error 10022)" {
		t.Errorf("WSAEINVAL: %v %q", kind, words)
	}
	for _, err := range []error{errors.New("plain"), wrap(99999, "x")} {
		if _, ok := winsockWordsOf(err); ok {
			t.Errorf("%v described as a Windows error", err)
		}
	}
}

// winsockTestWords words each kind with the code's own Winsock words, so
// the test sees which code the describer recognised; a check's own
// Words take their place in production.
func winsockTestWords(err error) Words {
	var code syscall.Errno
	if errors.As(err, &code) {
		if w, ok := winsockWords[uint32(code)]; ok {
			return Words{w.kind: w.words}
		}
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		if w, ok := winsockText(de.Err); ok {
			return Words{w.kind: w.words}
		}
	}
	return nil
}
