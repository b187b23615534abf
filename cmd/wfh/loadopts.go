package main

import (
	"slices"
	"strings"

	"github.com/wfh-cli/wfh/checks"

	"github.com/wfh-cli/wfh/internal/profile"
)

// applyLoadOptions applies --quick (leave out the checks that load the
// network) and --max-data (their data budget, which beats the profile's).
func applyLoadOptions(o *doctorOptions, s *settings) error {
	if o.maxData != "" {
		v, err := profile.ParseDataSize(o.maxData)
		if err != nil {
			return usageError("--max-data %s", strings.TrimPrefix(err.Error(), "is "))
		}
		if v < profile.MinDataBudget || v > profile.MaxDataBudget {
			return usageError("--max-data must be between %s and %s, not %s; below 5MB no speed can be measured",
				profile.MinDataBudget, profile.MaxDataBudget, v)
		}
		s.profile.Bandwidth.MaxData = v
	}
	if !o.quick {
		return nil
	}
	kept := s.checks[:0:0]
	left := map[string]bool{}
	for _, c := range s.checks {
		if !c.Needs().LoadsNetwork {
			kept = append(kept, c)
			left[c.ID()] = true
		}
	}
	// A check brought in only for the ones --quick drops goes with them.
	kept = slices.DeleteFunc(kept, func(c checks.Check) bool {
		by := checks.PulledInBy(c)
		return by != nil && !slices.ContainsFunc(by, func(id string) bool { return left[id] })
	})
	if len(kept) == 0 {
		return usageError("--quick leaves no check to run: every selected check loads the network; drop --quick")
	}
	s.checks = kept
	return nil
}
