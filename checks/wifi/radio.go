package wifi

import (
	"strings"

	"github.com/wfh-cli/wfh/internal/wifilink"
)

// Band names as the report shows them.
const (
	band24 = wifilink.Band24
	band5  = wifilink.Band5
	band6  = wifilink.Band6
)

// bandOf and channelOf: see wifilink.BandOf and wifilink.ChannelOf.
func bandOf(mhz float64) string { return wifilink.BandOf(mhz) }
func channelOf(mhz float64) int { return wifilink.ChannelOf(mhz) }

// freqOf is the inverse of channelOf for a known band, 0 when the channel is
// not one of that band's.
func freqOf(channel int, band string) float64 {
	var f int
	switch band {
	case band24:
		switch {
		case channel == 14:
			f = 2484
		case channel >= 1 && channel <= 13:
			f = 2407 + 5*channel
		}
	case band5:
		switch {
		case channel >= 182 && channel <= 196:
			f = 4000 + 5*channel
		case channel >= 1 && channel <= 181:
			f = 5000 + 5*channel
		}
	case band6:
		switch {
		case channel == 2:
			f = 5935
		case channel >= 1 && channel <= 233:
			f = 5950 + 5*channel
		}
	}
	if f == 0 || channelOf(float64(f)) != channel || bandOf(float64(f)) != band {
		return 0
	}
	return float64(f)
}

// bandFromChannel guesses the band of a bare channel number. It is only used
// where the OS gives no band: numbers 1–14 are 2.4 GHz and 32–177 are 5 GHz
// there, because the tools that omit the band (Windows 10 netsh, older
// system_profiler) predate 6 GHz support, whose channel numbers overlap both.
func bandFromChannel(channel int) string {
	switch {
	case channel >= 1 && channel <= 14:
		return band24
	case channel >= 32 && channel <= 177:
		return band5
	}
	return ""
}

// parseBandText reads a band as tools print it: "5GHz", "2GHz" (macOS's name
// for 2.4 GHz), "2.4 GHz", "2,4 GHz" (a French netsh), "5 ГГц" (a Russian
// one). Only the number is trusted; the unit may be in any script.
func parseBandText(s string) string {
	s = strings.TrimSpace(s)
	num := s
	if i := strings.IndexFunc(s, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.' || r == ',') }); i >= 0 {
		num, s = s[:i], strings.TrimSpace(s[i:])
	} else {
		s = ""
	}
	// The unit must be a short word (GHz, ГГц, 千兆赫 at most): a bare "5" is
	// a channel, not a band.
	if n := len([]rune(s)); n < 2 || n > 4 {
		return ""
	}
	switch num {
	case "2", "2.4", "2,4":
		return band24
	case "5":
		return band5
	case "6":
		return band6
	}
	return ""
}

// standardFromPHY names the Wi-Fi generation of an 802.11 amendment as
// macOS's phymode and Windows's radio type print it ("802.11ax"). Wi-Fi 6 on
// the 6 GHz band is Wi-Fi 6E, the Wi-Fi Alliance's name for it. The legacy
// amendments (a, b, g) have no generation number and are named as they are.
func standardFromPHY(phy, band string) string {
	p := strings.ToLower(strings.TrimSpace(phy))
	switch p {
	case "802.11be":
		return "Wi-Fi 7"
	case "802.11ax":
		if band == band6 {
			return "Wi-Fi 6E"
		}
		return "Wi-Fi 6"
	case "802.11ac":
		return "Wi-Fi 5"
	case "802.11n":
		return "Wi-Fi 4"
	case "802.11a", "802.11b", "802.11g":
		return p
	}
	return ""
}
