package network

import (
	"context"
	"net/netip"

	"github.com/wfh-cli/wfh/checks"
)

// DefaultGateway returns the machine's default gateway as this check finds
// it (IPv4 first, then IPv6, lowest metric first), for checks that measure
// the path through it. It is invalid, with a nil error, when the default
// route has no gateway or there is none; the error says why the route
// table could not be read.
func DefaultGateway(ctx context.Context, env *checks.Env) (netip.Addr, error) {
	r := systemRoutes(ctx, env)
	if gw := firstGateway(r); gw.IsValid() {
		return gw, nil
	}
	return netip.Addr{}, r.Err
}
