package netstate

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseScutilProxy(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want Proxy
	}{
		{"real PAC only (httptoolkit#151)", readFixture(t, "macos-scutil-proxy-pac-1.txt"),
			Proxy{PAC: "http://wpad.company.com/wpad.dat", Source: sourceSystem}},
		{"enabled, with PAC and scoped copy", readFixture(t, "macos-scutil-proxy-manual-synthetic.txt"),
			Proxy{HTTPS: "http://proxy.acme.example:3128", HTTP: "http://proxy.acme.example:3128",
				NoProxy: "*.local,169.254/16,*.acme.example", PAC: "http://wpad.acme.example/wpad.dat", Source: sourceSystem}},
		{"disabled, leftover host, enabled only in __SCOPED__", readFixture(t, "macos-scutil-proxy-none-synthetic.txt"), Proxy{}},
		{"WPAD only", readFixture(t, "macos-scutil-proxy-wpad-synthetic.txt"), Proxy{PAC: wpadDiscovery, Source: sourceSystem}},
		{"PAC enabled without URL falls back to discovery",
			"<dictionary> {\n  ProxyAutoConfigEnable : 1\n  ProxyAutoDiscoveryEnable : 1\n}\n", Proxy{PAC: wpadDiscovery, Source: sourceSystem}},
		{"HTTPS only, CRLF and BOM", "\uFEFF<dictionary> {\r\n  HTTPSEnable : 1\r\n  HTTPSPort : 8443\r\n  HTTPSProxy : 10.0.0.5\r\n}\r\n",
			Proxy{HTTPS: "http://10.0.0.5:8443", Source: sourceSystem}},
		{"IPv6 proxy, no port", "<dictionary> {\n  HTTPEnable : 1\n  HTTPProxy : fd00::1\n}\n",
			Proxy{HTTP: "http://[fd00::1]", Source: sourceSystem}},
		{"enabled without host", "<dictionary> {\n  HTTPSEnable : 1\n  HTTPSPort : 3128\n}\n", Proxy{}},
		{"garbage host", "<dictionary> {\n  HTTPSEnable : 1\n  HTTPSProxy : evil.example/path?x\n  HTTPSPort : 1\n}\n", Proxy{}},
		{"bad port is left out", "<dictionary> {\n  HTTPSEnable : 1\n  HTTPSProxy : p.example\n  HTTPSPort : 99999\n}\n",
			Proxy{HTTPS: "http://p.example", Source: sourceSystem}},
		{"garbage", "error: no such thing\n}}}\n{\n : \n", Proxy{}},
		{"empty", "", Proxy{}},
		{"empty dictionary", "<dictionary> {\n}\n", Proxy{}},
	} {
		if got := ParseScutilProxy(tc.in); got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestParseRegInternetSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want Proxy
	}{
		{"disabled with leftover server", readFixture(t, "windows-reg-internet-settings-disabled-synthetic.txt"), Proxy{}},
		{"enabled", readFixture(t, "windows-reg-internet-settings-manual-synthetic.txt"),
			Proxy{HTTPS: "http://proxy.acme.example:8080", HTTP: "http://proxy.acme.example:8080",
				NoProxy: "*.acme.example,10.*,<local>", Source: sourceSystem}},
		{"per-protocol", readFixture(t, "windows-reg-internet-settings-perproto-synthetic.txt"),
			Proxy{HTTPS: "http://secure-proxy.acme.example:443", HTTP: "http://proxy.acme.example:80",
				NoProxy: "<local>", Source: sourceSystem}},
		{"PAC only", readFixture(t, "windows-reg-internet-settings-pac-synthetic.txt"),
			Proxy{PAC: "http://wpad.acme.example/wpad.dat", Source: sourceSystem}},
		{"http only per-protocol: https goes direct",
			"    ProxyEnable    REG_DWORD    0x1\n    ProxyServer    REG_SZ    http=p.example:3128\n",
			Proxy{HTTP: "http://p.example:3128", Source: sourceSystem}},
		{"socks only is not an HTTP proxy",
			"    ProxyEnable    REG_DWORD    0x1\n    ProxyServer    REG_SZ    socks=127.0.0.1:1080\n", Proxy{}},
		{"scheme in the value, space-separated entries, BOM",
			"\uFEFF    ProxyEnable    REG_DWORD    0x00000001\r\n    ProxyServer    REG_SZ    http=http://a.example:80 https=http://b.example:8443\r\n",
			Proxy{HTTPS: "http://b.example:8443", HTTP: "http://a.example:80", Source: sourceSystem}},
		{"tab separated (old reg.exe)", "\tProxyEnable\tREG_DWORD\t0x1\n\tProxyServer\tREG_SZ\tp.example:8080\n",
			Proxy{HTTPS: "http://p.example:8080", HTTP: "http://p.example:8080", Source: sourceSystem}},
		{"a name that mentions a value name is not that value",
			"    ProxyEnable    REG_DWORD    0x1\n    MigrateProxy    REG_DWORD    0x1\n    ProxyServerX    REG_SZ    x.example:1\n", Proxy{}},
		{"empty server", "    ProxyEnable    REG_DWORD    0x1\n    ProxyServer    REG_SZ    \n", Proxy{}},
		{"garbage", "ERROR: The system was unable to find the specified registry key or value.\r\n", Proxy{}},
		{"REG_ at the start of a line", "REG_SZ\n    REG_SZ    x\n", Proxy{}},
		{"empty", "", Proxy{}},
	} {
		if got := ParseRegInternetSettings(tc.in); got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestSplitRegLine(t *testing.T) {
	name, typ, data, ok := splitRegLine("    User Agent    REG_SZ    Mozilla/4.0 (compatible; MSIE 8.0; Win32)\r")
	if !ok || name != "User Agent" || typ != "REG_SZ" || data != "Mozilla/4.0 (compatible; MSIE 8.0; Win32)" {
		t.Errorf("%q %q %q %v", name, typ, data, ok)
	}
	if _, _, _, ok := splitRegLine(`HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings\REG_SZ`); ok {
		t.Error("a key path is no value line")
	}
}

func TestMergeProxy(t *testing.T) {
	env := Proxy{HTTPS: "http://env.example:3128", Source: "environment"}
	sys := Proxy{HTTPS: "http://sys.example:8080", PAC: "http://wpad/wpad.dat", Source: sourceSystem}
	if got := mergeProxy(env, sys); got.HTTPS != env.HTTPS || got.Source != "environment" || got.PAC != sys.PAC {
		t.Errorf("environment first, OS PAC still reported: %+v", got)
	}
	if got := mergeProxy(Proxy{NoProxy: "localhost"}, sys); got != sys {
		t.Errorf("no proxy in the environment: the OS's applies: %+v", got)
	}
	if got := mergeProxy(Proxy{}, Proxy{}); got != (Proxy{}) {
		t.Errorf("nothing anywhere: %+v", got)
	}
}

// checkProxyURLs is the parsers' promise: whatever the input, a proxy URL
// they return is a URL with a host.
func checkProxyURLs(t *testing.T, p Proxy) {
	t.Helper()
	for _, u := range []string{p.HTTPS, p.HTTP} {
		if u == "" {
			continue
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" || pu.Hostname() == "" {
			t.Fatalf("proxy URL %q: %v", u, err)
		}
	}
	if p.NoProxy != "" && !p.Set() {
		t.Fatalf("bypass list without a proxy: %+v", p)
	}
	if (p.Set() || p.PAC != "") != (p.Source == sourceSystem) {
		t.Fatalf("source: %+v", p)
	}
}

func FuzzParseScutilProxy(f *testing.F) {
	for _, n := range []string{"macos-scutil-proxy-pac-1.txt", "macos-scutil-proxy-manual-synthetic.txt",
		"macos-scutil-proxy-none-synthetic.txt", "macos-scutil-proxy-wpad-synthetic.txt"} {
		f.Add(readFixture(f, n))
	}
	f.Add("HTTPSEnable : 1\nHTTPSProxy : [::1]\nHTTPSPort : 0x10\n")
	f.Add("<dictionary> {\n  HTTPEnable : 1\n  HTTPProxy : http://u:p@h:1/x\n}\n")
	f.Fuzz(func(t *testing.T, s string) {
		checkProxyURLs(t, ParseScutilProxy(s))
	})
}

func FuzzParseRegInternetSettings(f *testing.F) {
	for _, n := range []string{"disabled", "manual", "perproto", "pac"} {
		f.Add(readFixture(f, "windows-reg-internet-settings-"+n+"-synthetic.txt"))
	}
	f.Add("    ProxyEnable    REG_DWORD    0x1\n    ProxyServer    REG_SZ    https=[fe80::1%eth0]:1;http=:80\n")
	f.Fuzz(func(t *testing.T, s string) {
		p := ParseRegInternetSettings(s)
		checkProxyURLs(t, p)
		if strings.ContainsAny(p.HTTPS+p.HTTP, " \t\r\n") {
			t.Fatalf("whitespace in a proxy URL: %+v", p)
		}
	})
}

func TestPACURLDropsCredentials(t *testing.T) {
	p := ParseScutilProxy("<dictionary> {\n  ProxyAutoConfigEnable : 1\n  ProxyAutoConfigURLString : https://me:secret@pac.example/p.pac?x=1\n}\n")
	if p.PAC != "https://pac.example/p.pac?x=1" {
		t.Errorf("PAC %q", p.PAC)
	}
}
