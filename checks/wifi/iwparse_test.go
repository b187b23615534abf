package wifi

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseIwLinkReal(t *testing.T) {
	tests := []struct {
		file string
		want iwLink
		link link
	}{
		{
			file: "linux/iw-dev-link-1.txt", // Wi-Fi 6, 5 GHz, 40 MHz
			want: iwLink{
				Connected: true, Interface: "wlp0s20f3", APAddress: "7a:45:58:1b:1f:3e", SSID: "wifi7-ap",
				FreqMHz: 5745, SignalDBM: -52, HasSignal: true,
				RX: iwRate{Mbps: 344.1, WidthMHz: 40, PHY: "HE", MCS: 7, NSS: 2},
				TX: iwRate{Mbps: 573.5, WidthMHz: 40, PHY: "HE", MCS: 11, NSS: 2},
			},
			link: link{
				Interface: "wlp0s20f3", SSID: "wifi7-ap", BSSID: "7a:45:58:1b:1f:3e", Signal: f64(-52),
				TxRate: f64(573.5), RxRate: f64(344.1), Freq: f64(5745), Channel: 149, Width: 40,
				Band: band5, Standard: "Wi-Fi 6", Source: "iw",
			},
		},
		{
			file: "linux/iw-dev-link-2.txt", // Wi-Fi 7 MLO, two links, no rx bitrate
			want: iwLink{
				Connected: true, Interface: "wlp0s20f3", APAddress: "f0:a7:31:16:77:a1", SSID: "wifi7-ap",
				SignalDBM: -40, HasSignal: true,
				TX: iwRate{Mbps: 4803.8, WidthMHz: 320, PHY: "EHT", MCS: 12, NSS: 2},
				Links: []iwMLOLink{
					{ID: 1, BSSID: "fe:a7:31:16:77:9f", FreqMHz: 5240},
					{ID: 2, BSSID: "f2:a7:31:16:77:a3", FreqMHz: 6375},
				},
			},
			link: link{
				Interface: "wlp0s20f3", SSID: "wifi7-ap", BSSID: "fe:a7:31:16:77:9f", Signal: f64(-40),
				TxRate: f64(4803.8), Freq: f64(5240), Channel: 48, Width: 320,
				Band: band5, Standard: "Wi-Fi 7", MLOLinks: 2, MLOBands: []string{band5, band6}, Source: "iw",
			},
		},
		{
			file: "linux/iw-dev-link-3.txt", // Wi-Fi 4 (HT MCS), decimal 2.4 GHz frequency
			want: iwLink{
				Connected: true, Interface: "wlp0s20f3", APAddress: "04:d9:f5:2e:a6:20", SSID: "wifi4-wpa",
				FreqMHz: 2422, SignalDBM: -39, HasSignal: true,
				RX: iwRate{Mbps: 130, PHY: "HT", MCS: 15},
				TX: iwRate{Mbps: 52, PHY: "HT", MCS: 11},
			},
			link: link{
				Interface: "wlp0s20f3", SSID: "wifi4-wpa", BSSID: "04:d9:f5:2e:a6:20", Signal: f64(-39),
				TxRate: f64(52), RxRate: f64(130), Freq: f64(2422), Channel: 3, Width: 20,
				Band: band24, Standard: "Wi-Fi 4", Source: "iw",
			},
		},
		{
			file: "linux/iw-dev-link-4.txt", // legacy 802.11g rates, no MCS
			want: iwLink{
				Connected: true, Interface: "wlp0s20f3", APAddress: "54:83:3a:72:fd:08", SSID: "very-old-wifi",
				FreqMHz: 2457, SignalDBM: -41, HasSignal: true,
				RX: iwRate{Mbps: 54, MCS: -1},
				TX: iwRate{Mbps: 18, MCS: -1},
			},
			link: link{
				Interface: "wlp0s20f3", SSID: "very-old-wifi", BSSID: "54:83:3a:72:fd:08", Signal: f64(-41),
				TxRate: f64(18), RxRate: f64(54), Freq: f64(2457), Channel: 10, Width: 20,
				Band: band24, Standard: "802.11g", Source: "iw",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseIwLink(string(fixture(t, tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseIwLink =\n%+v\nwant\n%+v", got, tt.want)
			}
			if l := toLink(got); !reflect.DeepEqual(l, tt.link) {
				t.Errorf("toLink =\n%+v\nwant\n%+v", l, tt.link)
			}
			// Windows line ends must not change anything.
			crlf, err := parseIwLink(strings.ReplaceAll(string(fixture(t, tt.file)), "\n", "\r\n"))
			if err != nil || !reflect.DeepEqual(crlf, tt.want) {
				t.Errorf("with CRLF: %+v, %v", crlf, err)
			}
		})
	}
}

func TestIwStandardLegacy(t *testing.T) {
	tests := []struct {
		il   iwLink
		band string
		want string
	}{
		{iwLink{TX: iwRate{Mbps: 54}}, band5, "802.11a"},
		{iwLink{TX: iwRate{Mbps: 11}, RX: iwRate{Mbps: 5.5}}, band24, "802.11b/g"},
		{iwLink{TX: iwRate{Mbps: 24}}, band24, "802.11g"},
		{iwLink{TX: iwRate{Mbps: 24, PHY: "HE"}}, band6, "Wi-Fi 6E"},
		{iwLink{TX: iwRate{Mbps: 24}, RX: iwRate{Mbps: 300, PHY: "VHT"}}, band5, "Wi-Fi 5"},
		{iwLink{TX: iwRate{Mbps: 24}}, "", ""},
	}
	for _, tt := range tests {
		if got := iwStandard(tt.il, tt.band); got != tt.want {
			t.Errorf("iwStandard(%+v, %q) = %q, want %q", tt.il, tt.band, got, tt.want)
		}
	}
}

func FuzzParseIwLink(f *testing.F) {
	for _, name := range []string{"linux/iw-dev-link-1.txt", "linux/iw-dev-link-2.txt", "linux/iw-dev-link-3.txt", "linux/iw-dev-link-4.txt"} {
		f.Add(string(fixture(f, name)))
	}
	for _, s := range []string{
		"Not connected.", "", "Connected to aa:bb:cc:dd:ee:ff (on x)\n\tLink 1 BSSID aa:bb:cc:dd:ee:ff\n\t\tfreq: 5955.0\n",
		"Connected to aa:bb:cc:dd:ee:ff\n\tSSID: \\x\\x0\\xzz\n\ttx bitrate: 1 MBit/s MCS\n", "\tLink 99 BSSID aa:bb:cc:dd:ee:ff\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		l, err := parseIwLink(in)
		if err != nil || !l.Connected {
			if !reflect.DeepEqual(l, iwLink{}) {
				t.Fatalf("not connected or error %v, but %+v", err, l)
			}
			return
		}
		if !isMAC(l.APAddress) {
			t.Errorf("AP address %q", l.APAddress)
		}
		displayable(t, "SSID", l.SSID)
		displayable(t, "interface", l.Interface)
		if l.FreqMHz != 0 && bandOf(l.FreqMHz) == "" {
			t.Errorf("frequency %v", l.FreqMHz)
		}
		if l.HasSignal && (l.SignalDBM >= 0 || l.SignalDBM <= -150) {
			t.Errorf("signal %v", l.SignalDBM)
		}
		for _, r := range []iwRate{l.RX, l.TX} {
			if r.Mbps < 0 || r.Mbps > 100000 || r.WidthMHz < 0 || r.WidthMHz > 320 {
				t.Errorf("rate %+v", r)
			}
		}
		k := toLink(l)
		if k.Channel < 0 || k.Width < 0 || (k.Freq != nil && k.Band == "") {
			t.Errorf("link %+v", k)
		}
	})
}
