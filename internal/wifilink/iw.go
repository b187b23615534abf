package wifilink

import (
	"errors"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/internal/textutil"
)

// IwCommands lists where iw is tried, in order. Debian and its derivatives
// install iw in /usr/sbin (formerly /sbin), which is not on an ordinary
// user's PATH there, yet `iw dev IF link` needs no privileges.
func IwCommands() []string { return []string{"iw", "/usr/sbin/iw", "/sbin/iw"} }

// maxText bounds any text taken from iw into a report; SSIDs are at most
// 32 bytes and interface names 15.
const maxText = 128

func clean(s string) string { return textutil.CleanText(s, maxText) }

// IwLink is what `iw dev IF link` printed. Numbers that were not printed are
// zero: no Wi-Fi link has a zero frequency or rate, and a zero signal is
// recorded in HasSignal.
type IwLink struct {
	Connected bool
	// Interface is the "(on IF)" of the first line.
	Interface string
	// APAddress is the "Connected to" address: the access point's BSSID, or
	// for a Wi-Fi 7 multi-link (MLO) connection the AP MLD's address.
	APAddress string
	SSID      string
	FreqMHz   float64
	SignalDBM float64
	HasSignal bool
	RX, TX    Rate
	// Links are the per-link blocks of a Wi-Fi 7 MLO connection, in the
	// order iw prints them; empty for a single-link connection.
	Links []MLOLink
}

// MLOLink is one "Link N BSSID ..." block.
type MLOLink struct {
	ID      int
	BSSID   string
	FreqMHz float64
}

// Rate is one "rx bitrate:" or "tx bitrate:" line.
type Rate struct {
	Mbps float64
	// WidthMHz is the channel width iw printed ("80MHz"); 0 when it printed
	// none, which iw does for 20 MHz.
	WidthMHz int
	// PHY is the rate's modulation family: "EHT" (Wi-Fi 7), "HE" (Wi-Fi 6),
	// "VHT" (Wi-Fi 5), "HT" (Wi-Fi 4), or "" for a legacy a/b/g rate.
	PHY string
	MCS int // -1 when none was printed
	NSS int // 0 when none was printed
}

// ErrIwUnrecognised means the output had neither iw's "Connected to" nor its
// "Not connected." line: another program, or an iw too old or too new.
var ErrIwUnrecognised = errors.New(`printed neither "Connected to" nor "Not connected."`)

// ParseIwLink reads `iw dev IF link` (iw 3.x to 6.x). It keeps what it can
// read and skips every line it does not know, since iw adds lines between
// releases. For a Wi-Fi 7 MLO connection iw prints "Link N BSSID" blocks,
// each with its own frequency, and one signal and bitrate for the whole
// multi-link device.
func ParseIwLink(out string) (IwLink, error) {
	var l IwLink
	recognised := false
	linkDepth := -1 // indentation of the current "Link N" line; -1 outside one
	for _, raw := range strings.Split(out, "\n") {
		raw = strings.TrimRight(raw, "\r")
		depth := len(raw) - len(strings.TrimLeft(raw, "\t "))
		line := strings.TrimLeft(raw, "\t ")
		if line == "" {
			continue
		}
		if linkDepth >= 0 && depth <= linkDepth {
			linkDepth = -1
		}
		key, val, _ := strings.Cut(line, ":")
		val = strings.TrimSpace(val)
		switch {
		case line == "Not connected." || line == "Not connected":
			return IwLink{}, nil
		case strings.HasPrefix(line, "Connected to "):
			f := strings.Fields(line)
			if len(f) < 3 || !IsMAC(f[2]) {
				continue
			}
			recognised = true
			l.Connected = true
			l.APAddress = strings.ToLower(f[2])
			if len(f) >= 5 && f[3] == "(on" && strings.HasSuffix(f[4], ")") {
				l.Interface = clean(strings.TrimSuffix(f[4], ")"))
			}
		case isMLOLinkLine(line):
			// "Link 1 BSSID fe:a7:31:16:77:9f"
			f := strings.Fields(line)
			id, _ := strconv.Atoi(f[1])
			l.Links = append(l.Links, MLOLink{ID: id, BSSID: strings.ToLower(f[3])})
			linkDepth = depth
		case linkDepth >= 0 && key == "freq":
			if f, ok := parseFreq(val); ok {
				l.Links[len(l.Links)-1].FreqMHz = f
			}
		case key == "SSID" && l.SSID == "":
			// The SSID is everything after "SSID: ", inner spaces included.
			l.SSID = clean(unescapeIw(strings.TrimPrefix(strings.TrimPrefix(line, "SSID:"), " ")))
		case key == "freq" && l.FreqMHz == 0:
			if f, ok := parseFreq(val); ok {
				l.FreqMHz = f
			}
		case key == "signal" && !l.HasSignal:
			// "-52 dBm"; some iw versions add per-chain values: "-52 [-54, -55] dBm".
			f := strings.Fields(val)
			if len(f) == 0 {
				continue
			}
			if v, err := strconv.ParseFloat(f[0], 64); err == nil && v < 0 && v > -150 {
				l.SignalDBM, l.HasSignal = v, true
			}
		case key == "rx bitrate" && l.RX.Mbps == 0:
			l.RX = parseIwBitrate(val)
		case key == "tx bitrate" && l.TX.Mbps == 0:
			l.TX = parseIwBitrate(val)
		}
	}
	if !recognised {
		return IwLink{}, ErrIwUnrecognised
	}
	return l, nil
}

