package netstate

import (
	"testing"

	"github.com/wfh-cli/wfh/internal/winnet"
)

// TestWindowsKindByDescription is the text sources' case: route print's
// interface list gives a description and nothing else.
func TestWindowsKindByDescription(t *testing.T) {
	for desc, want := range map[string]Kind{
		"Intel(R) Wi-Fi 6 AX201 160MHz":           KindWiFi,
		"Intel(R) Dual Band Wireless-AC 8265":     KindWiFi,
		"Realtek RTL8822CE 802.11ac PCIe Adapter": KindWiFi,
		"Intel(R) Centrino(R) Advanced-N 6205":    KindWiFi,
		"Qualcomm QCA61x4A WLAN":                  KindWiFi,
		"TAP-Windows Adapter V9":                  KindTunnel,
		"TAP-NordVPN Windows Adapter V9":          KindTunnel,
		"OpenVPN Data Channel Offload":            KindTunnel,
		"Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter for Windows x64": KindTunnel,
		"Cisco Secure Client Virtual Miniport Adapter for Windows x64":                     KindTunnel,
		"Tailscale Tunnel":                          KindTunnel,
		"WireGuard Tunnel":                          KindTunnel,
		"Clash Tunnel":                              KindTunnel,
		"PANGP Virtual Ethernet Adapter":            KindTunnel,
		"PANGP Virtual Ethernet Adapter Secure":     KindTunnel,
		"Fortinet SSL VPN Virtual Ethernet Adapter": KindTunnel,
		"Juniper Networks Virtual Adapter":          KindTunnel,
		"Zscaler Network Adapter 1.0.2.0":           KindTunnel,
		"NordLynx Tunnel":                           KindTunnel,
		"ZeroTier Virtual Port":                     KindTunnel,
		"WAN Miniport (IKEv2)":                      KindTunnel,
		"Microsoft IP-HTTPS Platform Adapter":       KindTunnel, // DirectAccess
		"Microsoft ISATAP Adapter":                  KindOther,  // IPv6 transition, never a VPN
		"Teredo Tunneling Pseudo-Interface":         KindOther,
		"Hyper-V Virtual Ethernet Adapter":          KindOther,
		"VirtualBox Host-Only Ethernet Adapter":     KindOther,
		"Bluetooth Device (Personal Area Network)":  KindOther,
		"Microsoft KM-TEST Loopback Adapter":        KindOther,
		"Microsoft Wi-Fi Direct Virtual Adapter #2": KindOther,
		"Npcap Loopback Adapter":                    KindOther,
		"Microsoft Hyper-V Network Adapter":         KindWired, // a VM's own NIC
		"Realtek PCIe GbE Family Controller":        KindWired,
		"Intel(R) Ethernet Connection (7) I219-LM":  KindWired,
		"Killer E2600 Gigabit Ethernet Controller":  KindWired,
		"Remote NDIS Compatible Device":             "",
		"":                                          "",
		"StarTech USB adapter":                      "", // "tap" only as a whole word
	} {
		if got := windowsKind(winAdapter{Description: desc}); got != want {
			t.Errorf("%q: %q, want %q", desc, got, want)
		}
	}
}

