package netstate

import (
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseIpconfigHeader(t *testing.T) {
	for _, c := range []struct{ header, name, typ string }{
		{"Ethernet adapter Ethernet 2:", "Ethernet 2", "ethernet"},
		{"Ethernet adapter VMware Network Adapter VMnet1", "VMware Network Adapter VMnet1", "ethernet"},
		{"Wireless LAN adapter Local Area Connection* 1:", "Local Area Connection* 1", "wireless"},
		{"Unknown adapter Tailscale:", "Tailscale", "unknown"},
		{"Tunnel adapter isatap.{5E3B0C1B-1C1A-4E7E-9A55-2F1A7C3B9D11}:", "isatap.{5E3B0C1B-1C1A-4E7E-9A55-2F1A7C3B9D11}", "tunnel"},
		{"PPP adapter Corp VPN:", "Corp VPN", "ppp"},
		{"未知适配器 Clash:", "Clash", "unknown"},
		{"以太网适配器 以太网:", "以太网", "ethernet"},
		{"无线局域网适配器 WLAN:", "WLAN", "wireless"},
		{"Carte Ethernet Ethernet :", "Ethernet", "ethernet"},
		{"Carte réseau sans fil Wi-Fi :", "Wi-Fi", "wireless"},
		{"Carte inconnue Tailscale :", "Tailscale", "unknown"},
		{"Ethernet-Adapter Ethernet:", "Ethernet", "ethernet"},
		{"Drahtlos-LAN-Adapter WLAN:", "WLAN", "wireless"},
		{"Unbekannter Adapter Büro-VPN:", "Büro-VPN", "unknown"},
		{"Tunneladapter Teredo Tunneling Pseudo-Interface:", "Teredo Tunneling Pseudo-Interface", "tunnel"},
		{"イーサネット アダプター イーサネット:", "イーサネット", "ethernet"},
		{"Wireless LAN adapter Wi-Fi:", "Wi-Fi", "wireless"},
		{"不明なアダプター ローカル エリア接続:", "ローカル エリア接続", "unknown"},
		{"Adaptador de Ethernet Ethernet:", "Ethernet", "ethernet"},
		{"Adaptador de LAN inalámbrica Wi-Fi:", "Wi-Fi", "wireless"},
		{"Adaptador desconocido Conexión de área local:", "Conexión de área local", "unknown"},
		{"Scheda LAN wireless Wi-Fi:", "Wi-Fi", "wireless"},
		{"Адаптер беспроводной локальной сети Беспроводная сеть:", "Беспроводная сеть", "wireless"},
		{"이더넷 어댑터 이더넷:", "이더넷", "ethernet"},
		// CP850 read as UTF-8 (the console's code page was not decoded).
		{"Carte r\uFFFDseau sans fil Wi-Fi :", "Wi-Fi", "wireless"},
		// A language the table lacks, with English word order.
		{"Mobilt bredbånd adapter Mobil:", "Mobil", ""},
		{"Ethernet-sovitin Ethernet:", "Ethernet-sovitin Ethernet", ""},
		{"Ethernet adapter:", "Ethernet adapter", ""}, // no name: keep the whole
		{"", "", ""},
	} {
		got := ParseIpconfigHeader(c.header)
		if got.Name != c.name || got.Type != c.typ {
			t.Errorf("%q: %+v, want %q %q", c.header, got, c.name, c.typ)
		}
	}
}

func TestMatchIpconfigName(t *testing.T) {
	names := []string{"2", "Ethernet 2", "Wi-Fi", "WLAN", "Ethernet"}
	for header, want := range map[string]string{
		"Ethernet-sovitin Ethernet 2:": "Ethernet 2",
		"Langaton lähiverkko WLAN:":    "WLAN",
		"Wi-Fi":                        "Wi-Fi",
		"Carte Ethernet Ethernet :":    "Ethernet",
		"Something else:":              "",
	} {
		got, ok := MatchIpconfigName(header, names)
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q %v, want %q", header, got, ok, want)
		}
	}
}

