package latency

import "sort"

// Levels of the ladder: each is one segment further from the computer.
const (
	levelRouter   = 1 // the default gateway: the home network
	levelProvider = 2 // the first router past it: the provider's access network
	levelInternet = 3 // the anchors: beyond the provider
)

// Where the loss starts.
const (
	locNone      = "none"        // no loss on the way to the internet
	locHome      = "home"        // between the computer and its router
	locProvider  = "provider"    // between the router and the provider's first router
	locBeyond    = "beyond"      // past the provider's first router
	locPastRoute = "past_router" // past the router; no provider hop to tell provider from beyond
	locUncertain = "uncertain"   // loss seen, but no segment passes the test
)

// significance is the one-sided p-value below which extra loss at a
// target counts as real: the conventional 5 %.
const significance = 0.05

// rungLoss is what localisation needs of one target.
type rungLoss struct {
	index int // position in the caller's list, to name the target
	level int
	sent  int
	lost  int
}

// location is the localisation verdict.
type location struct {
	Where string
	// Level is the first level with the loss (0 for none or uncertain).
	Level int
	// Limiting lists targets whose own loss is real but does not persist
	// at the targets behind them: a router that answers only some pings
	// (rate limiting) while forwarding everything.
	Limiting []int
}

// locate finds the segment where loss starts. Loss is blamed on the
// segment before level k only when every target at level k or beyond loses
// significantly more than the path up to level k-1 does (one-sided
// binomial test, p < 0.05). The path loss up to a level is estimated as
// the lowest loss of any target at that level or beyond, because a router
// that limits the pings it answers itself shows more loss than the path
// through it. floor is the background loss not worth locating, as a
// fraction. Targets that answered nothing at all are left out: they filter
// pings, which says nothing about loss.
func locate(rungs []rungLoss, floor float64) location {
	byLevel := map[int][]rungLoss{}
	for _, r := range rungs {
		if r.sent <= 0 || r.lost >= r.sent {
			continue
		}
		byLevel[r.level] = append(byLevel[r.level], r)
	}
	var levels []int
	for l := range byLevel {
		levels = append(levels, l)
	}
	sort.Ints(levels)
	if len(levels) == 0 {
		return location{Where: locNone}
	}
	rate := make([]float64, len(levels))
	for i, l := range levels {
		var sent, lost int
		for _, r := range byLevel[l] {
			sent += r.sent
			lost += r.lost
		}
		rate[i] = float64(lost) / float64(sent)
	}
	// est[i]: the path loss up to levels[i], at most what any target
	// there or beyond shows.
	est := make([]float64, len(levels))
	for i := len(levels) - 1; i >= 0; i-- {
		est[i] = rate[i]
		if i+1 < len(levels) && est[i+1] < est[i] {
			est[i] = est[i+1]
		}
	}
	significant := func(r rungLoss, base float64) bool {
		return binomialTail(r.lost, r.sent, max(base, floor)) < significance
	}
	loc := location{Where: locUncertain}
	for i, l := range levels {
		base := 0.0
		if i > 0 {
			base = est[i-1]
		}
		all := true
		for _, later := range levels[i:] {
			for _, r := range byLevel[later] {
				if !significant(r, base) {
					all = false
				}
			}
		}
		if all {
			loc.Level = l
			switch l {
			case levelRouter:
				loc.Where = locHome
			case levelProvider:
				loc.Where = locProvider
			default:
				loc.Where = locPastRoute
				if byLevel[levelProvider] != nil {
					loc.Where = locBeyond
				}
			}
			break
		}
	}
	far := levels[len(levels)-1]
	if loc.Level == 0 && rate[len(rate)-1] == 0 {
		loc.Where = locNone
	}
	// Loss that the targets behind do not show is the target's own.
	for i, l := range levels {
		if l == far || loc.Level != 0 && l >= loc.Level {
			continue
		}
		for _, r := range byLevel[l] {
			if significant(r, est[i]) || est[i] < rate[i] && significant(r, 0) {
				loc.Limiting = append(loc.Limiting, r.index)
			}
		}
	}
	return loc
}
