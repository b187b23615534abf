package latency

import (
	"context"
	"net/netip"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/dns"
)

// firstResolver returns the first DNS server of the machine that is not on
// the machine itself, as the dns check discovers them on every OS (behind
// systemd-resolved's stub, its upstream servers); a local stub answers
// from memory and says nothing about the path. An invalid address means
// none was found, and the ladder leaves that rung out.
func firstResolver(ctx context.Context, env *checks.Env) netip.Addr {
	cfg, err := dns.Discover(ctx, env)
	if err != nil {
		env.Debugf("latency: DNS servers: %v", err)
	}
	if s, ok := cfg.FirstNonLoopback(); ok {
		return s.Addr.Addr()
	}
	return netip.Addr{}
}
