package wifi

import (
	"regexp"
	"strconv"
	"strings"
)

// netshInterface is one interface of `netsh wlan show interfaces`.
type netshInterface struct {
	Name        string // "Wi-Fi", "WLAN"
	Description string // the adapter: "Intel(R) Wi-Fi 6 AX201 160MHz"
	// Connected: the block has the lines netsh prints only for a
	// connected interface (a BSSID, a radio type, a signal).
	Connected bool
	SSID      string
	BSSID     string
	RadioType string // "802.11ax"
	Band      string // normalised: "2.4 GHz", "5 GHz", "6 GHz"; "" when not printed
	Channel   int
	RxMbps    float64 // 0 when not found
	TxMbps    float64
	// SignalPercent is Windows's signal quality, -1 when not found.
	SignalPercent int
	// RSSI is the signal in dBm, which Windows 11 builds from 2024 print
	// on the line after Signal; HasRSSI is false when it is absent.
	RSSI    int
	HasRSSI bool
}

// netshField is one "    Label    : value" line.
type netshField struct {
	label, value string
}

var (
	netshGUIDRE   = regexp.MustCompile(`^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$`)
	netshRadioRE  = regexp.MustCompile(`^(?i:802\.11[a-z]{1,2})$`)
	netshSignalRE = regexp.MustCompile(`^(\d{1,3})[ \x{00A0}\x{202F}]?%$`)
	netshRateRE   = regexp.MustCompile(`^\d{1,6}(?:[.,]\d{1,3})?$`)
	netshIntRE    = regexp.MustCompile(`^\d{1,3}$`)
	netshRSSIRE   = regexp.MustCompile(`^-\d{1,3}$`)
)

// parseNetshWlan reads `netsh wlan show interfaces`. Its labels are
// translated into the display language ("Signal", "Señal", "Сигнал") and
// Windows releases add, drop and move lines (Windows 11 prints "Band" and
// "Channel" right after the BSSID, Windows 10 prints "Channel" just before
// the rates), so fields are found by the shape of their values and by their
// place relative to anchors that every language and release shares:
//
//   - interfaces are blocks of "label : value" lines separated by blank
//     lines; the first line is the name and, when the third is the GUID,
//     the second is the description;
//   - the SSID line's label is "SSID" in every language; the BSSID is the
//     first MAC address after it (the physical address comes before it);
//   - the signal is the value written "NN%"; the two lines just before it
//     are the receive and transmit rates, and a negative number just after
//     it is the RSSI in dBm;
//   - the radio type is the value "802.11xx"; the band is a value "5 GHz"
//     in any script; the channel is the bare number between the BSSID and
//     the rates, preferably the one right after the band.
func parseNetshWlan(out string) []netshInterface {
	var ifaces []netshInterface
	for _, block := range netshBlocks(out) {
		if ifc, ok := netshInterfaceFrom(block); ok {
			ifaces = append(ifaces, ifc)
		}
	}
	return ifaces
}

// netshBlocks splits the output into runs of field lines. A line without a
// colon (the second line of "Radio status", say) belongs to its block but is
// not a field; a blank line ends the block. A block holding two GUIDs lost
// its blank line and is split two lines before the second.
func netshBlocks(out string) [][]netshField {
	var blocks [][]netshField
	var cur []netshField
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, cur)
		}
		cur = nil
	}
	for _, raw := range strings.Split(out, "\n") {
		raw = strings.TrimRight(raw, "\r")
		if strings.TrimSpace(raw) == "" {
			flush()
			continue
		}
		// Fields are indented; the header ("There is 1 interface on the
		// system:") is not.
		if raw[0] != ' ' && raw[0] != '\t' {
			flush()
			continue
		}
		label, value, ok := strings.Cut(raw, ":")
		if !ok {
			continue
		}
		f := netshField{label: clean(label), value: clean(value)}
		if netshGUIDRE.MatchString(f.value) && len(cur) >= 3 && netshHasGUID(cur) {
			next := append([]netshField(nil), cur[len(cur)-2:]...)
			cur = cur[:len(cur)-2]
			flush()
			cur = next
		}
		cur = append(cur, f)
	}
	flush()
	return blocks
}

