package probeutil

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestClassifyNetErr(t *testing.T) {
	op := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)}
	}
	for _, tc := range []struct {
		err  error
		want NetErrKind
	}{
		{op(syscall.ECONNREFUSED), NetErrRefused},
		{op(syscall.ECONNRESET), NetErrReset},
		{op(syscall.ECONNABORTED), NetErrReset},
		{fmt.Errorf("read: %w", io.EOF), NetErrReset},
		{io.ErrUnexpectedEOF, NetErrReset},
		{op(syscall.ENETUNREACH), NetErrUnreachable},
		{op(syscall.EADDRNOTAVAIL), NetErrUnreachable},
		{op(syscall.EHOSTUNREACH), NetErrHostUnreachable},
		{op(syscall.EACCES), NetErrBlocked},
		{op(syscall.EPERM), NetErrBlocked},
		{op(syscall.ETIMEDOUT), NetErrTimeout},
		{context.DeadlineExceeded, NetErrTimeout},
		{os.ErrDeadlineExceeded, NetErrTimeout},
		{&net.OpError{Op: "read", Net: "udp", Err: os.ErrDeadlineExceeded}, NetErrTimeout},
		{context.Canceled, NetErrStopped},
		{fmt.Errorf("dial: %w", context.Canceled), NetErrStopped},
		// Windows' socket errors, which syscall.ECONNREFUSED and friends do
		// not match there.
		{op(syscall.Errno(10061)), NetErrRefused},
		{op(syscall.Errno(10054)), NetErrReset},
		{op(syscall.Errno(10053)), NetErrReset},
		{op(syscall.Errno(10060)), NetErrTimeout},
		{op(syscall.Errno(10051)), NetErrUnreachable},
		{op(syscall.Errno(10065)), NetErrHostUnreachable},
		{op(syscall.Errno(10013)), NetErrBlocked},
		{op(syscall.Errno(1225)), NetErrRefused},
		{op(syscall.Errno(10045)), NetErrOther}, // WSAEOPNOTSUPP: nothing a user can act on
		// Lookups.
		{&net.DNSError{Err: "no such host", Name: "x.example", IsNotFound: true}, NetErrNoSuchHost},
		{&net.DNSError{Err: "i/o timeout", Name: "x.example", IsTimeout: true}, NetErrTimeout},
		{&net.DNSError{Err: "dial udp 10.0.0.1:53: connect: " + syscall.ENETUNREACH.Error(), Name: "x.example"}, NetErrUnreachable},
		{&net.DNSError{Err: "read udp 10.0.0.1:53: " + syscall.ECONNREFUSED.Error(), Name: "x.example"}, NetErrRefused},
		{&net.DNSError{Err: "server misbehaving", Name: "x.example"}, NetErrLookup},
		{&net.DNSError{Err: "lookup failed", UnwrapErr: context.Canceled}, NetErrStopped},
		{&url.Error{Op: "Get", URL: "https://x.example/?token=s3cret", Err: &net.DNSError{Err: "no such host", IsNotFound: true}}, NetErrNoSuchHost},
		// TLS.
		{tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, NetErrTLS},
		{&net.OpError{Op: "remote error", Err: errors.New("tls: handshake failure")}, NetErrTLS},
		{&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, NetErrTLS},
		{x509.HostnameError{Host: "x.example", Certificate: &x509.Certificate{}}, NetErrTLS},
		{errors.New("tls: bad record MAC"), NetErrOther},
		{errors.New("wsarecv: An existing connection was forcibly closed by the remote host."), NetErrOther},
		{nil, NetErrOther},
	} {
		if got := ClassifyNetErr(tc.err); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestIsTimeout(t *testing.T) {
	if !IsTimeout(&net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}) || !IsTimeout(context.DeadlineExceeded) {
		t.Error("a deadline is a timeout")
	}
	if IsTimeout(nil) || IsTimeout(context.Canceled) || IsTimeout(syscall.ECONNREFUSED) {
		t.Error("not timeouts")
	}
}

