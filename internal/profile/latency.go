package profile

import (
	"fmt"
	"strings"

	"github.com/wfh-cli/wfh/internal/hostname"
)

// Latency configures the latency check: the targets of its ladder and the
// limits its verdict on calls uses. Zero values mean the defaults.
type Latency struct {
	// Anchors are internet hosts (names or IP addresses) pinged as the far
	// end of the ladder; empty means the hosts of network.anchors when the
	// profile sets them, else wfh's defaults.
	Anchors []string `yaml:"anchors"`
	// Gateway, FirstHop and Resolver replace the discovered default
	// gateway, the first router past it and the DNS server with an IP
	// address, or leave that rung out with "off".
	Gateway  string `yaml:"gateway"`
	FirstHop string `yaml:"first_hop"`
	Resolver string `yaml:"resolver"`
	// Warn and fail levels for the internet path, in milliseconds and
	// percent.
	RTTWarnMS       float64 `yaml:"rtt_warn_ms"`
	RTTFailMS       float64 `yaml:"rtt_fail_ms"`
	JitterWarnMS    float64 `yaml:"jitter_warn_ms"`
	JitterFailMS    float64 `yaml:"jitter_fail_ms"`
	LossWarnPercent float64 `yaml:"loss_warn_percent"`
	LossFailPercent float64 `yaml:"loss_fail_percent"`
}

// maxLatencyAnchors bounds the ladder: every anchor is pinged for the
// whole measurement, and a handful already tells one site's trouble from
// the path's.
const maxLatencyAnchors = 8

// validateLatency checks the latency section.
func validateLatency(p *Profile, lines map[string]int, fail func(key, msg, fix string) *Error) *Error {
	l := p.Latency
	if n := len(l.Anchors); n > maxLatencyAnchors {
		return fail("latency.anchors", fmt.Sprintf("latency.anchors lists %d hosts, more than %d", n, maxLatencyAnchors),
			"keep two to four hosts run by different companies")
	}
	for i, a := range l.Anchors {
		key := fmt.Sprintf("latency.anchors[%d]", i)
		t := strings.TrimSpace(a)
		msg := ""
		switch {
		case t == "":
			msg = "is empty"
		case strings.Contains(t, "/"):
			msg = fmt.Sprintf("is a web address, not a host: %s", quote(a))
		case !hostname.IsHost(t):
			msg = fmt.Sprintf("is not a host name or IP address: %s", quote(a))
		}
		if msg != "" {
			if _, ok := lines[key]; !ok {
				key = "latency.anchors"
			}
			return fail(key, key+" "+msg, "write a host name or an IP address, e.g. - 192.0.2.10 or - www.acme.example")
		}
	}
	for _, r := range []struct{ key, val string }{
		{"latency.gateway", l.Gateway}, {"latency.first_hop", l.FirstHop}, {"latency.resolver", l.Resolver},
	} {
		if _, set := lines[r.key]; !set {
			continue
		}
		if t := strings.TrimSpace(r.val); t != "off" && !hostname.IsAddr(t, true) {
			return fail(r.key, fmt.Sprintf("%s must be an IP address or off, got %s", r.key, quote(r.val)),
				"write the address to ping instead of the one wfh finds, e.g. 192.168.1.1, or off to leave it out")
		}
	}
	for _, lim := range []struct {
		name       string
		warn, fail float64
		max        float64
		unit       string
	}{
		// The ranges keep the levels meaningful: above 10 s of round trip
		// or 1 s of jitter nothing is left to call poor.
		{"rtt", l.RTTWarnMS, l.RTTFailMS, 10000, "_ms"},
		{"jitter", l.JitterWarnMS, l.JitterFailMS, 1000, "_ms"},
		{"loss", l.LossWarnPercent, l.LossFailPercent, 100, "_percent"},
	} {
		for _, v := range []struct {
			key string
			val float64
		}{{"latency." + lim.name + "_warn" + lim.unit, lim.warn}, {"latency." + lim.name + "_fail" + lim.unit, lim.fail}} {
			if _, set := lines[v.key]; set && (v.val <= 0 || v.val > lim.max) {
				return fail(v.key, fmt.Sprintf("%s must be above 0 and at most %g, got %g", v.key, lim.max, v.val),
					"write a number in that range, or leave the key out for the default")
			}
		}
		warnKey, failKey := "latency."+lim.name+"_warn"+lim.unit, "latency."+lim.name+"_fail"+lim.unit
		_, ws := lines[warnKey]
		_, fs := lines[failKey]
		if ws && fs && lim.warn > lim.fail {
			return fail(warnKey, fmt.Sprintf("%s (%g) is above %s (%g)", warnKey, lim.warn, failKey, lim.fail),
				"the warn level must not be above the fail level: swap them or lower "+warnKey)
		}
	}
	return nil
}
