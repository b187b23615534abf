package wifi

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/report"
)

func TestCheckContract(t *testing.T) {
	c := New()
	if c.ID() != "wifi" || c.Title() != "Wi-Fi signal" {
		t.Errorf("ID %q, Title %q", c.ID(), c.Title())
	}
	if b := c.Budget(); b < spTimeout || b > 5*time.Second {
		t.Errorf("budget %v: must cover system_profiler (%v) and stay small", b, spTimeout)
	}
	for _, d := range []time.Duration{iwTimeout, spTimeout, netshTimeout} {
		if d >= c.Budget() {
			t.Errorf("command timeout %v does not fit the %v budget", d, c.Budget())
		}
	}
	n := c.Needs()
	if len(n.Requires) != 0 || len(n.Uses) != 1 || n.Uses[0] != checks.LocalNetwork || n.LoadsNetwork || n.Privileges != "" {
		t.Errorf("needs = %+v", n)
	}
}

// iface describes one sysfs network interface of a fixture tree.
type iface struct {
	wireless  bool
	phy80211  bool // cfg80211's link instead of the wireless directory
	operstate string
	physical  bool // has a "device" link, as real NICs do
}

// linuxTree builds the sysfs and procfs files the Linux probe reads.
func linuxTree(ifaces map[string]iface, route, wireless string) fstest.MapFS {
	dir := &fstest.MapFile{Mode: fs.ModeDir | 0o555}
	m := fstest.MapFS{"sys/class/net": dir}
	for name, i := range ifaces {
		base := "sys/class/net/" + name + "/"
		m[base+"operstate"] = &fstest.MapFile{Data: []byte(i.operstate + "\n")}
		if i.wireless {
			m[base+"wireless"] = dir
		}
		if i.phy80211 {
			m[base+"phy80211"] = dir
		}
		if i.physical {
			m[base+"device"] = dir
		}
	}
	if route != "" {
		m["proc/net/route"] = &fstest.MapFile{Data: []byte(route)}
	}
	if wireless != "" {
		m["proc/net/wireless"] = &fstest.MapFile{Data: []byte(wireless)}
	}
	return m
}

const routeHead = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"

func defaultVia(ifname string, metric string) string {
	return ifname + "\t00000000\t0101A8C0\t0003\t0\t0\t" + metric + "\t00000000\t0\t0\t0\n" +
		ifname + "\t0001A8C0\t00000000\t0001\t0\t0\t" + metric + "\t00FFFFFF\t0\t0\t0\n"
}

// procWireless renames the interface of a real /proc/net/wireless sample.
func procWireless(t *testing.T, file, from, to string) string {
	return strings.Replace(string(fixture(t, file)), from+":", to+":", 1)
}

func iwOut(ifname, body string) string {
	return "Connected to 00:00:5e:00:53:01 (on " + ifname + ")\n\tSSID: Example Home\n" + body
}

type wantFinding struct {
	severity report.Status
	contains string
	fix      string // exact; "" for none
}

// noIW is a Linux machine without iw anywhere the probe looks for it.
var noIW = map[string]checkstest.Reply{"iw": checkstest.NotInstalled, "/usr/sbin/iw": checkstest.NotInstalled, "/sbin/iw": checkstest.NotInstalled}

type checkCase struct {
	name    string
	probe   probe
	goos    string
	fsys    fs.FS
	cmds    map[string]checkstest.Reply
	status  report.Status
	summary string
	facts   map[string]string // "" value: the fact must be absent
	metrics map[string]any    // float64 value, or a string that the "not measured" note must contain
	finds   []wantFinding     // in order
}

