package netstate

import (
	"strings"

	"github.com/wfh-cli/wfh/internal/darwinnet"
)

// macLink is what tells a macOS interface's kind: its name and flags, its
// IFT_* type where the routing socket gives it, and its functional type
// where a tool says it (ifconfig -v's "type:" line, ipconfig
// getsummary's InterfaceType).
type macLink struct {
	Name string
	// IFT is the IFT_* interface type, -1 where the source has none
	// (ifconfig).
	IFT                    int
	Loopback, PointToPoint bool
	// Type is the functional type: "Wi-Fi" (ifconfig) or "WiFi"
	// (getsummary), "Ethernet", "cellular"; "" when nothing said.
	Type string
}

// macTunnelNames are the macOS names of VPN-like links: utun (every
// Network Extension VPN, WireGuard, Tailscale, OpenVPN Connect, and the
// system's own iCloud Private Relay and Continuity tunnels), ipsec (the
// built-in IKEv2 and Cisco IPSec clients), ppp (L2TP, PPTP), tun/tap (old
// kernel-extension VPNs such as Tunnelblick's).
var macTunnelNames = []string{"utun", "ipsec", "ppp", "tun", "tap"}

// macPeerNames are Apple's peer-to-peer links: AWDL (AirDrop, Sidecar,
// Continuity) and its low-latency companion llw. They ride on the Wi-Fi
// radio (ifconfig even says "type: Wi-Fi") but never carry the user's
// traffic to the internet.
var macPeerNames = []string{"awdl", "llw"}

// macOtherNames are interfaces that are never the user's connection: the
// T2 chip's and Apple silicon's internal links (anpi), Wi-Fi Direct (p2p),
// the personal hotspot's access point (ap), bridges (Thunderbolt bridge,
// virtualisation), VM switches, packet taps, USB debug ports (XHC), 6to4
// and gif, and the fake Ethernet pairs of some VPN and VM tools (feth).
var macOtherNames = []string{"anpi", "p2p", "ap", "bridge", "vmenet", "vmnet", "pktap", "xhc", "gif", "stf", "feth"}

// macKind tells a macOS interface's kind; ok is false when nothing known
// decides (an Ethernet-type link whose functional type nobody said), and
// then the kind is the caller's guess: KindOther for the routing socket's
// links (en0 is Wi-Fi on a laptop and the wired port on an iMac), the
// name's for ifconfig's.
func macKind(l macLink) (k Kind, ok bool) {
	name := strings.ToLower(l.Name)
	switch {
	case l.Loopback || l.IFT == darwinnet.IFTLoop:
		return KindLoopback, true
	case numberedName(name, macPeerNames):
		return KindOther, true
	case l.IFT == darwinnet.IFTPPP, numberedName(name, macTunnelNames):
		return KindTunnel, true
	}
	switch l.IFT {
	case darwinnet.IFTGIF, darwinnet.IFTSTF, darwinnet.IFTBridge, darwinnet.IFTCellular:
		return KindOther, true
	case darwinnet.IFTIEEE80211:
		return KindWiFi, true
	}
	switch {
	case numberedName(name, macOtherNames):
		return KindOther, true
	case l.IFT == darwinnet.IFTOther && l.PointToPoint:
		return KindTunnel, true // a point-to-point link of another name
	}
	switch strings.ToLower(l.Type) {
	case "":
	case "wi-fi", "wifi":
		return KindWiFi, true
	case "ethernet":
		return KindWired, true
	default: // "cellular", and types wfh does not know
		return KindOther, true
	}
	if l.IFT == darwinnet.IFTL2VLAN || l.IFT == darwinnet.IFTBond {
		return KindWired, true
	}
	if l.IFT < 0 {
		return ClassifyName(l.Name, l.PointToPoint), false
	}
	return KindOther, false
}

// numberedName reports whether name is one of the prefixes followed by a
// number or nothing: "utun3", "ppp0", "awdl0", not "tunnelbroker".
func numberedName(name string, prefixes []string) bool {
	for _, p := range prefixes {
		rest, ok := strings.CutPrefix(name, p)
		if !ok {
			continue
		}
		if strings.Trim(rest, "0123456789") == "" {
			return true
		}
	}
	return false
}

// ifconfigKind is the kind of an `ifconfig -a -v` block.
func ifconfigKind(b IfconfigInterface) Kind {
	k, _ := macKind(macLink{Name: b.Name, IFT: -1, Loopback: b.Has("LOOPBACK"), PointToPoint: b.Has("POINTOPOINT"), Type: b.Type})
	return k
}
