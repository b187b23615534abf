package vpn

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks/probeutil"
)

// WireGuard's timers (the WireGuard paper, section 6.1, and the kernel's
// messages.h): a session's keys are renewed after 120 s of use and refused
// after 180 s; an unanswered handshake is retried every 5 s.
const (
	// wgRejectAfter: traffic needs a handshake at most this old. After the
	// check has sent traffic through the tunnel, an older one means the
	// gateway did not answer the handshake its traffic started.
	wgRejectAfter = 180 * time.Second
	// wgBogusAge: wg prints the time since the epoch for a peer that never
	// completed a handshake in some implementations (boringtun printed
	// "55 years ... ago"); no real handshake is a year old.
	wgBogusAge = 365 * 24 * time.Hour
)

// wgInterface is one interface block of `wg show`.
type wgInterface struct {
	Name       string
	ListenPort int
	Peers      []wgPeer
}

// wgPeer is one peer block.
type wgPeer struct {
	// PublicKey joins the peer with `wg show all transfer`; reports do not
	// show it.
	PublicKey string
	// Endpoint is the peer's address as printed, "" when it has none yet.
	Endpoint   string
	AllowedIPs []netip.Prefix
	// Handshake is the age of the latest handshake; HasHandshake is false
	// when wg printed none (never, or a bogus time).
	Handshake    time.Duration
	HasHandshake bool
	// RxBytes and TxBytes are the transfer totals, -1 when not printed.
	RxBytes, TxBytes float64
	// Keepalive is the persistent keepalive interval, 0 when off.
	Keepalive time.Duration
	// SentDuring and ReceivedDuring are the bytes that went to and came
	// from the peer while the check ran; DuringKnown is false when wg's
	// counters could not be read twice.
	SentDuring, ReceivedDuring float64
	DuringKnown                bool
}

// EndpointAddr parses the endpoint as an address and port.
func (p wgPeer) EndpointAddr() (netip.AddrPort, bool) {
	ap, err := netip.ParseAddrPort(p.Endpoint)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port()), true
}

// errWGPermission: wg could not read the interfaces; it needs root (or
// CAP_NET_ADMIN, or administrator rights on Windows).
var errWGPermission = errors.New("reading WireGuard's state needs administrator rights")

// parseWGShow reads the human form of `wg show` (wg(8)): blocks opened by
// "interface: NAME" and "peer: KEY" at column 0, with indented "label:
// value" lines. It is the form people paste into tickets, and unlike
// `wg show all dump` it never prints the private key. Unknown labels are
// ignored; a line that says access was refused gives errWGPermission
// along with whatever was readable.
func parseWGShow(out string) ([]wgInterface, error) {
	var list []wgInterface
	var cur *wgInterface
	var peer *wgPeer
	var permission error
	for _, raw := range strings.Split(out, "\n") {
		line := strings.TrimRight(raw, "\r \t")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.Contains(line, "Operation not permitted") || strings.Contains(line, "Permission denied") {
			permission = errWGPermission
			continue
		}
		label, value, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		label, value = strings.ToLower(strings.TrimSpace(label)), strings.TrimSpace(value)
		indented := line[0] == ' ' || line[0] == '\t'
		switch {
		case !indented && label == "interface":
			name := probeutil.CleanText(value, 64)
			if name == "" {
				cur, peer = nil, nil
				continue
			}
			list = append(list, wgInterface{Name: name})
			cur, peer = &list[len(list)-1], nil
		case !indented && label == "peer":
			if cur == nil {
				continue
			}
			cur.Peers = append(cur.Peers, wgPeer{PublicKey: value, RxBytes: -1, TxBytes: -1})
			peer = &cur.Peers[len(cur.Peers)-1]
		case indented && cur != nil && peer == nil && label == "listening port":
			cur.ListenPort, _ = strconv.Atoi(value)
		case indented && peer != nil:
			switch label {
			case "endpoint":
				peer.Endpoint = probeutil.CleanText(value, 80)
			case "allowed ips":
				for _, f := range strings.Split(value, ",") {
					if p, err := netip.ParsePrefix(strings.TrimSpace(f)); err == nil {
						peer.AllowedIPs = append(peer.AllowedIPs, p)
					}
				}
			case "latest handshake":
				if age, ok := parseWGAge(value); ok && age < wgBogusAge {
					peer.Handshake, peer.HasHandshake = age, true
				}
			case "transfer":
				peer.RxBytes, peer.TxBytes = parseWGTransferLine(value)
			case "persistent keepalive":
				if d, ok := parseWGAge(strings.TrimPrefix(value, "every ")); ok {
					peer.Keepalive = d
				}
			}
		}
	}
	return list, permission
}

// parseWGAge reads wg's durations: "Now", "1 minute, 20 seconds ago",
// "2 days, 3 hours ago", "25 seconds".
func parseWGAge(s string) (time.Duration, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "ago"))
	if strings.EqualFold(s, "now") {
		return 0, true
	}
	var total time.Duration
	seen := false
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) != 2 {
			return 0, false
		}
		n, err := strconv.ParseUint(f[0], 10, 32)
		if err != nil {
			return 0, false
		}
		var unit time.Duration
		switch strings.TrimSuffix(f[1], "s") {
		case "year":
			unit = 365 * 24 * time.Hour
		case "day":
			unit = 24 * time.Hour
		case "hour":
			unit = time.Hour
		case "minute":
			unit = time.Minute
		case "second":
			unit = time.Second
		default:
			return 0, false
		}
		if time.Duration(n) > (1<<62)/unit {
			return 0, false
		}
		total += time.Duration(n) * unit
		seen = true
	}
	return total, seen
}

// parseWGTransferLine reads "1.76 KiB received, 2.19 KiB sent"; -1 for a side
// that cannot be read.
func parseWGTransferLine(s string) (rx, tx float64) {
	rx, tx = -1, -1
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) != 3 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil || v < 0 {
			continue
		}
		mult := map[string]float64{"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[f[1]]
		if mult == 0 {
			continue
		}
		switch f[2] {
		case "received":
			rx = v * mult
		case "sent":
			tx = v * mult
		}
	}
	return rx, tx
}

// wgCounter keys a peer's transfer counters.
type wgCounter struct{ Iface, Peer string }

// parseWGTransferAll reads `wg show all transfer`: one tab-separated line per
// peer, "INTERFACE PUBLIC-KEY RECEIVED SENT", in exact bytes (the human
// form rounds to two decimals of KiB, MiB or GiB, too coarse to see a
// few packets come back on a busy tunnel).
func parseWGTransferAll(out string) map[wgCounter][2]uint64 {
	m := map[wgCounter][2]uint64{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 4 {
			continue
		}
		rx, err1 := strconv.ParseUint(f[2], 10, 64)
		tx, err2 := strconv.ParseUint(f[3], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		m[wgCounter{f[0], f[1]}] = [2]uint64{rx, tx}
	}
	return m
}

// describeAge words a handshake age for people.
func describeAge(d time.Duration) string {
	switch {
	case d < time.Second:
		return "just now"
	case d < 2*time.Minute:
		return fmt.Sprintf("%d s ago", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}
