package wifi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/report"
)

// linuxProbe reads sysfs and procfs through env.FS and runs iw through
// env.Exec, never the os package, so that fixture trees and fake commands
// stand in for any machine. That is why this file has no _linux suffix.
type linuxProbe struct{}

const (
	// iwTimeout: iw asks the kernel over netlink and answers in
	// milliseconds; 1.5 s covers a loaded machine and still leaves most of
	// the budget for the /proc/net/wireless fallback when iw hangs.
	iwTimeout = 1500 * time.Millisecond

	// maxFileSize caps every file read: the files read here are under
	// 4 kB on any real machine, and a cap means a corrupt tree cannot hang
	// the check or exhaust memory.
	maxFileSize = 64 << 10
)

func (linuxProbe) read(ctx context.Context, env *checks.Env) reading {
	var r reading
	w, err := findLinuxWiFi(ctx, env)
	if err != nil {
		r.note("Could not list the network interfaces: %v", err)
		return r
	}
	if w.name == "" {
		r.state = stateOff
		return r
	}
	r.state = stateOn

	iwOut, iwErr := runIw(ctx, env, w.name)
	var l link
	iwOK := false
	switch {
	case errors.Is(iwErr, probeutil.ErrNotInstalled):
		r.note("iw is not installed, so the SSID, link rates and frequency could not be read; only the kernel's /proc/net/wireless was (install the iw package for the full figures).")
		for _, m := range []string{"tx_rate_mbps", "rx_rate_mbps", "frequency_mhz", "channel", "channel_width_mhz"} {
			l.missing(m, "needs iw, which is not installed")
		}
	case iwErr != nil:
		r.note("Could not read the Wi-Fi link: %v", iwErr)
	default:
		il, err := parseIwLink(iwOut)
		switch {
		case err != nil:
			r.note("Could not read the Wi-Fi link: iw dev %s link %v", w.name, err)
		case !il.Connected:
			// The interface is up but not associated: between networks, or
			// only its operstate is stale.
			r.state = stateOff
			r.note("%s is up but iw says it is not connected to a Wi-Fi network.", w.name)
			return r
		default:
			l, iwOK = toLink(il), true
			if l.MLOLinks > 1 {
				r.note("Wi-Fi 7 multi-link connection over %d links (%s): iw reports one signal and one rate for all of them; the BSSID, band and channel shown are the first link's.",
					l.MLOLinks, strings.Join(l.MLOBands, " + "))
			}
		}
	}
	l.Interface = w.name
	l.TrafficVia = w.trafficVia

	stats, err := readWireless(ctx, env.FS, w.name)
	switch {
	case err != nil:
		if !iwOK {
			r.note("Could not read the signal from /proc/net/wireless: %v", err)
		}
		if l.Signal == nil {
			l.missing(report.KeySignalDBm, "neither iw nor /proc/net/wireless could be read")
		}
		l.missing("noise_dbm", "/proc/net/wireless could not be read")
	default:
		if !iwOK {
			l.Source = "/proc/net/wireless"
		}
		applyWext(&l, stats)
	}
	return r.withLink(l)
}

// runIw runs `iw dev IF link` from the first place it is installed.
func runIw(ctx context.Context, env *checks.Env, ifname string) (string, error) {
	var err error
	for _, name := range iwCommands() {
		var out string
		out, err = probeutil.Run(ctx, env, iwTimeout, name, "dev", ifname, "link")
		if !errors.Is(err, probeutil.ErrNotInstalled) {
			return out, err
		}
	}
	return "", err
}

// applyWext adds what /proc/net/wireless says to l: the signal when iw gave
// none, and the noise, which iw never prints.
func applyWext(l *link, s wextStats) {
	if l.Signal == nil {
		switch s.Level.Kind {
		case wextDBM:
			l.Signal = ptr(s.Level.Value)
		case wextRelative:
			l.SignalRaw = ptr(s.Level.Value)
			l.missing(report.KeySignalDBm, fmt.Sprintf("not measured in dBm: the driver reports the signal as %g on its own scale", s.Level.Value))
		default:
			l.missing(report.KeySignalDBm, "the driver reports no signal level")
		}
	}
	switch s.Noise.Kind {
	case wextDBM:
		l.Noise = ptr(s.Noise.Value)
	case wextRelative:
		l.missing("noise_dbm", fmt.Sprintf("not measured in dBm: the driver reports the noise as %g on its own scale", s.Noise.Value))
	default:
		// cfg80211, which nearly every current driver uses, never
		// reports noise here.
		l.missing("noise_dbm", "the driver does not report noise")
	}
}

