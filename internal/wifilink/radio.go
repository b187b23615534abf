// Package wifilink reads what both the wifi check and `wfh watch` need to
// know about a Wi-Fi link: the output of Linux's `iw dev IF link`, and the
// radio arithmetic of bands and channels. Keeping one parser means a roam
// or a channel the check reports is the one the watch sees.
package wifilink

import (
	"math"
	"regexp"
	"strings"
)

// Band names as reports show them.
const (
	Band24 = "2.4 GHz"
	Band5  = "5 GHz"
	Band6  = "6 GHz"
)

// BandOf names the band of a centre frequency in MHz, "" when it is in none
// of the three Wi-Fi bands. The 5 GHz band starts at 4.9 GHz because Japan's
// channels 184–196 (4920–4980 MHz) are 5 GHz channels to every driver; the
// 6 GHz band starts at 5925 MHz (channel 2 is centred on 5935).
func BandOf(mhz float64) string {
	switch {
	case mhz >= 2400 && mhz < 2500:
		return Band24
	case mhz >= 4900 && mhz < 5925:
		return Band5
	case mhz >= 5925 && mhz <= 7125:
		return Band6
	}
	return ""
}

// ChannelOf returns the IEEE channel number of a centre frequency, 0 when
// the frequency is not on a channel. The formulas are those of IEEE 802.11
// (channel starting frequencies 2407, 5000, 4000 and 5950 MHz), as the
// kernel's ieee80211_freq_khz_to_channel uses them.
func ChannelOf(mhz float64) int {
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

// macRE matches a MAC address written with colons or dashes, as iw,
// system_profiler and netsh print them.
var macRE = regexp.MustCompile(`^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){4}$`)

// IsMAC reports whether s is a MAC address with one kind of separator.
func IsMAC(s string) bool {
	if !macRE.MatchString(s) {
		return false
	}
	sep := s[2]
	return strings.Count(s, string(sep)) == 5
}