func TestIpconfigLabel(t *testing.T) {
	for _, c := range []struct{ line, label, value string }{
		{"   DNS Servers . . . . . . . . . . . : 10.50.13.1", "DNS Servers", "10.50.13.1"},
		{"   Link-local IPv6 Address . . . . . : fe80::4fae:1380:5a1b:8b6b%11(Preferred)", "Link-local IPv6 Address", "fe80::4fae:1380:5a1b:8b6b%11(Preferred)"},
		{"   Vínculo: dirección IPv6 local. . . : fe80::5d2c:8e1a:3b4f:6c7d%7(Preferido)", "Vínculo: dirección IPv6 local", "fe80::5d2c:8e1a:3b4f:6c7d%7(Preferido)"},
		{"   Verbindungsspezifisches DNS-Suffix: fritz.box", "Verbindungsspezifisches DNS-Suffix", "fritz.box"},
		{"   Lease erhalten. . . . . . . . . . : Montag, 4. März 2024 09:12:33", "Lease erhalten", "Montag, 4. März 2024 09:12:33"},
		{"   Adresse IPv4. . . . . . . . . . . . . .: 192.168.1.42(préféré)", "Adresse IPv4", "192.168.1.42(préféré)"},
		{"   Connection-specific DNS Suffix Search List :", "Connection-specific DNS Suffix Search List", ""},
	} {
		label, value, ok := IpconfigLabel(c.line)
		if !ok || label != c.label || value != c.value {
			t.Errorf("%q: %q %q %v", c.line, label, value, ok)
		}
	}
	if _, _, ok := IpconfigLabel("   192.168.178.1"); ok {
		t.Error("a continuation line has no label")
	}
}

func TestParseRoutePrintLocalised(t *testing.T) {
	type want struct {
		file       string
		interfaces int
		defaults   []string // "gateway interface metric", lowest metric first
		onLink     string   // an on-link route that must be read
		v6         []string // "dst gateway if"
	}
	for _, w := range []want{
		{"windows-route-print-de-written.txt", 4,
			[]string{"invalid IP 10.64.0.7 5", "192.168.178.1 192.168.178.34 35"}, "192.168.178.0/24",
			[]string{"::/0 invalid IP if14", "::/0 fe80::3a10:d5ff:fe00:1 if11", "2001:db8:5:0:1c8e:3b4d:2a1f:9e77/128 invalid IP if11", "fe80::6c5d:4e3f:2a1b:c9d8/128 invalid IP if11"}},
		{"windows-route-print-fr-written.txt", 3,
			[]string{"192.168.1.254 192.168.1.42 35"}, "192.168.1.0/24",
			[]string{"fe80::a1b2:c3d4:e5f6:1234/128 invalid IP if9"}},
		{"windows-route-print-zh-written.txt", 3,
			[]string{"invalid IP 198.18.0.1 0", "192.168.31.1 192.168.31.23 35"}, "198.18.0.0/16", nil},
		{"windows-route-print-ja-written.txt", 2,
			[]string{"192.168.0.1 192.168.0.15 35"}, "192.168.0.0/24", nil},
		{"windows-route-print-es-written.txt", 3,
			[]string{"invalid IP 10.200.4.17 1", "192.168.1.1 192.168.1.34 50"}, "10.0.0.0/8",
			[]string{"fe80::5d2c:8e1a:3b4f:6c7d/128 invalid IP if7"}},
	} {
		rp := ParseRoutePrint(readFixture(t, w.file))
		if len(rp.Interfaces) != w.interfaces {
			t.Errorf("%s: %d interfaces %+v", w.file, len(rp.Interfaces), rp.Interfaces)
		}
		var got []string
		for _, d := range Defaults(rp.V4) {
			got = append(got, d.Gateway.String()+" "+d.Interface+" "+strconv.Itoa(d.Metric))
		}
		if !slices.Equal(got, w.defaults) {
			t.Errorf("%s defaults %q, want %q", w.file, got, w.defaults)
		}
		if r, ok := find(rp.V4, w.onLink); !ok || r.Gateway.IsValid() {
			t.Errorf("%s: on-link route %s: %+v %v", w.file, w.onLink, r, ok)
		}
		var v6 []string
		for _, r := range rp.V6 {
			v6 = append(v6, r.Dst.String()+" "+r.Gateway.String()+" "+r.Interface)
		}
		for _, v := range w.v6 {
			if !slices.Contains(v6, v) {
				t.Errorf("%s: no IPv6 route %q in %q", w.file, v, v6)
			}
		}
	}
	// The German persistent on-link route is not an active one.
	rp := ParseRoutePrint(readFixture(t, "windows-route-print-de-written.txt"))
	n := 0
	for _, r := range rp.V4 {
		if r.Dst == netip.MustParsePrefix("10.0.0.0/8") {
			n++
		}
	}
	if n != 0 {
		t.Errorf("persistent route counted as active")
	}
}

