package latency

import (
	"slices"
	"testing"
)

func TestLocate(t *testing.T) {
	const floor = 0.005
	rl := func(i, level, sent, lost int) rungLoss {
		return rungLoss{index: i, level: level, sent: sent, lost: lost}
	}
	for _, tc := range []struct {
		name     string
		rungs    []rungLoss
		where    string
		limiting []int
	}{
		{"clean", []rungLoss{rl(0, 1, 40, 0), rl(1, 2, 40, 0), rl(2, 3, 40, 0), rl(3, 3, 40, 0)}, locNone, nil},
		// 10 % each way on the Wi-Fi: about 19 % of round trips everywhere.
		{"home", []rungLoss{rl(0, 1, 200, 38), rl(1, 2, 200, 41), rl(2, 3, 200, 35), rl(3, 3, 200, 40)}, locHome, nil},
		{"provider", []rungLoss{rl(0, 1, 200, 0), rl(1, 2, 200, 37), rl(2, 3, 200, 39), rl(3, 3, 200, 36)}, locProvider, nil},
		{"beyond", []rungLoss{rl(0, 1, 200, 1), rl(1, 2, 200, 0), rl(2, 3, 200, 40), rl(3, 3, 200, 38)}, locBeyond, nil},
		{"past the router, no provider hop", []rungLoss{rl(0, 1, 200, 0), rl(2, 3, 200, 40)}, locPastRoute, nil},
		// Home loss plus more in the provider's network: the first counts.
		{"home then provider", []rungLoss{rl(0, 1, 200, 20), rl(1, 2, 200, 60), rl(2, 3, 200, 58)}, locHome, nil},
		// The router answers a third of its pings, but forwards everything.
		{"rate-limiting router", []rungLoss{rl(0, 1, 40, 13), rl(1, 2, 40, 0), rl(2, 3, 40, 0)}, locNone, []int{0}},
		// A provider router that limits, with real loss beyond it.
		{"limiting provider, loss beyond", []rungLoss{rl(0, 1, 200, 0), rl(1, 2, 200, 120), rl(2, 3, 200, 30), rl(3, 3, 200, 28)}, locProvider, nil},
		{"limiting provider over home loss", []rungLoss{rl(0, 1, 200, 40), rl(1, 2, 200, 150), rl(2, 3, 200, 38)}, locHome, nil},
		// One lost probe of 40 at one anchor: seen, but proves nothing.
		{"one loss", []rungLoss{rl(0, 1, 40, 0), rl(1, 2, 40, 0), rl(2, 3, 40, 1), rl(3, 3, 40, 0)}, locUncertain, nil},
		// Loss toward one anchor only does not persist at every target.
		{"one anchor", []rungLoss{rl(0, 1, 200, 0), rl(1, 2, 200, 0), rl(2, 3, 200, 40), rl(3, 3, 200, 0)}, locUncertain, nil},
		// A silent target (filters pings) is left out, not read as 100 % loss.
		{"silent provider hop", []rungLoss{rl(0, 1, 200, 0), rl(1, 2, 200, 200), rl(2, 3, 200, 0)}, locNone, nil},
		{"nothing answered", []rungLoss{rl(0, 1, 40, 40)}, locNone, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := locate(tc.rungs, floor)
			if got.Where != tc.where || !slices.Equal(got.Limiting, tc.limiting) {
				t.Errorf("got %+v, want %s limiting %v", got, tc.where, tc.limiting)
			}
		})
	}
}
