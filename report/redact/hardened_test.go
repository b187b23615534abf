package redact

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/report"
)

func TestRedactURLCredentialsAndSecrets(t *testing.T) {
	runRedactCases(t, report.Known{Keep: []string{"intranet.acme.example"}}, []textCase{
		{"proxy http://alice:s3cret@proxy.corp.example:8080/", "proxy http://[redacted]@proxy.corp.example:8080/"},
		{"socks5://token@10.0.0.1:1080", "socks5://[redacted]@10.0.0.1:1080"},
		{"redirects to https://login.example/authorize?client_id=wfh&login_hint=bob%40acme.example&state=xyz123&code=abc",
			"redirects to https://login.example/authorize?client_id=wfh&login_hint=[redacted]&state=[redacted]&code=[redacted]"},
		{"https://files.example/x?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA/123#top",
			"https://files.example/x?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]#top"},
		{"https://intranet.acme.example/health?probe=1", "https://intranet.acme.example/health?probe=1"},
		{"mailto:bob.smith+vpn@acme.example please", "mailto:[redacted]@acme.example please"},
		{"contact it-help@acme.example", "contact [redacted]@acme.example"},
		// not addresses
		{"user@host without a domain", "user@host without a domain"},
		{"version 1.2@3", "version 1.2@3"},
	})
}

func TestRedactDeviceIdentifiers(t *testing.T) {
	runRedactCases(t, report.Known{}, []textCase{
		{`SWD\MMDEVAPI\{0.0.1.00000000}.{8F2A4F3C-1D5E-4B6A-9C7D-0E1F2A3B4C5D}`, `SWD\MMDEVAPI\{0.0.1.00000000}.{[id-1]}`},
		{"hardware 564D7A1E-26C4-11EE-BE56-0242AC120002 and again 564d7a1e-26c4-11ee-be56-0242ac120002",
			"hardware [id-1] and again [id-1]"},
		{"x8F2A4F3C-1D5E-4B6A-9C7D-0E1F2A3B4C5D", "x8F2A4F3C-1D5E-4B6A-9C7D-0E1F2A3B4C5D"},
		{"alsa_input.usb-Jabra_Jabra_EVOLVE_30_II_A08C7D1B2C3D-00.analog-mono", "alsa_input.usb-Jabra_Jabra_EVOLVE_30_II_[id-1]-00.analog-mono"},
		{"/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_8A3F1C2E-video-index0", "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_[id-1]-video-index0"},
		{"alsa_output.usb-Generic_USB_Audio_201405280001-00.analog-stereo", "alsa_output.usb-Generic_USB_Audio_[id-1]-00.analog-stereo"},
		// model names without a serial stay
		{"alsa_input.usb-Blue_Microphones_Yeti_Stereo_Microphone-00.analog-stereo", "alsa_input.usb-Blue_Microphones_Yeti_Stereo_Microphone-00.analog-stereo"},
		{"alsa_input.usb-Logitech_USB_Headset_H390-00.analog-mono", "alsa_input.usb-Logitech_USB_Headset_H390-00.analog-mono"},
		{"usb-0000:00:14.0-8", "usb-0000:00:14.0-8"},
	})
}

func TestRedactOwnerNamedDevices(t *testing.T) {
	runRedactCases(t, report.Known{}, []textCase{
		{"Headset (Alice's AirPods Pro)", "Headset ([redacted]'s AirPods Pro)"},
		{"Continuity camera: Jean-Luc’s iPhone Camera", "Continuity camera: [redacted]’s iPhone Camera"},
		{"Zoom's servers and Microsoft's Teams", "Zoom's servers and Microsoft's Teams"},
		{"the router's Wi-Fi", "the router's Wi-Fi"},
	})
}