func TestDescribeNetErr(t *testing.T) {
	// Every kind has a default phrase, and none is a platform's text.
	for k := NetErrOther; k <= NetErrBlocked; k++ {
		if NetErrWords(nil).Phrase(k) == "" {
			t.Errorf("kind %d has no default wording", k)
		}
	}
	raw := []error{
		errors.New("winapi error #10045"),
		&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("wsarecv", errors.New("An existing connection was forcibly closed by the remote host."))},
		&url.Error{Op: "Get", URL: "https://speed.example/upload?token=s3cret", Err: errors.New("malformed HTTP response")},
	}
	for _, err := range raw {
		k, s := DescribeNetErr(err, nil)
		if k != NetErrOther || s != "the connection failed" {
			t.Errorf("%v: %v %q, want the generic phrase", err, k, s)
		}
	}
	words := NetErrWords{NetErrRefused: "nothing answers DNS at this address"}
	if _, s := DescribeNetErr(syscall.ECONNREFUSED, words); s != "nothing answers DNS at this address" {
		t.Errorf("own wording not used: %q", s)
	}
	if k, s := DescribeNetErr(context.DeadlineExceeded, words); k != NetErrTimeout || s != "no answer in time" {
		t.Errorf("a kind the check does not word takes the default: %v %q", k, s)
	}
}

func TestShortErr(t *testing.T) {
	err := fmt.Errorf("dial tcp 10.0.0.1:443: connect: %w", syscall.EHOSTUNREACH)
	if got := ShortErr(err); got != "no route to host" {
		t.Errorf("got %q", got)
	}
	if got := ShortErr(errors.New("plain\x1b[31m")); got == "plain\x1b[31m" {
		t.Errorf("control characters kept: %q", got)
	}
	tok := &url.Error{Op: "Get", URL: "https://a.example/x?token=s3cret: yes", Err: errors.New("EOF")}
	if got := ShortErr(tok); got != "EOF" {
		t.Errorf("a URL kept: %q", got)
	}
}

func TestIssuerName(t *testing.T) {
	for _, tc := range []struct {
		name pkix.Name
		want string
	}{
		{pkix.Name{CommonName: "Acme Root CA", Organization: []string{"Acme"}}, "Acme Root CA"},
		{pkix.Name{Organization: []string{"Acme"}}, "Acme"},
		{pkix.Name{}, "an unnamed issuer"},
	} {
		if got := IssuerName(&x509.Certificate{Issuer: tc.name}); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Real sockets on loopback: the errors the OS itself returns (Windows'
// own error numbers when this test runs there) are sorted right.
func TestClassifyRealSockets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback TCP: %v", err)
	}
	closed := ln.Addr().String()
	ln.Close()
	_, err = net.DialTimeout("tcp", closed, 2*time.Second)
	t.Logf("refused: %v", err)
	if k := ClassifyNetErr(err); k != NetErrRefused {
		t.Errorf("dial to a closed port: %v (%#v), want refused", k, err)
	}

	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv, ok := <-accepted
	if !ok {
		t.Fatal("no connection accepted")
	}
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = c.Read(make([]byte, 1))
	t.Logf("timeout: %v", err)
	if k := ClassifyNetErr(err); k != NetErrTimeout || !IsTimeout(err) {
		t.Errorf("read past its deadline: %v (%#v), want timeout", k, err)
	}
	// Closing with a zero linger sends a reset.
	_ = srv.(*net.TCPConn).SetLinger(0)
	srv.Close()
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = c.Read(make([]byte, 1))
	t.Logf("reset: %v", err)
	if k := ClassifyNetErr(err); k != NetErrReset {
		t.Errorf("read after the peer reset: %v (%#v), want reset", k, err)
	}
	if _, s := DescribeNetErr(err, nil); strings.Contains(s, "wsarecv") || strings.Contains(s, "forcibly") {
		t.Errorf("platform text in %q", s)
	}
}
