//go:build linux

package icmpprobe

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
)

// openIn opens a Conn inside ns: the socket stays in the namespace.
func openIn(t *testing.T, ns *netlab.NS, m Mode, v6 bool) *Conn {
	t.Helper()
	var c *Conn
	if err := ns.Do(func() (err error) {
		c, err = Open(m, v6)
		return err
	}); err != nil {
		t.Fatalf("open %v socket in %s: %v", m, ns, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestHopsAndPathMTU runs on the link-truth topology: TTL-limited probes
// name each router in turn, and with the provider link's MTU at 1380 the
// path-MTU search finds 1380, with both kinds of socket and both families.
func TestHopsAndPathMTU(t *testing.T) {
	lab := netlab.New(t)
	tp := lab.Topology()
	// root is gid 0: let it open ping sockets too, so both modes run.
	tp.Home.Sysctl("net.ipv4.ping_group_range", "0 0")
	for _, ns := range []*netlab.NS{tp.HomeRouter.NS, tp.ISP.NS} {
		iface := tp.HomeRouter.Next.Iface
		if ns == tp.ISP.NS {
			iface = tp.ISP.Prev.Iface
		}
		ns.Run("ip", "link", "set", "dev", iface, "mtu", "1380")
	}
	families := []struct {
		v6                   bool
		gateway, isp, server string
		want                 int
	}{
		{false, netlab.TopoGatewayIPv4, netlab.TopoISPIPv4, netlab.TopoServerIPv4, 1380},
		{true, netlab.TopoGatewayIPv6, netlab.TopoISPIPv6, netlab.TopoServerIPv6, 1380},
	}
	for _, m := range []Mode{Unprivileged, Privileged} {
		for _, fam := range families {
			name := m.String() + map[bool]string{false: "/ipv4", true: "/ipv6"}[fam.v6]
			t.Run(name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				c := openIn(t, tp.Home.NS, m, fam.v6)
				dst := netip.MustParseAddr(fam.server)
				for ttl, want := range map[int]Reply{
					1: {Kind: TimeExceeded, From: netip.MustParseAddr(fam.gateway)},
					2: {Kind: TimeExceeded, From: netip.MustParseAddr(fam.isp)},
					3: {Kind: EchoReply, From: dst},
				} {
					r, err := c.Probe(ctx, Probe{Dst: dst, TTL: ttl, Timeout: 2 * time.Second})
					if err != nil {
						t.Fatalf("TTL %d: %v", ttl, err)
					}
					if r.Kind != want.Kind || r.From != want.From || r.RTT <= 0 {
						t.Errorf("TTL %d: got %+v, want %v from %v", ttl, r, want.Kind, want.From)
					}
				}
				res, err := PathMTU(ctx, c, dst, PMTUOptions{Timeout: 2 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				if res.MTU != fam.want || !res.Exact {
					t.Errorf("path MTU %+v, want exactly %d", res, fam.want)
				} else {
					t.Logf("path MTU %d in %d probes (reported by %v)", res.MTU, res.Probes, res.ReportedBy)
				}
			})
		}
	}
}

// TestNotPermitted: with ping_group_range excluding the caller and no raw
// privileges the error says so; as root only the ping socket is refused.
func TestNotPermitted(t *testing.T) {
	lab := netlab.New(t)
	ns := lab.Namespace("solo")
	ns.Sysctl("net.ipv4.ping_group_range", "1 0")
	err := ns.Do(func() error {
		_, err := Open(Unprivileged, false)
		return err
	})
	if err == nil || !errors.Is(err, ErrNotPermitted) {
		t.Errorf("ping socket outside ping_group_range: %v", err)
	}
	var m Mode
	if err := ns.Do(func() (err error) { m, err = Detect(false); return err }); err != nil || m != Privileged {
		t.Errorf("root falls back to raw sockets: %v %v", m, err)
	}
}
