package stunprobe

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Transport is how a probe reaches its server.
type Transport string

const (
	// UDP is the media path every calling app prefers.
	UDP Transport = "udp"
	// TCP is STUN/TURN framed on a TCP connection (RFC 8489 §6.2.2): the
	// first fallback when UDP is blocked.
	TCP Transport = "tcp"
	// TLS is STUN/TURN over TLS on TCP (port 5349, or 443 where a server
	// offers it to pass firewalls that allow only web traffic).
	TLS Transport = "tls"
)

// Default ports of RFC 8489 §9 and RFC 8656 §2.
const (
	DefaultPort    = 3478
	DefaultTLSPort = 5349
)

// Target is one STUN or TURN server on one transport.
type Target struct {
	Transport Transport `json:"transport"`
	// Host is a DNS name or an IP literal (no brackets). For TLS the
	// certificate must be valid for it.
	Host string `json:"host"`
	Port int    `json:"port"`
}

// Address returns "host:port", with IPv6 literals in brackets.
func (t Target) Address() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// String returns "udp host:port", for logs and reasons.
func (t Target) String() string { return string(t.Transport) + " " + t.Address() }

// maxURILen bounds what ParseTarget reads: a profile line, not a document.
const maxURILen = 512

// ParseTarget reads a server as a profile lists it:
//
//	stun:host[:port][?transport=udp|tcp]   (default port 3478, UDP)
//	stuns:host[:port]                      (TLS, default port 5349)
//	turn:host[:port][?transport=udp|tcp]   (default port 3478, UDP)
//	turns:host[:port][?transport=tcp]      (TLS, default port 5349)
//	host:port                              (UDP)
//
// IPv6 literals go in brackets ("stun:[2001:db8::1]:3478"). The error is
// one line naming what is wrong.
func ParseTarget(s string) (Target, error) {
	orig := s
	fail := func(format string, args ...any) (Target, error) {
		return Target{}, fmt.Errorf("server %q: %s", clip(orig, 80), fmt.Sprintf(format, args...))
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Target{}, errors.New("server address is empty: write host:port or stun:host:port")
	case len(s) > maxURILen:
		return fail("longer than %d characters", maxURILen)
	}
	t := Target{Transport: UDP, Port: DefaultPort}
	scheme, rest, hasScheme := strings.Cut(s, ":")
	switch strings.ToLower(scheme) {
	case "stun", "turn":
	case "stuns", "turns":
		t.Transport, t.Port = TLS, DefaultTLSPort
	default:
		// No scheme: "host:port", "[v6]:port". A bare IPv6 literal has
		// colons too and is rejected below for its missing brackets.
		hasScheme = false
		rest = s
	}
	secure := t.Transport == TLS
	rest, query, _ := strings.Cut(rest, "?")
	if strings.HasPrefix(rest, "//") {
		return fail("no // after the scheme: write stun:host:port")
	}
	if query != "" {
		key, val, ok := strings.Cut(query, "=")
		if !ok || !strings.EqualFold(key, "transport") || strings.ContainsAny(val, "&=") {
			return fail("the only option is ?transport=udp or ?transport=tcp")
		}
		switch strings.ToLower(val) {
		case "udp":
			if secure {
				return fail("DTLS (turns: with transport=udp) is not supported; use transport=tcp")
			}
		case "tcp":
			if !secure {
				t.Transport = TCP
			}
		default:
			return fail("transport must be udp or tcp, not %q", clip(val, 20))
		}
	}
	host, port := rest, ""
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]")
		if end < 0 {
			return fail("IPv6 address without its closing ]")
		}
		host = rest[1:end]
		after := rest[end+1:]
		if after != "" {
			p, ok := strings.CutPrefix(after, ":")
			if !ok {
				return fail("unexpected %q after the address", clip(after, 20))
			}
			port = p
		}
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() || a.Zone() != "" {
			return fail("%q in brackets is not an IPv6 address", clip(host, 46))
		}
	} else {
		if strings.Count(rest, ":") > 1 {
			return fail("put an IPv6 address in brackets: [2001:db8::1]:3478")
		}
		if h, p, ok := strings.Cut(rest, ":"); ok {
			host, port = h, p
		}
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strings.HasPrefix(port, "+") {
			return fail("port %q is not a number from 1 to 65535", clip(port, 20))
		}
		t.Port = n
	} else if !hasScheme {
		return fail("no port: write host:port, or stun:host for the default port %d", DefaultPort)
	}
	if err := checkHost(host); err != nil {
		return fail("%v", err)
	}
	t.Host = host
	return t, nil
}

// checkHost accepts IP literals and DNS names made of letters, digits,
// hyphens, underscores and dots.
func checkHost(h string) error {
	if h == "" {
		return errors.New("no host name")
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return nil
	}
	if len(h) > 253 {
		return errors.New("host name longer than 253 characters")
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("host name %q has an empty or over-long label", clip(h, 60))
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return fmt.Errorf("host name %q has the character %q", clip(h, 60), r)
			}
		}
	}
	return nil
}

// clip shortens s for an error line and makes it printable.
func clip(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= n {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}
