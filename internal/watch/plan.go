package watch

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// The data budget. A watch runs for hours, often on a metered line (a
// phone's hotspot), so what it may send is fixed before it starts and the
// probes are planned to fit it.
const (
	// DefaultBudget is the data budget of a watch of up to DefaultBudgetFor:
	// 20 MB, what a phone plan spends on a few minutes of video.
	DefaultBudget    = 20_000_000
	DefaultBudgetFor = 8 * time.Hour
	// budgetReserve is kept unplanned: DNS answers vary in size, and the
	// planned pace must not run the budget out before the end.
	budgetReserve = 0.05
	// maxAnchorRate bounds the probes to the internet anchors: ten a
	// second times a loss burst's edges to a fraction of a second while
	// staying far below any rate limit of the anchors' operators.
	maxAnchorRate = 10.0
)

// DefaultBudgetOf returns the default data budget of a watch of length
// d: DefaultBudget, and for watches longer than 8 hours the same pace
// (2.5 MB an hour).
func DefaultBudgetOf(d time.Duration) int64 {
	perHour := float64(DefaultBudget) / DefaultBudgetFor.Hours()
	return max(DefaultBudget, int64(math.Ceil(perHour*d.Hours())))
}

// Pace is how often one rung is probed: once every EveryTicks ticks.
type Pace struct {
	EveryTicks int // 0: not probed
}

// PerMinute is the pace in probes a minute at a tick of every.
func (p Pace) PerMinute(every time.Duration) float64 {
	if p.EveryTicks <= 0 || every <= 0 {
		return 0
	}
	return time.Minute.Seconds() / every.Seconds() / float64(p.EveryTicks)
}

// on reports whether tick k probes this rung.
func (p Pace) on(k int) bool { return p.EveryTicks > 0 && k%p.EveryTicks == 0 }

// Plan is how often each role is probed.
type Plan struct {
	Gateway, FirstHop, DNSServer, DNSLookup, VPN Pace
	// Anchors is how many anchor probes each tick sends, spread evenly
	// over the tick and taken in turn from the anchors.
	Anchors int
	// BytesPerTick is what the plan sends and receives a tick, on average.
	BytesPerTick float64
	// Budget is the whole watch's budget the plan was made for.
	Budget int64
}

// PerMinute is the pace of a role in probes a minute.
func (p Plan) PerMinute(r Role, every time.Duration, anchors int) float64 {
	switch r {
	case RoleGateway:
		return p.Gateway.PerMinute(every)
	case RoleFirstHop:
		return p.FirstHop.PerMinute(every)
	case RoleDNSServer:
		return p.DNSServer.PerMinute(every)
	case RoleDNSLookup:
		return p.DNSLookup.PerMinute(every)
	case RoleVPN:
		return p.VPN.PerMinute(every)
	case RoleAnchor:
		if anchors <= 0 {
			return 0
		}
		return float64(p.Anchors) / float64(anchors) * time.Minute.Seconds() / every.Seconds()
	}
	return 0
}

// ErrBudget: the data budget cannot carry even the slowest plan.
var ErrBudget = errors.New("data budget too small")

// Costs are the bytes one probe of each role sends and receives (0: the
// role has no rung).
type Costs map[Role]int

// MakePlan fits the probes into budget for a watch of length d at one
// tick every every. Every rung is probed once a tick; if that does not
// fit, the VPN target, the DNS server and the lookup, then the provider's
// router, then the gateway are probed less often, in that order (the
// router and the anchors tell the most). What is left goes to the
// anchors, up to maxAnchorRate. It fails with ErrBudget, naming the
// budget needed, when even the slowest plan does not fit.
func MakePlan(budget int64, d, every time.Duration, c Costs) (Plan, error) {
	if every <= 0 || d <= 0 {
		return Plan{}, fmt.Errorf("watch: plan for %v every %v: both must be positive", d, every)
	}
	ticks := math.Ceil(d.Seconds() / every.Seconds())
	perTick := float64(budget) * (1 - budgetReserve) / ticks
	p := Plan{Budget: budget}
	set := func(pc *Pace, r Role) {
		if c[r] > 0 {
			pc.EveryTicks = 1
		}
	}
	set(&p.Gateway, RoleGateway)
	set(&p.FirstHop, RoleFirstHop)
	set(&p.DNSServer, RoleDNSServer)
	set(&p.DNSLookup, RoleDNSLookup)
	set(&p.VPN, RoleVPN)
	if c[RoleAnchor] > 0 {
		p.Anchors = 1
	}
	total := func() float64 {
		sum := float64(p.Anchors * c[RoleAnchor])
		for _, x := range []struct {
			pc Pace
			r  Role
		}{{p.Gateway, RoleGateway}, {p.FirstHop, RoleFirstHop}, {p.DNSServer, RoleDNSServer}, {p.DNSLookup, RoleDNSLookup}, {p.VPN, RoleVPN}} {
			if x.pc.EveryTicks > 0 {
				sum += float64(c[x.r]) / float64(x.pc.EveryTicks)
			}
		}
		return sum
	}
	slower := []struct {
		pc    *Pace
		every int
	}{
		{&p.VPN, 2}, {&p.DNSServer, 2}, {&p.DNSLookup, 2}, {&p.FirstHop, 2},
		{&p.VPN, 5}, {&p.DNSServer, 5}, {&p.DNSLookup, 5}, {&p.FirstHop, 5}, {&p.Gateway, 2},
	}
	for _, s := range slower {
		if total() <= perTick {
			break
		}
		if s.pc.EveryTicks > 0 && s.pc.EveryTicks < s.every {
			s.pc.EveryTicks = s.every
		}
	}
	if t := total(); t > perTick {
		need := int64(math.Ceil(t * ticks / (1 - budgetReserve)))
		return Plan{}, fmt.Errorf("%w: a watch of %s at one tick every %s needs at least %s, the budget is %s",
			ErrBudget, shortDur(d), shortDur(every), FormatBytes(need), FormatBytes(budget))
	}
	if c[RoleAnchor] > 0 {
		most := max(1, int(math.Floor(maxAnchorRate*every.Seconds())))
		for p.Anchors < most && total()+float64(c[RoleAnchor]) <= perTick {
			p.Anchors++
		}
	}
	p.BytesPerTick = total()
	return p, nil
}

// FormatBytes writes a budget as people and the --max-data flag write
// it: "20 MB", "1.5 MB", "800 kB".
func FormatBytes(n int64) string {
	switch {
	case n >= 1_000_000:
		v := float64(n) / 1e6
		if v == math.Trunc(v) {
			return fmt.Sprintf("%.0f MB", v)
		}
		return fmt.Sprintf("%.1f MB", math.Ceil(v*10)/10)
	case n >= 1000:
		return fmt.Sprintf("%.0f kB", math.Ceil(float64(n)/1000))
	}
	return fmt.Sprintf("%d B", n)
}
