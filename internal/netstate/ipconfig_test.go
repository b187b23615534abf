package netstate

import (
	"net"
	"reflect"
	"strings"
	"testing"
)

// ad is the part of an adapter block the tests compare.
type ad struct {
	Name, Header, Description, MAC string
	Disconnected                   bool
}

func brief(a adapterInfo) ad { return ad{a.Name, a.Header, a.Description, a.MAC, a.Disconnected} }

func briefs(list []adapterInfo) []ad {
	var out []ad
	for _, a := range list {
		out = append(out, brief(a))
	}
	return out
}

type wantAdapter struct {
	ad
	kind Kind
}

func TestParseIpconfigAllRealOutputs(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []wantAdapter
	}{
		{"windows-ipconfig-all-1.txt", []wantAdapter{ // Windows 10
			{ad{"Tailscale", "Unknown adapter Tailscale", "Tailscale Tunnel", "", false}, KindTunnel},
			{ad{"Ethernet 2", "Ethernet adapter Ethernet 2", "ASIX AX88179 USB 3.0 to Gigabit Ethernet Adapter #2", "f8:e4:3b:ad:f2:6d", false}, KindWired},
			{ad{"Bluetooth Network Connection", "Ethernet adapter Bluetooth Network Connection", "Bluetooth Device (Personal Area Network)", "1c:c1:0c:c3:25:b4", true}, KindOther},
		}},
		{"windows-ipconfig-all-2.txt", []wantAdapter{ // Windows 11
			{ad{"Ethernet", "Ethernet adapter Ethernet", "Intel(R) I211 Gigabit Network Connection", "24:4b:fe:ab:43:c3", true}, KindWired},
			{ad{"Ethernet 2", "Ethernet adapter Ethernet 2", "Realtek PCIe 2.5GbE Family Controller", "24:4b:fe:57:3d:f2", true}, KindWired},
			{ad{"OpenVPN Data Channel Offload for NordVPN", "Unknown adapter OpenVPN Data Channel Offload for NordVPN", "OpenVPN Data Channel Offload", "", true}, KindTunnel},
			{ad{"Local Area Connection", "Unknown adapter Local Area Connection", "TAP-NordVPN Windows Adapter V9", "00:ff:4c:f4:5e:49", true}, KindTunnel},
			{ad{"Local Area Connection* 1", "Wireless LAN adapter Local Area Connection* 1", "Microsoft Wi-Fi Direct Virtual Adapter", "a8:7e:ea:5a:7f:de", true}, KindOther},
			{ad{"Local Area Connection* 2", "Wireless LAN adapter Local Area Connection* 2", "Microsoft Wi-Fi Direct Virtual Adapter #2", "aa:7e:ea:f3:64:c3", true}, KindOther},
			{ad{"VMware Network Adapter VMnet1", "Ethernet adapter VMware Network Adapter VMnet1", "VMware Virtual Ethernet Adapter for VMnet1", "00:50:56:cc:27:73", false}, KindOther},
			{ad{"VMware Network Adapter VMnet8", "Ethernet adapter VMware Network Adapter VMnet8", "VMware Virtual Ethernet Adapter for VMnet8", "00:50:56:c9:a3:78", false}, KindOther},
			{ad{"Wi-Fi", "Wireless LAN adapter Wi-Fi", "Intel(R) Wi-Fi 6 AX200 160MHz", "a8:7e:ea:55:26:b0", false}, KindWiFi},
			{ad{"Bluetooth Network Connection", "Ethernet adapter Bluetooth Network Connection", "Bluetooth Device (Personal Area Network)", "a8:7e:ea:43:23:14", true}, KindOther},
		}},
		{"windows-ipconfig-all-3.txt", []wantAdapter{ // Windows 7
			{ad{"Local Area Connection", "Ethernet adapter Local Area Connection", "Intel(R) PRO/1000 MT Network Connection", "00:0c:29:37:3b:4e", false}, KindWired},
			{ad{"isatap.{E24F3EA8-436E-3B26-8BB9-CED33928744B}", "Tunnel adapter isatap.{E24F3EA8-436E-3B26-8BB9-CED33928744B}", "Microsoft ISATAP Adapter", "00:00:00:00:00:00:00:e0", true}, KindOther},
		}},
	} {
		out := readFixture(t, tc.file)
		// Windows prints CRLF; the fixtures were stored with LF. Both must read alike.
		for _, in := range []string{out, strings.ReplaceAll(out, "\n", "\r\n")} {
			got := parseIpconfig(in).Adapters
			if len(got) != len(tc.want) {
				t.Fatalf("%s: %d adapters, want %d: %+v", tc.file, len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				if brief(got[i]) != w.ad {
					t.Errorf("%s #%d:\n got %+v\nwant %+v", tc.file, i, brief(got[i]), w.ad)
				}
				if k := got[i].kind(); k != w.kind {
					t.Errorf("%s %q: %s, want %s", tc.file, got[i].Description, k, w.kind)
				}
			}
		}
	}
}

