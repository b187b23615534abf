package probeutil

import (
	"crypto/x509"
	"errors"
	"net/url"
	"strings"

	"github.com/wfh-cli/wfh/internal/neterr"
)

// NetErrKind is what a failed lookup, dial, handshake or read means to a
// person. ClassifyNetErr sorts an error into one; DescribeNetErr words it.
// The sorting and the words live in internal/neterr, shared with the
// internal packages whose results reach a report.
type NetErrKind = neterr.Kind

// The kinds; internal/neterr says what each means.
const (
	NetErrOther           = neterr.Other
	NetErrRefused         = neterr.Refused
	NetErrReset           = neterr.Reset
	NetErrUnreachable     = neterr.Unreachable
	NetErrHostUnreachable = neterr.HostUnreachable
	NetErrTimeout         = neterr.Timeout
	NetErrStopped         = neterr.Stopped
	NetErrNoSuchHost      = neterr.NoSuchHost
	NetErrLookup          = neterr.Lookup
	NetErrTLS             = neterr.TLS
	NetErrBlocked         = neterr.Blocked
)

// NetErrWords words the kinds for one check's own targets ("connection
// refused: the server is not accepting connections on that port"); a kind
// left out takes the default wording.
type NetErrWords = neterr.Words

// ClassifyNetErr sorts a network error into a NetErrKind by its values,
// never its text (see neterr.Classify; Windows' socket codes included).
func ClassifyNetErr(err error) NetErrKind { return neterr.Classify(err) }

// IsTimeout reports whether err is a timeout: a deadline, or a network
// error that says it timed out.
func IsTimeout(err error) bool { return neterr.IsTimeout(err) }

// DescribeNetErr sorts err and words it in plain language: words' phrase
// for its kind, else the default. It never returns the error's own text,
// which can be a platform's ("wsarecv: An existing connection was forcibly
// closed by the remote host.", "winapi error #10045"), in the computer's
// language, or carry a URL with a token; log that for --verbose with
// env.Debugf and ShortErr.
func DescribeNetErr(err error, words NetErrWords) (NetErrKind, string) {
	return neterr.Describe(err, words)
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
