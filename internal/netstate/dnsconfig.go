package netstate

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// DNSSource says where the machine's configuration names a DNS server.
type DNSSource string

const (
	// DNSSourceResolvConf: a nameserver line of /etc/resolv.conf (Linux, the
	// BSDs, and macOS when scutil cannot be read).
	DNSSourceResolvConf DNSSource = "resolv.conf"
	// DNSSourceSystemdResolved: an upstream server of systemd-resolved, the
	// service behind the 127.0.0.53 stub (resolvectl status, or
	// /run/systemd/resolve/resolv.conf).
	DNSSourceSystemdResolved DNSSource = "systemd-resolved"
	// DNSSourceScutil: a resolver of macOS's DNS configuration (scutil --dns),
	// including the per-domain resolvers VPN clients install.
	DNSSourceScutil DNSSource = "scutil"
	// DNSSourceAdapter: the DNS server of a Windows network adapter
	// (GetAdaptersAddresses, ipconfig /all or Get-DnsClientServerAddress).
	DNSSourceAdapter DNSSource = "adapter"
	// DNSSourceNRPT: a rule of Windows' Name Resolution Policy Table, which
	// VPN clients and Group Policy write into the registry to send a
	// domain's names (or every name) to servers of their own.
	DNSSourceNRPT DNSSource = "nrpt"
	// DNSSourcePublic: not the machine's own, the public server wfh compares
	// the machine's servers with.
	DNSSourcePublic DNSSource = "public"
)

// DNSServer is one DNS server the machine uses.
type DNSServer struct {
	// Addr is the server's address and port (53 unless the configuration
	// names another). A link-local IPv6 address keeps its zone.
	Addr netip.AddrPort
	// Source is where the configuration names it.
	Source DNSSource
	// Interface is the network interface (Linux link, macOS if_index name,
	// Windows adapter) the server belongs to; empty when global or unknown.
	Interface string
	// Domains are the names this server answers for, without a leading
	// "~" or trailing dot: a per-domain (split DNS) server that VPN clients
	// install for "corp.example". Empty means every name.
	Domains []string
	// Stub marks a local forwarder in front of the real servers, such as
	// systemd-resolved's 127.0.0.53.
	Stub bool
	// Fallback marks a server used only when no other is configured
	// (systemd-resolved's FallbackDNS).
	Fallback bool
}

// PerDomain reports whether the server answers only for its Domains.
func (s DNSServer) PerDomain() bool { return len(s.Domains) > 0 }

// DNSConfig is the machine's DNS configuration as far as wfh can read it.
type DNSConfig struct {
	// Servers are in the order the system asks them, without duplicates.
	Servers []DNSServer
	// Search lists the search domains appended to short names.
	Search []string
	// Via names what was read ("/etc/resolv.conf", "resolvectl status",
	// "scutil --dns", "ipconfig /all").
	Via string
	// Problems are lines of the configuration that are malformed and were
	// ignored, one plain-language line each, naming where they are.
	Problems []string
	// Notes say what could not be read or is unusual without being a
	// mistake ("per-domain resolvers are not listed: scutil failed").
	Notes []string
}

// General returns the servers asked for every name: neither per-domain
// nor fallback ones.
func (c DNSConfig) General() []DNSServer {
	var out []DNSServer
	for _, s := range c.Servers {
		if !s.PerDomain() && !s.Fallback {
			out = append(out, s)
		}
	}
	return out
}

// PerDomainServers returns the servers that answer only for some domains,
// such as the ones a VPN client installs.
func (c DNSConfig) PerDomainServers() []DNSServer {
	var out []DNSServer
	for _, s := range c.Servers {
		if s.PerDomain() {
			out = append(out, s)
		}
	}
	return out
}

// FirstNonLoopback returns the first general server that is not on this
// computer: the one a latency measurement should aim at, since a local
// stub answers from memory.
func (c DNSConfig) FirstNonLoopback() (DNSServer, bool) {
	for _, s := range c.General() {
		if !s.Addr.Addr().IsLoopback() {
			return s, true
		}
	}
	return DNSServer{}, false
}

// add appends s unless a server with the same address and domains is
// already listed, keeping the first occurrence's order.
func (c *DNSConfig) add(s DNSServer) {
	for _, have := range c.Servers {
		if have.Addr == s.Addr && slices.Equal(have.Domains, s.Domains) {
			return
		}
	}
	c.Servers = append(c.Servers, s)
}

// addSearch appends search domains, without duplicates or the root.
func (c *DNSConfig) addSearch(domains ...string) {
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
		if d == "" || slices.Contains(c.Search, d) {
			continue
		}
		c.Search = append(c.Search, d)
	}
}

// ParseDNSServerAddr parses a server written as an address with an optional port
// and zone ("192.168.1.1", "fe80::1%eth0", "1.1.1.1:53", "[2606:4700::1111]:53");
// the port defaults to 53.
func ParseDNSServerAddr(s string) (netip.AddrPort, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if ap.Port() == 0 {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a.Unmap(), 53), true
}

// siteLocalDefault reports the fec0:0:0:ffff::1-3 addresses Windows lists
// as DNS servers of adapters without IPv6 DNS: a deprecated placeholder
// (RFC 3879) nothing answers on, which Go's resolver skips too.
func siteLocalDefault(a netip.Addr) bool {
	return netip.MustParsePrefix("fec0::/10").Contains(a.WithZone(""))
}

// IsDNSStub reports systemd-resolved's stub listeners: 127.0.0.53 for normal
// use and 127.0.0.54 for its "proxy" mode (systemd-resolved.service(8)).
func IsDNSStub(a netip.Addr) bool {
	return a == netip.AddrFrom4([4]byte{127, 0, 0, 53}) || a == netip.AddrFrom4([4]byte{127, 0, 0, 54})
}

// LocalDNS is the server programs ask when the configuration names none
// (resolv.conf(5)).
var LocalDNS = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 53)

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// DNSLabel renders a server's address for reports: the port only when it
// is not 53, so the usual case reads as people write it. Every check names
// servers this way, so one report shows one server one way.
func DNSLabel(ap netip.AddrPort) string {
	if ap.Port() == 53 {
		return ap.Addr().String()
	}
	return ap.String()
}
