package dns

import (
	"slices"
	"strings"
	"testing"
)

// The localised ipconfig /all samples are written from the real formats
// (testdata/SOURCES.md): headers put the adapter type's words in the
// system's language, and the connection's name after them.
func TestParseIpconfigAllLocalised(t *testing.T) {
	for _, tc := range []struct {
		file    string
		servers []string
		search  []string
	}{
		{"windows-ipconfig-all-zh-written.txt", []string{
			"198.18.0.2 adapter iface=Clash", // "未知适配器 Clash:": the tunnel's own server
			"192.168.31.1 adapter iface=WLAN",
		}, nil},
		{"windows-ipconfig-all-fr-written.txt", []string{
			"192.168.1.254 adapter iface=Wi-Fi",
			"100.100.100.100 adapter iface=Tailscale",
		}, []string{"home"}},
		{"windows-ipconfig-all-de-written.txt", []string{
			"fd00::3a10:d5ff:fe00:1 adapter iface=WLAN",
			"192.168.178.1 adapter iface=WLAN",
			"10.64.0.1 adapter iface=Büro-VPN",
		}, []string{"fritz.box"}},
		{"windows-ipconfig-all-ja-written.txt", []string{
			"192.168.0.1 adapter iface=Wi-Fi",
		}, nil},
		{"windows-ipconfig-all-es-written.txt", []string{
			"192.168.1.1 adapter iface=Wi-Fi",
			"10.200.0.10 adapter iface=Conexión de área local",
			"10.200.0.11 adapter iface=Conexión de área local",
		}, nil},
	} {
		cfg, err := ParseIpconfigAll(readFixture(t, tc.file))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if got := servers(cfg); !slices.Equal(got, tc.servers) {
			t.Errorf("%s servers:\n got %q\nwant %q", tc.file, got, tc.servers)
		}
		if !slices.Equal(cfg.Search, tc.search) {
			t.Errorf("%s search %q, want %q", tc.file, cfg.Search, tc.search)
		}
		if len(cfg.Problems) != 0 {
			t.Errorf("%s problems %q", tc.file, cfg.Problems)
		}
	}
}

// Where the console's code page could not be decoded, the French sample
// arrives in CP850: "Carte r\x82seau sans fil Wi-Fi :". The name is still
// found.
func TestParseIpconfigAllUndecodedCodePage(t *testing.T) {
	cp850 := strings.NewReplacer("é", "\x82", "à", "\x85", "ô", "\x93", "’", "'")
	cfg, err := ParseIpconfigAll(cp850.Replace(readFixture(t, "windows-ipconfig-all-fr-written.txt")))
	want := []string{"192.168.1.254 adapter iface=Wi-Fi", "100.100.100.100 adapter iface=Tailscale"}
	if err != nil || !slices.Equal(servers(cfg), want) {
		t.Errorf("%q %v, want %q", servers(cfg), err, want)
	}
}

func FuzzParseIpconfigAllLocalised(f *testing.F) {
	fuzzParser(f, ParseIpconfigAll, "windows-ipconfig-all-zh-written.txt", "windows-ipconfig-all-fr-written.txt",
		"windows-ipconfig-all-de-written.txt", "windows-ipconfig-all-ja-written.txt", "windows-ipconfig-all-es-written.txt")
}
