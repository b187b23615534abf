package netlab

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Resolver looks up names for a Dialer. *net.Resolver satisfies it, and
// so does a test's fake.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Dialer dials from inside a namespace. It satisfies checks.Dialer and
// http.Transport.DialContext, so code under test can be pointed at a lab
// network without knowing about namespaces.
type Dialer struct {
	// NS is the namespace the connections start from.
	NS *NS
	// Resolver looks up names that are not IP literals. It runs in this
	// process, outside the namespace, so a real one must be built to reach
	// a DNS server in the lab (or be a fake). Nil means only IP literals
	// may be dialled: resolving through the host could send queries off
	// the machine, which lab tests must never do.
	Resolver Resolver
}

// DialContext connects to address ("10.200.2.1:443", "[fd00:200:2::1]:443",
// or "name:443" with a Resolver) from inside d.NS, trying each address of a
// name in turn until one answers or ctx ends.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		if d.Resolver == nil {
			return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("netlab: no Resolver to look up %q in %s; dial an IP literal or set Dialer.Resolver", host, d.NS.name)}
		}
		addrs, err := d.Resolver.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			ip, ok := netip.AddrFromSlice(a.IP)
			if !ok {
				continue
			}
			ip = ip.Unmap().WithZone(a.Zone)
			switch {
			case strings.HasSuffix(network, "4") && !ip.Is4(),
				strings.HasSuffix(network, "6") && !ip.Is6():
				continue
			}
			ips = append(ips, ip)
		}
		if len(ips) == 0 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("netlab: %q has no %s address", host, network)}
		}
	}
	var first error
	for _, ip := range ips { // bounded by the resolver's answer
		var conn net.Conn
		// One address per net.Dialer call: with a single literal it dials in
		// the calling goroutine, on Do's switched thread. (Given a name or
		// both families it would race goroutines in the host namespace.)
		err := d.NS.Do(func() (err error) {
			var nd net.Dialer
			conn, err = nd.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			return err
		})
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}
