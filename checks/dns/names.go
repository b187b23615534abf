package dns

import (
	"math/rand/v2"
	"net/netip"
	"strings"
)

// underDomain reports whether name is domain or a name below it.
func underDomain(name, domain string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	return domain == "" || name == domain || strings.HasSuffix(name, "."+domain)
}

// randomLabel returns 20 random lower-case letters and digits: a label no
// zone holds, so a correct resolver answers NXDOMAIN for it. The chance of
// hitting a registered name is nil (36^20 ≈ 10^31).
func randomLabel() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 20)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

// bogonPrefixes are ranges no public name resolves to: private, shared
// (CGNAT), loopback, link-local, documentation, benchmarking, multicast
// and reserved space (IANA special-purpose registries, RFC 6890 and its
// updates). A public name answered with one of these was redirected.
// NAT64's 64:ff9b::/96 is left out on purpose: DNS64 networks answer
// public names with it.
var bogonPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}()

// isBogon reports whether a is an address no public name should have.
func isBogon(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, p := range bogonPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
