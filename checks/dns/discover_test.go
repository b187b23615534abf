package dns

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
)

const (
	cmdResolvectl = "resolvectl status --no-pager"
	cmdScutil     = "scutil --dns"
	cmdIpconfig   = "ipconfig /all"
)

func discoverWith(t *testing.T, goos string, files map[string]string, cmds *checkstest.Commands) (Config, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	if cmds == nil {
		cmds = checkstest.NewCommands(t, nil)
	}
	return Discover(t.Context(), &checks.Env{OS: goos, FS: fsys, Exec: cmds})
}

func noResolvectl(t *testing.T) *checkstest.Commands {
	return checkstest.NewCommands(t, map[string]checkstest.Reply{"resolvectl": checkstest.NotInstalled})
}

func TestDiscoverLinux(t *testing.T) {
	stub := readFixture(t, "linux-resolv-conf-3.txt")
	t.Run("plain resolv.conf", func(t *testing.T) {
		cmds := checkstest.NewCommands(t, nil)
		cfg, err := discoverWith(t, "linux", map[string]string{"etc/resolv.conf": readFixture(t, "linux-resolv-conf-2.txt")}, cmds)
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
		cmds := checkstest.NewCommands(t, map[string]checkstest.Reply{cmdResolvectl: {Out: readFixture(t, "linux-resolvectl-vpn-synthetic.txt")}})
		cfg, err := discoverWith(t, "linux", map[string]string{"etc/resolv.conf": stub}, cmds)
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
		if s, _ := cfg.FirstNonLoopback(); label(s.Addr) != "192.168.1.1" {
			t.Errorf("FirstNonLoopback = %v", s)
		}
	})
	t.Run("systemd-resolved stub, resolvectl missing", func(t *testing.T) {
		cfg, err := discoverWith(t, "linux", map[string]string{"etc/resolv.conf": stub,
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
		cfg, err := discoverWith(t, "linux", map[string]string{"etc/resolv.conf": stub,
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
		cfg, err := discoverWith(t, "linux", map[string]string{"etc/resolv.conf": stub}, noResolvectl(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.Notes) != 1 || !strings.Contains(cfg.Notes[0], "the servers behind systemd-resolved could not be read") {
			t.Errorf("notes %q", cfg.Notes)
		}
	})
	t.Run("no resolv.conf", func(t *testing.T) {
		cfg, err := discoverWith(t, "linux", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := servers(cfg); !slices.Equal(got, []string{"127.0.0.1 resolv.conf"}) || !strings.Contains(strings.Join(cfg.Notes, ""), "does not exist") {
			t.Errorf("got %q notes %q", got, cfg.Notes)
		}
	})
	t.Run("malformed resolv.conf", func(t *testing.T) {
		cfg, err := discoverWith(t, "linux", map[string]string{"etc/resolv.conf": readFixture(t, "linux-resolv-conf-malformed-synthetic.txt")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.Problems) != 3 || cfg.Problems[0] != `/etc/resolv.conf line 3: nameserver "dns.example.com" is not an IP address` {
			t.Errorf("problems %q", cfg.Problems)
		}
	})
	t.Run("binary resolv.conf", func(t *testing.T) {
		_, err := discoverWith(t, "linux", map[string]string{"etc/resolv.conf": "\x7fELF\x00\x00"}, nil)
		if err == nil || err.Error() != "dns: /etc/resolv.conf is not a text file" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("BSD", func(t *testing.T) {
		cfg, err := discoverWith(t, "freebsd", map[string]string{"etc/resolv.conf": "nameserver 192.168.1.1\n"}, nil)
		if err != nil || len(cfg.Servers) != 1 {
			t.Errorf("got %q %v", servers(cfg), err)
		}
	})
}

func TestDiscoverDarwin(t *testing.T) {
	cmds := checkstest.NewCommands(t, map[string]checkstest.Reply{cmdScutil: {Out: readFixture(t, "macos-scutil-dns-vpn-synthetic.txt")}})
	cfg, err := discoverWith(t, "darwin", nil, cmds)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.PerDomainServers()) != 4 || cfg.Via != "scutil --dns" {
		t.Errorf("got %q via %q", servers(cfg), cfg.Via)
	}
	// scutil fails: /etc/resolv.conf, with a note that per-domain
	// resolvers are missing.
	cmds = checkstest.NewCommands(t, map[string]checkstest.Reply{cmdScutil: {Err: errors.New("exit status 1: no such key")}})
	cfg, err = discoverWith(t, "darwin", map[string]string{"etc/resolv.conf": "nameserver 192.168.1.1\n"}, cmds)
	if err != nil {
		t.Fatal(err)
	}
	if got := servers(cfg); !slices.Equal(got, []string{"192.168.1.1 resolv.conf"}) || len(cfg.Notes) != 1 ||
		!strings.Contains(cfg.Notes[0], "per-domain (VPN) resolvers are not listed: scutil: exit status 1") {
		t.Errorf("got %q notes %q", got, cfg.Notes)
	}
	// Garbage from scutil counts as a failure too.
	cmds = checkstest.NewCommands(t, map[string]checkstest.Reply{cmdScutil: {Out: "No DNS configuration available\n"}})
	cfg, err = discoverWith(t, "darwin", map[string]string{"etc/resolv.conf": "nameserver 192.168.1.1\n"}, cmds)
	if err != nil || len(cfg.Notes) != 1 || !strings.Contains(cfg.Notes[0], `no "resolver #" block`) {
		t.Errorf("got %q notes %q err %v", servers(cfg), cfg.Notes, err)
	}
}

func TestDiscoverWindows(t *testing.T) {
	cmds := checkstest.NewCommands(t, map[string]checkstest.Reply{cmdIpconfig: {Out: readFixture(t, "windows-ipconfig-all-2.txt")}})
	cfg, err := discoverWith(t, "windows", nil, cmds)
	if err != nil {
		t.Fatal(err)
	}
	if got := servers(cfg); !slices.Equal(got, []string{"192.168.1.1 adapter iface=Wi-Fi"}) || len(cmds.Calls()) != 1 {
		t.Errorf("got %q, ran %q", got, cmds.Calls())
	}
	// ipconfig fails: PowerShell's Get-DnsClientServerAddress.
	ps := "powershell -NoProfile -NonInteractive -Command $FormatEnumerationLimit=-1; Get-DnsClientServerAddress | Format-Table -AutoSize | Out-String -Width 4096"
	cmds = checkstest.NewCommands(t, map[string]checkstest.Reply{cmdIpconfig: {Err: errors.New("exit status 1")},
		ps: {Out: readFixture(t, "windows-get-dnsclientserveraddress-1.txt")}})
	cfg, err = discoverWith(t, "windows", nil, cmds)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Servers) != 5 || cfg.Via != "Get-DnsClientServerAddress" {
		t.Errorf("got %q via %q", servers(cfg), cfg.Via)
	}
	// Both fail: one error naming both.
	cmds = checkstest.NewCommands(t, map[string]checkstest.Reply{cmdIpconfig: {Err: errors.New("exit status 1")}, "powershell": checkstest.NotInstalled})
	_, err = discoverWith(t, "windows", nil, cmds)
	if err == nil || !strings.Contains(err.Error(), "ipconfig: exit status 1") || !strings.Contains(err.Error(), "powershell") {
		t.Errorf("got %v", err)
	}
}

func TestDiscoverNilEnv(t *testing.T) {
	if _, err := Discover(t.Context(), nil); err == nil {
		t.Error("a nil env must be an error")
	}
}
