package vpn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/netinfo"
)

const (
	// routeTimeout: netstat and route print answer in milliseconds; 2 s
	// covers a loaded machine.
	routeTimeout = 2 * time.Second
	// maxRouteFile bounds /proc/net/route: a full internet table in a
	// namespace would be megabytes, a desktop's is a few hundred bytes.
	maxRouteFile = 4 << 20
)

// routeTable is the machine's IPv4 and IPv6 routes, Interface always a
// name (Windows' references are mapped once the interfaces are known).
type routeTable struct {
	V4, V6 []netinfo.Route
	// Adapters is route print's interface list (Windows only).
	Adapters []netinfo.AdapterEntry
	Err      error
}

// readRoutes reads the route tables the way the network check does:
// /proc through env.FS on Linux, netstat -rn on macOS, route print on
// Windows.
func readRoutes(ctx context.Context, env *checks.Env) routeTable {
	switch env.OS {
	case "linux":
		data, err := probeutil.ReadSmall(ctx, env.FS, "proc/net/route", maxRouteFile)
		if err != nil {
			return routeTable{Err: err}
		}
		v4, err := netinfo.ParseProcNetRoute(string(data))
		if err != nil {
			return routeTable{Err: err}
		}
		rt := routeTable{V4: v4}
		if data, err := probeutil.ReadSmall(ctx, env.FS, "proc/net/ipv6_route", maxRouteFile); err == nil {
			rt.V6 = netinfo.ParseProcNetIPv6Route(string(data))
		}
		return rt
	case "darwin":
		out, err := probeutil.Run(ctx, env, routeTimeout, "netstat", "-rn")
		if err != nil {
			return routeTable{Err: err}
		}
		v4, v6 := netinfo.ParseNetstatRN(out)
		return routeTable{V4: v4, V6: v6}
	case "windows":
		out, err := probeutil.Run(ctx, env, routeTimeout, "route", "print")
		if err != nil {
			return routeTable{Err: err}
		}
		rp := netinfo.ParseRoutePrint(out)
		return routeTable{V4: rp.V4, V6: rp.V6, Adapters: rp.Interfaces}
	}
	return routeTable{Err: errors.New("reading the route table is not supported on this system")}
}

// nameInterfaces replaces Windows' interface references (the interface's
// IPv4 address, "if<index>") with interface names.
func (rt *routeTable) nameInterfaces(list []iface) {
	for _, rs := range [][]netinfo.Route{rt.V4, rt.V6} {
		for k := range rs {
			ref := rs[k].Interface
			if idx, ok := strings.CutPrefix(ref, "if"); ok {
				if n, err := strconv.Atoi(idx); err == nil {
					for _, i := range list {
						if i.Index == n && n > 0 {
							rs[k].Interface = i.Name
						}
					}
				}
				continue
			}
			if a, err := netip.ParseAddr(ref); err == nil {
				if name := owner(list, a); name != "" {
					rs[k].Interface = name
				}
			}
		}
	}
}

// tunnelRoutes returns the prefixes routed into the named interfaces,
// minus what every interface has (link-local, multicast) and host routes
// to the interface's own addresses.
func (rt routeTable) tunnelRoutes(tunnels map[string]iface) []netip.Prefix {
	var out []netip.Prefix
	for _, rs := range [][]netinfo.Route{rt.V4, rt.V6} {
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

// egress asks the kernel which interface traffic to dst leaves by: a UDP
// socket "connected" to dst gets the source address of the route the
// kernel picks, with every policy rule applied (wg-quick's full tunnel
// lives in a table of its own that the main route table does not show),
// and no packet is sent. It returns the interface owning that address.
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
	return "", fmt.Errorf("no interface has the source address %v", src)
}

// internetProbe4 and internetProbe6 are where "the internet" is for the
// route lookup that tells a full tunnel from a split one: addresses of the
// documentation ranges (RFC 5737, RFC 3849), which no VPN routes on
// purpose, so the default route decides. Nothing is sent to them.
var (
	internetProbe4 = netip.MustParseAddr("198.51.100.1")
	internetProbe6 = netip.MustParseAddr("2001:db8::1")
)
