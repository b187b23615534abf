package probeutil

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// NetErrKind is what a failed dial, handshake or read means to a person;
// each check words it for its own targets.
type NetErrKind int

const (
	// NetErrOther is any other failure; ShortErr gives its reason.
	NetErrOther NetErrKind = iota
	// NetErrRefused: the host answered that nothing listens on the port.
	NetErrRefused
	// NetErrReset: the connection was cut (reset, or closed mid-exchange).
	NetErrReset
	// NetErrUnreachable: this computer has no route to the address.
	NetErrUnreachable
	// NetErrTimeout: no answer before the deadline.
	NetErrTimeout
	// NetErrStopped: the check was cancelled before an answer.
	NetErrStopped
)

// ClassifyNetErr sorts a network error into a NetErrKind.
func ClassifyNetErr(err error) NetErrKind {
	var netErr net.Error
	switch {
	case err == nil:
		return NetErrOther
	case errors.Is(err, syscall.ECONNREFUSED):
		return NetErrRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return NetErrReset
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.EADDRNOTAVAIL):
		return NetErrUnreachable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return NetErrTimeout
	case errors.As(err, &netErr) && netErr.Timeout():
		return NetErrTimeout
	case errors.Is(err, context.Canceled):
		return NetErrStopped
	}
	return NetErrOther
}

// shortErrMax bounds an error's reason in a report line.
const shortErrMax = 160

// ShortErr keeps the last, most specific part of an error chain ("dial
// tcp 10.0.0.1:443: connect: no route to host" → "no route to host"),
// cleaned for a report.
func ShortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		s = s[i+2:]
	}
	return CleanText(s, shortErrMax)
}

// IssuerName names who issued a certificate, for "certificate issued by
// X" lines: an intercepting filter or a company CA is recognised by name.
func IssuerName(c *x509.Certificate) string {
	switch {
	case c.Issuer.CommonName != "":
		return CleanText(c.Issuer.CommonName, 100)
	case len(c.Issuer.Organization) > 0:
		return CleanText(c.Issuer.Organization[0], 100)
	}
	return "an unnamed issuer"
}
