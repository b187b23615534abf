// Package winnet reads Windows' network state from the OS's own API, which
// does not change with the system's language, instead of the text of
// ipconfig /all and route print:
//
//   - GetAdaptersAddresses: adapters with their type, status, addresses,
//     gateways, DNS servers and DNS suffixes (ReadAdapters);
//   - GetIpForwardTable2 and GetIpInterfaceEntry: the routing table with
//     each route's interface metric (ReadRoutes);
//   - the registry: the Name Resolution Policy Table (NRPT) rules VPN
//     clients install for split DNS, and the global DNS search list
//     (ReadNRPT, ReadSearchList).
//
// The Read functions, in _windows.go files, copy what the API returns into
// the plain, exported structs of this file and nothing else: what those
// values mean for wfh (an adapter's kind, the default routes, the DNS
// servers in the order Windows asks them, the split-DNS domains) is
// internal/netstate's, which converts them into its snapshot in code that
// is tested on every OS with values taken from real adapters. This
// package imports nothing of wfh, so netstate can import it. On other
// systems the Read functions return ErrUnsupported.
package winnet

import (
	"errors"
	"net/netip"
)

// ErrUnsupported is what the Read functions return off Windows.
var ErrUnsupported = errors.New("winnet: only Windows has these sources")

// IANA ifType values Windows reports in Adapter.IfType (ipifcons.h).
const (
	IfTypeOther       = 1
	IfTypeEthernet    = 6 // also every VPN client's virtual Ethernet adapter (TAP, AnyConnect, GlobalProtect, FortiClient)
	IfTypePPP         = 23
	IfTypeLoopback    = 24
	IfTypePropVirtual = 53 // layer-3 virtual adapters: Wintun, WireGuardNT, OpenVPN DCO
	IfTypeIEEE80211   = 71
	IfTypeTunnel      = 131 // Teredo, ISATAP, 6to4, IP-HTTPS
	IfTypeIEEE1394    = 144
	IfTypeWWANPP      = 243 // mobile broadband (GSM)
	IfTypeWWANPP2     = 244 // mobile broadband (CDMA)
)

// TUNNEL_TYPE values of IfTypeTunnel adapters (ifdef.h).
const (
	TunnelType6to4    = 11
	TunnelTypeISATAP  = 13
	TunnelTypeTeredo  = 14
	TunnelTypeIPHTTPS = 15 // DirectAccess over HTTPS
)

// OperStatus is an adapter's operational status (IF_OPER_STATUS, RFC 2863).
type OperStatus uint32

const (
	OperUp             OperStatus = 1
	OperDown           OperStatus = 2
	OperTesting        OperStatus = 3
	OperUnknown        OperStatus = 4
	OperDormant        OperStatus = 5
	OperNotPresent     OperStatus = 6
	OperLowerLayerDown OperStatus = 7
)

func (s OperStatus) String() string {
	switch s {
	case OperUp:
		return "up"
	case OperDown:
		return "down"
	case OperTesting:
		return "testing"
	case OperUnknown:
		return "unknown"
	case OperDormant:
		return "dormant"
	case OperNotPresent:
		return "not present"
	case OperLowerLayerDown:
		return "lower layer down"
	}
	return "status " + itoa(uint64(s))
}

// Prefix and suffix origins of a unicast address (NL_PREFIX_ORIGIN,
// NL_SUFFIX_ORIGIN in nldef.h).
const (
	PrefixOriginManual              = 1
	PrefixOriginWellKnown           = 2
	PrefixOriginDHCP                = 3
	PrefixOriginRouterAdvertisement = 4

	SuffixOriginManual           = 1
	SuffixOriginWellKnown        = 2
	SuffixOriginDHCP             = 3
	SuffixOriginLinkLayerAddress = 4
	SuffixOriginRandom           = 5
)

// Adapter is one entry of GetAdaptersAddresses, as Windows gives it.
type Adapter struct {
	// Index is the IPv4 interface index (IfIndex), 0 when IPv4 is off on
	// the adapter; IPv6Index is the IPv6 one. Windows uses the same number
	// for both when both are on.
	Index, IPv6Index uint32
	// LUID is the locally unique identifier routes also carry.
	LUID uint64
	// Name is the adapter's GUID ("{1F6B...}"), stable and never shown to
	// users.
	Name string
	// FriendlyName is the connection's name as the user sees it ("Wi-Fi",
	// "Ethernet 2", "WLAN"); it is localised and can be renamed.
	FriendlyName string
	// Description names the driver ("Intel(R) Wi-Fi 6 AX201 160MHz",
	// "WireGuard Tunnel").
	Description string
	// IfType is the IANA interface type (IfType* constants); TunnelType
	// the TUNNEL_TYPE of IfTypeTunnel adapters (TunnelType* constants).
	IfType, TunnelType uint32
	// Oper is the operational status: a disconnected cable, a TAP adapter
	// without its VPN, a Wi-Fi adapter not associated are OperDown.
	Oper OperStatus
	// MTU in bytes.
	MTU uint32
	// MAC is the physical address in net.HardwareAddr's form, "" for
	// adapters without one (loopback, Wintun, WireGuardNT, OpenVPN DCO).
	MAC string
	// Addresses are the unicast addresses.
	Addresses []Address
	// Gateways are the default gateways (GAA_FLAG_INCLUDE_GATEWAYS).
	Gateways []netip.Addr
	// NoGateways is set when the API could not give gateways (then the
	// default routes say them).
	NoGateways bool
	// DNSServers are the adapter's DNS servers in order, as Windows lists
	// them: fec0:0:0:ffff::1-3 placeholders included.
	DNSServers []netip.Addr
	// DNSSuffix is the connection-specific DNS suffix ("corp.example").
	DNSSuffix string
	// SearchSuffixes is the adapter's own DNS suffix search list
	// (FirstDnsSuffix, Windows Vista SP1 and later).
	SearchSuffixes []string
	// IPv4Metric and IPv6Metric are the interface metrics that Windows adds
	// to a route's own metric.
	IPv4Metric, IPv6Metric uint32
	// TransmitBitsPerSecond and ReceiveBitsPerSecond are the link speeds
	// the driver reports; 0 or the maximum uint64 when unknown.
	TransmitBitsPerSecond, ReceiveBitsPerSecond uint64
}