// A German ipconfig, SYNTHETIC: written from the layout of the real English
// ones with German labels, including the long label that leaves no room for
// a " : " separator, and no "Media disconnected" English text.
const ipconfigGermanSynthetic = `
Windows-IP-Konfiguration

   Hostname  . . . . . . . . . . . . : PC-1
   Knotentyp . . . . . . . . . . . . : Hybrid

Drahtlos-LAN-Adapter WLAN:

   Verbindungsspezifisches DNS-Suffix: fritz.box
   Beschreibung. . . . . . . . . . . : Intel(R) Wi-Fi 6 AX201 160MHz
   Physische Adresse . . . . . . . . : 3C-58-C2-00-11-22
   DHCP aktiviert. . . . . . . . . . : Ja
   Autokonfiguration aktiviert . . . : Ja
   IPv4-Adresse  . . . . . . . . . . : 192.168.178.20(Bevorzugt)
   Subnetzmaske  . . . . . . . . . . : 255.255.255.0

Ethernet-Adapter Ethernet:

   Medienstatus. . . . . . . . . . . : Medium getrennt
   Verbindungsspezifisches DNS-Suffix:
   Beschreibung. . . . . . . . . . . : Realtek USB GbE Family Controller
   Physische Adresse . . . . . . . . : 00-E0-4C-00-11-22
   DHCP aktiviert. . . . . . . . . . : Ja

Unbekannter Adapter wg-office:

   Verbindungsspezifisches DNS-Suffix:
   Beschreibung. . . . . . . . . . . : WireGuard Tunnel
   Physische Adresse . . . . . . . . :
   DHCP aktiviert. . . . . . . . . . : Nein
   IPv4-Adresse  . . . . . . . . . . : 10.8.0.2(Bevorzugt)
`

func TestParseIpconfigAllLocalised(t *testing.T) {
	got := briefs(parseIpconfig(ipconfigGermanSynthetic).Adapters)
	want := []ad{
		{"WLAN", "Drahtlos-LAN-Adapter WLAN", "Intel(R) Wi-Fi 6 AX201 160MHz", "3c:58:c2:00:11:22", false},
		{"Ethernet", "Ethernet-Adapter Ethernet", "Realtek USB GbE Family Controller", "00:e0:4c:00:11:22", true},
		{"wg-office", "Unbekannter Adapter wg-office", "WireGuard Tunnel", "", false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
}

func TestParseIpconfigAllOddInput(t *testing.T) {
	for _, in := range []string{"", "garbage", ":\n   x : y\n", "\n\n   Description : x\n"} {
		if got := parseIpconfig(in).Adapters; len(got) != 0 {
			t.Errorf("%q: %+v", in, got)
		}
	}
	// A block with an empty physical address and no Media State line.
	got := parseIpconfig("Unknown adapter X:\n   Connection-specific DNS Suffix  . :\n   Description . . . : Wintun Userspace Tunnel\n   Physical Address. . . :\n   DHCP Enabled. . . : No\n").Adapters
	if len(got) != 1 || got[0].Description != "Wintun Userspace Tunnel" || got[0].MAC != "" || !got[0].Disconnected {
		t.Errorf("%+v", got)
	}
}

// adapterKind is the kind of the ipconfig block of a net.Interfaces
// entry, "" when no block matches or its words say nothing known.
func adapterKind(adapters []adapterInfo, name, mac string) Kind {
	a, ok := matchAdapter(adapters, name, mac)
	if !ok {
		return ""
	}
	return a.kind()
}

func TestMatchAdapter(t *testing.T) {
	adapters := parseIpconfig(readFixture(t, "windows-ipconfig-all-2.txt")).Adapters
	for _, tc := range []struct {
		name, mac string
		want      Kind
	}{
		{"Wi-Fi", "", KindWiFi},
		{"wi-fi", "", KindWiFi}, // Windows names are case-insensitive
		{"Local Area Connection* 1", "", KindOther},
		{"Local Area Connection", "", KindTunnel},
		{"renamed", "a8:7e:ea:55:26:b0", KindWiFi}, // by physical address
		{"Loopback Pseudo-Interface 1", "", ""},    // not in ipconfig: the name decides
	} {
		if got := adapterKind(adapters, tc.name, tc.mac); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.name, got, tc.want)
		}
	}
	// A localised header without the word "adapter": its end is the name.
	fr := parseIpconfig("Carte réseau sans fil Wi-Fi :\n   Description. . . : Intel(R) Wi-Fi 6 AX201\n   Adresse physique . . . : 3C-58-C2-00-11-22\n").Adapters
	if got := adapterKind(fr, "Wi-Fi", ""); got != KindWiFi {
		t.Errorf("French header: %q (%+v)", got, fr)
	}
	// Two adapters sharing a MAC (Hyper-V switch and its NIC): no guess.
	dup := []adapterInfo{{Name: "a", Description: "Hyper-V Virtual Ethernet Adapter", MAC: "00:11:22:33:44:55"}, {Name: "b", Description: "Intel(R) Ethernet", MAC: "00:11:22:33:44:55"}}
	if got := adapterKind(dup, "c", "00:11:22:33:44:55"); got != "" {
		t.Errorf("shared MAC: %q", got)
	}
}

func FuzzParseIpconfigAdapters(f *testing.F) {
	for _, n := range []string{"1", "2", "3"} {
		f.Add(readFixture(f, "windows-ipconfig-all-"+n+".txt"))
	}
	f.Add(ipconfigGermanSynthetic)
	f.Fuzz(func(t *testing.T, s string) {
		for _, a := range parseIpconfig(s).Adapters {
			if a.Name == "" || a.Header == "" {
				t.Fatalf("adapter without a name: %+v", a)
			}
			if a.MAC != "" {
				if _, err := net.ParseMAC(a.MAC); err != nil {
					t.Fatalf("MAC %q: %v", a.MAC, err)
				}
			}
			a.kind()
			matchAdapter([]adapterInfo{a}, a.Name, a.MAC)
		}
	})
}
