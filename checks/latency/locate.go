package latency

import (
	"sort"

	"github.com/wfh-cli/wfh/internal/rttstats"
)

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
	// locHomeOrProvider: before the provider's first router, where the
	// router limits its answers so home and provider cannot be told apart.
	locHomeOrProvider = "home_or_provider"
	locUncertain      = "uncertain" // loss seen, but no segment passes the test
)

// Significance levels of the tests in locate (one-sided binomial tests
// against the floor, Fisher's exact tests between levels). A segment needs
// two kinds of evidence: the loss is present from its level on, and
// absent before it.
//   - significance, the conventional 5 %: the loss from a level on is
//     real, and the levels before it lose less;
//   - onsetSignificance: the level the loss starts at shows it itself.
//     Given that the levels behind it show it at 5 %, 10 % is enough:
//     with 100 probes a target behind a link losing 3 % each way (5.9 %
//     of round trips) reads 2 losses or fewer once in 16 runs, which a
//     5 % test would read as clean. A level that shows the loss so needs
//     the levels before it to be cleaner only at 10 % too: two pieces of
//     evidence at 10 % each. Past the nearest level it is enough that a
//     level is not clearly cleaner than those behind it (Fisher, 5 %), if
//     the levels before it are shown to be cleaner at 5 %;
//   - straySignificance: a level or target that loses less than the level
//     the loss starts at, at p < 0.01, does not share its loss (loss
//     toward one anchor only is not loss beyond the provider).
//
// TestLocateAtCallPace measures the result on drawn runs: at 3 % a
// direction the right segment in about 97 % of runs and another one in
// under 2 %; at 1 % (2 lost probes in 100) the segment is often left
// uncertain and named wrongly in up to 8 %, when the nearest target of
// the lossy link happened to lose none of its probes.
const (
	significance      = 0.05
	onsetSignificance = 0.10
	straySignificance = 0.01
)

// A router that limits the answers it sends itself (often to 10 a second)
// leaves most of 50 probes a second unanswered while forwarding every
// packet: its loss says nothing about the path. Its figure is set aside
// only when it is far above what the targets behind it lose: at least
// twice as much and limitMargin more (a limiter at 10 a second shows
// about 75 %), at p < limitSignificance, so that chance alone never hides
// a lossy link.
const (
	limitSignificance = 0.001
	limitMargin       = 0.10
)

// rungLoss is what localisation needs of one target.
type rungLoss struct {
	index int // position in the caller's list, to name the target
	level int
	sent  int
	lost  int
}

func (r rungLoss) rate() float64 { return float64(r.lost) / float64(r.sent) }

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

