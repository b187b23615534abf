package netstate

import (
	"slices"
	"strings"

	"github.com/wfh-cli/wfh/internal/winnet"
)

// winAdapter is what tells a Windows adapter's kind: the interface type
// (winnet.IfType*, the IANA ifType) where the source gives it
// (GetAdaptersAddresses; the words of ipconfig's block headers), 0 where
// it does not (route print's interface list), the driver's description
// and the connection's name.
type winAdapter struct {
	IfType, TunnelType uint32
	Description, Name  string
}

// The description's words, in the order windowsKind tries them. Phrases
// match anywhere in the lower-cased description; words match whole words
// only, because short ones ("tap", "tun") are parts of longer words.
var (
	// winVirtualPhrases are adapters that are neither the user's
	// connection nor a VPN: hypervisors' switches and host-only networks,
	// Bluetooth PAN, the virtual companions of a Wi-Fi adapter (Wi-Fi
	// Direct, hosted network), packet-capture and test loopbacks. They
	// come first because their descriptions also say "Ethernet" or "Wi-Fi".
	winVirtualPhrases = []string{
		"hyper-v", "vmware", "virtualbox", "host-only", "bluetooth", "loopback",
		"kernel debug", "npcap", "wi-fi direct", "hosted network",
	}
	// winTransitionPhrases are Windows' IPv6 transition tunnels, which
	// carry IPv6 over IPv4 and are never a VPN.
	winTransitionPhrases = []string{"teredo", "isatap", "6to4"}
	// winVPNPhrases and winVPNWords are the drivers VPN clients install
	// (internal/netstate/testdata/README.md names where each was seen):
	// most bring a virtual Ethernet adapter (IfType 6), so the type alone
	// cannot tell them from a wired port. A Wintun adapter is a VPN
	// client's whatever its name; "tap" and "tun" alone are the generic
	// TAP/TUN drivers.
	winVPNPhrases = []string{
		"vpn", "wireguard", "tailscale", "wintun", "nordlynx", "openvpn", "tap-windows",
		"anyconnect", "cisco secure client", "globalprotect", "pangp", "fortinet", "forticlient",
		"zscaler", "juniper", "pulse secure", "ivanti", "check point", "checkpoint",
		"sonicwall", "netextender", "zerotier", "wan miniport", "virtual miniport", "ip-https",
	}
	winVPNWords     = []string{"tap", "tun", "tunnel", "tap0901"}
	winWiFiPhrase   = []string{"wi-fi", "wifi", "wireless", "802.11", "centrino"}
	winWiFiWords    = []string{"wlan"}
	winWiredPhrases = []string{"ethernet", "gigabit", "gbe", "realtek pcie", "network connection", "family controller"}
)

// windowsKind tells a Windows adapter's kind, one rule set for every
// source: the native one (GetAdaptersAddresses, with the interface type)
// and the text ones (ipconfig's header type and description, route print's
// description). The type decides where it can (loopback, Wi-Fi, PPP, the
// layer-3 virtual adapters of WireGuardNT and Wintun); the description
// decides for the virtual Ethernet adapters that VPN clients and
// hypervisors install, which say IfType 6 like a real port. It returns ""
// when neither says anything known (a description alone that names no
// known driver), so that the caller falls back to the name.
func windowsKind(a winAdapter) Kind {
	desc := strings.ToLower(a.Description)
	words := strings.FieldsFunc(desc, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	has := func(phrases, ws []string) bool {
		for _, p := range phrases {
			if strings.Contains(desc, p) {
				return true
			}
		}
		for _, w := range ws {
			if slices.Contains(words, w) {
				return true
			}
		}
		return false
	}
	switch {
	case a.IfType == winnet.IfTypeLoopback:
		return KindLoopback
	case strings.Contains(desc, "hyper-v network adapter"):
		// A Hyper-V guest's own NIC is the VM's wired link, unlike the
		// host's "Hyper-V Virtual Ethernet Adapter" switch ports.
		return KindWired
	case has(winVirtualPhrases, nil):
		return KindOther
	case a.IfType == winnet.IfTypeTunnel && (a.TunnelType == winnet.TunnelTypeIPHTTPS || strings.Contains(desc, "ip-https")):
		return KindTunnel // DirectAccess, a VPN
	case a.IfType == winnet.IfTypeTunnel || has(winTransitionPhrases, nil):
		return KindOther
	case has(winVPNPhrases, winVPNWords):
		return KindTunnel
	}
	switch a.IfType {
	case winnet.IfTypeIEEE80211:
		return KindWiFi
	case winnet.IfTypePPP:
		// Dial-up and the built-in VPN client's connections; PPPoE
		// broadband runs on the home router, not on the worker's laptop.
		return KindTunnel
	case winnet.IfTypePropVirtual:
		// A layer-3 virtual adapter whose description named no client is
		// still a tunnel.
		return KindTunnel
	case winnet.IfTypeWWANPP, winnet.IfTypeWWANPP2:
		return KindOther
	case winnet.IfTypeEthernet:
		// A USB Wi-Fi stick with an old driver may say Ethernet.
		if has(winWiFiPhrase, winWiFiWords) {
			return KindWiFi
		}
		return KindWired
	case winnet.IfTypeOther:
		// Wine names adapters after their Linux devices and gives a TUN
		// device (WireGuard, OpenVPN) IfType 1.
		if linuxTunnelName(a.Name) || linuxTunnelName(a.Description) {
			return KindTunnel
		}
	}
	switch {
	case has(winWiFiPhrase, winWiFiWords):
		return KindWiFi
	case has(winWiredPhrases, nil):
		return KindWired
	case a.IfType != 0:
		return KindOther
	}
	return ""
}

// linuxTunnelNames are Linux device names of tunnels, as Wine shows them.
var linuxTunnelNames = []string{"wg", "tun", "tap", "ppp", "tailscale", "nordlynx", "cscotun", "gpd", "vpn"}

func linuxTunnelName(name string) bool {
	lower := strings.ToLower(name)
	for _, p := range linuxTunnelNames {
		if rest, ok := strings.CutPrefix(lower, p); ok && (rest == "" || rest[0] >= '0' && rest[0] <= '9' || p == "tailscale" || p == "nordlynx") {
			return true
		}
	}
	return false
}

// ipconfigIfType is the interface type the words of an ipconfig block
// header say (IpconfigHeader.Type); 0 for "unknown" (Windows' own word
// for several types) and unrecognised headers.
func ipconfigIfType(headerType string) uint32 {
	switch headerType {
	case "ethernet":
		return winnet.IfTypeEthernet
	case "wireless":
		return winnet.IfTypeIEEE80211
	case "ppp":
		return winnet.IfTypePPP
	case "tunnel":
		return winnet.IfTypeTunnel
	case "mobile":
		return winnet.IfTypeWWANPP
	}
	return 0
}