func netshHasGUID(fs []netshField) bool {
	for _, f := range fs {
		if netshGUIDRE.MatchString(f.value) {
			return true
		}
	}
	return false
}

func netshInterfaceFrom(b []netshField) (netshInterface, bool) {
	ifc := netshInterface{Name: b[0].value, SignalPercent: -1}
	idx := func(from int, match func(netshField) bool) int {
		for i := max(from, 0); i < len(b); i++ {
			if match(b[i]) {
				return i
			}
		}
		return -1
	}
	guid := idx(0, func(f netshField) bool { return netshGUIDRE.MatchString(f.value) })
	if guid == 2 {
		ifc.Description = b[1].value
	}
	ssid := idx(0, func(f netshField) bool { return strings.EqualFold(f.label, "SSID") })
	mac := idx(0, func(f netshField) bool { return isMAC(f.value) })
	signal := idx(0, func(f netshField) bool { return netshPercent(f.value) >= 0 })
	radio := idx(0, func(f netshField) bool { return netshRadioRE.MatchString(f.value) })
	if guid < 0 && mac < 0 && signal < 0 && radio < 0 {
		return ifc, false // not an interface: "Hosted network status", say
	}

	bssid := -1
	switch {
	case ssid >= 0:
		bssid = idx(ssid+1, func(f netshField) bool { return isMAC(f.value) })
	case mac >= 0:
		// No SSID label: the physical address comes first, the BSSID second.
		bssid = idx(mac+1, func(f netshField) bool { return isMAC(f.value) })
		if bssid > 0 {
			ssid = bssid - 1
		}
	}
	if ssid >= 0 && ssid != mac {
		ifc.SSID = b[ssid].value
	}
	if bssid >= 0 {
		ifc.BSSID = normMAC(b[bssid].value)
	}
	if radio >= 0 {
		ifc.RadioType = strings.ToLower(b[radio].value)
	}
	ifc.Connected = bssid >= 0 || signal >= 0 || radio >= 0

	rx := -1
	if signal >= 0 {
		ifc.SignalPercent = netshPercent(b[signal].value)
		if signal >= 2 && netshRateRE.MatchString(b[signal-2].value) && netshRateRE.MatchString(b[signal-1].value) {
			rx = signal - 2
			ifc.RxMbps = netshRate(b[rx].value)
			ifc.TxMbps = netshRate(b[rx+1].value)
		}
		if signal+1 < len(b) && netshRSSIRE.MatchString(b[signal+1].value) {
			if v, err := strconv.Atoi(b[signal+1].value); err == nil && v < 0 && v > -150 {
				ifc.RSSI, ifc.HasRSSI = v, true
			}
		}
	}

	// The band and channel lie after the BSSID (or the SSID, or the
	// physical address) and before the rates (or the signal).
	from := max(bssid, ssid, mac, guid) + 1
	to := len(b)
	switch {
	case rx >= 0:
		to = rx
	case signal >= 0:
		to = signal
	}
	band := -1
	for i := from; i < to; i++ {
		if bd := parseBandText(b[i].value); bd != "" {
			band, ifc.Band = i, bd
			break
		}
	}
	channel := -1
	if band >= 0 && band+1 < to && netshChannel(b[band+1].value) > 0 {
		channel = band + 1
	} else {
		for i := from; i < to; i++ {
			if netshChannel(b[i].value) > 0 {
				channel = i
			}
		}
	}
	if channel >= 0 {
		ifc.Channel = netshChannel(b[channel].value)
	}
	return ifc, true
}

// netshPercent reads "87%" (or "87 %", as French typography writes it), -1
// when v is not a percentage.
func netshPercent(v string) int {
	m := netshSignalRE.FindStringSubmatch(v)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	if n > 100 {
		return -1
	}
	return n
}

// netshRate reads "866.7", "960,7" (a German netsh) or "1201".
func netshRate(v string) float64 {
	f, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
	if err != nil || f <= 0 {
		return 0
	}
	return f
}

// netshChannel reads a channel number, 0 when v is not one.
func netshChannel(v string) int {
	if !netshIntRE.MatchString(v) {
		return 0
	}
	n, _ := strconv.Atoi(v)
	if n < 1 || n > 233 {
		return 0
	}
	return n
}
