package netstate

import (
	"slices"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/internal/hostname"
)

// srv renders a server compactly for comparison:
// "addr iface=eno1 domains=a,b stub fallback source".
func srv(s DNSServer) string {
	out := []string{DNSLabel(s.Addr), string(s.Source)}
	if s.Interface != "" {
		out = append(out, "iface="+s.Interface)
	}
	if len(s.Domains) > 0 {
		out = append(out, "domains="+strings.Join(s.Domains, ","))
	}
	if s.Stub {
		out = append(out, "stub")
	}
	if s.Fallback {
		out = append(out, "fallback")
	}
	return strings.Join(out, " ")
}

func servers(c DNSConfig) []string {
	var out []string
	for _, s := range c.Servers {
		out = append(out, srv(s))
	}
	return out
}

func TestParsersOnFixtures(t *testing.T) {
	for _, tc := range []struct {
		file     string
		parse    func(string) (DNSConfig, error)
		servers  []string
		search   []string
		problems []string // substrings, in order
		notes    []string
	}{
		{file: "linux-resolv-conf-1.txt", parse: ParseResolvConf,
			servers: []string{"10.136.17.15 resolv.conf"},
			search:  []string{"eng.myprime.com", "dev.eng.myprime.com", "labs.myprime.com", "qa.myprime.com"}},
		{file: "linux-resolv-conf-2.txt", parse: ParseResolvConf,
			servers: []string{"10.1.1.2 resolv.conf", "10.1.1.1 resolv.conf"},
			search:  []string{"example.com"}},
		{file: "linux-resolv-conf-3.txt", parse: ParseResolvConf,
			servers: []string{"127.0.0.53 resolv.conf stub"}},
		{file: "linux-resolv-conf-malformed-synthetic.txt", parse: ParseResolvConf,
			servers: []string{"192.168.1.1 resolv.conf", "9.9.9.9 resolv.conf", "1.1.1.1 resolv.conf"},
			search:  []string{"home.arpa"},
			problems: []string{`line 3: nameserver "dns.example.com" is not an IP address`,
				`line 4: nameserver "10.0.0.1:53" is not an IP address`,
				`line 5: a nameserver line without an address`},
			notes: []string{"has 1 nameserver line beyond the first 3"}},
		{file: "linux-resolvectl-status-1.txt", parse: ParseResolvectl,
			// eno2 and wlan0 have no DNS scope; the fallback servers are
			// not used while eno1 has servers.
			servers: []string{"10.64.0.254 systemd-resolved iface=eno1", "fd64::fffe systemd-resolved iface=eno1"}},
		{file: "linux-resolvectl-vpn-synthetic.txt", parse: ParseResolvectl,
			servers: []string{
				"10.8.0.53 systemd-resolved iface=wg0 domains=corp.example,10.in-addr.arpa",
				"10.8.0.54 systemd-resolved iface=wg0 domains=corp.example,10.in-addr.arpa",
				"192.168.1.1 systemd-resolved iface=wlp2s0",
				"fe80::1%2 systemd-resolved iface=wlp2s0"},
			search: []string{"home.arpa"}},
		{file: "macos-scutil-dns-1.txt", parse: ParseScutilDNS,
			servers: []string{"192.168.80.10 scutil iface=ppp0", "192.168.80.24 scutil iface=ppp0"}},
		{file: "macos-scutil-dns-2.txt", parse: ParseScutilDNS,
			servers: []string{"139.7.30.126 scutil iface=ppp0", "139.7.30.125 scutil iface=ppp0",
				"192.168.80.10 scutil iface=ppp1", "192.168.80.24 scutil iface=ppp1"}},
		{file: "macos-scutil-dns-vpn-synthetic.txt", parse: ParseScutilDNS,
			servers: []string{
				"192.168.1.1 scutil iface=en0", "fd00:1::1 scutil iface=en0",
				"10.8.0.53 scutil iface=utun4 domains=corp.example", "10.8.0.54 scutil iface=utun4 domains=corp.example",
				"10.8.0.53 scutil iface=utun4 domains=10.in-addr.arpa",
				"10.8.0.99:5353 scutil domains=lab.corp.example"},
			search: []string{"home.arpa", "corp.example"}},
		{file: "windows-ipconfig-all-1.txt", parse: ParseIpconfigAll,
			// Tailscale lists only the fec0 placeholders.
			servers: []string{"10.50.13.1 adapter iface=Ethernet 2"},
			search:  []string{"tailff123.ts.net", "internal.companyname.com"}},
		{file: "windows-ipconfig-all-2.txt", parse: ParseIpconfigAll,
			servers: []string{"192.168.1.1 adapter iface=Wi-Fi"},
			search:  []string{"localdomain"}},
		{file: "windows-ipconfig-all-3.txt", parse: ParseIpconfigAll,
			servers: []string{"192.168.22.151 adapter iface=Local Area Connection"},
			search:  []string{"somecompany.corp"}},
		{file: "windows-get-dnsclientserveraddress-1.txt", parse: ParseDnsClientServerAddress,
			servers: []string{"100.100.111.4 adapter iface=Firezone", "100.100.111.1 adapter iface=Firezone",
				"100.100.111.3 adapter iface=Firezone", "100.100.111.2 adapter iface=Firezone",
				"10.255.252.2 adapter iface=Ethernet"}},
		{file: "windows-get-dnsclientserveraddress-truncated-synthetic.txt", parse: ParseDnsClientServerAddress,
			servers: []string{"10.8.0.53 adapter iface=Corp VPN", "10.8.0.54 adapter iface=Corp VPN", "10.8.0.55 adapter iface=Corp VPN",
				"192.168.1.1 adapter iface=Wi-Fi", "fd00:1::1 adapter iface=Wi-Fi"},
			problems: []string{"the DNS server list of Corp VPN was cut short by PowerShell",
				`adapter Ethernet 2 lists the DNS server "not-an-address", which is not an IP address`}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			cfg, err := tc.parse(readFixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := servers(cfg); !slices.Equal(got, tc.servers) {
				t.Errorf("servers\n got %q\nwant %q", got, tc.servers)
			}
			if !slices.Equal(cfg.Search, tc.search) {
				t.Errorf("search: got %q, want %q", cfg.Search, tc.search)
			}
			checkLines(t, "problems", cfg.Problems, tc.problems)
			checkLines(t, "notes", cfg.Notes, tc.notes)
		})
	}
}

func checkLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %q, want %d like %q", what, got, len(want), want)
		return
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("%s[%d] = %q, want it to contain %q", what, i, got[i], want[i])
		}
	}
}

func TestConfigHelpers(t *testing.T) {
	cfg, err := ParseScutilDNS(readFixture(t, "macos-scutil-dns-vpn-synthetic.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var general, perDomain []string
	for _, s := range cfg.General() {
		general = append(general, DNSLabel(s.Addr))
	}
	for _, s := range cfg.PerDomainServers() {
		perDomain = append(perDomain, DNSLabel(s.Addr)+" "+strings.Join(s.Domains, ","))
	}
	if want := []string{"192.168.1.1", "fd00:1::1"}; !slices.Equal(general, want) {
		t.Errorf("General: %q, want %q", general, want)
	}
	if want := []string{"10.8.0.53 corp.example", "10.8.0.54 corp.example", "10.8.0.53 10.in-addr.arpa", "10.8.0.99:5353 lab.corp.example"}; !slices.Equal(perDomain, want) {
		t.Errorf("PerDomainServers: %q, want %q", perDomain, want)
	}

	stub, err := ParseResolvConf("nameserver 127.0.0.53\nnameserver 192.168.1.1\n")
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := stub.FirstNonLoopback(); !ok || DNSLabel(s.Addr) != "192.168.1.1" {
		t.Errorf("FirstNonLoopback = %v %v, want 192.168.1.1", s, ok)
	}
	if _, ok := (DNSConfig{}).FirstNonLoopback(); ok {
		t.Error("FirstNonLoopback of an empty config must say none")
	}
}

func TestParseResolvConfEdges(t *testing.T) {
	cfg, err := ParseResolvConf("# nothing here\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := servers(cfg); !slices.Equal(got, []string{"127.0.0.1 resolv.conf"}) || len(cfg.Notes) != 1 {
		t.Errorf("empty file: servers %q notes %q", got, cfg.Notes)
	}
	// The last search or domain line wins; a link-local server keeps its zone.
	cfg, _ = ParseResolvConf("search a.example b.example\r\ndomain c.example\r\nnameserver fe80::1%eth0\r\n")
	if !slices.Equal(cfg.Search, []string{"c.example"}) || servers(cfg)[0] != "fe80::1%eth0 resolv.conf" {
		t.Errorf("got search %q servers %q", cfg.Search, servers(cfg))
	}
	if _, err := ParseResolvConf("\x00\x01binary"); err == nil {
		t.Error("binary input must be an error")
	}
}

func TestParseResolvectlFallbackOnly(t *testing.T) {
	text := "Global\n         Protocols: +LLMNR\nFallback DNS Servers: 1.1.1.1#cloudflare-dns.com [2606:4700:4700::1111]:53#cloudflare-dns.com\n\nLink 2 (eth0)\n    Current Scopes: none\n"
	cfg, err := ParseResolvectl(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1.1.1.1 systemd-resolved fallback", "2606:4700:4700::1111 systemd-resolved fallback"}
	if got := servers(cfg); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(cfg.General()) != 0 {
		t.Error("fallback servers are not general ones")
	}
}

func TestParsersRefuseOtherInput(t *testing.T) {
	for name, parse := range map[string]func(string) (DNSConfig, error){
		"resolvectl": ParseResolvectl, "scutil": ParseScutilDNS, "ipconfig": ParseIpconfigAll,
		"Get-DnsClientServerAddress": ParseDnsClientServerAddress,
	} {
		for _, in := range []string{"", "command not found\n", "\xff\xfe garbage", readFixture(t, "linux-resolv-conf-2.txt")} {
			if cfg, err := parse(in); err == nil && len(cfg.Servers) > 0 {
				t.Errorf("%s accepted %q: %q", name, in, servers(cfg))
			}
		}
	}
}

// checkConfig holds for whatever a parser returns: usable addresses,
// clean one-line texts.
func checkConfig(t *testing.T, cfg DNSConfig) {
	t.Helper()
	for _, s := range cfg.Servers {
		if !s.Addr.IsValid() || s.Addr.Port() == 0 {
			t.Fatalf("invalid server %v", s.Addr)
		}
		for _, d := range s.Domains {
			if !hostname.IsName(d) {
				t.Fatalf("invalid domain %q", d)
			}
		}
		if strings.ContainsAny(s.Interface, "\n\r\x1b") {
			t.Fatalf("interface %q has control characters", s.Interface)
		}
	}
	for _, d := range cfg.Search {
		if !hostname.IsName(d) {
			t.Fatalf("invalid search domain %q", d)
		}
	}
	for _, p := range append(append([]string(nil), cfg.Problems...), cfg.Notes...) {
		if strings.ContainsAny(p, "\n\r\x1b") {
			t.Fatalf("problem %q is not one clean line", p)
		}
	}
}

func fuzzParser(f *testing.F, parse func(string) (DNSConfig, error), seeds ...string) {
	for _, s := range seeds {
		f.Add(readFixture(f, s))
	}
	f.Add("")
	f.Add("nameserver \x1b[31m\n")
	f.Fuzz(func(t *testing.T, in string) {
		cfg, err := parse(in)
		if err != nil {
			return
		}
		checkConfig(t, cfg)
	})
}

func FuzzParseResolvConf(f *testing.F) {
	fuzzParser(f, ParseResolvConf, "linux-resolv-conf-1.txt", "linux-resolv-conf-2.txt", "linux-resolv-conf-3.txt",
		"linux-resolv-conf-malformed-synthetic.txt")
}

func FuzzParseResolvectl(f *testing.F) {
	fuzzParser(f, ParseResolvectl, "linux-resolvectl-status-1.txt", "linux-resolvectl-vpn-synthetic.txt")
}

func FuzzParseScutilDNS(f *testing.F) {
	fuzzParser(f, ParseScutilDNS, "macos-scutil-dns-1.txt", "macos-scutil-dns-2.txt", "macos-scutil-dns-vpn-synthetic.txt")
}

func FuzzParseIpconfigAll(f *testing.F) {
	fuzzParser(f, ParseIpconfigAll, "windows-ipconfig-all-1.txt", "windows-ipconfig-all-2.txt", "windows-ipconfig-all-3.txt")
}

func FuzzParseDnsClientServerAddress(f *testing.F) {
	fuzzParser(f, ParseDnsClientServerAddress, "windows-get-dnsclientserveraddress-1.txt",
		"windows-get-dnsclientserveraddress-truncated-synthetic.txt")
}

// Text that is not UTF-8 (a Latin-1 comment, ipconfig's labels in the
// console's OEM code page) is read, not refused.
func TestParsersReadOtherEncodings(t *testing.T) {
	cfg, err := ParseResolvConf("# Caf\xe9 r\xe9seau\nnameserver 192.168.1.1\n")
	if err != nil || servers(cfg)[0] != "192.168.1.1 resolv.conf" {
		t.Errorf("resolv.conf: %q %v", servers(cfg), err)
	}
	// German ipconfig as printed in code page 850: "Primäres DNS-Suffix".
	in := strings.Replace(readFixture(t, "windows-ipconfig-all-3.txt"), "Primary Dns Suffix  ", "Prim\x84res DNS-Suffix", 1)
	cfg, err = ParseIpconfigAll(in)
	if err != nil || !slices.Equal(servers(cfg), []string{"192.168.22.151 adapter iface=Local Area Connection"}) ||
		!slices.Equal(cfg.Search, []string{"somecompany.corp"}) {
		t.Errorf("ipconfig: %q %q %v", servers(cfg), cfg.Search, err)
	}
}
