// Package neterr sorts network errors (a failed lookup, dial, handshake or
// read) into what they mean to a person, and words them, on every OS,
// without their text: that is a platform's (Go's "winapi error #10045",
// Windows' "wsarecv: An existing connection was forcibly closed by the
// remote host.", in the user's language), which no report may carry. The
// checks use it through checks/probeutil; internal packages whose results
// reach a report (stunprobe) use it directly.
package neterr

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// Kind is what a failed lookup, dial, handshake or read means to a
// person. Classify sorts an error into one; Describe words it.
type Kind int

const (
	// Other is any other failure.
	Other Kind = iota
	// Refused: the host answered that nothing listens on the port.
	Refused
	// Reset: the connection was cut (reset, aborted, or closed
	// mid-exchange).
	Reset
	// Unreachable: this computer has no route to the address
	// (network unreachable, or no source address of that family).
	Unreachable
	// HostUnreachable: a router, or the local network, said the host
	// cannot be reached (host unreachable).
	HostUnreachable
	// Timeout: no answer before the deadline.
	Timeout
	// Stopped: the check was cancelled before an answer.
	Stopped
	// NoSuchHost: the name does not exist (NXDOMAIN, or no address of
	// the type asked).
	NoSuchHost
	// Lookup: the name could not be looked up for another reason.
	Lookup
	// TLS: the secure connection failed: an alert, a reply that is not
	// TLS, or a certificate that does not verify.
	TLS
	// Blocked: this computer refused to send (permission denied): a
	// firewall or security program.
	Blocked
)

// Classify sorts a network error into a Kind. It goes by error
// values, never by the text, which is in the computer's language on
// Windows; Windows' own socket error numbers are mapped too (see
// winsockWords in winerr.go), since Go's syscall.ECONNREFUSED and friends do not match
// them there.
func Classify(err error) Kind {
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
		return Other
	case errors.Is(err, context.Canceled):
		return Stopped
	case errors.As(err, &dnsErr):
		return classifyDNS(dnsErr)
	case errors.As(err, &recErr), errors.As(err, &alert), errors.As(err, &certErr),
		errors.As(err, &authErr), errors.As(err, &hostErr), errors.As(err, &invErr):
		return TLS
	case errors.As(err, &opErr) && opErr.Op == "remote error":
		// crypto/tls reports an alert from the server this way, its type
		// unexported ("remote error: tls: handshake failure").
		return TLS
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return Reset
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.ENETDOWN):
		return Unreachable
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.EHOSTDOWN):
		return HostUnreachable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return Timeout
	case errors.As(err, &netErr) && netErr.Timeout():
		return Timeout
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return Blocked
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Reset
	case errors.As(err, &errno):
		if w, ok := winsockWords[uint32(errno)]; ok {
			return w.kind
		}
	}
	return Other
}

// classifyDNS sorts a failed lookup. Go's resolver flattens the error
// of its own dial into the text ("dial udp 10.0.0.1:53: connect: network
// is unreachable"); on Unix that last part is Go's fixed English errno
// text, so it is recognised by comparison with the errno's own Error.
func classifyDNS(e *net.DNSError) Kind {
	switch {
	case e.IsNotFound:
		return NoSuchHost
	case e.IsTimeout:
		return Timeout
	case e.UnwrapErr != nil:
		if k := Classify(e.UnwrapErr); k != Other {
			return k
		}
	}
	reason := strings.TrimSpace(e.Err[strings.LastIndex(e.Err, ": ")+1:])
	for _, c := range []struct {
		errno syscall.Errno
		kind  Kind
	}{
		{syscall.ECONNREFUSED, Refused},
		{syscall.ENETUNREACH, Unreachable},
		{syscall.EHOSTUNREACH, HostUnreachable},
	} {
		if reason == c.errno.Error() {
			return c.kind
		}
	}
	// On Windows the resolver keeps GetAddrInfoW's failure only as the
	// system's text, in the user's language.
	if w, ok := winsockText(e.Err); ok && w.kind != Other {
		return w.kind
	}
	return Lookup
}

// IsTimeout reports whether err is a timeout: a deadline, or a network
// error that says it timed out.
func IsTimeout(err error) bool { return Classify(err) == Timeout }

