package wifi

import (
	"math"
	"strings"
)

// Band names as the report shows them.
const (
	band24 = "2.4 GHz"
	band5  = "5 GHz"
	band6  = "6 GHz"
)

// bandOf names the band of a centre frequency in MHz, "" when it is in none
// of the three Wi-Fi bands. The 5 GHz band starts at 4.9 GHz because Japan's
// channels 184–196 (4920–4980 MHz) are 5 GHz channels to every driver; the
// 6 GHz band starts at 5925 MHz (channel 2 is centred on 5935).
func bandOf(mhz float64) string {
	switch {
	case mhz >= 2400 && mhz < 2500:
		return band24
	case mhz >= 4900 && mhz < 5925:
		return band5
	case mhz >= 5925 && mhz <= 7125:
		return band6
	}
	return ""
}

// channelOf returns the IEEE channel number of a centre frequency, 0 when the
// frequency is not on a channel. The formulas are those of IEEE 802.11
// (channel starting frequencies 2407, 5000, 4000 and 5950 MHz), as the
// kernel's ieee80211_freq_khz_to_channel uses them.
func channelOf(mhz float64) int {
	if mhz != math.Trunc(mhz) {
		return 0
	}
	f := int(mhz)
	switch {
	case f == 2484:
		return 14
	case f >= 2412 && f <= 2472 && (f-2407)%5 == 0:
		return (f - 2407) / 5
	case f >= 4910 && f <= 4980 && f%5 == 0:
		return (f - 4000) / 5
	case f >= 5005 && f < 5925 && f%5 == 0:
		return (f - 5000) / 5
	case f == 5935:
		return 2
	case f >= 5955 && f <= 7115 && (f-5950)%5 == 0:
		return (f - 5950) / 5
	}
	return 0
}

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
