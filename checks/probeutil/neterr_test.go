package probeutil

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
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
		{fmt.Errorf("read: %w", io.EOF), NetErrReset},
		{op(syscall.ENETUNREACH), NetErrUnreachable},
		{op(syscall.EHOSTUNREACH), NetErrUnreachable},
		{context.DeadlineExceeded, NetErrTimeout},
		{os.ErrDeadlineExceeded, NetErrTimeout},
		{context.Canceled, NetErrStopped},
		{errors.New("tls: bad record MAC"), NetErrOther},
		{nil, NetErrOther},
	} {
		if got := ClassifyNetErr(tc.err); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.err, got, tc.want)
		}
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
