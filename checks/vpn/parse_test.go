package vpn

import (
	"context"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestParseWGShowRealOutputs(t *testing.T) {
	list, err := parseWGShow(fixture(t, "linux-wg-show-algo.txt"))
	if err != nil || len(list) != 1 {
		t.Fatalf("%+v %v", list, err)
	}
	w := list[0]
	if w.Name != "wg0" || w.ListenPort != 51820 || len(w.Peers) != 2 {
		t.Fatalf("%+v", w)
	}
	p := w.Peers[0]
	if !p.HasHandshake || p.Handshake != 9*time.Minute+20*time.Second || p.Endpoint != "mypublicip:58680" ||
		len(p.AllowedIPs) != 2 || p.AllowedIPs[0] != p4("10.19.49.4/32") || p.RxBytes != 1.11*(1<<20) || p.TxBytes != 4.75*(1<<20) {
		t.Errorf("first peer %+v", p)
	}
	if _, ok := p.EndpointAddr(); ok {
		t.Error("the publisher's placeholder is no address")
	}
	if q := w.Peers[1]; q.HasHandshake || q.Endpoint != "" || q.RxBytes != -1 {
		t.Errorf("a peer that never connected: %+v", q)
	}

	list, err = parseWGShow(fixture(t, "linux-wg-show-boringtun.txt"))
	if err != nil || len(list) != 1 || len(list[0].Peers) != 2 {
		t.Fatalf("%+v %v", list, err)
	}
	if p := list[0].Peers[0]; p.HasHandshake {
		t.Errorf("boringtun's epoch handshake is no handshake: %+v", p)
	}

	list, err = parseWGShow(fixture(t, "linux-wg-show-wireguard-go.txt"))
	if err != nil || len(list) != 2 || list[1].Name != "wgexpb" {
		t.Fatalf("%+v %v", list, err)
	}
	p = list[0].Peers[0]
	if ap, ok := p.EndpointAddr(); !ok || ap != netip.MustParseAddrPort("10.99.0.2:51820") || p.Handshake != 2*time.Second || p.RxBytes != 92 || p.TxBytes != 404 {
		t.Errorf("%+v", p)
	}
	if p.PublicKey != "3o/7Sjy8aJGU78ho968TLorGCXLZTZaaUr0V0pXnvlQ=" {
		t.Errorf("key %q", p.PublicKey)
	}
}

func TestParseWGShowPermission(t *testing.T) {
	_, err := parseWGShow("Unable to access interface: Operation not permitted\n")
	if err != errWGPermission {
		t.Errorf("%v", err)
	}
}

func TestParseWGAge(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"Now": 0, "1 second ago": time.Second, "1 minute, 20 seconds ago": 80 * time.Second,
		"2 days, 3 hours ago": 51 * time.Hour, "1 year, 1 day ago": 366 * 24 * time.Hour, "every 25 seconds": -1,
	} {
		got, ok := parseWGAge(strings.TrimPrefix(in, "every "))
		if in == "every 25 seconds" {
			want, ok = 25*time.Second, got == 25*time.Second
		}
		if !ok || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "ago", "soon", "5 fortnights ago", "x seconds ago", "99999999999 years ago", "1 second, ago"} {
		if got, ok := parseWGAge(bad); ok {
			t.Errorf("%q: %v", bad, got)
		}
	}
}

func TestParseWGTransfer(t *testing.T) {
	rx, tx := parseWGTransferLine("13.88 MiB received, 241.09 MiB sent")
	if rx != 13.88*(1<<20) || tx != 241.09*(1<<20) {
		t.Errorf("%v %v", rx, tx)
	}
	if rx, tx := parseWGTransferLine("lots received"); rx != -1 || tx != -1 {
		t.Errorf("%v %v", rx, tx)
	}
	m := parseWGTransferAll(fixture(t, "linux-wg-show-all-transfer-wireguard-go.txt"))
	if c := m[wgCounter{"wgexpa", "3o/7Sjy8aJGU78ho968TLorGCXLZTZaaUr0V0pXnvlQ="}]; c != [2]uint64{1800, 2240} || len(m) != 2 {
		t.Errorf("%v", m)
	}
}

func TestApplyCounters(t *testing.T) {
	list := []wgInterface{{Name: "wg0", Peers: []wgPeer{{PublicKey: "k"}, {PublicKey: "new"}, {PublicKey: "reset"}}}}
	before := map[wgCounter][2]uint64{{"wg0", "k"}: {100, 200}, {"wg0", "reset"}: {500, 500}}
	after := map[wgCounter][2]uint64{{"wg0", "k"}: {100, 712}, {"wg0", "new"}: {1, 1}, {"wg0", "reset"}: {0, 0}}
	applyCounters(list, before, after)
	if p := list[0].Peers[0]; !p.DuringKnown || p.ReceivedDuring != 0 || p.SentDuring != 512 {
		t.Errorf("%+v", p)
	}
	if list[0].Peers[1].DuringKnown || list[0].Peers[2].DuringKnown {
		t.Errorf("a new or reset peer has no figures: %+v", list[0].Peers)
	}
}