func FuzzParseIpconfigHeader(f *testing.F) {
	for _, s := range []string{"Ethernet adapter Ethernet 2:", "未知适配器 Clash:", "Carte r\xc3\xa9seau sans fil Wi-Fi :", "Carte r\x82seau sans fil Wi-Fi :", " : ", "adapter "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got := ParseIpconfigHeader(h)
		if utf8.ValidString(h) && !utf8.ValidString(got.Name) {
			t.Fatalf("%q gave invalid UTF-8 %q", h, got.Name)
		}
		if len(got.Name) > len(h) {
			t.Fatalf("%q gave a longer name %q", h, got.Name)
		}
		if got.Name != "" && !strings.Contains(h, got.Name) {
			t.Fatalf("%q gave %q, which it does not contain", h, got.Name)
		}
		if n, ok := MatchIpconfigName(h, []string{got.Name, "Wi-Fi"}); ok && !strings.Contains(strings.ToLower(h), strings.ToLower(n)) {
			t.Fatalf("matched %q in %q", n, h)
		}
	})
}

func FuzzIpconfigLabel(f *testing.F) {
	for _, s := range []string{"   DNS Servers . . . : 10.0.0.1", "   Vínculo: dirección IPv6 local. . . : fe80::1%7", "a:b:c", ".:.:."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		label, value, ok := IpconfigLabel(line)
		if !ok {
			if strings.Contains(line, ":") {
				t.Fatalf("%q has a colon but no label", line)
			}
			return
		}
		if len(label)+len(value) >= len(line)+1 {
			t.Fatalf("%q: %q %q longer than the line", line, label, value)
		}
	})
}

func FuzzParseRoutePrint(f *testing.F) {
	for _, name := range []string{"windows-route-print-1.txt", "windows-route-print-de-written.txt", "windows-route-print-fr-written.txt", "windows-route-print-zh-written.txt"} {
		f.Add(readFixture(f, name))
	}
	f.Fuzz(func(t *testing.T, out string) {
		rp := ParseRoutePrint(out)
		for _, r := range append(rp.V4, rp.V6...) {
			if !r.Dst.IsValid() || r.Dst.Masked() != r.Dst || r.Metric < 0 {
				t.Fatalf("bad route %+v", r)
			}
		}
	})
}

