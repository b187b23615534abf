package wifi

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/checks/probeutil"
)

func TestParseNetshWlanFixtures(t *testing.T) {
	tests := []struct {
		file string
		want []netshInterface
	}{
		{
			// Windows 10 order: Channel just before the rates, no Band line.
			file: "windows/netsh-wlan-show-interfaces-en-win10.txt",
			want: []netshInterface{{
				Name: "Wi-Fi", Description: "Intel(R) Dual Band Wireless-AC 8265", Connected: true,
				SSID: "Example Home", BSSID: "00:00:5e:00:53:20", RadioType: "802.11ac", Channel: 44,
				RxMbps: 866.7, TxMbps: 866.7, SignalPercent: 87,
			}},
		},
		{
			// German in the OEM code page (CP850), Windows 11 order (Band
			// and Channel after the BSSID), decimal comma, Rssi line.
			file: "windows/netsh-wlan-show-interfaces-de-win11-cp850.txt",
			want: []netshInterface{{
				Name: "WLAN", Description: "Intel(R) Wi-Fi 6 AX201 160MHz", Connected: true,
				SSID: "Beispiel-Netz", BSSID: "00:00:5e:00:53:21", RadioType: "802.11n", Band: band24, Channel: 6,
				RxMbps: 72.2, TxMbps: 65, SignalPercent: 40, RSSI: -79, HasRSSI: true,
			}},
		},
		{
			// French, two adapters: the first disconnected, the second on
			// 6 GHz; "92 %" with a space.
			file: "windows/netsh-wlan-show-interfaces-fr-two-utf8.txt",
			want: []netshInterface{
				{Name: "Wi-Fi", Description: "Realtek RTL8822CE 802.11ac PCIe Adapter", SignalPercent: -1},
				{
					Name: "Wi-Fi 2", Description: "Intel(R) Wi-Fi 6E AX210 160MHz", Connected: true,
					SSID: "Exemple Maison", BSSID: "00:00:5e:00:53:22", RadioType: "802.11ax", Band: band6, Channel: 37,
					RxMbps: 1200.9, TxMbps: 960, SignalPercent: 92,
				},
			},
		},
		{file: "windows/netsh-wlan-show-interfaces-en-none.txt", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if got := parseNetshWlan(string(fixture(t, tt.file))); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseNetshWlanVariants(t *testing.T) {
	win11 := "\nThere is 1 interface on the system:\n\n" +
		"    Name                   : Wi-Fi\n" +
		"    Description            : Intel(R) Wi-Fi 7 BE200 320MHz\n" +
		"    GUID                   : 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n" +
		"    Physical address       : 00:00:5e:00:53:a1\n" +
		"    Interface type         : Primary\n" +
		"    State                  : connected\n" +
		"    SSID                   : 12\n" +
		"    AP BSSID               : 00:00:5e:00:53:01\n" +
		"    Band                   : 5 GHz\n" +
		"    Channel                : 100\n" +
		"    Network type           : Infrastructure\n" +
		"    Radio type             : 802.11be\n" +
		"    Authentication         : WPA3-Personal\n" +
		"    Cipher                 : GCMP-256\n" +
		"    Connection mode        : Auto Connect\n" +
		"    Receive rate (Mbps)    : 2882\n" +
		"    Transmit rate (Mbps)   : 2401\n" +
		"    Signal                 : 99%\n" +
		"    Rssi                   : -48\n" +
		"    Profile                : 7\n" +
		"    QoS MSCS Configured         : 0\n" +
		"    QoS Map Configured          : 0\n" +
		"    QoS Map Allowed by Policy   : 0\n\n" +
		"    Hosted network status  : Not available\n"
	wantWin11 := netshInterface{
		Name: "Wi-Fi", Description: "Intel(R) Wi-Fi 7 BE200 320MHz", Connected: true, SSID: "12", BSSID: "00:00:5e:00:53:01",
		RadioType: "802.11be", Band: band5, Channel: 100, RxMbps: 2882, TxMbps: 2401, SignalPercent: 99, RSSI: -48, HasRSSI: true,
	}
	tests := []struct {
		name string
		in   string
		want []netshInterface
	}{
		// A numeric SSID and profile must not be read as the channel.
		{"windows 11 with numeric SSID and profile", win11, []netshInterface{wantWin11}},
		{"utf-16 decoded, crlf", probeutil.DecodeText(utf16le(strings.ReplaceAll(win11, "\n", "\r\n"))), []netshInterface{wantWin11}},
		{"two interfaces without a blank line between them",
			"    Name : A\n    Description : X\n    GUID : 11111111-2222-3333-4444-555555555555\n    Physical address : 00:00:5e:00:53:a1\n    State : off\n" +
				"    Name : B\n    Description : Y\n    GUID : 21111111-2222-3333-4444-555555555555\n    Physical address : 00:00:5e:00:53:a2\n" +
				"    State : on\n    SSID : s\n    BSSID : 00:00:5e:00:53:01\n    Radio type : 802.11g\n    Channel : 11\n    Receive rate (Mbps) : 54\n    Transmit rate (Mbps) : 18\n    Signal : 30%\n",
			[]netshInterface{
				{Name: "A", Description: "X", SignalPercent: -1},
				{Name: "B", Description: "Y", Connected: true, SSID: "s", BSSID: "00:00:5e:00:53:01", RadioType: "802.11g", Channel: 11, RxMbps: 54, TxMbps: 18, SignalPercent: 30},
			}},
		{"no GUID, no SSID label: second MAC is the BSSID",
			"    Nombre : Wi-Fi\n    Dirección física : 00:00:5e:00:53:a1\n    Estado : conectado\n    Nombre de red : Casa\n    BSSID de PA : 00-00-5E-00-53-01\n    Canal : 1\n    Señal : 100%\n",
			[]netshInterface{{Name: "Wi-Fi", Connected: true, SSID: "Casa", BSSID: "00:00:5e:00:53:01", Channel: 1, SignalPercent: 100}}},
		{"disconnected", "    Name : Wi-Fi\n    Description : X\n    GUID : 11111111-2222-3333-4444-555555555555\n    Physical address : 00:00:5e:00:53:a1\n    State : disconnected\n    Radio status : Hardware On\n                   Software Off\n",
			[]netshInterface{{Name: "Wi-Fi", Description: "X", SignalPercent: -1}}},
		{"location message", "Network shell commands need location permission to access WLAN information. Turn on Location services on the Location page in Privacy & security settings.\n", nil},
		{"service not running", "The Wireless AutoConfig Service (wlansvc) is not running.\n", nil},
		{"empty", "", nil},
		{"signal over 100 and odd rates ignored", "    Name : W\n    SSID : s\n    BSSID : 00:00:5e:00:53:01\n    Rx : 1.2.3\n    Tx : 5\n    Signal : 101%\n",
			[]netshInterface{{Name: "W", Connected: true, SSID: "s", BSSID: "00:00:5e:00:53:01", Channel: 5, SignalPercent: -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseNetshWlan(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// utf16le encodes s as netsh does with Unicode output: a byte order mark,
// then UTF-16 little-endian.
func utf16le(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

func FuzzParseNetshWlan(f *testing.F) {
	for _, name := range []string{
		"windows/netsh-wlan-show-interfaces-en-win10.txt", "windows/netsh-wlan-show-interfaces-de-win11-cp850.txt",
		"windows/netsh-wlan-show-interfaces-fr-two-utf8.txt", "windows/netsh-wlan-show-interfaces-en-none.txt",
	} {
		f.Add(string(fixture(f, name)))
	}
	for _, s := range []string{"", " a : 1%\n a : 2%", " : \n : ", " x : 00:00:5e:00:53:01\n y : 6 GHz\n z : 999\n", " SSID :\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, ifc := range parseNetshWlan(in) {
			for what, s := range map[string]string{"name": ifc.Name, "description": ifc.Description, "SSID": ifc.SSID} {
				displayable(t, what, s)
			}
			if ifc.BSSID != "" && (!isMAC(ifc.BSSID) || ifc.BSSID != strings.ToLower(ifc.BSSID)) {
				t.Errorf("BSSID %q", ifc.BSSID)
			}
			if ifc.SignalPercent < -1 || ifc.SignalPercent > 100 || ifc.Channel < 0 || ifc.Channel > 233 || ifc.RxMbps < 0 || ifc.TxMbps < 0 {
				t.Errorf("figures %+v", ifc)
			}
			if ifc.HasRSSI && (ifc.RSSI >= 0 || ifc.RSSI <= -150) {
				t.Errorf("RSSI %d", ifc.RSSI)
			}
			if !ifc.Connected && (ifc.BSSID != "" || ifc.SignalPercent >= 0 || ifc.RadioType != "") {
				t.Errorf("not connected but %+v", ifc)
			}
			var r reading
			netshLink(ifc, &r)
		}
	})
}