func TestProcessLists(t *testing.T) {
	ps := parsePsComm(fixture(t, "macos-ps-axo-comm-synthetic.txt"))
	got := runningClients("darwin", ps)
	if len(got) != 1 || got[0].Name != "OpenVPN" || got[0].Process != "openvpn" {
		t.Errorf("macOS: %+v", got)
	}
	names, err := parseTasklistCSV(fixture(t, "windows-tasklist-csv-anyconnect-synthetic.txt"))
	if err != nil || len(names) != 8 {
		t.Fatalf("%v %v", names, err)
	}
	got = runningClients("windows", names)
	if len(got) != 1 || got[0].Name != "Cisco Secure Client (AnyConnect)" || got[0].Process != "vpnagent.exe" {
		t.Errorf("Windows: %+v", got)
	}
	if names, err := parseTasklistCSV(fixture(t, "windows-tasklist-csv-none-synthetic.txt")); err != nil || len(names) != 0 {
		t.Errorf("INFO line: %v %v", names, err)
	}
	if _, err := parseTasklistCSV("\"unterminated,\"x\n\"a\"b\"\n"); err != nil {
		t.Logf("broken CSV: %v", err) // lazy quotes accept most; an error is also fine
	}
	fsys := fstest.MapFS{
		"proc/1/comm":    {Data: []byte("systemd\n")},
		"proc/812/comm":  {Data: []byte("wireguard-go\n")},
		"proc/900/comm":  {Data: []byte("tailscaled\n")},
		"proc/self/comm": {Data: []byte("wfh\n")},
		"proc/net/route": {Data: []byte("x")},
	}
	comms, err := procComms(context.Background(), fsys)
	if err != nil || strings.Join(comms, ",") != "systemd,tailscaled,wireguard-go" {
		t.Fatalf("%v %v", comms, err)
	}
	got = runningClients("linux", comms)
	if len(got) != 2 || got[0].Name != "WireGuard" || got[1].Name != "Tailscale" {
		t.Errorf("Linux: %+v", got)
	}
	if _, err := procComms(context.Background(), fstest.MapFS{}); err == nil {
		t.Error("no /proc must be an error")
	}
}

func TestClientForTunnel(t *testing.T) {
	for _, tc := range []struct{ name, desc, want string }{
		{"tailscale0", "", "Tailscale"}, {"cscotun0", "", "Cisco Secure Client (AnyConnect)"}, {"wg0", "", "WireGuard"},
		{"Ethernet 3", "PANGP Virtual Ethernet Adapter", "GlobalProtect"}, {"Local Area Connection", "TAP-Windows Adapter V9", "OpenVPN"},
		{"utun3", "", ""}, {"tun0", "", ""},
	} {
		if got := clientForTunnel(tc.name, tc.desc); got != tc.want {
			t.Errorf("%s/%s: %q, want %q", tc.name, tc.desc, got, tc.want)
		}
	}
}

// TestClientTableDocumented keeps docs/checks.md's table of VPN clients in
// step with the code's.
func TestClientTableDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/checks.md")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(doc), "## vpn")
	if i < 0 {
		t.Fatal("docs/checks.md has no vpn section")
	}
	section := string(doc[i:])
	if j := strings.Index(section[1:], "\n## "); j > 0 {
		section = section[:j+1]
	}
	for _, c := range clients {
		row := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(c.Name) + ` \|.*$`).FindString(section)
		if row == "" {
			t.Errorf("docs/checks.md: no row for %s", c.Name)
			continue
		}
		for _, p := range append(append(append(append([]string{}, c.Linux...), c.Darwin...), c.Windows...), c.Ifaces...) {
			if !strings.Contains(row, "`"+p+"`") && !strings.Contains(row, "`"+p+".exe`") && !strings.Contains(row, "`"+p+"*`") {
				t.Errorf("docs/checks.md, row %s: %q missing", c.Name, p)
			}
		}
	}
}

func FuzzParseWGShow(f *testing.F) {
	for _, n := range []string{"linux-wg-show-algo.txt", "linux-wg-show-boringtun.txt", "linux-wg-show-wireguard-go.txt", "linux-wg-show-all-transfer-wireguard-go.txt"} {
		f.Add(fixture(f, n))
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, _ := parseWGShow(s)
		for _, w := range list {
			if w.Name == "" {
				t.Fatal("interface without a name")
			}
			for _, p := range w.Peers {
				if p.HasHandshake && (p.Handshake < 0 || p.Handshake >= wgBogusAge) {
					t.Fatalf("handshake %v", p.Handshake)
				}
			}
		}
		for k := range parseWGTransferAll(s) {
			if k.Iface == "" {
				t.Fatal("counter without interface")
			}
		}
		parseWGAge(s)
		parseWGTransferLine(s)
	})
}

func FuzzParseProcessLists(f *testing.F) {
	for _, n := range []string{"macos-ps-axo-comm-synthetic.txt", "windows-tasklist-csv-anyconnect-synthetic.txt", "windows-tasklist-csv-none-synthetic.txt"} {
		f.Add(fixture(f, n))
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, goos := range []string{"darwin", "windows", "linux"} {
			for _, c := range runningClients(goos, parsePsComm(s)) {
				if c.Name == "" {
					t.Fatal("client without a name")
				}
			}
		}
		names, _ := parseTasklistCSV(s)
		runningClients("windows", names)
	})
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"https://intranet.acme.example/", "http://10.0.0.1:8080/x", "files.acme.example:445", "[fd00::1]:443", "intranet", "ftp://x/", "https://", "a b:1", ":80", "host:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg := parseTarget(s, 0)
		if tg.Problem == "" && (tg.Host == "" || !validPort(tg.Port)) {
			t.Fatalf("usable target without host or port: %+v", tg)
		}
		if tg.Problem != "" && (tg.URL != nil || tg.Host != "") {
			t.Fatalf("unusable target with a host: %+v", tg)
		}
	})
}
