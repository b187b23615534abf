// Package profile loads the organisation profile: a YAML file IT hands out so
// that every teleworker's run checks the same targets against the same limits.
package profile

import "time"

// Profile is the parsed organisation profile. The zero value is valid: every
// field has a default, so wfh works with no profile at all.
type Profile struct {
	// Path is the file the profile was loaded from; empty for defaults.
	Path string `yaml:"-"`
	// Name is shown in reports ("Acme onboarding").
	Name string `yaml:"name"`
	// CompanyCA is a PEM file of extra roots for TLS checks (a company proxy
	// or internal servers signed by the company CA).
	CompanyCA string `yaml:"company_ca"`
	// Timeout overrides the default overall deadline of wfh doctor.
	Timeout Duration `yaml:"timeout"`
	// FailOn is "warn" or "fail": the lowest verdict that makes the exit code 1.
	FailOn string `yaml:"fail_on"`
	// Checks selects checks the same way --only and --skip do.
	Checks Selection `yaml:"checks"`
	// System configures the system check.
	System System `yaml:"system"`
}

// Selection names checks to run or leave out.
type Selection struct {
	Only []string `yaml:"only"`
	Skip []string `yaml:"skip"`
}

// System configures the system check.
type System struct {
	// MaxUptimeDays is how long a machine may run without a restart before
	// the check warns; 0 means the default (14).
	MaxUptimeDays int `yaml:"max_uptime_days"`
}

// Duration is a time.Duration written as "90s" or "2m" in YAML.
type Duration time.Duration

// Default returns the profile used when none is given.
func Default() *Profile { return &Profile{} }