// unescapeIw undoes iw's SSID escaping: iw prints every byte that is not a
// printable ASCII character (in the C locale wfh runs it in: every byte of a
// UTF-8 name like "Café"), a backslash, or a leading or trailing space as
// \xNN. The bytes are restored so that a UTF-8 SSID reads as written.
func unescapeIw(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isMLOLinkLine reports whether line opens a Wi-Fi 7 link block,
// "Link 1 BSSID fe:a7:31:16:77:9f".
func isMLOLinkLine(line string) bool {
	f := strings.Fields(line)
	if len(f) != 4 || f[0] != "Link" || f[2] != "BSSID" || !IsMAC(f[3]) {
		return false
	}
	id, err := strconv.Atoi(f[1])
	return err == nil && id >= 0 && id < 16 // 802.11be link IDs are 4 bits
}

// parseFreq reads "5745", "2422.0" (iw 5.9 and later print a decimal) or
// "5955.0 [...]" and accepts only what could be a Wi-Fi frequency in MHz.
func parseFreq(s string) (float64, bool) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil || BandOf(v) == "" {
		return 0, false
	}
	return v, true
}

// parseIwBitrate reads what follows "tx bitrate:", such as
// "573.5 MBit/s 40MHz HE-MCS 11 HE-NSS 2 HE-GI 0 HE-DCM 0",
// "130.0 MBit/s MCS 15 short GI" or "54.0 MBit/s". Unknown words are skipped.
func parseIwBitrate(s string) Rate {
	r := Rate{MCS: -1}
	f := strings.Fields(s)
	if len(f) < 2 || !strings.EqualFold(f[1], "MBit/s") {
		return r
	}
	v, err := strconv.ParseFloat(f[0], 64)
	// 100 Gbit/s is far above any 802.11 rate: a larger figure is garbage.
	if err != nil || v <= 0 || v > 100000 {
		return r
	}
	r.Mbps = v
	num := func(i int) int {
		if i+1 >= len(f) {
			return -1
		}
		n, err := strconv.Atoi(f[i+1])
		if err != nil || n < 0 || n > 99 {
			return -1
		}
		return n
	}
	for i := 2; i < len(f); i++ {
		switch w := f[i]; w {
		case "MCS":
			r.PHY, r.MCS = "HT", num(i)
		case "VHT-MCS", "HE-MCS", "EHT-MCS":
			r.PHY, r.MCS = strings.TrimSuffix(w, "-MCS"), num(i)
		case "VHT-NSS", "HE-NSS", "EHT-NSS":
			r.NSS = max(num(i), 0)
		case "80P80MHz":
			// 80+80 MHz: two 80 MHz segments, 160 MHz in all.
			r.WidthMHz = 160
		default:
			if mhz, ok := strings.CutSuffix(w, "MHz"); ok {
				if n, err := strconv.Atoi(mhz); err == nil && n >= 1 && n <= 320 {
					r.WidthMHz = n
				}
			}
		}
	}
	return r
}

// Freq is the frequency the connection is shown with: for a Wi-Fi 7
// multi-link connection its first link's (iw prints one per link), else
// the one iw printed; 0 when none was.
func (l IwLink) Freq() float64 {
	if len(l.Links) > 0 && l.Links[0].FreqMHz > 0 {
		return l.Links[0].FreqMHz
	}
	return l.FreqMHz
}
