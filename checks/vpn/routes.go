package vpn

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/wfh-cli/wfh/internal/netstate"
)

// routeTable is the machine's IPv4 and IPv6 routes, from the run's
// network state (interfaces always named).
type routeTable struct {
	V4, V6 []netstate.Route
	Err    error
}

// tunnelRoutes returns the prefixes routed into the named interfaces,
// minus what every interface has (link-local, multicast) and host routes
// to the interface's own addresses.
func (rt routeTable) tunnelRoutes(tunnels map[string]iface) []netip.Prefix {
	var out []netip.Prefix
	for _, rs := range [][]netstate.Route{rt.V4, rt.V6} {
		for _, r := range rs {
			t, ok := tunnels[r.Interface]
			if !ok {
				continue
			}
			a := r.Dst.Addr()
			// Host routes to the tunnel's own address, or to its far end with
			// the own address as gateway (macOS), are the link itself.
			if a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsLoopback() || r.Dst.IsSingleIP() && (t.has(a) || t.has(r.Gateway)) {
				continue
			}
			if a.Is4() && (r.Dst.Bits() == 32 && a == netip.AddrFrom4([4]byte{255, 255, 255, 255})) {
				continue
			}
			dup := false
			for _, p := range out {
				dup = dup || p == r.Dst
			}
			if !dup {
				out = append(out, r.Dst)
			}
		}
	}
	return out
}

// egress asks the kernel which interface traffic to one company target or
// DNS server leaves by, through the network state (state.Egress: with
// every policy rule applied, as wg-quick's full tunnel needs, and through
// Winsock on Windows, where Go's own UDP sockets fail under Wine). An
// address no interface of state has is errUnknownSource: the interfaces
// changed since state was read (a VPN that connects on demand came up).
func egress(ctx context.Context, state *netstate.State, dst netip.Addr) (string, error) {
	e, err := state.Egress(ctx, dst)
	if err != nil {
		return "", err
	}
	if e.Interface == "" {
		return "", fmt.Errorf("%w %v", errUnknownSource, e.Source)
	}
	return e.Interface, nil
}

// errUnknownSource: the kernel routes through an address no interface of
// the run's network state has.
var errUnknownSource = errors.New("no interface has the source address")