func runCase(t *testing.T, tt checkCase) checks.Result {
	t.Helper()
	env := &checks.Env{OS: tt.goos, FS: tt.fsys, Exec: checkstest.NewCommands(t, tt.cmds)}
	env.Net = treeState(env, tt.fsys)
	c := &check{probe: tt.probe}
	res := c.Run(context.Background(), env)
	if res.Status != tt.status {
		t.Errorf("status = %q, want %q (summary %q, findings %+v)", res.Status, tt.status, res.Summary, res.Findings)
	}
	if res.Summary != tt.summary {
		t.Errorf("summary =\n%q\nwant\n%q", res.Summary, tt.summary)
	}
	for k, v := range tt.facts {
		got, ok := res.Facts[k]
		if v == "" && ok {
			t.Errorf("fact %s = %q, want none", k, got)
		}
		if v != "" && got != v {
			t.Errorf("fact %s = %q, want %q", k, got, v)
		}
	}
	for name, want := range tt.metrics {
		m, ok := res.Metric(name)
		if !ok {
			t.Errorf("metric %s missing", name)
			continue
		}
		switch w := want.(type) {
		case float64:
			if m.Value == nil || *m.Value != w {
				t.Errorf("metric %s = %s, want %v", name, m.FormatValue(), w)
			}
		case string:
			if m.Value != nil || !strings.Contains(m.Note, w) {
				t.Errorf("metric %s = %s, want not measured with %q", name, m.FormatValue(), w)
			}
		}
	}
	if len(res.Findings) != len(tt.finds) {
		t.Errorf("findings = %+v, want %d", res.Findings, len(tt.finds))
	} else {
		for i, w := range tt.finds {
			f := res.Findings[i]
			if f.Severity != w.severity || !strings.Contains(f.Message, w.contains) || f.Fix != w.fix {
				t.Errorf("finding %d = %+v, want %+v", i, f, w)
			}
		}
	}
	// The SSID may appear only under its fact key, which redaction knows.
	if ssid := res.Facts["ssid"]; ssid != "" {
		texts := []string{res.Summary}
		for _, f := range res.Findings {
			texts = append(texts, f.Message, f.Fix)
		}
		for _, m := range res.Metrics {
			texts = append(texts, m.Note)
		}
		for _, s := range texts {
			if strings.Contains(s, ssid) {
				t.Errorf("SSID %q in free text %q", ssid, s)
			}
		}
	}
	return res
}

