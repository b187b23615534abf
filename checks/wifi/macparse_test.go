package wifi

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseSystemProfilerAirPortFixtures(t *testing.T) {
	tests := []struct {
		file    string
		want    []airportInterface
		wantErr error
	}{
		{
			file: "macos/system-profiler-airport-15-redacted.json",
			want: []airportInterface{
				{Name: "en0", Connected: true, SSIDRedacted: true, Channel: 36, Band: band5, WidthMHz: 80,
					PHYMode: "802.11ax", RateMbps: 864, SignalDBM: -56, HasSignal: true, NoiseDBM: -94, HasNoise: true},
				{Name: "awdl0"},
			},
		},
		{
			file: "macos/system-profiler-airport-14-2ghz-weak.json",
			want: []airportInterface{
				{Name: "en0", Connected: true, SSID: "Example Home 2G", BSSID: "00:00:5e:00:53:01", Channel: 6, Band: band24, WidthMHz: 20,
					PHYMode: "802.11n", RateMbps: 26, SignalDBM: -76, HasSignal: true, NoiseDBM: -91, HasNoise: true},
			},
		},
		{
			file: "macos/system-profiler-airport-disconnected.json",
			want: []airportInterface{{Name: "en0"}, {Name: "awdl0"}},
		},
		{file: "macos/system-profiler-airport-no-card.json", wantErr: errNoAirPort},
		{
			file: "macos/system-profiler-airport-awdl-first-written.json",
			want: []airportInterface{
				{Name: "awdl0"},
				{Name: "en0", Connected: true, SSIDRedacted: true, Channel: 149, Band: band5, WidthMHz: 80,
					PHYMode: "802.11ac", RateMbps: 702, SignalDBM: -58, HasSignal: true, NoiseDBM: -93, HasNoise: true},
				{Name: "llw0"},
			},
		},
		{
			file: "macos/system-profiler-airport-off-awdl-written.json",
			want: []airportInterface{{Name: "awdl0"}, {Name: "en0"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseSystemProfilerAirPort(fixture(t, tt.file))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseSystemProfilerAirPortVariants(t *testing.T) {
	wrap := func(cur string) string {
		return `{"SPAirPortDataType":[{"spairport_software_information":{}},{"spairport_airport_interfaces":[{"_name":"en0","spairport_current_network_information":` + cur + `}]}]}`
	}
	tests := []struct {
		name string
		in   string
		want airportInterface
	}{
		{"numeric channel, string rate", wrap(`{"_name":"Net","spairport_network_channel":44,"spairport_network_rate":"585","spairport_signal_noise":"-61 dBm / -92 dBm"}`),
			airportInterface{Name: "en0", Connected: true, SSID: "Net", Channel: 44, Band: band5, RateMbps: 585, SignalDBM: -61, HasSignal: true, NoiseDBM: -92, HasNoise: true}},
		{"6 GHz, 160 MHz, Wi-Fi 6E", wrap(`{"_name":"Net","spairport_network_channel":"37 (6GHz, 160MHz)","spairport_network_phymode":"802.11ax"}`),
			airportInterface{Name: "en0", Connected: true, SSID: "Net", Channel: 37, Band: band6, WidthMHz: 160, PHYMode: "802.11ax"}},
		{"airport-style channel", wrap(`{"_name":"Net","spairport_network_channel":"149,80"}`),
			airportInterface{Name: "en0", Connected: true, SSID: "Net", Channel: 149, Band: band5}},
		{"signal without noise", wrap(`{"_name":"Net","spairport_signal_noise":"-70 dBm"}`),
			airportInterface{Name: "en0", Connected: true, SSID: "Net", SignalDBM: -70, HasSignal: true}},
		{"wrong types lose only their field", wrap(`{"_name":7,"spairport_network_channel":[1],"spairport_network_rate":{"x":1},"spairport_signal_noise":-50,"spairport_network_phymode":"802.11ac"}`),
			airportInterface{Name: "en0", Connected: true, PHYMode: "802.11ac"}},
		{"redacted BSSID", wrap(`{"_name":"<redacted>","spairport_network_bssid":"<redacted>"}`),
			airportInterface{Name: "en0", Connected: true, SSIDRedacted: true}},
		{"empty current network", wrap(`{}`), airportInterface{Name: "en0"}},
		{"only a network type, no status: a peer link's block", wrap(`{"spairport_network_type":"spairport_network_type_station"}`), airportInterface{Name: "en0"}},
		{"control characters in SSID", wrap(`{"_name":"a\u001b[2Jb"}`), airportInterface{Name: "en0", Connected: true, SSID: "a[2Jb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSystemProfilerAirPort([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "not json", "[]", `{"SPAirPortDataType":{}}`, "\xEF\xBB\xBF"} {
		if got, err := parseSystemProfilerAirPort([]byte(bad)); err == nil || got != nil {
			t.Errorf("parse(%q) = %+v, %v; want an error", bad, got, err)
		}
	}
	if _, err := parseSystemProfilerAirPort([]byte(`{"SPAirPortDataType":[{"spairport_software_information":{}}]}`)); !errors.Is(err, errNoAirPort) {
		t.Errorf("no interfaces: err = %v", err)
	}
	if got, err := parseSystemProfilerAirPort([]byte("\xEF\xBB\xBF" + wrap(`{"_name":"N"}`))); err != nil || len(got) != 1 || got[0].SSID != "N" {
		t.Errorf("with BOM: %+v, %v", got, err)
	}
}

func FuzzParseSystemProfilerAirPort(f *testing.F) {
	for _, name := range []string{
		"macos/system-profiler-airport-15-redacted.json", "macos/system-profiler-airport-14-2ghz-weak.json",
		"macos/system-profiler-airport-disconnected.json", "macos/system-profiler-airport-no-card.json",
		"macos/system-profiler-airport-awdl-first-written.json", "macos/system-profiler-airport-off-awdl-written.json",
	} {
		f.Add(string(fixture(f, name)))
	}
	f.Add(`{"SPAirPortDataType":[{"spairport_airport_interfaces":[{"spairport_current_network_information":{"spairport_network_channel":"999 (9GHz, 999MHz)","spairport_network_rate":"NaN","spairport_signal_noise":"-0 dBm / -999 dBm"}}]}]}`)
	f.Add(`{"SPAirPortDataType":[{"spairport_airport_interfaces":[{"spairport_current_network_information":{"spairport_network_channel":1e300,"spairport_network_rate":-1}}]}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		ifaces, err := parseSystemProfilerAirPort([]byte(in))
		if err != nil {
			if ifaces != nil {
				t.Fatalf("interfaces %+v with error %v", ifaces, err)
			}
			return
		}
		for _, a := range ifaces {
			displayable(t, "name", a.Name)
			displayable(t, "SSID", a.SSID)
			if a.SSIDRedacted && a.SSID != "" {
				t.Errorf("redacted SSID %q", a.SSID)
			}
			if a.BSSID != "" && !isMAC(a.BSSID) {
				t.Errorf("BSSID %q", a.BSSID)
			}
			if a.Channel < 0 || a.Channel > 233 || a.WidthMHz < 0 || a.WidthMHz > 320 || a.RateMbps < 0 || a.RateMbps > 100000 {
				t.Errorf("figures %+v", a)
			}
			if a.HasSignal && (a.SignalDBM >= 0 || a.SignalDBM <= -150) || a.HasNoise && (a.NoiseDBM >= 0 || a.NoiseDBM <= -150) {
				t.Errorf("signal/noise %+v", a)
			}
			if a.Band != "" && !strings.HasSuffix(a.Band, " GHz") {
				t.Errorf("band %q", a.Band)
			}
			var r reading
			airportLink(a, &r)
		}
	})
}
