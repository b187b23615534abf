package neterr

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

// A failed handshake says which certificate problem it was, unless the
// caller words TLS failures itself; never with Go's text.
func TestDescribeTLS(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, "an authority this computer does not trust"},
		{x509.HostnameError{Certificate: &x509.Certificate{}, Host: "a.example"}, "for another name"},
		{x509.CertificateInvalidError{Reason: x509.Expired}, "has expired"},
		{x509.CertificateInvalidError{Reason: x509.IncompatibleUsage}, "not valid for this use"},
		{tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, "not TLS"},
		{&net.OpError{Op: "remote error", Err: errors.New("tls: handshake failure")}, "refused the handshake"},
	} {
		k, words := Describe(c.err, nil)
		if k != TLS || !strings.Contains(words, c.want) || strings.Contains(words, "x509") || strings.Contains(words, "tls:") {
			t.Errorf("%v: %v %q, want TLS saying %q", c.err, k, words, c.want)
		}
		if _, words := Describe(c.err, Words{TLS: "the gateway's TLS failed"}); words != "the gateway's TLS failed" {
			t.Errorf("the caller's words: %q", words)
		}
	}
}

func TestPlatform(t *testing.T) {
	for _, err := range []error{
		syscall.Errno(10045),
		fmt.Errorf("probe: %w", os.NewSyscallError("wsaioctl", syscall.Errno(10045))),
		&net.OpError{Op: "dial", Net: "udp", Err: errors.New("anything")},
		&net.DNSError{Err: "getaddrinfow: x", Name: "a.example"},
	} {
		if !Platform(err) {
			t.Errorf("%v: not a platform error", err)
		}
	}
	for _, err := range []error{errors.New("Allocate error response (error 401: Unauthorized)"), fmt.Errorf("wrapped: %w", errors.New("x"))} {
		if Platform(err) {
			t.Errorf("%v: a platform error", err)
		}
	}
}

func TestUnsupported(t *testing.T) {
	wrapped := func(e error) error {
		return &net.OpError{Op: "dial", Net: "udp", Err: os.NewSyscallError("wsaioctl", e)}
	}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{wrapped(syscall.EOPNOTSUPP), true},
		{wrapped(syscall.Errno(10045)), true}, // Wine's answer to SIO_UDP_NETRESET
		{fmt.Errorf("listen: %w", errors.ErrUnsupported), true},
		{wrapped(syscall.ECONNREFUSED), false},
		{wrapped(syscall.Errno(10061)), false},         // WSAECONNREFUSED: the network answered
		{errors.New("operation not supported"), false}, // text is never read
		{nil, false},
	} {
		if got := Unsupported(c.err); got != c.want {
			t.Errorf("Unsupported(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