func TestCheckLinux(t *testing.T) {
	wlanUp := map[string]iface{"lo": {operstate: "unknown"}, "wlan0": {wireless: true, operstate: "up", physical: true}}
	weak5 := iwOut("wlan0", "\tfreq: 5180\n\tsignal: -78 dBm\n\trx bitrate: 150.0 MBit/s VHT-MCS 3 80MHz VHT-NSS 1\n\ttx bitrate: 97.5 MBit/s VHT-MCS 2 80MHz VHT-NSS 1\n")
	weak24 := iwOut("wlan0", "\tfreq: 2437\n\tsignal: -81 dBm\n\trx bitrate: 13.0 MBit/s MCS 1\n\ttx bitrate: 6.5 MBit/s MCS 0\n")
	tests := []checkCase{
		{
			name: "wired machine", fsys: linuxTree(map[string]iface{"eth0": {operstate: "up", physical: true}}, routeHead+defaultVia("eth0", "100"), ""),
			status: report.Skipped, summary: "not on Wi-Fi (wired or no wireless adapter)",
		},
		{
			name: "wireless adapter down", fsys: linuxTree(map[string]iface{"wlan0": {wireless: true, operstate: "down"}, "eth0": {operstate: "up", physical: true}}, "", ""),
			status: report.Skipped, summary: "not on Wi-Fi (wired or no wireless adapter)",
		},
		{
			name: "sysfs unreadable", fsys: fstest.MapFS{},
			status: report.Skipped, summary: "could not tell whether this computer is on Wi-Fi (see the notes)",
			finds: []wantFinding{{report.Pass, "Could not list the network interfaces: open sys/class/net", ""}},
		},
		{
			name:    "strong Wi-Fi 6 (real iw sample)",
			fsys:    linuxTree(map[string]iface{"wlp0s20f3": {wireless: true, operstate: "up"}}, routeHead+defaultVia("wlp0s20f3", "600"), procWireless(t, "linux/proc-net-wireless-1.txt", "wlp5s0", "wlp0s20f3")),
			cmds:    map[string]checkstest.Reply{"iw dev wlp0s20f3 link": {Out: string(fixture(t, "linux/iw-dev-link-1.txt"))}},
			status:  report.Pass,
			summary: "Wi-Fi 6 on 5 GHz channel 149, signal -52 dBm (good), link 574 Mbit/s",
			facts:   map[string]string{"interface": "wlp0s20f3", "ssid": "wifi7-ap", "bssid": "7a:45:58:1b:1f:3e", "band": band5, "standard": "Wi-Fi 6", "source": "iw"},
			metrics: map[string]any{
				"signal_dbm": -52.0, "noise_dbm": "does not report noise", "snr_db": "needs both", "tx_rate_mbps": 573.5,
				"rx_rate_mbps": 344.1, "frequency_mhz": 5745.0, "channel": 149.0, "channel_width_mhz": 40.0,
			},
		},
		{
			name:   "Wi-Fi 7 multi-link (real iw sample), cfg80211 without wireless extensions",
			fsys:   linuxTree(map[string]iface{"wlp0s20f3": {phy80211: true, operstate: "up"}}, "", ""),
			cmds:   map[string]checkstest.Reply{"iw dev wlp0s20f3 link": {Out: string(fixture(t, "linux/iw-dev-link-2.txt"))}},
			status: report.Pass, summary: "Wi-Fi 7 on 5 GHz channel 48 (+1 more link), signal -40 dBm (good), link 4804 Mbit/s",
			facts:   map[string]string{"bssid": "fe:a7:31:16:77:9f", "mlo_bands": "5 GHz + 6 GHz", "standard": "Wi-Fi 7"},
			metrics: map[string]any{"mlo_links": 2.0, "rx_rate_mbps": "not reported by iw", "channel_width_mhz": 320.0, "noise_dbm": "could not be read"},
			finds:   []wantFinding{{report.Pass, "Wi-Fi 7 multi-link connection over 2 links (5 GHz + 6 GHz)", ""}},
		},
		{
			name: "weak signal on 5 GHz", fsys: linuxTree(wlanUp, routeHead+defaultVia("wlan0", "600"), ""),
			cmds:    map[string]checkstest.Reply{"iw dev wlan0 link": {Out: weak5}},
			status:  report.Warn,
			summary: "weak Wi-Fi signal: Wi-Fi 5 on 5 GHz channel 36, signal -78 dBm (weak), link 150 Mbit/s",
			finds:   []wantFinding{{report.Warn, "The Wi-Fi signal is weak: -78 dBm. Calls need -67 dBm or better", fixMove}},
		},
		{
			name: "weak signal and slow link on 2.4 GHz", fsys: linuxTree(wlanUp, routeHead+defaultVia("wlan0", "600"), ""),
			cmds:    map[string]checkstest.Reply{"iw dev wlan0 link": {Out: weak24}},
			status:  report.Warn,
			summary: "weak Wi-Fi signal and slow link: Wi-Fi 4 on 2.4 GHz channel 6, signal -81 dBm (weak), link 13 Mbit/s",
			finds: []wantFinding{
				{report.Warn, "The Wi-Fi signal is weak: -81 dBm", fixMove + fix5GHz},
				{report.Warn, "The Wi-Fi link runs at only 13 Mbit/s", fixMove + fix5GHz},
			},
		},
		{
			name: "slow link, good signal", fsys: linuxTree(wlanUp, "", ""),
			cmds:    map[string]checkstest.Reply{"iw dev wlan0 link": {Out: iwOut("wlan0", "\tfreq: 5500\n\tsignal: -60 dBm\n\trx bitrate: 6.0 MBit/s\n\ttx bitrate: 12.0 MBit/s\n")}},
			status:  report.Warn,
			summary: "slow Wi-Fi link: 802.11a on 5 GHz channel 100, signal -60 dBm (good), link 12 Mbit/s",
			finds:   []wantFinding{{report.Warn, "runs at only 12 Mbit/s", fixMove}},
		},
		{
			name: "fair signal is a note", fsys: linuxTree(wlanUp, "", ""),
			cmds:    map[string]checkstest.Reply{"iw dev wlan0 link": {Out: iwOut("wlan0", "\tfreq: 5180\n\tsignal: -69 dBm\n\ttx bitrate: 200.0 MBit/s VHT-MCS 4 80MHz VHT-NSS 1\n")}},
			status:  report.Pass,
			summary: "Wi-Fi 5 on 5 GHz channel 36, signal -69 dBm (fair), link 200 Mbit/s",
			finds:   []wantFinding{{report.Pass, "just below the -67 dBm", ""}},
		},
		{
			name: "idle rx rate does not make a link slow", fsys: linuxTree(wlanUp, "", ""),
			cmds:    map[string]checkstest.Reply{"iw dev wlan0 link": {Out: iwOut("wlan0", "\tfreq: 5180\n\tsignal: -55 dBm\n\trx bitrate: 6.0 MBit/s\n\ttx bitrate: 866.7 MBit/s VHT-MCS 9 80MHz short GI VHT-NSS 2\n")}},
			status:  report.Pass,
			summary: "Wi-Fi 5 on 5 GHz channel 36, signal -55 dBm (good), link 867 Mbit/s",
		},
		{
			name: "weak Wi-Fi beside a cable that carries the traffic",
			fsys: linuxTree(map[string]iface{
				"wlan0":       {wireless: true, operstate: "up", physical: true},
				"enp0s31f6":   {operstate: "up", physical: true},
				"docker0":     {operstate: "down"},
				"wg-corp-vpn": {operstate: "unknown"},
			}, routeHead+defaultVia("wlan0", "600")+defaultVia("enp0s31f6", "100"), ""),
			cmds:    map[string]checkstest.Reply{"iw dev wlan0 link": {Out: weak24}},
			status:  report.Pass,
			summary: "Wi-Fi 4 on 2.4 GHz channel 6, signal -81 dBm (weak), link 13 Mbit/s; your traffic uses the cable (enp0s31f6), not Wi-Fi",
			facts:   map[string]string{"traffic_via": "enp0s31f6"},
			finds: []wantFinding{
				{report.Pass, "Your traffic goes through enp0s31f6 (a cable) instead", ""},
				{report.Pass, "does not affect calls", ""},
			},
		},
		{
			name: "a VPN's default route does not hide the Wi-Fi",
			fsys: linuxTree(map[string]iface{"wlan0": {wireless: true, operstate: "up", physical: true}, "tun0": {operstate: "unknown"}},
				routeHead+defaultVia("tun0", "50")+defaultVia("wlan0", "600"), ""),
			cmds:    map[string]checkstest.Reply{"iw dev wlan0 link": {Out: weak5}},
			status:  report.Warn,
			summary: "weak Wi-Fi signal: Wi-Fi 5 on 5 GHz channel 36, signal -78 dBm (weak), link 150 Mbit/s",
			finds:   []wantFinding{{report.Warn, "weak", fixMove}},
		},
		{
			name: "two adapters up: the one with the default route",
			fsys: linuxTree(map[string]iface{"wlan0": {wireless: true, operstate: "up"}, "wlan1": {wireless: true, operstate: "up"}}, routeHead+defaultVia("wlan1", "600"), ""),
			cmds: map[string]checkstest.Reply{
				"iw dev wlan1 link": {Out: iwOut("wlan1", "\tfreq: 5180\n\tsignal: -50 dBm\n\ttx bitrate: 866.7 MBit/s VHT-MCS 9 80MHz VHT-NSS 2\n")},
			},
			status: report.Pass, summary: "Wi-Fi 5 on 5 GHz channel 36, signal -50 dBm (good), link 867 Mbit/s",
			facts: map[string]string{"interface": "wlan1"},
		},
		{
			name: "iw only in /usr/sbin (Debian user PATH)", fsys: linuxTree(wlanUp, "", ""),
			cmds:   map[string]checkstest.Reply{"iw": checkstest.NotInstalled, "/usr/sbin/iw dev wlan0 link": {Out: weak5}},
			status: report.Warn, summary: "weak Wi-Fi signal: Wi-Fi 5 on 5 GHz channel 36, signal -78 dBm (weak), link 150 Mbit/s",
			finds: []wantFinding{{report.Warn, "weak", fixMove}},
		},
		{
			name:    "iw missing: /proc/net/wireless only (real sample)",
			cmds:    noIW,
			fsys:    linuxTree(map[string]iface{"wlp5s0": {wireless: true, operstate: "up"}}, "", string(fixture(t, "linux/proc-net-wireless-1.txt"))),
			status:  report.Pass,
			summary: "Wi-Fi, signal -42 dBm (good), link rate not measured",
			facts:   map[string]string{"source": "/proc/net/wireless", "ssid": ""},
			metrics: map[string]any{"signal_dbm": -42.0, "tx_rate_mbps": "needs iw, which is not installed", "frequency_mhz": "needs iw"},
			finds:   []wantFinding{{report.Pass, "iw is not installed", ""}},
		},
		{
			name:    "iw missing, driver level not in dBm (real Raspberry Pi sample)",
			cmds:    noIW,
			fsys:    linuxTree(map[string]iface{"wlan0": {wireless: true, operstate: "up"}}, "", string(fixture(t, "linux/proc-net-wireless-2.txt"))),
			status:  report.Pass,
			summary: "Wi-Fi, signal and link rate not measured",
			metrics: map[string]any{"signal_dbm": "not measured in dBm: the driver reports the signal as 95 on its own scale", "noise_dbm": "does not report noise"},
			finds:   []wantFinding{{report.Pass, "iw is not installed", ""}},
		},
		{
			name:    "garbage from iw: falls back to /proc/net/wireless",
			fsys:    linuxTree(map[string]iface{"wlp2s0": {wireless: true, operstate: "up"}}, "", string(fixture(t, "linux/proc-net-wireless-3.txt"))),
			cmds:    map[string]checkstest.Reply{"iw dev wlp2s0 link": {Out: "\x00\xffgarbage\n"}},
			status:  report.Pass,
			summary: "Wi-Fi, signal -47 dBm (good), link rate not measured",
			metrics: map[string]any{"signal_dbm": -47.0, "tx_rate_mbps": "not reported by /proc/net/wireless"},
			finds:   []wantFinding{{report.Pass, `Could not read the Wi-Fi link: iw dev wlp2s0 link printed neither "Connected to" nor "Not connected."`, ""}},
		},
		{
			name:   "iw fails and no /proc/net/wireless: on Wi-Fi, nothing read",
			fsys:   linuxTree(wlanUp, "", ""),
			cmds:   map[string]checkstest.Reply{"iw dev wlan0 link": {Err: errors.New("exit status 237: command failed: No such device (-19)")}},
			status: report.Error, summary: "on Wi-Fi (wlan0) but could not read the signal or the link (see the notes)",
			metrics: map[string]any{"signal_dbm": "neither iw nor /proc/net/wireless could be read"},
			finds: []wantFinding{
				{report.Pass, "Could not read the Wi-Fi link: iw: exit status 237", ""},
				{report.Pass, "Could not read the signal from /proc/net/wireless", ""},
			},
		},
		{
			name: "iw says not connected", fsys: linuxTree(wlanUp, "", ""),
			cmds:   map[string]checkstest.Reply{"iw dev wlan0 link": {Out: "Not connected.\n"}},
			status: report.Skipped, summary: "not on Wi-Fi (wired or no wireless adapter)",
			finds: []wantFinding{{report.Pass, "wlan0 is up but iw says it is not connected", ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.probe, tt.goos = linuxProbe{}, "linux"
			runCase(t, tt)
		})
	}
}

func TestCheckMacOS(t *testing.T) {
	sp := "system_profiler SPAirPortDataType -json"
	tests := []checkCase{
		{
			name:    "SSID hidden by macOS",
			cmds:    map[string]checkstest.Reply{sp: {Out: string(fixture(t, "macos/system-profiler-airport-15-redacted.json"))}},
			status:  report.Pass,
			summary: "Wi-Fi 6 on 5 GHz channel 36, signal -56 dBm (good), link 864 Mbit/s",
			facts:   map[string]string{"interface": "en0", "ssid": "", "bssid": "", "source": "system_profiler"},
			metrics: map[string]any{"snr_db": 38.0, "noise_dbm": -94.0, "frequency_mhz": 5180.0, "channel_width_mhz": 80.0,
				"rx_rate_mbps": "macOS reports only the transmit rate"},
			finds: []wantFinding{{report.Pass, "macOS hides the Wi-Fi network name", ""}},
		},
		{
			name:    "weak on 2.4 GHz",
			cmds:    map[string]checkstest.Reply{sp: {Out: string(fixture(t, "macos/system-profiler-airport-14-2ghz-weak.json"))}},
			status:  report.Warn,
			summary: "weak Wi-Fi signal: Wi-Fi 4 on 2.4 GHz channel 6, signal -76 dBm (weak), link 26 Mbit/s",
			facts:   map[string]string{"ssid": "Example Home 2G", "bssid": "00:00:5e:00:53:01", "band": band24},
			metrics: map[string]any{"frequency_mhz": 2437.0, "snr_db": 15.0},
			finds:   []wantFinding{{report.Warn, "weak: -76 dBm", fixMove + fix5GHz}},
		},
		{
			// Real output lists awdl0 first, with a current-network block
			// of its own: the link is en0's.
			name:    "awdl0 listed before the connected en0",
			cmds:    map[string]checkstest.Reply{sp: {Out: string(fixture(t, "macos/system-profiler-airport-awdl-first-written.json"))}},
			status:  report.Pass,
			summary: "Wi-Fi 5 on 5 GHz channel 149, signal -58 dBm (good), link 702 Mbit/s",
			facts:   map[string]string{"interface": "en0"},
			finds:   []wantFinding{{report.Pass, "macOS hides the Wi-Fi network name", ""}},
		},
		{
			name:   "Wi-Fi off, awdl0 still listed with a network block",
			cmds:   map[string]checkstest.Reply{sp: {Out: string(fixture(t, "macos/system-profiler-airport-off-awdl-written.json"))}},
			status: report.Skipped, summary: "not on Wi-Fi (wired or no wireless adapter)",
		},
		{
			name:   "Wi-Fi on, not connected",
			cmds:   map[string]checkstest.Reply{sp: {Out: string(fixture(t, "macos/system-profiler-airport-disconnected.json"))}},
			status: report.Skipped, summary: "not on Wi-Fi (wired or no wireless adapter)",
		},
		{
			name:   "no Wi-Fi card",
			cmds:   map[string]checkstest.Reply{sp: {Out: string(fixture(t, "macos/system-profiler-airport-no-card.json"))}},
			status: report.Skipped, summary: "not on Wi-Fi (wired or no wireless adapter)",
		},
		{
			name:   "system_profiler missing",
			cmds:   map[string]checkstest.Reply{"system_profiler": checkstest.NotInstalled},
			status: report.Skipped, summary: "could not tell whether this computer is on Wi-Fi (see the notes)",
			finds: []wantFinding{{report.Pass, "Could not read the Wi-Fi state: system_profiler is not installed or not on PATH", ""}},
		},
		{
			name:   "system_profiler prints garbage",
			cmds:   map[string]checkstest.Reply{sp: {Out: "2024-01-01 system_profiler[1:2] error\n"}},
			status: report.Skipped, summary: "could not tell whether this computer is on Wi-Fi (see the notes)",
			finds: []wantFinding{{report.Pass, "not system_profiler JSON", ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.probe, tt.goos = darwinProbe{}, "darwin"
			runCase(t, tt)
		})
	}
}

func TestCheckWindows(t *testing.T) {
	netsh := "netsh wlan show interfaces"
	tests := []checkCase{
		{
			name:    "English, Windows 10: signal estimated from percent",
			cmds:    map[string]checkstest.Reply{netsh: {Out: string(fixture(t, "windows/netsh-wlan-show-interfaces-en-win10.txt"))}},
			status:  report.Pass,
			summary: "Wi-Fi 5 on 5 GHz channel 44, signal about -57 dBm (good), link 867 Mbit/s",
			facts:   map[string]string{"interface": "Wi-Fi", "adapter": "Intel(R) Dual Band Wireless-AC 8265", "ssid": "Example Home", "bssid": "00:00:5e:00:53:20", "source": "netsh"},
			metrics: map[string]any{"signal_dbm": -56.5, "signal_quality_percent": 87.0, "frequency_mhz": 5220.0, "snr_db": "needs both",
				"noise_dbm": "netsh does not report noise", "channel_width_mhz": "netsh does not report the channel width"},
			finds: []wantFinding{{report.Pass, "estimated from Windows's signal quality of 87 %", ""}},
		},
		{
			name:    "German, OEM code page, RSSI line: weak on 2.4 GHz",
			cmds:    map[string]checkstest.Reply{netsh: {Out: string(fixture(t, "windows/netsh-wlan-show-interfaces-de-win11-cp850.txt"))}},
			status:  report.Warn,
			summary: "weak Wi-Fi signal: Wi-Fi 4 on 2.4 GHz channel 6, signal -79 dBm (weak), link 72.2 Mbit/s",
			facts:   map[string]string{"interface": "WLAN", "ssid": "Beispiel-Netz"},
			metrics: map[string]any{"signal_dbm": -79.0, "signal_quality_percent": 40.0, "rx_rate_mbps": 72.2, "tx_rate_mbps": 65.0, "frequency_mhz": 2437.0},
			finds:   []wantFinding{{report.Warn, "weak: -79 dBm", fixMove + fix5GHz}},
		},
		{
			name:    "French, two adapters, 6 GHz",
			cmds:    map[string]checkstest.Reply{netsh: {Out: string(fixture(t, "windows/netsh-wlan-show-interfaces-fr-two-utf8.txt"))}},
			status:  report.Pass,
			summary: "Wi-Fi 6E on 6 GHz channel 37, signal about -54 dBm (good), link 1201 Mbit/s",
			facts:   map[string]string{"interface": "Wi-Fi 2", "band": band6},
			metrics: map[string]any{"frequency_mhz": 6135.0},
			finds:   []wantFinding{{report.Pass, "estimated", ""}},
		},
		{
			name:   "no wireless interface",
			cmds:   map[string]checkstest.Reply{netsh: {Out: string(fixture(t, "windows/netsh-wlan-show-interfaces-en-none.txt"))}},
			status: report.Skipped, summary: "not on Wi-Fi (wired or no wireless adapter)",
			finds: []wantFinding{{report.Pass, "netsh: There is no wireless interface on the system.", ""}},
		},
		{
			name:   "WLAN service stopped (exit status 1)",
			cmds:   map[string]checkstest.Reply{netsh: {Out: "The Wireless AutoConfig Service (wlansvc) is not running.\r\n", Err: errors.New("exit status 1")}},
			status: report.Skipped, summary: "not on Wi-Fi (wired or no wireless adapter)",
			finds: []wantFinding{{report.Pass, "wlansvc", ""}},
		},
		{
			name:   "Location permission missing",
			cmds:   map[string]checkstest.Reply{netsh: {Out: "Network shell commands need location permission to access WLAN information. Turn on Location services on the Location page in Privacy & security settings.\r\n", Err: errors.New("exit status 1")}},
			status: report.Skipped, summary: "could not tell whether this computer is on Wi-Fi (see the notes)",
			finds: []wantFinding{{report.Pass, "netsh needs Location permission", ""}},
		},
		{
			name:   "netsh missing",
			cmds:   map[string]checkstest.Reply{"netsh": checkstest.NotInstalled},
			status: report.Skipped, summary: "could not tell whether this computer is on Wi-Fi (see the notes)",
			finds: []wantFinding{{report.Pass, "not installed", ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.probe, tt.goos = windowsProbe{}, "windows"
			runCase(t, tt)
		})
	}
}

func TestCheckUnsupported(t *testing.T) {
	runCase(t, checkCase{probe: unsupportedProbe{}, goos: "freebsd", status: report.Skipped, summary: "Wi-Fi details are not available on FreeBSD yet"})
}

// A cancelled run (the runner's deadline) must still return a result, and
// never call a command.
func TestCheckCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tree := linuxTree(map[string]iface{"wlan0": {wireless: true, operstate: "up"}}, "", "")
	for _, p := range []probe{linuxProbe{}, darwinProbe{}, windowsProbe{}} {
		ex := checkstest.NewCommands(t, nil)
		res := (&check{probe: p}).Run(ctx, &checks.Env{FS: tree, Exec: ex})
		if !res.Status.Valid() || res.Status == report.Pass || res.Summary == "" {
			t.Errorf("%T: %+v", p, res)
		}
		if len(ex.Calls()) != 0 {
			t.Errorf("%T ran %v after cancellation", p, ex.Calls())
		}
	}
	// A nil env is a programming error elsewhere, but must not panic here.
	if res := (&check{probe: linuxProbe{}}).Run(context.Background(), nil); res.Status != report.Skipped {
		t.Errorf("nil env: %+v", res)
	}
}

// treeState is the network state a run reads from a fixture tree: the
// interfaces sysfs lists (up when their operstate says so) and the route
// table, through the real Linux sources. Other OSes' cases get an empty
// state: their probes do not read it.
func treeState(env *checks.Env, fsys fs.FS) *netstate.State {
	if env.OS != "linux" || fsys == nil {
		return netstate.FromSnapshot(netstate.Snapshot{})
	}
	cfg := env.NetConfig()
	cfg.Exec = nil // the network state runs no command here
	cfg.ListInterfaces = func() ([]netstate.SysInterface, error) {
		entries, err := fs.ReadDir(fsys, "sys/class/net")
		if err != nil {
			return nil, err
		}
		var list []netstate.SysInterface
		for i, e := range entries {
			s := netstate.SysInterface{Index: i + 2, Name: e.Name()}
			if state, err := fs.ReadFile(fsys, "sys/class/net/"+e.Name()+"/operstate"); err == nil && strings.TrimSpace(string(state)) == "up" {
				s.Flags = net.FlagUp | net.FlagRunning
			}
			list = append(list, s)
		}
		return list, nil
	}
	return netstate.New(cfg)
}