// The localised ipconfig /all samples are written from the real formats
// (testdata/README.md): headers put the adapter type's words in the
// system's language, and the connection's name after them.
func TestParseIpconfigAllLocalisedDNS(t *testing.T) {
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

// Headers whose type words come first in other languages, WRITTEN FROM
// THE REAL FORMATS (see checks/dns/testdata/SOURCES.md for the full
// samples): the name is what follows the localised type words, and the
// address after the Spanish label with a colon of its own is read (the
// adapter has no other, so it would look disconnected otherwise).
const ipconfigLocalisedWritten = `
未知适配器 Clash:

   连接特定的 DNS 后缀 . . . . . . . :
   描述. . . . . . . . . . . . . . . : Clash Tunnel
   物理地址. . . . . . . . . . . . . :
   DHCP 已启用 . . . . . . . . . . . : 否
   自动配置已启用. . . . . . . . . . : 是
   IPv4 地址 . . . . . . . . . . . . : 198.18.0.1(首选)

Carte réseau sans fil Wi-Fi :

   Suffixe DNS propre à la connexion. . . : home
   Description. . . . . . . . . . . . . . : Intel(R) Wi-Fi 6 AX200 160MHz
   Adresse physique . . . . . . . . . . . : 50-E0-85-12-34-56
   DHCP activé. . . . . . . . . . . . . . : Oui
   Adresse IPv4. . . . . . . . . . . . . .: 192.168.1.42(préféré)

Adaptador de LAN inalámbrica Wi-Fi 2:

   Sufijo DNS específico para la conexión. . :
   Descripción . . . . . . . . . . . . . . . : Qualcomm Atheros QCA9377 Wireless Network Adapter
   Dirección física. . . . . . . . . . . . . : 9C-B6-D0-11-22-33
   DHCP habilitado . . . . . . . . . . . . . : sí
   Vínculo: dirección IPv6 local. . . : fe80::5d2c:8e1a:3b4f:6c7d%7(Preferido)
`

func TestParseIpconfigAllLocalisedHeaders(t *testing.T) {
	all := parseIpconfig(ipconfigLocalisedWritten)
	got := briefs(all.Adapters)
	want := []ad{
		{"Clash", "未知适配器 Clash", "Clash Tunnel", "", false},
		{"Wi-Fi", "Carte réseau sans fil Wi-Fi", "Intel(R) Wi-Fi 6 AX200 160MHz", "50:e0:85:12:34:56", false},
		{"Wi-Fi 2", "Adaptador de LAN inalámbrica Wi-Fi 2", "Qualcomm Atheros QCA9377 Wireless Network Adapter", "9c:b6:d0:11:22:33", false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
	// The header's words say the type: the Spanish and French Wi-Fi
	// adapters are Wi-Fi, whatever their descriptions.
	for i, k := range []Kind{KindTunnel, KindWiFi, KindWiFi} {
		if got := all.Adapters[i].kind(); got != k {
			t.Errorf("%s: %s, want %s", all.Adapters[i].Name, got, k)
		}
	}
}

// TestWindowsSnapshotLocalised is the done-when of the localised fallback
// sources: a whole snapshot read from each written localised `ipconfig
// /all` and `route print` pair (the text sources, as when the API fails)
// gives the right adapters and kinds, the DNS servers with their
// adapters' names, the default routes and the default path. The OS list
// holds the names and addresses the samples show; no kernel is asked, so
// the best default route decides the path.
func TestWindowsSnapshotLocalised(t *testing.T) {
	up := net.FlagUp | net.FlagRunning
	lo := SysInterface{Index: 1, Name: "Loopback Pseudo-Interface 1", Flags: up | net.FlagLoopback, Addrs: []netip.Prefix{pfx("127.0.0.1/8")}}
	for _, tc := range []struct {
		lang     string
		list     []SysInterface
		kinds    map[string]Kind
		dns      []string
		defaults []string // "interface gateway metric", best first
		path     string   // "interface kind, link kind via router"
	}{
		{"zh", []SysInterface{lo,
			{Index: 22, Name: "Clash", Flags: up, Addrs: []netip.Prefix{pfx("198.18.0.1/16")}},
			{Index: 5, Name: "以太网", MAC: "00:e0:4c:68:12:34", Flags: net.FlagUp},
			{Index: 12, Name: "WLAN", MAC: "8c:c6:81:12:34:56", Flags: up, Addrs: []netip.Prefix{pfx("192.168.31.23/24")}},
		}, map[string]Kind{"Clash": KindTunnel, "以太网": KindWired, "WLAN": KindWiFi},
			[]string{"198.18.0.2 adapter iface=Clash", "192.168.31.1 adapter iface=WLAN"},
			[]string{"Clash invalid IP 0", "WLAN 192.168.31.1 35"}, "Clash tunnel, WLAN wifi via 192.168.31.1"},
		{"de", []SysInterface{lo,
			{Index: 12, Name: "Ethernet", MAC: "3c:52:82:4e:1a:2b", Flags: net.FlagUp},
			{Index: 11, Name: "WLAN", MAC: "8c:c6:81:ab:cd:ef", Flags: up, Addrs: []netip.Prefix{pfx("192.168.178.34/24"), pfx("2001:db8:5:0:1c8e:3b4d:2a1f:9e77/64")}},
			{Index: 14, Name: "Büro-VPN", Flags: up, Addrs: []netip.Prefix{pfx("10.64.0.7/24")}},
		}, map[string]Kind{"Ethernet": KindWired, "WLAN": KindWiFi, "Büro-VPN": KindTunnel},
			[]string{"fd00::3a10:d5ff:fe00:1 adapter iface=WLAN", "192.168.178.1 adapter iface=WLAN", "10.64.0.1 adapter iface=Büro-VPN"},
			[]string{"Büro-VPN invalid IP 5", "WLAN 192.168.178.1 35"}, "Büro-VPN tunnel, WLAN wifi via 192.168.178.1"},
		{"fr", []SysInterface{lo,
			{Index: 17, Name: "Ethernet", MAC: "18:c0:4d:12:34:56", Flags: net.FlagUp},
			{Index: 9, Name: "Wi-Fi", MAC: "50:e0:85:12:34:56", Flags: up, Addrs: []netip.Prefix{pfx("192.168.1.42/24")}},
			{Index: 20, Name: "Tailscale", Flags: up, Addrs: []netip.Prefix{pfx("100.101.102.103/32")}},
		}, map[string]Kind{"Ethernet": KindWired, "Wi-Fi": KindWiFi, "Tailscale": KindTunnel},
			[]string{"192.168.1.254 adapter iface=Wi-Fi", "100.100.100.100 adapter iface=Tailscale"},
			[]string{"Wi-Fi 192.168.1.254 35"}, "Wi-Fi wifi, Wi-Fi wifi via 192.168.1.254"},
		{"ja", []SysInterface{lo,
			{Index: 15, Name: "Wi-Fi", MAC: "4c:44:5b:12:34:56", Flags: up, Addrs: []netip.Prefix{pfx("192.168.0.15/24")}},
			{Index: 18, Name: "ローカル エリア接続", Flags: net.FlagUp},
			{Index: 4, Name: "イーサネット", Flags: net.FlagUp},
		}, map[string]Kind{"Wi-Fi": KindWiFi, "ローカル エリア接続": KindTunnel, "イーサネット": KindWired},
			[]string{"192.168.0.1 adapter iface=Wi-Fi"},
			[]string{"Wi-Fi 192.168.0.1 35"}, "Wi-Fi wifi, Wi-Fi wifi via 192.168.0.1"},
		{"es", []SysInterface{lo,
			{Index: 3, Name: "Ethernet", Flags: net.FlagUp},
			{Index: 7, Name: "Wi-Fi", MAC: "9c:b6:d0:11:22:33", Flags: up, Addrs: []netip.Prefix{pfx("192.168.1.34/24")}},
			{Index: 21, Name: "Conexión de área local", MAC: "02:50:41:00:00:01", Flags: up, Addrs: []netip.Prefix{pfx("10.200.4.17/24")}},
		}, map[string]Kind{"Ethernet": KindWired, "Wi-Fi": KindWiFi, "Conexión de área local": KindTunnel},
			[]string{"192.168.1.1 adapter iface=Wi-Fi", "10.200.0.10 adapter iface=Conexión de área local", "10.200.0.11 adapter iface=Conexión de área local"},
			[]string{"Conexión de área local invalid IP 1", "Wi-Fi 192.168.1.1 50"}, "Conexión de área local tunnel, Wi-Fi wifi via 192.168.1.1"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			cmds := newCmds(t, map[string]reply{
				"route print":   {out: readFixture(t, "windows-route-print-"+tc.lang+"-written.txt")},
				"ipconfig /all": {out: readFixture(t, "windows-ipconfig-all-"+tc.lang+"-written.txt")},
				"reg":           {out: readFixture(t, "windows-reg-internet-settings-disabled-synthetic.txt")},
			})
			cfg := Config{OS: "windows", FS: mapFS(nil), Exec: cmds,
				ListInterfaces: func() ([]SysInterface, error) { return tc.list, nil }}
			snap := Start(t.Context(), cfg).Snapshot(t.Context())
			for _, p := range snap.Problems {
				if p.Part != PartPath { // no kernel to ask: the path part says so
					t.Errorf("problem %+v", p)
				}
			}
			checkKinds(t, snap.Interfaces, tc.kinds)
			if got := servers(snap.DNS); !slices.Equal(got, tc.dns) {
				t.Errorf("DNS:\n got %q\nwant %q", got, tc.dns)
			}
			if got := defaultsOf(snap.Routes.Defaults4()); !slices.Equal(got, tc.defaults) {
				t.Errorf("defaults:\n got %q\nwant %q", got, tc.defaults)
			}
			p := snap.Path
			if got := fmt.Sprintf("%s %s, %s %s via %s", p.Interface, p.Kind, p.Link, p.LinkKind, p.Router); got != tc.path {
				t.Errorf("path %q, want %q", got, tc.path)
			}
		})
	}
}
