package probeutil

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
)

func TestVerifyChain(t *testing.T) {
	ca := netlab.NewCA(t)
	leafTLS := ca.Issue("srv.wfh.test")
	leaf, err := x509.ParseCertificate(leafTLS.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	peer := []*x509.Certificate{leaf}
	now := time.Now()
	for _, tc := range []struct {
		name  string
		peer  []*x509.Certificate
		host  string
		roots *x509.CertPool
		at    time.Time
		want  CertProblem
	}{
		{"valid", peer, "srv.wfh.test", ca.Pool(), now, CertOK},
		{"no certificate", nil, "srv.wfh.test", ca.Pool(), now, CertMissing},
		{"other name", peer, "other.wfh.test", ca.Pool(), now, CertWrongName},
		{"untrusted issuer", peer, "srv.wfh.test", x509.NewCertPool(), now, CertUntrusted},
		{"clock after the end", peer, "srv.wfh.test", ca.Pool(), leaf.NotAfter.Add(time.Hour), CertExpired},
		{"clock before the start", peer, "srv.wfh.test", ca.Pool(), leaf.NotBefore.Add(-time.Hour), CertNotYetValid},
	} {
		chains, got, err := VerifyChain(tc.peer, tc.host, tc.roots, tc.at)
		if got != tc.want {
			t.Errorf("%s: %v (%v), want %v", tc.name, got, err, tc.want)
		}
		if (got == CertOK) != (len(chains) > 0) {
			t.Errorf("%s: %d chains with %v", tc.name, len(chains), got)
		}
	}
}

func TestCertNames(t *testing.T) {
	many := &x509.Certificate{DNSNames: []string{"a.test", "b.test"}, IPAddresses: []net.IP{net.IPv4(10, 0, 0, 1), net.IPv4(10, 0, 0, 2)}}
	for _, tc := range []struct {
		c    *x509.Certificate
		want string
	}{
		{&x509.Certificate{DNSNames: []string{"a.test"}, IPAddresses: []net.IP{net.IPv4(10, 0, 0, 1)}}, "a.test, 10.0.0.1"},
		{many, "a.test, b.test, 10.0.0.1, …"},
		{&x509.Certificate{Subject: pkix.Name{CommonName: "legacy"}}, "legacy"},
		{&x509.Certificate{}, "no name"},
	} {
		if got := CertNames(tc.c); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	if len(many.DNSNames) != 2 {
		t.Error("CertNames changed the certificate's own list")
	}
}