// Words words the kinds for one check's own targets ("connection
// refused: the server is not accepting connections on that port"); a kind
// left out takes the default wording.
type Words map[Kind]string

// defaultWords are phrases that fit after "X: " or in parentheses,
// for any target.
var defaultWords = Words{
	Other:           "the connection failed",
	Refused:         "connection refused",
	Reset:           "the connection was cut",
	Unreachable:     "no route to it from this computer",
	HostUnreachable: "it cannot be reached (host unreachable)",
	Timeout:         "no answer in time",
	Stopped:         "stopped before it answered",
	NoSuchHost:      "the name does not exist",
	Lookup:          "the name could not be looked up",
	TLS:             "the secure connection failed",
	Blocked:         "blocked on this computer (a firewall or security program)",
}

// Describe sorts err and words it in plain language: words' phrase
// for its kind, else the default. It never returns the error's own text,
// which can be a platform's ("wsarecv: An existing connection was forcibly
// closed by the remote host.", "winapi error #10045"), in the computer's
// language, or carry a URL with a token; log that for --verbose with
// env.Debugf and ShortErr.
func Describe(err error, words Words) (Kind, string) {
	k := Classify(err)
	if k == Other {
		// A Windows code no kind covers ("winapi error #10045") still has
		// words of its own, better than "the connection failed".
		if w, ok := winsockWordsOf(err); ok {
			return k, w
		}
	}
	if k == TLS && words[TLS] == "" {
		// Which certificate problem it is tells the user what to do.
		if w, ok := tlsWords(err); ok {
			return k, w
		}
	}
	return k, words.Phrase(k)
}

// tlsWords words a failed TLS handshake by what went wrong, where Go's
// errors say it: the certificate's problem, the server's alert, an answer
// that is not TLS.
func tlsWords(err error) (string, bool) {
	var (
		authErr x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
		opErr   *net.OpError
	)
	switch {
	case errors.As(err, &authErr):
		return "the secure connection failed: its certificate was issued by an authority this computer does not trust", true
	case errors.As(err, &hostErr):
		return "the secure connection failed: its certificate is for another name", true
	case errors.As(err, &invErr) && invErr.Reason == x509.Expired:
		return "the secure connection failed: its certificate has expired or is not valid yet (check this computer's date)", true
	case errors.As(err, &invErr):
		return "the secure connection failed: its certificate is not valid for this use", true
	case errors.As(err, &recErr):
		return "the secure connection failed: the answer is not TLS", true
	case errors.As(err, &alert), errors.As(err, &opErr) && opErr.Op == "remote error":
		return "the secure connection failed: the server refused the handshake", true
	}
	return "", false
}

// Platform reports whether err carries an operating system's error: a
// system call's code, a socket operation or a name lookup, whose text is
// the platform's (and on Windows in the user's language). Its text must
// not reach a report; Describe words it. An error built by a library's own
// code (a protocol's error response) carries no such text.
func Platform(err error) bool {
	var (
		errno syscall.Errno
		sc    *os.SyscallError
		op    *net.OpError
		dns   *net.DNSError
	)
	return errors.As(err, &errno) || errors.As(err, &sc) || errors.As(err, &op) || errors.As(err, &dns)
}

// Phrase words kind k: w's phrase, else the default. A nil w is the
// default wording.
func (w Words) Phrase(k Kind) string {
	if s := w[k]; s != "" {
		return s
	}
	return defaultWords[k]
}

// Unsupported reports an error that says the system lacks a socket
// operation (EOPNOTSUPP on Unix; Winsock's WSAEOPNOTSUPP, 10045, on
// Windows, where syscall.EOPNOTSUPP is not the Winsock code): the system,
// not the network, failed. Wine 8.0 is such a system for every UDP socket
// of a Go program: Go's net package turns off SIO_UDP_NETRESET on each
// one (go.dev/issue/68614) and Wine answers WSAEOPNOTSUPP, so callers ask
// over TCP instead. The code is tested on every OS (it is a plain number).
func Unsupported(err error) bool {
	var code syscall.Errno
	return errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, errors.ErrUnsupported) ||
		(errors.As(err, &code) && code == wsaEOPNOTSUPP)
}

// wsaEOPNOTSUPP is Winsock's "operation not supported" (winsock2.h).
const wsaEOPNOTSUPP syscall.Errno = 10045
