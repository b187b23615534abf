//go:build linux

package icmpprobe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
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
				rec := &recordingProber{p: c}
				res, err := PathMTU(ctx, rec, dst, PMTUOptions{Timeout: 2 * time.Second})
				if err != nil {
					t.Fatalf("%v; probes: %s", err, rec)
				}
				if res.MTU != fam.want || !res.Exact {
					t.Errorf("path MTU %+v, want exactly %d; probes: %s", res, fam.want, rec)
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

// TestEchoSessionCountsEveryDrop runs an echo session from home to the
// router, the provider's router and the server at once, with loss on the
// beyond link only. The stages count what they drop, so the truth is
// exact: the server's series loses precisely the requests and replies the
// beyond link dropped (less any packets that were not probes, which the
// stages' packet counts bound), the nearer targets lose nothing, and every
// answer comes back at least the set delay late. Both socket kinds and both
// families share one socket per session.
func TestEchoSessionCountsEveryDrop(t *testing.T) {
	lab := netlab.New(t)
	tp := lab.Topology()
	tp.Home.Sysctl("net.ipv4.ping_group_range", "0 0")
	const delay = 5 * time.Millisecond
	families := []struct {
		v6      bool
		targets []string
	}{
		{false, []string{netlab.TopoGatewayIPv4, netlab.TopoISPIPv4, netlab.TopoServerIPv4}},
		{true, []string{netlab.TopoGatewayIPv6, netlab.TopoISPIPv6, netlab.TopoServerIPv6}},
	}
	for _, m := range []Mode{Unprivileged, Privileged} {
		for _, fam := range families {
			name := m.String() + map[bool]string{false: "/ipv4", true: "/ipv6"}[fam.v6]
			t.Run(name, func(t *testing.T) {
				tp.HomeLink.SetBoth(netlab.Impairment{Delay: delay})
				tp.BeyondLink.SetBoth(netlab.Impairment{Loss: 0.1})
				up0, down0 := tp.BeyondLink.Up.Stats(), tp.BeyondLink.Down.Stats()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				o := EchoOptions{Count: 100, Interval: 5 * time.Millisecond, Wait: 2 * time.Second, Payload: 172}
				s := StartEchoes(ctx, o, func(v6 bool) (EchoConn, error) {
					var c *Conn
					err := tp.Home.Do(func() (err error) { c, err = Open(m, v6); return err })
					return c, err
				})
				for i, a := range fam.targets {
					s.Add(netip.MustParseAddr(a), time.Duration(i)*o.Interval/3)
				}
				res := s.Results()
				up, down := tp.BeyondLink.Up.Stats(), tp.BeyondLink.Down.Stats()
				upLost, downLost := int(up.Lost-up0.Lost), int(down.Lost-down0.Lost)
				dropped := upLost + downLost
				// Packets that are not probes may cross the link too (IPv6
				// multicast listener reports after the links come up), and
				// some of them may be among the drops. Without them the
				// count is exact: requests up = probes, replies down =
				// probes whose request got through.
				strays := int(up.Packets-up0.Packets) - o.Count + int(down.Packets-down0.Packets) - (o.Count - upLost)
				for i, r := range res {
					if r.Err != nil {
						t.Fatalf("%v: %v", r.Dst, r.Err)
					}
					lost := 0
					for _, d := range r.RTT {
						if d < 0 {
							lost++
						} else if d < 2*delay {
							t.Errorf("%v: a round trip of %v through %v each way", r.Dst, d, delay)
						}
					}
					lo, hi := 0, 0
					if i == 2 {
						lo, hi = dropped-max(strays, 0), dropped
					}
					if len(r.RTT) != o.Count || lost < lo || lost > hi || r.Late+r.Duplicates+r.Errors != 0 {
						t.Errorf("%v: %d sent, %d lost (the stages dropped %d, %d packets not probes), %d late, %d duplicates, %d errors",
							r.Dst, len(r.RTT), lost, dropped, strays, r.Late, r.Duplicates, r.Errors)
					}
				}
				t.Logf("server: %d of %d lost, as the beyond link dropped (%d packets not probes crossed it)", dropped, o.Count, strays)
			})
		}
	}
}

// recordingProber keeps each probe's size and answer, so a failed search
// says how it went.
type recordingProber struct {
	p     Prober
	steps []string
}

func (r *recordingProber) Probe(ctx context.Context, p Probe) (Reply, error) {
	start := time.Now()
	rep, err := r.p.Probe(ctx, p)
	step := fmt.Sprintf("%d: %v", p.Size, rep.Kind)
	if rep.MTU > 0 {
		step += fmt.Sprintf(" (MTU %d from %v)", rep.MTU, rep.From)
	}
	if err != nil {
		step += " error " + err.Error()
	}
	r.steps = append(r.steps, step+fmt.Sprintf(" after %s", time.Since(start).Round(time.Millisecond)))
	return rep, err
}

func (r *recordingProber) String() string { return strings.Join(r.steps, ", ") }
