package stunprobe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// Outcome is what one probe found about the path to a server.
type Outcome string

const (
	// Answered: the server answered over this transport. For a Binding
	// the mapped address is known (or the server sent a STUN error, which
	// still proves the path).
	Answered Outcome = "answered"
	// Silent: nothing usable came back before the deadline. Over UDP this
	// is what a firewall that drops packets looks like (and a server that
	// is down); over TCP the connection never completed.
	Silent Outcome = "silent"
	// Refused: something on the path said no: an ICMP port unreachable
	// for UDP, a reset for TCP.
	Refused Outcome = "refused"
	// Unreachable: no route to the server (this computer's routing table,
	// or an ICMP host or network unreachable).
	Unreachable Outcome = "unreachable"
	// BlockedLocally: this computer would not send the packet: a firewall
	// on this computer (EPERM/EACCES on send).
	BlockedLocally Outcome = "blocked_locally"
	// Garbage: replies came, but none was a STUN answer to the probe:
	// something else listens there, or a middlebox mangles STUN.
	Garbage Outcome = "garbage"
	// Closed: TCP connected, then the far end closed or reset it without
	// a STUN answer (a proxy, or a server that does not speak STUN there).
	Closed Outcome = "closed"
	// TLSFailed: TCP connected but the TLS handshake failed (certificate,
	// protocol); Reason says which.
	TLSFailed Outcome = "tls_failed"
	// NoAddress: the server's name did not resolve.
	NoAddress Outcome = "no_address"
	// Stopped: the caller cancelled the probe before it had an answer
	// (the run was interrupted); it says nothing about the network.
	Stopped Outcome = "stopped"
	// Failed: anything else; Reason says what.
	Failed Outcome = "failed"
)

// stopped tells whether ctx ended because the caller cancelled it rather
// than because the probe's own deadline passed.
func stopped(ctx context.Context) bool { return errors.Is(ctx.Err(), context.Canceled) }

// netOutcome sorts a socket error (dial, send, read) into an Outcome; udp
// tells the socket's kind, since Windows reports a UDP port unreachable
// as a connection reset. It returns Failed for errors it does not know.
func netOutcome(err error, udp bool) Outcome {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var alert tls.AlertError
	var recordErr tls.RecordHeaderError
	if o, ok := osOutcome(err, udp); ok {
		return o
	}
	switch {
	case err == nil:
		return Failed
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalid),
		errors.As(err, &alert), errors.As(err, &recordErr):
		return TLSFailed
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Closed
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.EADDRNOTAVAIL):
		return Unreachable
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES):
		return BlockedLocally
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), isTimeout(err):
		return Silent
	case errors.As(err, &dnsErr):
		return NoAddress
	}
	return Failed
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
