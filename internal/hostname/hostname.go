// Package hostname decides what wfh accepts as a host: one rule for the
// profile, the checks' own settings and what they read from the machine.
//
// The rule is what a resolver accepts, Go's included (net's isDomainName),
// written down:
//
//   - letters, digits, hyphens and underscores, in dot-separated labels of
//     1 to 63 characters, at most 253 characters in all, plus an optional
//     final dot (RFC 1035 section 2.3.4, RFC 1123 section 2.1);
//   - no label starts or ends with a hyphen (RFC 1123);
//   - the last label is not all digits (RFC 3696 section 2): no top-level
//     domain is, so "10.0.0.300" or "9.9.9.9.9" is a mistyped address, not a
//     name, and a resolver would not look it up either.
//
// Underscores are allowed anywhere, as Go's resolver and the common ones
// allow them. RFC 1123 host names have none, but DNS names do
// (RFC 2181 section 11): SRV and DKIM owners such as _sip._tcp.example.com,
// and Windows and Active Directory hosts named with one, which company
// networks resolve every day. Refusing them would reject a profile that
// works; a typo with an underscore still fails to resolve and the check
// says so.
//
// Non-ASCII names (IDN) must be written in their ASCII form (xn--…), as
// resolvers receive them; spaces, schemes, paths and ports mean a URL or
// host:port was pasted, and are refused.
package hostname

import (
	"net/netip"
	"strings"
)

const (
	// maxName is the longest name in text form without the final dot:
	// 255 bytes on the wire less the first length byte and the root label.
	maxName = 253
	// maxLabel is the longest label (RFC 1035: the length is 6 bits).
	maxLabel = 63
)

// IsName reports whether s is a DNS host name by the package's rule. An IP
// address literal is not a name.
func IsName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > maxName {
		return false
	}
	rest := s
	last := ""
	for rest != "" {
		label, after, more := strings.Cut(rest, ".")
		if !validLabel(label) || more && after == "" {
			return false
		}
		last, rest = label, after
	}
	return strings.Trim(last, "0123456789") != ""
}

func validLabel(l string) bool {
	if l == "" || len(l) > maxLabel || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// IsAddr reports whether s is an IPv4 or IPv6 address literal, without
// brackets or port. An IPv6 zone ("fe80::1%eth0") is accepted only when
// allowZone is set: a zone names an interface of one computer, which a
// profile shared by many cannot know, while an address read from this
// computer's own settings may carry one.
func IsAddr(s string, allowZone bool) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && (allowZone || a.Zone() == "")
}

// IsHost reports whether s is a name (IsName) or an address literal
// without a zone (IsAddr): what can go in a profile's host field.
func IsHost(s string) bool {
	return IsName(s) || IsAddr(s, false)
}