// TestWindowsKindByType is the native source's case (GetAdaptersAddresses
// gives the interface type) and ipconfig's, whose header words say the
// type: the type decides where the description names nothing known.
func TestWindowsKindByType(t *testing.T) {
	for _, c := range []struct {
		a    winAdapter
		want Kind
	}{
		{winAdapter{IfType: winnet.IfTypeLoopback, Description: "Software Loopback Interface 1"}, KindLoopback},
		{winAdapter{IfType: winnet.IfTypeIEEE80211, Description: "Acme 9000"}, KindWiFi},
		{winAdapter{IfType: winnet.IfTypeIEEE80211, Description: "Microsoft Wi-Fi Direct Virtual Adapter"}, KindOther},
		{winAdapter{IfType: winnet.IfTypePropVirtual, Description: "Some Userspace Tunnel Adapter"}, KindTunnel},
		{winAdapter{IfType: winnet.IfTypePropVirtual, Description: "Acme Virtual Adapter"}, KindTunnel},
		{winAdapter{IfType: winnet.IfTypePPP, Description: "Corp VPN"}, KindTunnel},
		{winAdapter{IfType: winnet.IfTypePPP, Description: "Dial-up"}, KindTunnel},
		{winAdapter{IfType: winnet.IfTypeTunnel, TunnelType: winnet.TunnelTypeIPHTTPS, Description: "iphttpsinterface"}, KindTunnel},
		{winAdapter{IfType: winnet.IfTypeTunnel, TunnelType: 13, Description: "Microsoft ISATAP Adapter #2"}, KindOther},
		{winAdapter{IfType: winnet.IfTypeTunnel, Description: "Teredo Tunneling Pseudo-Interface"}, KindOther},
		{winAdapter{IfType: winnet.IfTypeWWANPP, Description: "Qualcomm Snapdragon X55 5G"}, KindOther},
		{winAdapter{IfType: winnet.IfTypeEthernet, Description: "Hyper-V Network Adapter"}, KindWired},
		{winAdapter{IfType: winnet.IfTypeEthernet, Description: "Realtek RTL8188EU Wireless LAN 802.11n USB 2.0 Network Adapter"}, KindWiFi},
		{winAdapter{IfType: winnet.IfTypeEthernet, Description: "Npcap Loopback Adapter"}, KindOther},
		{winAdapter{IfType: winnet.IfTypeEthernet, Description: "TAP-ProtonVPN Windows Adapter V9"}, KindTunnel},
		{winAdapter{IfType: winnet.IfTypeEthernet, Description: "ZeroTier Virtual Port"}, KindTunnel},
		{winAdapter{IfType: winnet.IfTypeEthernet, Description: "Remote NDIS Compatible Device"}, KindWired},
		{winAdapter{IfType: winnet.IfTypeEthernet, Description: "Startech Gigabit"}, KindWired},
		{winAdapter{IfType: 144, Description: "1394 Net Adapter"}, KindOther},
		// Wine names adapters after Linux devices and says IfType 1 for TUN.
		{winAdapter{IfType: winnet.IfTypeOther, Name: "wg0", Description: "wg0"}, KindTunnel},
		{winAdapter{IfType: winnet.IfTypeOther, Name: "tailscale0", Description: "tailscale0"}, KindTunnel},
		{winAdapter{IfType: winnet.IfTypeOther, Name: "tunnelbroker", Description: "tunnelbroker"}, KindOther},
		{winAdapter{IfType: winnet.IfTypeOther, Name: "dummy0", Description: "dummy0"}, KindOther},
	} {
		if got := windowsKind(c.a); got != c.want {
			t.Errorf("%q IfType %d: %s, want %s", c.a.Description, c.a.IfType, got, c.want)
		}
	}
}

// TestIpconfigHeaderTypes: the words of a block's header say the type in
// every language wfh knows, and the type decides where the description
// does not.
func TestIpconfigHeaderTypes(t *testing.T) {
	for header, want := range map[string]Kind{
		"Wireless LAN adapter WLAN":      KindWiFi,
		"无线局域网适配器 WLAN":                  KindWiFi,
		"Carte réseau sans fil Wi-Fi":    KindWiFi,
		"Ethernet-Adapter Ethernet":      KindWired,
		"PPP adapter Corp VPN":           KindTunnel,
		"Tunnel adapter Teredo":          KindOther,
		"Mobile Broadband adapter Cell":  KindOther,
		"Unknown adapter Something":      "",
		"Ethernet-sovitin Ethernet":      "",
		"Mobilt bredbånd adapter Mobil:": "",
	} {
		h := ParseIpconfigHeader(header)
		a := adapterInfo{Name: h.Name, Header: header, IfType: ipconfigIfType(h.Type), Description: "Acme 9000"}
		if got := a.kind(); got != want {
			t.Errorf("%q: %q, want %q", header, got, want)
		}
	}
}

func FuzzWindowsKind(f *testing.F) {
	f.Add(uint32(6), uint32(0), "Intel(R) Ethernet Connection (7) I219-V", "Ethernet")
	f.Add(uint32(53), uint32(0), "WireGuard Tunnel", "wg0")
	f.Add(uint32(1), uint32(0), "tun0", "tun0")
	f.Add(uint32(0), uint32(0), "", "")
	f.Fuzz(func(t *testing.T, ifType, tunnelType uint32, desc, name string) {
		got := windowsKind(winAdapter{IfType: ifType, TunnelType: tunnelType, Description: desc, Name: name})
		switch got {
		case KindWired, KindWiFi, KindTunnel, KindLoopback, KindOther:
		case "":
			if ifType != 0 {
				t.Fatalf("IfType %d left undecided", ifType)
			}
		default:
			t.Fatalf("kind %q", got)
		}
	})
}