// locate finds the segment where loss starts: the first level k, nearest
// first, such that the targets from k on (pooled) lose more than the
// floor, the levels before k lose significantly less than they do, level
// k shows the loss (or is not clearly below the levels behind it), and no
// level or target from k on loses significantly less than level k (see
// the significance constants). Two kinds of evidence are needed for a
// segment, that the loss is absent before it and present from it on; when
// the probes give neither clearly (little loss, or a level that reads low
// by chance), the verdict is uncertain rather than the wrong segment.
//
// A target that loses far more than the targets behind it limits the
// answers it sends itself (see limitMargin): its figure is left out of
// the tests and of the path estimate. A level whose every target limits is
// not observed: loss found just past it may start on its segment too, so
// the verdict names both (home_or_provider, past_router) or is uncertain.
// floor is the background loss not worth locating, as a fraction. Targets
// that answered nothing at all are left out: they filter pings, which
// says nothing about loss.
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
	n := len(levels)

	// From the farthest level in: which targets limit, each level's
	// pooled loss without them, and the path loss up to it (est).
	// A target limits when it loses far more than every target behind it
	// that does not, pooled: the pool, not the lowest level, so that one
	// level reading low by chance does not make a lossy router look like
	// a limiting one.
	limits := map[int]bool{}
	pooled := make([]rungLoss, n)
	est := make([]float64, n)
	observed := make([]bool, n)
	var behind rungLoss
	for i := n - 1; i >= 0; i-- {
		for _, r := range byLevel[levels[i]] {
			if behind.sent > 0 {
				b := behind.rate()
				if r.rate() >= b+max(limitMargin, b) && rttstats.BinomialTail(r.lost, r.sent, max(b, floor)) < limitSignificance {
					limits[r.index] = true
					continue
				}
			}
			pooled[i].sent += r.sent
			pooled[i].lost += r.lost
		}
		switch {
		case pooled[i].sent > 0:
			observed[i] = true
			est[i] = pooled[i].rate()
			if i < n-1 {
				est[i] = min(est[i], est[i+1])
			}
		case i < n-1:
			est[i] = est[i+1]
		}
		behind.sent += pooled[i].sent
		behind.lost += pooled[i].lost
	}

	sum := func(from, to int) rungLoss {
		var t rungLoss
		for k := from; k < to; k++ {
			t.sent += pooled[k].sent
			t.lost += pooled[k].lost
		}
		return t
	}
	// shows: r's loss is above the floor, at significance alpha.
	shows := func(r rungLoss, alpha float64) bool { return rttstats.BinomialTail(r.lost, r.sent, floor) < alpha }
	loc := location{Where: locUncertain}
	for i, l := range levels {
		if !observed[i] {
			continue
		}
		level, pre, after, post := pooled[i], sum(0, i), sum(i+1, n), sum(i, n)
		absent := 0.0 // p-value that the levels before lose as much as those from here
		if pre.sent > 0 {
			absent = fisherBelow(pre, post)
		}
		onset := after.sent > 0 && shows(level, onsetSignificance)
		switch {
		case !shows(post, significance):
			continue // no loss worth locating from here on
		case absent >= significance && !(onset && absent < onsetSignificance):
			continue // the levels before lose as much: it starts earlier
		case after.sent == 0:
			// The farthest level: its loss is real (above).
		case pre.sent == 0 && !onset:
			continue // the nearest level does not show it
		case !onset && fisherBelow(level, after) < significance:
			continue // this level is clean next to those behind: it starts later
		}
		shared := true
		for k := i; k < n; k++ {
			if k > i && observed[k] && fisherBelow(pooled[k], level) < straySignificance {
				shared = false
			}
			for _, r := range byLevel[levels[k]] {
				if !limits[r.index] && binomialHead(r.lost, r.sent, pooled[k].rate()) < straySignificance {
					shared = false
				}
			}
		}
		if !shared {
			continue
		}
		loc.Level, loc.Where = l, where(l, levels[:i], observed)
		if loc.Where == locUncertain {
			loc.Level = 0
		}
		break
	}
	if loc.Level == 0 && est[n-1] == 0 {
		loc.Where = locNone
	}

	// A target that limits is named; so is one that loses a little more
	// than the path behind it, before the level the loss starts at: its
	// extra loss is its own.
	for i, l := range levels {
		for _, r := range byLevel[l] {
			switch {
			case limits[r.index]:
			case i == n-1 || loc.Level != 0 && l >= loc.Level:
				continue
			case rttstats.BinomialTail(r.lost, r.sent, max(est[i], floor)) < significance || est[i] < r.rate() && rttstats.BinomialTail(r.lost, r.sent, floor) < significance:
			default:
				continue
			}
			loc.Limiting = append(loc.Limiting, r.index)
		}
	}
	sort.Ints(loc.Limiting)
	return loc
}

// where names the segment where loss found at level l starts, given the
// levels before it and whether each was observed (a level all of whose
// targets limit their answers is not). A level that is missing altogether
// is not asked about, as before: without a provider hop, loss past the
// router is past_router.
func where(l int, before []int, observed []bool) string {
	unobserved := map[int]bool{}
	present := map[int]bool{}
	for i, b := range before {
		present[b] = true
		unobserved[b] = !observed[i]
	}
	switch l {
	case levelRouter:
		return locHome
	case levelProvider:
		if unobserved[levelRouter] {
			return locHomeOrProvider
		}
		return locProvider
	}
	providerSeen := present[levelProvider] && !unobserved[levelProvider]
	switch {
	case providerSeen:
		return locBeyond
	case unobserved[levelRouter]:
		return locUncertain
	}
	return locPastRoute
}
