package probeutil

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
)

// NetErrKind is what a failed lookup, dial, handshake or read means to a
// person. ClassifyNetErr sorts an error into one; DescribeNetErr words it.
type NetErrKind int

const (
	// NetErrOther is any other failure.
	NetErrOther NetErrKind = iota
	// NetErrRefused: the host answered that nothing listens on the port.
	NetErrRefused
	// NetErrReset: the connection was cut (reset, aborted, or closed
	// mid-exchange).
	NetErrReset
	// NetErrUnreachable: this computer has no route to the address
	// (network unreachable, or no source address of that family).
	NetErrUnreachable
	// NetErrHostUnreachable: a router, or the local network, said the host
	// cannot be reached (host unreachable).
	NetErrHostUnreachable
	// NetErrTimeout: no answer before the deadline.
	NetErrTimeout
	// NetErrStopped: the check was cancelled before an answer.
	NetErrStopped
	// NetErrNoSuchHost: the name does not exist (NXDOMAIN, or no address of
	// the type asked).
	NetErrNoSuchHost
	// NetErrLookup: the name could not be looked up for another reason.
	NetErrLookup
	// NetErrTLS: the secure connection failed: an alert, a reply that is not
	// TLS, or a certificate that does not verify.
	NetErrTLS
	// NetErrBlocked: this computer refused to send (permission denied): a
	// firewall or security program.
	NetErrBlocked
)

// ClassifyNetErr sorts a network error into a NetErrKind. It goes by error
// values, never by the text, which is in the computer's language on
// Windows; Windows' own socket error numbers are mapped too (see
// winsockWords in winerr.go), since Go's syscall.ECONNREFUSED and friends do not match
// them there.
func ClassifyNetErr(err error) NetErrKind {
	var (
		netErr  net.Error
		opErr   *net.OpError
		dnsErr  *net.DNSError
		errno   syscall.Errno
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
		certErr *tls.CertificateVerificationError
		authErr x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
	)
	switch {
	case err == nil:
		return NetErrOther
	case errors.Is(err, context.Canceled):
		return NetErrStopped
	case errors.As(err, &dnsErr):
		return classifyDNSErr(dnsErr)
	case errors.As(err, &recErr), errors.As(err, &alert), errors.As(err, &certErr),
		errors.As(err, &authErr), errors.As(err, &hostErr), errors.As(err, &invErr):
		return NetErrTLS
	case errors.As(err, &opErr) && opErr.Op == "remote error":
		// crypto/tls reports an alert from the server this way, its type
		// unexported ("remote error: tls: handshake failure").
		return NetErrTLS
	case errors.Is(err, syscall.ECONNREFUSED):
		return NetErrRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return NetErrReset
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.ENETDOWN):
		return NetErrUnreachable
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.EHOSTDOWN):
		return NetErrHostUnreachable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return NetErrTimeout
	case errors.As(err, &netErr) && netErr.Timeout():
		return NetErrTimeout
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return NetErrBlocked
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return NetErrReset
	case errors.As(err, &errno):
		if w, ok := winsockWords[uint32(errno)]; ok {
			return w.kind
		}
	}
	return NetErrOther
}

// classifyDNSErr sorts a failed lookup. Go's resolver flattens the error
// of its own dial into the text ("dial udp 10.0.0.1:53: connect: network
// is unreachable"); on Unix that last part is Go's fixed English errno
// text, so it is recognised by comparison with the errno's own Error.
func classifyDNSErr(e *net.DNSError) NetErrKind {
	switch {
	case e.IsNotFound:
		return NetErrNoSuchHost
	case e.IsTimeout:
		return NetErrTimeout
	case e.UnwrapErr != nil:
		if k := ClassifyNetErr(e.UnwrapErr); k != NetErrOther {
			return k
		}
	}
	reason := strings.TrimSpace(e.Err[strings.LastIndex(e.Err, ": ")+1:])
	for _, c := range []struct {
		errno syscall.Errno
		kind  NetErrKind
	}{
		{syscall.ECONNREFUSED, NetErrRefused},
		{syscall.ENETUNREACH, NetErrUnreachable},
		{syscall.EHOSTUNREACH, NetErrHostUnreachable},
	} {
		if reason == c.errno.Error() {
			return c.kind
		}
	}
	// On Windows the resolver keeps GetAddrInfoW's failure only as the
	// system's text, in the user's language.
	if w, ok := winsockText(e.Err); ok && w.kind != NetErrOther {
		return w.kind
	}
	return NetErrLookup
}

// IsTimeout reports whether err is a timeout: a deadline, or a network
// error that says it timed out.
func IsTimeout(err error) bool { return ClassifyNetErr(err) == NetErrTimeout }

// NetErrWords words the kinds for one check's own targets ("connection
// refused: the server is not accepting connections on that port"); a kind
// left out takes the default wording.
type NetErrWords map[NetErrKind]string

// defaultNetErrWords are phrases that fit after "X: " or in parentheses,
// for any target.
var defaultNetErrWords = NetErrWords{
	NetErrOther:           "the connection failed",
	NetErrRefused:         "connection refused",
	NetErrReset:           "the connection was cut",
	NetErrUnreachable:     "no route to it from this computer",
	NetErrHostUnreachable: "it cannot be reached (host unreachable)",
	NetErrTimeout:         "no answer in time",
	NetErrStopped:         "stopped before it answered",
	NetErrNoSuchHost:      "the name does not exist",
	NetErrLookup:          "the name could not be looked up",
	NetErrTLS:             "the secure connection failed",
	NetErrBlocked:         "blocked on this computer (a firewall or security program)",
}

// DescribeNetErr sorts err and words it in plain language: words' phrase
// for its kind, else the default. It never returns the error's own text,
// which can be a platform's ("wsarecv: An existing connection was forcibly
// closed by the remote host.", "winapi error #10045"), in the computer's
// language, or carry a URL with a token; log that for --verbose with
// env.Debugf and ShortErr.
func DescribeNetErr(err error, words NetErrWords) (NetErrKind, string) {
	k := ClassifyNetErr(err)
	if k == NetErrOther {
		// A Windows code no kind covers ("winapi error #10045") still has
		// words of its own, better than "the connection failed".
		if w, ok := winsockWordsOf(err); ok {
			return k, w
		}
	}
	return k, words.Phrase(k)
}

// Phrase words kind k: w's phrase, else the default. A nil w is the
// default wording.
func (w NetErrWords) Phrase(k NetErrKind) string {
	if s := w[k]; s != "" {
		return s
	}
	return defaultNetErrWords[k]
}

// shortErrMax bounds an error's reason in a report line.
const shortErrMax = 160

// ShortErr keeps the last, most specific part of an error chain ("dial
// tcp 10.0.0.1:443: connect: no route to host" → "no route to host"),
// cleaned for a report. A URL in the chain is dropped first: it can be long
// and carry a token in its query. For a network error, report
// DescribeNetErr's wording and keep ShortErr for debug output; ShortErr
// suits errors of local reads (a file, a command).
func ShortErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
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