// Up reports whether the adapter is operational.
func (a Adapter) Up() bool { return a.Oper == OperUp }

// Address is one unicast address of an adapter.
type Address struct {
	// Prefix is the address with its on-link prefix length; IPv6
	// link-local addresses carry no zone.
	Prefix netip.Prefix
	// PrefixOrigin and SuffixOrigin are Windows' NL_PREFIX_ORIGIN and
	// NL_SUFFIX_ORIGIN (PrefixOrigin*, SuffixOrigin* constants).
	PrefixOrigin, SuffixOrigin uint32
	// DadState is the duplicate address detection state: 4 preferred, 3
	// deprecated (an expired temporary address), 1 tentative, 2 duplicate.
	DadState uint32
}

// Temporary reports whether the address is an IPv6 privacy address: a
// router-advertised prefix with a random suffix, which ipconfig shows as
// "Temporary IPv6 Address". (A stable address from a randomised identifier
// has the suffix origin "link layer address".)
func (a Address) Temporary() bool {
	return a.Prefix.Addr().Is6() && a.PrefixOrigin == PrefixOriginRouterAdvertisement && a.SuffixOrigin == SuffixOriginRandom
}

// Route is one row of GetIpForwardTable2.
type Route struct {
	// Dst is the destination prefix; 0.0.0.0/0 or ::/0 for a default route.
	Dst netip.Prefix
	// NextHop is the gateway, invalid for a route on the link itself
	// (Windows writes 0.0.0.0 or ::, route print "On-link").
	NextHop netip.Addr
	// Index and LUID name the interface the route uses.
	Index uint32
	LUID  uint64
	// RouteMetric is the route's own metric; InterfaceMetric the metric of
	// its interface for the route's address family (GetIpInterfaceEntry).
	// Windows adds them to choose among routes (Metric).
	RouteMetric, InterfaceMetric uint32
	// NoInterfaceMetric is set when Windows did not give the interface
	// metric (GetIpInterfaceEntry failed, as under Wine); the adapter's
	// IPv4Metric or IPv6Metric then stands in.
	NoInterfaceMetric bool
	// Protocol is how the route was made (MIB_IPPROTO_*: 2 local, 3
	// netmgmt (route add, VPN clients), 10002 autostatic, 10006 static).
	Protocol uint32
	// Origin is NL_ROUTE_ORIGIN: 0 manual, 1 well known, 2 DHCP, 3 router
	// advertisement, 4 6to4.
	Origin uint32
	// Loopback is set on routes to the host's own addresses.
	Loopback bool
}

// Metric is the effective metric Windows compares, as route print shows
// it: the route's plus the interface's.
func (r Route) Metric() uint64 { return uint64(r.RouteMetric) + uint64(r.InterfaceMetric) }

// Default reports whether r is a default route.
func (r Route) Default() bool { return r.Dst.IsValid() && r.Dst.Bits() == 0 }

// NRPT rule sources: Windows reads the policy table and ignores the local
// one whenever the policy table holds any rule.
const (
	NRPTLocal  = "local"  // HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DnsPolicyConfig
	NRPTPolicy = "policy" // HKLM\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient\DnsPolicyConfig (Group Policy, MDM, and VPN clients that write there)
)

// ConfigOptions bits of an NRPT rule (DNS_POLICY_CONFIG_OPTIONS).
const (
	// NRPTGenericServers: the rule sends its names to GenericDNSServers.
	NRPTGenericServers = 0x8
)

// NRPTRule is one subkey of a DnsPolicyConfig table, as the registry holds
// it.
type NRPTRule struct {
	// Source is NRPTLocal or NRPTPolicy; Key the subkey's name (a GUID or
	// a client's own name, "{DnsPolicyConfig-Tailscale}").
	Source, Key string
	// Names are the rule's namespaces (the Name value): ".corp.example"
	// for a suffix, "host.corp.example" for one name, "." for every name.
	Names []string
	// GenericDNSServers is the value as written: addresses separated by
	// ";" (some clients add spaces).
	GenericDNSServers string
	// ConfigOptions is the DWORD of the rule's options (NRPT* bits).
	ConfigOptions uint32
	// Comment is the rule's comment, often naming the VPN client.
	Comment string
}

func itoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}