// toLink turns iw's figures into the report's. For a Wi-Fi 7 MLO connection
// the first link's BSSID and frequency stand for the connection: iw prints
// one signal and bitrate for all links, so no link can be called the
// strongest.
func toLink(il iwLink) link {
	l := link{Interface: il.Interface, SSID: il.SSID, BSSID: il.APAddress, Source: "iw"}
	freq := il.FreqMHz
	if len(il.Links) > 0 {
		first := il.Links[0]
		l.BSSID = first.BSSID
		if first.FreqMHz > 0 {
			freq = first.FreqMHz
		}
		l.MLOLinks = len(il.Links)
		for _, ml := range il.Links {
			if b := bandOf(ml.FreqMHz); b != "" {
				l.MLOBands = append(l.MLOBands, b)
			}
		}
	}
	if freq > 0 {
		l.Freq = ptr(freq)
		l.Band = bandOf(freq)
		l.Channel = channelOf(freq)
	}
	if il.HasSignal {
		l.Signal = ptr(il.SignalDBM)
	}
	if il.TX.Mbps > 0 {
		l.TxRate = ptr(il.TX.Mbps)
	}
	if il.RX.Mbps > 0 {
		l.RxRate = ptr(il.RX.Mbps)
	}
	if il.TX.Mbps > 0 || il.RX.Mbps > 0 {
		// iw prints no width for 20 MHz, the width of every legacy rate.
		l.Width = max(il.TX.WidthMHz, il.RX.WidthMHz, 20)
		l.Standard = iwStandard(il, l.Band)
	}
	return l
}

// iwStandard names the Wi-Fi generation from the newest modulation either
// rate uses: a station that sends HE frames is on a Wi-Fi 6 link even when
// its last received frame was a legacy one.
func iwStandard(il iwLink, band string) string {
	rank := map[string]int{"": 0, "HT": 4, "VHT": 5, "HE": 6, "EHT": 7}
	best := il.TX.PHY
	if rank[il.RX.PHY] > rank[best] {
		best = il.RX.PHY
	}
	switch best {
	case "EHT":
		return "Wi-Fi 7"
	case "HE":
		if band == band6 {
			return "Wi-Fi 6E"
		}
		return "Wi-Fi 6"
	case "VHT":
		return "Wi-Fi 5"
	case "HT":
		return "Wi-Fi 4"
	}
	// Legacy rates: 802.11b tops out at 11 Mbit/s, so a faster one on
	// 2.4 GHz is 802.11g; on 5 GHz it can only be 802.11a.
	switch band {
	case band5:
		return "802.11a"
	case band24:
		if max(il.TX.Mbps, il.RX.Mbps) > 11 {
			return "802.11g"
		}
		return "802.11b/g"
	}
	return ""
}

// linuxWiFi is the wireless interface the check reports on.
type linuxWiFi struct {
	name string // "" when no wireless interface is up
	// trafficVia names a wired interface whose default route wins over the
	// Wi-Fi's, "" when the Wi-Fi carries the traffic or it cannot be told.
	trafficVia string
}

// findLinuxWiFi picks the wireless interface that is up, preferring the one
// the run's default path leaves by, else the one whose default route has
// the lowest metric, as the kernel would. The interfaces and their kinds
// are the run's network state's: sysfs tells a wireless one by its
// "wireless" directory or its "phy80211" link (netstate.ClassifySysfs).
func findLinuxWiFi(ctx context.Context, env *checks.Env) (linuxWiFi, error) {
	list, err := env.Net.Interfaces(ctx)
	if err != nil {
		return linuxWiFi{}, err
	}
	var up []string
	for _, i := range list {
		if i.Kind == netstate.KindWiFi && i.Up {
			up = append(up, i.Name)
		}
	}
	if len(up) == 0 {
		return linuxWiFi{}, nil
	}
	slices.Sort(up)

	// The routes come from the run's network state; an unreadable table
	// only costs the preference.
	rt, _ := env.Net.Routes(ctx)
	path, _ := env.Net.Path(ctx)
	w := linuxWiFi{name: up[0]}
	switch {
	case slices.Contains(up, path.Link):
		w.name = path.Link
	default:
		for _, r := range rt.Defaults4() {
			if slices.Contains(up, r.Interface) {
				w.name = r.Interface
				break
			}
		}
	}
	w.trafficVia = cableVia(path, w.name)
	return w, nil
}

// readWireless returns ifname's row of /proc/net/wireless.
func readWireless(ctx context.Context, fsys fs.FS, ifname string) (wextStats, error) {
	data, err := readSmall(ctx, fsys, "proc/net/wireless")
	if err != nil {
		return wextStats{}, err
	}
	for _, s := range parseProcNetWireless(string(data)) {
		if s.Interface == ifname {
			return s, nil
		}
	}
	return wextStats{}, fmt.Errorf("proc/net/wireless has no row for %s", ifname)
}

// readSmall reads a small file from fsys, bounded by maxFileSize.
func readSmall(ctx context.Context, fsys fs.FS, name string) ([]byte, error) {
	return probeutil.ReadSmall(ctx, fsys, name, maxFileSize)
}
