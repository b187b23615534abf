// Package vpn implements the "vpn" check. It tells the three things people
// mean by "the VPN does not work" apart: not connected at all, connected
// but not passing traffic, and connected but slow or lossy. It finds the
// tunnel interfaces and the VPN clients running, whether the tunnel takes
// all traffic or some prefixes, which DNS servers it installed, probes the
// profile's gateway and company targets through it, reads WireGuard's
// last handshake where it can, and measures the tunnel's MTU.
package vpn

import (
	"context"
	"time"

	"github.com/wfh-cli/wfh/checks"
)

// budget: the probes run concurrently; the slowest path is a target's
// first probe (DNS 2 s, then at most 5 s for connect, TLS and the answer)
// plus two repeated connects (1.5 s each), then wg (1.5 s) and the MTU
// search (3 s): 13 s, after local reads of a few milliseconds. 15 s
// leaves room for a slow machine; a healthy run takes well under a
// second, a tunnel that passes nothing about 3 s.
const budget = 15 * time.Second

type check struct {
	// pmtu searches the tunnel's path MTU; nil means not measured.
	pmtu pmtuFunc
}

// New returns the vpn check for the running OS.
func New() checks.Check {
	return &check{pmtu: systemPMTU}
}

func (*check) ID() string            { return "vpn" }
func (*check) Title() string         { return "VPN" }
func (*check) Budget() time.Duration { return budget }

// Needs: the local network only. A full-tunnel VPN that passes nothing
// makes the network check report the machine offline; skipping this check
// then would hide the one result that says why.
func (*check) Needs() checks.Needs {
	return checks.Needs{
		Uses:       []checks.Resource{checks.LocalNetwork},
		Privileges: "WireGuard's last handshake: root or administrator; the tunnel MTU search: ICMP (root, CAP_NET_RAW or ping_group_range)",
	}
}

// reserve is kept back from the budget: should commands hang to their
// timeouts one after another, the probes still in flight are stopped and
// the check reports what it found, rather than the runner reporting only
// that it ran out of time.
const reserve = time.Second

func (c *check) Run(ctx context.Context, env *checks.Env) checks.Result {
	ctx, cancel := context.WithTimeout(ctx, budget-reserve)
	defer cancel()
	return verdict(c.observe(ctx, env))
}
