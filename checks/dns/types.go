package dns

import (
	"net/netip"

	"github.com/wfh-cli/wfh/internal/netstate"
)

// The machine's DNS configuration is the run's network state's
// (netstate.DNSConfig); this check names its parts as it always has.
type (
	// Config is the machine's DNS configuration as far as wfh can read it.
	Config = netstate.DNSConfig
	// Server is one DNS server the machine uses.
	Server = netstate.DNSServer
	// Source says where the machine's configuration names a DNS server.
	Source = netstate.DNSSource
)

const (
	SourceResolvConf      = netstate.DNSSourceResolvConf
	SourceSystemdResolved = netstate.DNSSourceSystemdResolved
	SourceScutil          = netstate.DNSSourceScutil
	SourceAdapter         = netstate.DNSSourceAdapter
	// SourcePublic: not the machine's own, the public server wfh compares
	// the machine's servers with.
	SourcePublic = netstate.DNSSourcePublic
)

// label renders a server's address for reports (netstate.DNSLabel), the
// way every section names servers.
func label(ap netip.AddrPort) string { return netstate.DNSLabel(ap) }

// isStub reports systemd-resolved's stub listeners.
func isStub(a netip.Addr) bool { return netstate.IsDNSStub(a) }
