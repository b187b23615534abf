// Package profile loads the organisation profile: a YAML file IT hands out so
// that every teleworker's run checks the same targets against the same limits.
package profile

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

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
	// Network configures the network check.
	Network Network `yaml:"network"`
	// Camera configures the camera check.
	Camera Camera `yaml:"camera"`
	// Audio configures the audio check.
	Audio Audio `yaml:"audio"`
	// Latency configures the latency check.
	Latency Latency `yaml:"latency"`
	// DNS configures the dns check.
	DNS DNS `yaml:"dns"`
	// Bandwidth configures the bandwidth check.
	Bandwidth Bandwidth `yaml:"bandwidth"`
	// VPN configures the vpn check.
	VPN VPN `yaml:"vpn"`
	// Report configures where the report is sent besides the local copy.
	Report Report `yaml:"report"`
	// Calls configures the calls check.
	Calls Calls `yaml:"calls"`
	// Services are the company services the services check proves
	// reachable, each the way its real client starts.
	Services []Service `yaml:"services"`
}

// Network configures the network check's targets.
type Network struct {
	// Anchors are HTTPS URLs whose TLS handshake proves the internet is
	// reachable; empty means wfh's defaults. Give at least two independent
	// sites so one site's outage never reads as the user's.
	Anchors []string `yaml:"anchors"`
	// PortalURL must answer HTTP 204 with no body on a clear path; captive
	// portals and filters answer otherwise. Empty means wfh's default.
	PortalURL string `yaml:"portal_url"`
}

// Camera configures the camera check.
type Camera struct {
	// Required makes a missing camera fail the check instead of warning,
	// for organisations whose meetings are on video.
	Required bool `yaml:"required"`
}

// Audio configures the audio check.
type Audio struct {
	// MicrophoneRequired makes a missing microphone fail the check instead
	// of warning, for organisations whose work is on calls.
	MicrophoneRequired bool `yaml:"microphone_required"`
	// SpeakerRequired does the same for speakers or headphones.
	SpeakerRequired bool `yaml:"speaker_required"`
}

// DNS configures the dns check.
type DNS struct {
	// PublicResolver is the server the machine's DNS servers are compared
	// with, an IP address with an optional port; empty means wfh's default
	// (8.8.8.8). An address, not a name: finding it must not need DNS.
	PublicResolver string `yaml:"public_resolver"`
	// Names are public names every server must resolve; empty means wfh's
	// defaults (www.google.com, www.cloudflare.com, www.microsoft.com).
	Names []string `yaml:"names"`
	// CompanyNames are the organisation's names, looked up the way apps
	// look them up.
	CompanyNames []CompanyName `yaml:"company_names"`
}

// CompanyName is one company name the dns check looks up.
type CompanyName struct {
	// Name is a DNS name ("intranet.acme.example").
	Name string `yaml:"name"`
	// VPNOnly says the name resolves only while the VPN is connected, so
	// that failing off the VPN points at the VPN instead of failing DNS.
	VPNOnly bool `yaml:"vpn_only"`
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
	// NTPServer is the time server the clock is compared with, "host" or
	// "host:port"; empty means the public pool (pool.ntp.org).
	NTPServer string `yaml:"ntp_server"`
	// TimeURL is fetched for its HTTP Date header when NTP is blocked, a
	// coarse fallback; empty means wfh's default anchor.
	TimeURL string `yaml:"time_url"`
}

// Duration is a time.Duration written as "90s" or "2m" in YAML.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// UnmarshalYAML accepts only Go duration strings. A bare number is refused
// rather than read as seconds: "timeout: 90" could mean seconds or minutes to
// whoever wrote it, and asking for a unit costs one character.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	const example = `write a number followed by a unit (ms, s, m or h), e.g. "90s" or "1m30s"`
	if n.Kind != yaml.ScalarNode {
		return &valueError{msg: "must be a duration such as \"90s\", got " + describe(n), fix: example}
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!int", "!!float":
		return &valueError{msg: "must be a duration with a unit, got " + describe(n), fix: unitFix(n.Value)}
	case "!!str":
	default:
		return &valueError{msg: "must be a duration such as \"90s\", got " + describe(n), fix: example}
	}
	text := strings.TrimSpace(n.Value)
	if _, err := strconv.ParseFloat(text, 64); err == nil {
		// A quoted number ("90") is still a number without a unit.
		return &valueError{msg: "must be a duration with a unit, got " + describe(n), fix: unitFix(text)}
	}
	v, err := time.ParseDuration(text)
	if err != nil {
		fix := example
		if strings.HasSuffix(text, "d") {
			// Go durations stop at hours; days are the usual guess.
			fix = `there is no unit for days: write hours, e.g. "48h"`
		}
		return &valueError{msg: "must be a duration such as \"90s\", got " + describe(n), fix: fix}
	}
	*d = Duration(v)
	return nil
}

// unitFix suggests the number with a unit appended, when the number is short
// and plain enough to echo back ("90" → "90s"); otherwise a generic example.
func unitFix(number string) string {
	number = strings.TrimSpace(number)
	if len(number) == 0 || len(number) > 8 || strings.Trim(number, "0123456789.") != "" {
		return `add a unit: write e.g. "90s" for seconds or "2m" for minutes`
	}
	return fmt.Sprintf("add a unit: write %q for seconds or %q for minutes", number+"s", number+"m")
}

// Default returns the profile used when none is given.
func Default() *Profile { return &Profile{} }