// TestRedactPrivateValuesEverywhere: a value a check marks private (puts
// under a sensitive key) is redacted wherever else it appears, exactly.
func TestRedactPrivateValuesEverywhere(t *testing.T) {
	r := report.Report{Results: []report.Result{{
		ID: "wifi", Title: "Wi-Fi", Summary: "Connected to Smith Family 5G on wlan0; the Smith Family-guest network is another",
		Facts: map[string]string{"ssid": "Smith Family 5G", "interface": "wlan0", "band": "5 GHz"},
		Items: []report.Item{
			{Label: "Smith Family 5G", Attributes: map[string]string{"profile": "Smith Family 5G"}},
			{Label: "AirPods Pro", Attributes: map[string]string{"device_name": "Alice Dupont AirPods Pro", "bssid": "aa:bb:cc:dd:ee:ff"}},
			{Label: "Home", Summary: "lan and Home", Attributes: map[string]string{"ssid": "Home", "hostname": "192.168.1.20"}},
		},
		Findings: []report.Finding{{Severity: report.Pass, Message: "Alice Dupont AirPods Pro was seen; router aa:bb:cc:dd:ee:ff; host 192.168.1.20"}},
	}}}
	out := Redact(r, report.Known{})
	data, _ := json.Marshal(out)
	if strings.Contains(string(data), "Smith Family 5G") || strings.Contains(string(data), "Alice Dupont") {
		t.Errorf("a private value survived: %s", data)
	}
	res := out.Results[0]
	for got, want := range map[string]string{
		res.Summary:                        "Connected to [redacted] on wlan0; the Smith Family-guest network is another",
		res.Items[0].Label:                 "[redacted]",
		res.Items[0].Attributes["profile"]: "[redacted]",
		res.Findings[0].Message:            "[redacted] was seen; router [mac-1]; host 192.168.1.20",
		res.Items[2].Summary:               "lan and Home", // too short to be told from a word
		res.Facts["band"]:                  "5 GHz",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	// kept values stay everywhere
	kept := Redact(r, report.Known{Keep: []string{"Smith Family 5G"}})
	if kept.Results[0].Facts["ssid"] != "Smith Family 5G" || !strings.Contains(kept.Results[0].Summary, "Smith Family 5G") {
		t.Errorf("a profile-named SSID was redacted: %+v", kept.Results[0])
	}
	if again := Redact(out, report.Known{}); !reflect.DeepEqual(again, out) {
		t.Errorf("not idempotent")
	}
}

// TestSensitiveKeysOfTheNewChecks: what the dns, latency, bandwidth and
// vpn checks publish stays readable (interface names, resolver roles,
// profile-named gateways), while addresses and identities go.
func TestSensitiveKeysOfTheNewChecks(t *testing.T) {
	r := report.Report{Results: []report.Result{
		{ID: "vpn", Facts: map[string]string{"gateway": "vpn.acme.example", "tunnel_interface": "utun4", "tunnel_dns": "10.8.0.1 (for acme.example)"},
			Items: []report.Item{
				{Label: "wg0", Kind: "tunnel", Attributes: map[string]string{"peer_endpoint": "203.0.113.50:51820", "client": "WireGuard", "process": "wireguard-go"}},
				{Label: "https://intranet.acme.example/", Kind: "vpn_target", Attributes: map[string]string{"address": "10.1.2.3", "interface": "utun4",
					"redirect_to": "https://sso.acme.example/login?RelayState=abc&SAMLRequest=xyz"}},
			}},
		{ID: "dns", Facts: map[string]string{"search_domains": "acme.example", "public_resolver": "8.8.8.8"},
			Items: []report.Item{{Label: "203.0.113.53", Kind: "resolver", Attributes: map[string]string{"interface": "Wi-Fi", "role": "system"}}}},
		{ID: "latency", Items: []report.Item{{Label: "provider 198.51.100.1", Attributes: map[string]string{"address": "198.51.100.1", "role": "first_hop"}}}},
		{ID: "bandwidth", Facts: map[string]string{"server": "speed.example.net", "server_name": "Example ISP"}},
	}}
	out := Redact(r, report.Known{Keep: []string{"vpn.acme.example", "intranet.acme.example", "8.8.8.8"}})
	data, _ := json.Marshal(out)
	for _, gone := range []string{"203.0.113.50", "203.0.113.53", "198.51.100.1", "RelayState=abc", "SAMLRequest=xyz"} {
		if strings.Contains(string(data), gone) {
			t.Errorf("%q survived: %s", gone, data)
		}
	}
	for _, kept := range []string{"vpn.acme.example", "utun4", "10.8.0.1 (for acme.example)", ":51820", "wireguard-go",
		"https://intranet.acme.example/", "10.1.2.3", "acme.example", "8.8.8.8", "speed.example.net", "Example ISP", `"Wi-Fi"`} {
		if !strings.Contains(string(data), kept) {
			t.Errorf("%q was lost: %s", kept, data)
		}
	}
}

// TestSensitiveKeysDocumented: check authors find the private keys in
// docs/checks.md ("Private data in reports").
func TestSensitiveKeysDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/checks.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(doc), "### Private data in reports")
	section, _, _ = strings.Cut(section, "\n## ")
	for _, k := range SensitiveKeys() {
		if !strings.Contains(section, "`"+k+"`") {
			t.Errorf("sensitive key %q is not in docs/checks.md, Private data in reports", k)
		}
	}
}
