package wifi

import (
	"testing"

	"github.com/wfh-cli/wfh/checks/probeutil"
)

func TestChannels(t *testing.T) {
	tests := []struct {
		mhz     float64
		band    string
		channel int
	}{
		{2412, band24, 1}, {2422, band24, 3}, {2437, band24, 6}, {2472, band24, 13}, {2484, band24, 14},
		{5180, band5, 36}, {5240, band5, 48}, {5500, band5, 100}, {5745, band5, 149}, {5885, band5, 177},
		{4920, band5, 184}, {4980, band5, 196},
		{5935, band6, 2}, {5955, band6, 1}, {6135, band6, 37}, {6375, band6, 85}, {7115, band6, 233},
		{2422.5, band24, 0}, {2415, band24, 0}, {1000, "", 0}, {8000, "", 0},
	}
	for _, tt := range tests {
		if b := bandOf(tt.mhz); b != tt.band {
			t.Errorf("bandOf(%v) = %q, want %q", tt.mhz, b, tt.band)
		}
		ch := channelOf(tt.mhz)
		if ch != tt.channel {
			t.Errorf("channelOf(%v) = %d, want %d", tt.mhz, ch, tt.channel)
		}
		if ch > 0 {
			if f := freqOf(ch, tt.band); f != tt.mhz {
				t.Errorf("freqOf(%d, %q) = %v, want %v", ch, tt.band, f, tt.mhz)
			}
		}
	}
	for _, bad := range []struct {
		ch   int
		band string
	}{{0, band24}, {15, band24}, {-1, band5}, {234, band6}, {6, ""}} {
		if f := freqOf(bad.ch, bad.band); f != 0 {
			t.Errorf("freqOf(%d, %q) = %v, want 0", bad.ch, bad.band, f)
		}
	}
}

func TestBandText(t *testing.T) {
	for in, want := range map[string]string{
		"5GHz": band5, "2GHz": band24, "2.4 GHz": band24, "2,4 GHz": band24, "6 GHz": band6, "5 ГГц": band5,
		"5": "", "36": "", "5 Gigahertz": "", "3 GHz": "", "": "", "GHz": "",
	} {
		if got := parseBandText(in); got != want {
			t.Errorf("parseBandText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStandardFromPHY(t *testing.T) {
	for _, tt := range []struct{ phy, band, want string }{
		{"802.11be", band6, "Wi-Fi 7"}, {"802.11ax", band5, "Wi-Fi 6"}, {"802.11ax", band6, "Wi-Fi 6E"},
		{"802.11AC", band5, "Wi-Fi 5"}, {"802.11n", band24, "Wi-Fi 4"}, {"802.11g", band24, "802.11g"},
		{"802.11b/g/n", band24, ""}, {"", "", ""},
	} {
		if got := standardFromPHY(tt.phy, tt.band); got != tt.want {
			t.Errorf("standardFromPHY(%q, %q) = %q, want %q", tt.phy, tt.band, got, tt.want)
		}
	}
}

func TestTextHelpers(t *testing.T) {
	if got := clean("  a\x1b[31mb\u2028\xff  "); got != "a[31mb\uFFFD" {
		t.Errorf("clean = %q", got)
	}
	if got := probeutil.DecodeText([]byte("\xEF\xBB\xBFok")); got != "ok" {
		t.Errorf("probeutil.DecodeText(BOM) = %q", got)
	}
	if got := probeutil.DecodeText([]byte{0xFE, 0xFF, 0, 'o', 0, 'k'}); got != "ok" {
		t.Errorf("probeutil.DecodeText(UTF-16BE) = %q", got)
	}
	for s, want := range map[string]bool{
		"aa:bb:cc:dd:ee:ff": true, "AA-BB-CC-DD-EE-FF": true, "aa:bb-cc:dd:ee:ff": false, "aa:bb:cc:dd:ee": false, "aabb.ccdd.eeff": false,
	} {
		if isMAC(s) != want {
			t.Errorf("isMAC(%q) = %v", s, !want)
		}
	}
}
