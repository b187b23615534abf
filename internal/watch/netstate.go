package watch

import (
	"bufio"
	"context"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/internal/netinfo"
)

// SystemState reads the machine's network state from the OS's own
// sources: on Linux /proc/net/route, sysfs, resolv.conf and `iw` (cheap
// enough every tick); on macOS `netstat -rn` and resolv.conf, on Windows
// `route print`, both cached for slowSourceEvery because each read
// starts a process.
//
// It is a stand-in: internal/netstate (one snapshot per run, with a Fresh
// re-read) replaces it once it lands, behind the same NetState interface.
type SystemState struct {
	mu     sync.Mutex
	cached State
	at     time.Time
	err    error
}

// slowSourceEvery: on systems where a read starts a process, the state
// is read at most this often.
const slowSourceEvery = 5 * time.Second

// commandLimit bounds one read by a process (netstat, route print, iw).
const commandLimit = 2 * time.Second

// Read returns the state now (or, where reading costs a process, as of
// the last few seconds).
func (s *SystemState) Read(ctx context.Context) (State, error) {
	if !readIsCheap {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.at.IsZero() && time.Since(s.at) < slowSourceEvery {
			return s.cached, s.err
		}
	}
	st, err := readState(ctx)
	if err == nil {
		st.Tunnels = tunnels()
		st.DNSServers = dnsServers()
	}
	if !readIsCheap {
		s.cached, s.err, s.at = st, err, time.Now()
	}
	return st, err
}

// pickDefault fills the default path from a routing table: the IPv4
// default route with the lowest metric, as the ladder is probed over
// IPv4. A machine that has IPv4 routes but no IPv4 default has no way to
// the IPv4 internet, even if an IPv6 default remains; only a machine
// without IPv4 routes at all (IPv6 only) takes its IPv6 default.
func pickDefault(st *State, v4, v6 []netinfo.Route) {
	if d := netinfo.Defaults(v4); len(d) > 0 {
		st.HasDefault = true
		st.Interface, st.Gateway = d[0].Interface, d[0].Gateway
		return
	}
	for _, r := range v4 {
		if r.Dst.IsValid() && !r.Dst.Addr().IsLoopback() && !r.Dst.Addr().IsLinkLocalUnicast() {
			return
		}
	}
	if d := netinfo.Defaults(v6); len(d) > 0 {
		st.HasDefault = true
		st.Interface, st.Gateway = d[0].Interface, d[0].Gateway
	}
}

// tunnels lists the VPN-like interfaces that are up.
func tunnels() []string {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []string
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		if kindOf(ifc.Name, ifc.Flags&net.FlagPointToPoint != 0) == string(netinfo.KindTunnel) {
			out = append(out, ifc.Name)
		}
	}
	slices.Sort(out)
	return out
}

// dnsServers reads resolv.conf; behind systemd-resolved's stub
// (127.0.0.53) it reads the upstream servers resolved writes, since the
// stub answers from memory and says nothing about the path.
func dnsServers() []netip.Addr {
	servers := readResolvConf("/etc/resolv.conf")
	if len(servers) > 0 && !slices.ContainsFunc(servers, func(a netip.Addr) bool { return !a.IsLoopback() }) {
		if up := readResolvConf("/run/systemd/resolve/resolv.conf"); len(up) > 0 {
			return up
		}
	}
	return servers
}

func readResolvConf(path string) []netip.Addr {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan() && n < 1000; n++ { // resolv.conf is a few lines; a huge file is not one
		b.WriteString(sc.Text())
		b.WriteByte('\n')
	}
	return parseResolvConf(b.String())
}

// parseResolvConf returns the nameserver addresses of a resolv.conf, in
// order, without duplicates.
func parseResolvConf(text string) []netip.Addr {
	var out []netip.Addr
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "nameserver" {
			continue
		}
		a, err := netip.ParseAddr(f[1])
		if err != nil {
			continue
		}
		a = a.Unmap()
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// bandOf and channelOf read a Wi-Fi frequency in MHz.
func bandOf(mhz int) string {
	switch {
	case mhz >= 2400 && mhz < 2500:
		return "2.4 GHz"
	case mhz >= 5150 && mhz < 5925:
		return "5 GHz"
	case mhz >= 5925 && mhz < 7125:
		return "6 GHz"
	}
	return ""
}

func channelOf(mhz int) int {
	switch {
	case mhz == 2484:
		return 14
	case mhz >= 2412 && mhz < 2484:
		return (mhz - 2407) / 5
	case mhz >= 5150 && mhz < 5925:
		return (mhz - 5000) / 5
	case mhz >= 5955 && mhz < 7125:
		return (mhz - 5950) / 5
	}
	return 0
}

// parseIwLink reads `iw dev IFACE link`: "Connected to aa:bb:..:ff (on
// wlan0)", "freq: 5180" (also "freq: 5180.0"), "signal: -52 dBm". ok is
// false when it is not associated.
func parseIwLink(out string) (WiFiLink, bool) {
	var l WiFiLink
	ok := false
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "Connected to "):
			f := strings.Fields(t)
			if len(f) >= 3 {
				if _, err := net.ParseMAC(f[2]); err == nil {
					l.BSSID = strings.ToLower(f[2])
					ok = true
				}
			}
		case strings.HasPrefix(t, "freq:") && l.FreqMHz == 0:
			// a Wi-Fi 7 link on several bands at once lists each link's
			// frequency: the first link's is the one shown
			v := strings.TrimSpace(strings.TrimPrefix(t, "freq:"))
			if f, err := strconv.ParseFloat(strings.Fields(v + " x")[0], 64); err == nil && f > 0 && f < 100000 {
				l.FreqMHz = int(f)
				l.Channel, l.Band = channelOf(l.FreqMHz), bandOf(l.FreqMHz)
			}
		case strings.HasPrefix(t, "signal:"):
			f := strings.Fields(strings.TrimPrefix(t, "signal:"))
			if len(f) > 0 {
				if v, err := strconv.ParseFloat(f[0], 64); err == nil && v < 0 && v > -150 {
					l.SignalDBm, l.HasSignal = v, true
				}
			}
		}
	}
	return l, ok
}
