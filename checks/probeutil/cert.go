package probeutil

import (
	"crypto/x509"
	"errors"
	"strings"
	"time"
)

// CertProblem is what is wrong with a server's certificate chain; each
// check words it for its own server.
type CertProblem int

const (
	// CertOK: the chain verifies for the host at the given time.
	CertOK CertProblem = iota
	// CertMissing: the server sent no certificate.
	CertMissing
	// CertWrongName: the certificate is for other names.
	CertWrongName
	// CertUntrusted: no trusted root issued it (an intercepting filter,
	// a self-signed server, a company CA the computer lacks).
	CertUntrusted
	// CertExpired: the computer's time is after the certificate's end.
	CertExpired
	// CertNotYetValid: the computer's time is before its start, usually a
	// clock set wrong.
	CertNotYetValid
	// CertOther: any other verification failure; the error says it.
	CertOther
)

// VerifyChain verifies peer (leaf first, as TLS sends it) for host against
// roots at now, using the rest of peer as intermediates. It returns the
// verified chains when CertOK, else the problem and the verifier's error.
func VerifyChain(peer []*x509.Certificate, host string, roots *x509.CertPool, now time.Time) ([][]*x509.Certificate, CertProblem, error) {
	if len(peer) == 0 {
		return nil, CertMissing, errors.New("no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range peer[1:] {
		inter.AddCert(c)
	}
	chains, err := peer[0].Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter, CurrentTime: now})
	if err == nil {
		return chains, CertOK, nil
	}
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invErr x509.CertificateInvalidError
	switch {
	case errors.As(err, &hostErr):
		return nil, CertWrongName, err
	case errors.As(err, &authErr):
		return nil, CertUntrusted, err
	case errors.As(err, &invErr) && invErr.Reason == x509.Expired:
		if now.Before(peer[0].NotBefore) {
			return nil, CertNotYetValid, err
		}
		return nil, CertExpired, err
	}
	return nil, CertOther, err
}

// CertNames lists the names and addresses a certificate is for, at most
// three, for "certificate is for …" lines.
func CertNames(c *x509.Certificate) string {
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	switch {
	case len(names) > 3:
		return CleanText(strings.Join(names[:3], ", ")+", …", 160)
	case len(names) > 0:
		return CleanText(strings.Join(names, ", "), 160)
	case c.Subject.CommonName != "":
		return CleanText(c.Subject.CommonName, 100)
	}
	return "no name"
}
