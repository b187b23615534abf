package netlab

import "time"

// Addresses of Topology: a Chain of home, homerouter, isp, server, so link
// 1 is the home LAN, link 2 the provider's access link and link 3 the
// internet beyond the provider. They exist only inside the lab.
const (
	TopoHomeIPv4       = "10.200.1.2"    // the teleworker's machine
	TopoGatewayIPv4    = "10.200.1.1"    // the home router on the home LAN: home's gateway
	TopoRouterWANIPv4  = "10.200.2.2"    // the home router on the provider link
	TopoISPIPv4        = "10.200.2.1"    // the provider's router: the first hop past the gateway
	TopoISPUplinkIPv4  = "10.200.3.2"    // the provider's router toward the server
	TopoServerIPv4     = "10.200.3.1"    // the server beyond the provider
	TopoHomeIPv6       = "fd00:200:1::2" // the teleworker's machine
	TopoGatewayIPv6    = "fd00:200:1::1" // the home router on the home LAN
	TopoISPIPv6        = "fd00:200:2::1" // the provider's router
	TopoServerIPv6     = "fd00:200:3::1" // the server beyond the provider
	topologyLinkCount  = 3
	topologyNamespaces = topologyLinkCount + 1
)

// Link is one link of a Topology with a stage at each end: Up impairs the
// packets travelling away from home (received by the far end), Down those
// travelling toward home (received by the near end).
type Link struct {
	Name     string // "home", "provider" or "beyond"
	Up, Down *Stage
}

// Set impairs both directions of the link at once.
func (lk *Link) Set(up, down Impairment) {
	lk.Up.Set(up)
	lk.Down.Set(down)
}

// SetBoth gives both directions the same impairment, with independent
// random draws (the seed, when set, is varied per direction).
func (lk *Link) SetBoth(im Impairment) {
	down := im
	if down.Seed != 0 {
		down.Seed++
	}
	lk.Set(im, down)
}

// Topology is the four-namespace network of the link-truth tests:
//
//	home ── homerouter ── isp ── server
//	     home        provider  beyond
//
// home is the user's machine, homerouter its default gateway (forwarding),
// isp the provider's router, server a host on the internet. Each of the
// three links has a Stage at both ends, so loss, delay, jitter and rate
// can be put on the home link (Wi-Fi), the provider link or beyond the
// provider, per direction, independently. Every namespace counts as one
// hop to TTL-limited probes; routes use congctl cubic (see Route).
type Topology struct {
	Home, HomeRouter, ISP, Server      Hop
	HomeLink, ProviderLink, BeyondLink *Link
}

// Links returns the three links, home first.
func (tp *Topology) Links() []*Link { return []*Link{tp.HomeLink, tp.ProviderLink, tp.BeyondLink} }

// Topology builds the four namespaces, their links and the six stages,
// all clean until Set.
func (l *Lab) Topology() *Topology {
	l.t.Helper()
	h := l.Chain("home", "homerouter", "isp", "server")
	tp := &Topology{Home: h[0], HomeRouter: h[1], ISP: h[2], Server: h[3]}
	names := []string{"home", "provider", "beyond"}
	links := make([]*Link, topologyLinkCount)
	for k := range links {
		near, far := h[k], h[k+1]
		links[k] = &Link{
			Name: names[k],
			Up:   far.NewStage(far.Prev.Iface),
			Down: near.NewStage(near.Next.Iface),
		}
	}
	tp.HomeLink, tp.ProviderLink, tp.BeyondLink = links[0], links[1], links[2]
	return tp
}

// Lateness is how late the topology's six stages have released packets so
// far, in total (StageStats.Late): the delay a busy machine added, not the
// links. Take one before a measurement and one after; PerRoundTrip says
// what the machine added to each round trip in between.
type Lateness struct {
	late time.Duration
	sent uint64
}

// Lateness totals the six stages' lateness so far.
func (tp *Topology) Lateness() Lateness {
	var l Lateness
	for _, lk := range tp.Links() {
		for _, st := range []*Stage{lk.Up, lk.Down} {
			s := st.Stats()
			l.late, l.sent = l.late+s.Late, l.sent+s.Sent
		}
	}
	return l
}

// PerRoundTrip is the mean delay the machine added to a round trip through
// all six stages between since and l.
func (l Lateness) PerRoundTrip(since Lateness) time.Duration {
	if l.sent <= since.sent {
		return 0
	}
	return 6 * (l.late - since.late) / time.Duration(l.sent-since.sent)
}
