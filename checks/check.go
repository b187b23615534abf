// Package checks defines the contract every wfh check implements, the
// registry checks join, and the runner that executes them concurrently under
// per-check and overall deadlines.
package checks

import (
	"context"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

// Result is what a check returns; it is the report's own type so that checks
// fill the model directly and never format output.
type Result = report.Result

// Check is one diagnostic. Run must return when ctx is done; the runner does
// not wait for a check past its deadline in any case.
type Check interface {
	// ID is a short stable name used by --only, --skip, profiles and JSON.
	ID() string
	// Title is a few words for people ("System basics").
	Title() string
	// Budget is the longest the check may run; the runner enforces it.
	Budget() time.Duration
	// Needs says what the check depends on (for the runner) and what it
	// touches (for `wfh checks`).
	Needs() Needs
	// Run measures and returns a Result. ID, Title and DurationSeconds are
	// filled in by the runner; the check sets Status, Summary and the rest.
	Run(ctx context.Context, env *Env) Result
}

// Need is a precondition that gates a check: a check requiring it waits for
// the check that provides it (see Provider) and is skipped when that check
// finds it unmet. Every Need has a provider; what a check merely touches is
// a Resource.
type Need string

// NeedInternet: the check is pointless offline and is skipped when the
// check that provides NeedInternet (network) says the machine is offline.
const NeedInternet Need = "internet"

// describe names the need for `wfh checks`, with what happens when it is
// unmet.
func (n Need) describe() string {
	if n == NeedInternet {
		return "internet (skipped when offline)"
	}
	return string(n)
}

// Resource is something a check reads or talks to, named in `wfh checks` so
// a user knows what it touches. Unlike a Need it gates nothing: no check
// provides it and the runner never waits for it.
type Resource string

const (
	// LocalNetwork: the check talks to the local network (gateway, LAN,
	// the resolvers the router hands out) and works without the internet.
	LocalNetwork Resource = "local network"
	// LocalDevices: the check reads hardware (camera, microphone, speakers).
	LocalDevices Resource = "local devices"
)

// Needs describes what a check depends on and what it touches.
type Needs struct {
	// Requires lists preconditions. A required need whose provider check is
	// selected gates this check on the provider's verdict.
	Requires []Need
	// Uses lists what the check touches, for people; it gates nothing.
	Uses []Resource
	// Privileges describes elevated rights that give better results, empty
	// when none ("raw ICMP: root or ping_group_range").
	Privileges string
	// LoadsNetwork puts the check in the exclusive phase: it runs alone,
	// after every other check, so its traffic never disturbs their figures.
	LoadsNetwork bool
}

// String renders the needs for `wfh checks`.
func (n Needs) String() string {
	var parts []string
	for _, r := range n.Requires {
		parts = append(parts, r.describe())
	}
	for _, u := range n.Uses {
		parts = append(parts, string(u))
	}
	if n.LoadsNetwork {
		parts = append(parts, "runs alone (loads the network)")
	}
	if n.Privileges != "" {
		parts = append(parts, "privileges: "+n.Privileges)
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// HostNamer is implemented by a check that contacts hosts named by wfh's
// defaults or by the profile (anchors, test names, the VPN gateway). The
// report keeps them unredacted: they identify nobody, and the agent needs
// them verbatim. The registry collects them (Registry.NamedHosts), so
// nothing outside a check needs to know its defaults.
type HostNamer interface {
	// NamedHosts returns host names and addresses, without schemes,
	// ports or paths, for p (nil means the defaults alone).
	NamedHosts(p *profile.Profile) []string
}

// HostDescriber is implemented by the check that knows the machine (the
// system check): it fills the report's host facts before the run
// (Registry.DescribeHost), from local reads only.
type HostDescriber interface {
	DescribeHost(ctx context.Context, env *Env) report.Host
}

// Provider is implemented by a check whose verdict decides whether a need is
// met (network provides NeedInternet). Checks requiring that need wait for the
// provider and are skipped with the provider's reason when it is unmet.
type Provider interface {
	Provides() Need
	// Unmet inspects the provider's own result and, when the need is not met,
	// returns the skip reason for dependants ("offline (see network)").
	Unmet(r Result) (reason string, unmet bool)
}
