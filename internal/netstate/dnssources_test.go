package netstate

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const (
	cmdResolvectl = "resolvectl status --no-pager"
	cmdScutil     = "scutil --dns"
	cmdIpconfig   = "ipconfig /all"
)

func noResolvectl(t *testing.T) *fakeCmds {
	return newCmds(t, map[string]reply{"resolvectl": notInstalled})
}

func TestDNSLinux(t *testing.T) {
	stub := readFixture(t, "linux-resolv-conf-3.txt")
	t.Run("plain resolv.conf", func(t *testing.T) {
		cmds := newCmds(t, nil)
		cfg, err := dnsWith(t, "linux", map[string]string{"etc/resolv.conf": readFixture(t, "linux-resolv-conf-2.txt")}, cmds)
		if err != nil {
			t.Fatal(err)
		}
		if got := servers(cfg); !slices.Equal(got, []string{"10.1.1.2 resolv.conf", "10.1.1.1 resolv.conf"}) || cfg.Via != "/etc/resolv.conf" {
			t.Errorf("got %q via %q", got, cfg.Via)
		}
		if len(cmds.Calls()) != 0 {
			t.Errorf("without a stub no command is needed, ran %q", cmds.Calls())
		}
	})
	t.Run("systemd-resolved stub, resolvectl", func(t *testing.T) {
		cmds := newCmds(t, map[string]reply{cmdResolvectl: {out: readFixture(t, "linux-resolvectl-vpn-synthetic.txt")}})
		cfg, err := dnsWith(t, "linux", map[string]string{"etc/resolv.conf": stub}, cmds)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"127.0.0.53 resolv.conf stub",
			"10.8.0.53 systemd-resolved iface=wg0 domains=corp.example,10.in-addr.arpa",
			"10.8.0.54 systemd-resolved iface=wg0 domains=corp.example,10.in-addr.arpa",
			"192.168.1.1 systemd-resolved iface=wlp2s0", "fe80::1%2 systemd-resolved iface=wlp2s0"}
		if got := servers(cfg); !slices.Equal(got, want) {
			t.Errorf("got  %q\nwant %q", got, want)
		}
		if cfg.Via != "/etc/resolv.conf and resolvectl status" || !slices.Equal(cfg.Search, []string{"home.arpa"}) {
			t.Errorf("via %q search %q", cfg.Via, cfg.Search)
		}
		if s, _ := cfg.FirstNonLoopback(); DNSLabel(s.Addr) != "192.168.1.1" {
			t.Errorf("FirstNonLoopback = %v", s)
		}
	})
	t.Run("systemd-resolved stub, resolvectl missing", func(t *testing.T) {
		cfg, err := dnsWith(t, "linux", map[string]string{"etc/resolv.conf": stub,
			"run/systemd/resolve/resolv.conf": "nameserver 192.168.1.1\nnameserver 2001:db8::53\nsearch home.arpa\n"}, noResolvectl(t))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"127.0.0.53 resolv.conf stub", "192.168.1.1 systemd-resolved", "2001:db8::53 systemd-resolved"}
		if got := servers(cfg); !slices.Equal(got, want) || cfg.Via != "/etc/resolv.conf and /run/systemd/resolve/resolv.conf" {
			t.Errorf("got %q via %q", got, cfg.Via)
		}
	})
	t.Run("systemd-resolved without upstream", func(t *testing.T) {
		cfg, err := dnsWith(t, "linux", map[string]string{"etc/resolv.conf": stub,
			"run/systemd/resolve/resolv.conf": "# No DNS servers known.\n"}, noResolvectl(t))
		if err != nil {
			t.Fatal(err)
		}
		if got := servers(cfg); !slices.Equal(got, []string{"127.0.0.53 resolv.conf stub"}) {
			t.Errorf("got %q", got)
		}
		if len(cfg.Notes) != 1 || !strings.Contains(cfg.Notes[0], "systemd-resolved has no DNS server to forward to") {
			t.Errorf("notes %q", cfg.Notes)
		}
	})
	t.Run("systemd-resolved unreadable", func(t *testing.T) {
		cfg, err := dnsWith(t, "linux", map[string]string{"etc/resolv.conf": stub}, noResolvectl(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.Notes) != 1 || !strings.Contains(cfg.Notes[0], "the servers behind systemd-resolved could not be read") {
			t.Errorf("notes %q", cfg.Notes)
		}
	})
	t.Run("no resolv.conf", func(t *testing.T) {
		cfg, err := dnsWith(t, "linux", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := servers(cfg); !slices.Equal(got, []string{"127.0.0.1 resolv.conf"}) || !strings.Contains(strings.Join(cfg.Notes, ""), "does not exist") {
			t.Errorf("got %q notes %q", got, cfg.Notes)
		}
	})
	t.Run("malformed resolv.conf", func(t *testing.T) {
		cfg, err := dnsWith(t, "linux", map[string]string{"etc/resolv.conf": readFixture(t, "linux-resolv-conf-malformed-synthetic.txt")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.Problems) != 3 || cfg.Problems[0] != `/etc/resolv.conf line 3: nameserver "dns.example.com" is not an IP address` {
			t.Errorf("problems %q", cfg.Problems)
		}
	})
	t.Run("binary resolv.conf", func(t *testing.T) {
		_, err := dnsWith(t, "linux", map[string]string{"etc/resolv.conf": "\x7fELF\x00\x00"}, nil)
		if err == nil || err.Error() != "/etc/resolv.conf is not a text file" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("BSD", func(t *testing.T) {
		cfg, err := dnsWith(t, "freebsd", map[string]string{"etc/resolv.conf": "nameserver 192.168.1.1\n"}, nil)
		if err != nil || len(cfg.Servers) != 1 {
			t.Errorf("got %q %v", servers(cfg), err)
		}
	})
}

func TestDNSDarwin(t *testing.T) {
	cmds := newCmds(t, map[string]reply{cmdScutil: {out: readFixture(t, "macos-scutil-dns-vpn-synthetic.txt")}})
	cfg, err := dnsWith(t, "darwin", nil, cmds)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.PerDomainServers()) != 4 || cfg.Via != "scutil --dns" {
		t.Errorf("got %q via %q", servers(cfg), cfg.Via)
	}
	// scutil fails: /etc/resolv.conf, with a note that per-domain
	// resolvers are missing.
	cmds = newCmds(t, map[string]reply{cmdScutil: {err: errors.New("exit status 1: no such key")}})
	cfg, err = dnsWith(t, "darwin", map[string]string{"etc/resolv.conf": "nameserver 192.168.1.1\n"}, cmds)
	if err != nil {
		t.Fatal(err)
	}
	if got := servers(cfg); !slices.Equal(got, []string{"192.168.1.1 resolv.conf"}) || len(cfg.Notes) != 1 ||
		!strings.Contains(cfg.Notes[0], "per-domain (VPN) resolvers are not listed: scutil: exit status 1") {
		t.Errorf("got %q notes %q", got, cfg.Notes)
	}
	// Garbage from scutil counts as a failure too.
	cmds = newCmds(t, map[string]reply{cmdScutil: {out: "No DNS configuration available\n"}})
	cfg, err = dnsWith(t, "darwin", map[string]string{"etc/resolv.conf": "nameserver 192.168.1.1\n"}, cmds)
	if err != nil || len(cfg.Notes) != 1 || !strings.Contains(cfg.Notes[0], `no "resolver #" block`) {
		t.Errorf("got %q notes %q err %v", servers(cfg), cfg.Notes, err)
	}
}

func TestDNSWindows(t *testing.T) {
	cmds := newCmds(t, map[string]reply{cmdIpconfig: {out: readFixture(t, "windows-ipconfig-all-2.txt")}})
	cfg, err := dnsWith(t, "windows", nil, cmds)
	if err != nil {
		t.Fatal(err)
	}
	if got := servers(cfg); !slices.Equal(got, []string{"192.168.1.1 adapter iface=Wi-Fi"}) || len(cmds.Calls()) != 1 {
		t.Errorf("got %q, ran %q", got, cmds.Calls())
	}
	// ipconfig fails: PowerShell's Get-DnsClientServerAddress.
	ps := "powershell -NoProfile -NonInteractive -Command $FormatEnumerationLimit=-1; Get-DnsClientServerAddress | Format-Table -AutoSize | Out-String -Width 4096"
	cmds = newCmds(t, map[string]reply{cmdIpconfig: {err: errExit1},
		ps: {out: readFixture(t, "windows-get-dnsclientserveraddress-1.txt")}})
	cfg, err = dnsWith(t, "windows", nil, cmds)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Servers) != 5 || cfg.Via != "Get-DnsClientServerAddress" {
		t.Errorf("got %q via %q", servers(cfg), cfg.Via)
	}
	// Both fail: one error naming both.
	cmds = newCmds(t, map[string]reply{cmdIpconfig: {err: errExit1}, "powershell": notInstalled})
	_, err = dnsWith(t, "windows", nil, cmds)
	if err == nil || !strings.Contains(err.Error(), "ipconfig: exit status 1") || !strings.Contains(err.Error(), "powershell") {
		t.Errorf("got %v", err)
	}
}
