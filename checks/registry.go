package checks

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Registry is an ordered set of checks: by Order() for checks that declare
// one (see Ordered), then in the order they joined. It is the order of
// results in every report.
type Registry struct {
	mu     sync.Mutex
	checks []Check
}

// Default is the registry check packages join from init(); it is the only
// package-level mutable state in wfh.
var Default = &Registry{}

// Register adds c. A duplicate or malformed ID is a programming error and
// panics at start-up, long before a user runs anything.
func (r *Registry) Register(c Check) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := c.ID()
	if !validID(id) {
		panic(fmt.Sprintf("checks: invalid check id %q", id))
	}
	for _, existing := range r.checks {
		if existing.ID() == id {
			panic(fmt.Sprintf("checks: duplicate check id %q", id))
		}
	}
	r.checks = append(r.checks, c)
	// Package initialisation order is an accident of import paths; reports
	// should read in the order a support agent asks the questions.
	sort.SliceStable(r.checks, func(i, j int) bool { return order(r.checks[i]) < order(r.checks[j]) })
}

// Ordered is implemented by checks that say where they belong in a report:
// lower comes first. Checks without it come after those with it.
type Ordered interface {
	Order() int
}

// defaultOrder places checks that declare no order after the rest.
const defaultOrder = 1000

func order(c Check) int {
	if o, ok := c.(Ordered); ok {
		return o.Order()
	}
	return defaultOrder
}

// Register adds c to the Default registry.
func Register(c Check) { Default.Register(c) }

// All returns the registered checks in order.
func (r *Registry) All() []Check {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Check(nil), r.checks...)
}

// IDs returns the registered IDs in order.
func (r *Registry) IDs() []string {
	all := r.All()
	ids := make([]string, len(all))
	for i, c := range all {
		ids[i] = c.ID()
	}
	return ids
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
func (r *Registry) Select(only, skip []string) ([]Check, error) {
	all := r.All()
	byID := map[string]Check{}
	for _, c := range all {
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
	var out []Check
	for _, c := range all {
		if len(onlySet) > 0 && !onlySet[c.ID()] {
			continue
		}
		if skipSet[c.ID()] {
			continue
		}
		out = append(out, c)
	}
	return out, nil
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
