package vpn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/wfh-cli/wfh/checks"
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

// egressTimeout: a UDP "connect" only asks the kernel for a route; it
// returns at once.
const egressTimeout = time.Second

// egress asks the kernel which interface traffic to one company target or
// DNS server leaves by: a UDP socket "connected" to dst gets the source
// address of the route the kernel picks, with every policy rule applied
// (wg-quick's full tunnel lives in a table of its own that the main route
// table does not show), and no packet is sent. It returns the interface
// owning that address; an address no listed interface has is
// errUnknownSource (the interfaces changed since the run's network state
// was read).
func egress(ctx context.Context, env *checks.Env, list []iface, dst netip.Addr) (string, error) {
	if env.Dialer == nil {
		return "", errors.New("no dialer")
	}
	ctx, cancel := context.WithTimeout(ctx, egressTimeout)
	defer cancel()
	network := "udp4"
	if dst.Is6() && !dst.Is4In6() {
		network = "udp6"
	}
	// Port 9 (discard): any port would do, nothing is sent.
	conn, err := env.Dialer.DialContext(ctx, network, netip.AddrPortFrom(dst, 9).String())
	if err != nil {
		return "", err
	}
	defer conn.Close()
	ua, ok := conn.LocalAddr().(*net.UDPAddr)
	if !ok {
		return "", fmt.Errorf("unexpected local address %v", conn.LocalAddr())
	}
	src, ok := netip.AddrFromSlice(ua.IP)
	if !ok {
		return "", fmt.Errorf("unexpected local address %v", ua)
	}
	if name := owner(list, src); name != "" {
		return name, nil
	}
	return "", fmt.Errorf("%w %v", errUnknownSource, src)
}

// errUnknownSource: the kernel routes through an address no interface of
// the run's network state has.
var errUnknownSource = errors.New("no interface has the source address")
