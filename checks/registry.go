package checks

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

// Registry is the fixed, ordered set of checks a run chooses from; its order
// is the order of results in every report. cmd/wfh builds it from
// checks/all.Checks(); tests build their own. It never changes once built,
// so it is safe to share.
type Registry struct {
	checks []Check
}

// NewRegistry returns a registry of list, in list order. A duplicate or
// malformed ID is a programming error and panics; checks/all's tests build
// the real list, so such a panic never reaches a user.
func NewRegistry(list ...Check) *Registry {
	seen := make(map[string]bool, len(list))
	for _, c := range list {
		id := c.ID()
		if !validID(id) {
			panic(fmt.Sprintf("checks: invalid check id %q", id))
		}
		if seen[id] {
			panic(fmt.Sprintf("checks: duplicate check id %q", id))
		}
		seen[id] = true
	}
	return &Registry{checks: append([]Check(nil), list...)}
}

// All returns the checks in order.
func (r *Registry) All() []Check {
	return append([]Check(nil), r.checks...)
}

// IDs returns the check IDs in order.
func (r *Registry) IDs() []string {
	ids := make([]string, len(r.checks))
	for i, c := range r.checks {
		ids[i] = c.ID()
	}
	return ids
}

// NamedHosts collects the hosts every registered check names by default or
// from p (see HostNamer), without duplicates, in registry order.
func (r *Registry) NamedHosts(p *profile.Profile) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range r.checks {
		n, ok := c.(HostNamer)
		if !ok {
			continue
		}
		for _, h := range n.NamedHosts(p) {
			if h = strings.TrimSpace(h); h != "" && !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	return out
}

// DescribeHost returns the host facts of the first registered check that
// knows them (see HostDescriber), or only the OS and architecture when
// none does.
func (r *Registry) DescribeHost(ctx context.Context, env *Env) report.Host {
	for _, c := range r.checks {
		if d, ok := c.(HostDescriber); ok {
			return d.DescribeHost(ctx, env)
		}
	}
	if env == nil {
		return report.Host{}
	}
	return report.Host{OS: env.OS, Arch: env.Arch}
}

// UnknownCheckError names a check that is not registered.
type UnknownCheckError struct {
	Name  string
	Valid []string
}

func (e *UnknownCheckError) Error() string {
	return fmt.Sprintf("unknown check %q; valid checks: %s", e.Name, strings.Join(e.Valid, ", "))
}

// Select returns the checks named by only (all when empty) minus those in
// skip, in registry order. Unknown names in either list are an error that
// lists the valid names.
//
// A selected check that requires a need no selected check provides brings
// in the registry's provider of that need, unless skip names it: `--only
// bandwidth` offline must end as a full run does, skipped because the
// network check found no internet, not in an error of its own. Such a
// provider is returned wrapped, so that PulledInBy names the checks it
// came for and its result says so.
func (r *Registry) Select(only, skip []string) ([]Check, error) {
	byID := map[string]Check{}
	for _, c := range r.checks {
		byID[c.ID()] = c
	}
	valid := r.IDs()
	sort.Strings(valid)
	check := func(names []string) (map[string]bool, error) {
		set := map[string]bool{}
		for _, n := range names {
			n = strings.ToLower(strings.TrimSpace(n))
			if n == "" {
				continue
			}
			if _, ok := byID[n]; !ok {
				return nil, &UnknownCheckError{Name: n, Valid: valid}
			}
			set[n] = true
		}
		return set, nil
	}
	onlySet, err := check(only)
	if err != nil {
		return nil, err
	}
	skipSet, err := check(skip)
	if err != nil {
		return nil, err
	}
	chosen := map[string]bool{}
	provided := map[Need]bool{}
	for _, c := range r.checks {
		if (len(onlySet) > 0 && !onlySet[c.ID()]) || skipSet[c.ID()] {
			continue
		}
		chosen[c.ID()] = true
		if p, ok := c.(Provider); ok {
			provided[p.Provides()] = true
		}
	}
	// The checks each unprovided need's provider is brought in for.
	pulledFor := map[string][]string{}
	for _, c := range r.checks {
		if !chosen[c.ID()] {
			continue
		}
		for _, need := range c.Needs().Requires {
			if provided[need] {
				continue
			}
			if p := r.provider(need); p != nil && !skipSet[p.ID()] && p.ID() != c.ID() {
				pulledFor[p.ID()] = append(pulledFor[p.ID()], c.ID())
			}
		}
	}
	var out []Check
	for _, c := range r.checks {
		switch {
		case chosen[c.ID()]:
			out = append(out, c)
		case pulledFor[c.ID()] != nil:
			out = append(out, pulledIn{Check: c, by: pulledFor[c.ID()]})
		}
	}
	return out, nil
}

// provider is the registry's check that provides need, or nil.
func (r *Registry) provider(need Need) Check {
	for _, c := range r.checks {
		if p, ok := c.(Provider); ok && p.Provides() == need {
			return c
		}
	}
	return nil
}

// pulledIn is a provider nobody selected, run because selected checks
// require its need. It is still the provider for the runner.
type pulledIn struct {
	Check
	by []string
}

func (p pulledIn) Provides() Need { return p.Check.(Provider).Provides() }

func (p pulledIn) Unmet(r Result) (string, bool) { return p.Check.(Provider).Unmet(r) }

// PulledInBy returns the IDs of the selected checks a check was brought in
// for by Registry.Select, or nil for a check that was selected itself.
func PulledInBy(c Check) []string {
	if p, ok := c.(pulledIn); ok {
		return append([]string(nil), p.by...)
	}
	return nil
}

func validID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}
