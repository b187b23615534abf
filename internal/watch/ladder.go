package watch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/internal/icmpprobe"
)

// Defaults of the ladder.
var (
	// defaultAnchors: two of the latency check's anchors, operated by two
	// companies, so one site's outage never reads as the user's; pinged by
	// address so that a DNS problem cannot hide the path's figures.
	defaultAnchors = []string{"1.1.1.1", "8.8.8.8"}
)

// DefaultDNSName is looked up when the profile names none: a name every
// resolver has cached, whose answer is one address record.
const DefaultDNSName = "www.google.com"

// maxAnchors: two anchors tell one site's outage from the user's; more
// only spread the probes thinner.
const maxAnchors = 2

// Targets is what the profile says to probe.
type Targets struct {
	// Anchors are internet test sites, hosts or addresses; empty means
	// the defaults.
	Anchors []string
	// DNSName is the name looked up; empty means DefaultDNSName.
	DNSName string
	// VPNTarget is the company's service reached through the VPN: an
	// http(s):// address, host:port or host; empty when no VPN is expected.
	VPNTarget string
}

// HopFinder finds the provider's first router: the nearest router past
// the gateway on the way to toward. note says why there is none.
type HopFinder interface {
	FirstHop(ctx context.Context, toward, gateway netip.Addr) (hop netip.Addr, note string)
}

// SystemLadder plans the rungs from the profile's targets and the state
// (the network snapshot's default path and DNS servers): the router, the
// provider's router (found by TTL-limited probes), the anchors, the DNS
// server (pinged when it is not the router) and a lookup there, and the
// company's target through the VPN.
type SystemLadder struct {
	Targets Targets
	Hops    HopFinder
	// Resolver looks the anchors' and the VPN target's names up; nil
	// means net.DefaultResolver.
	Resolver interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	}
	mu       sync.Mutex
	resolved map[string]netip.Addr
}

// nameLimit bounds each name lookup while planning.
const nameLimit = 2 * time.Second

// Plan returns the rungs for s, nearest first.
func (l *SystemLadder) Plan(ctx context.Context, s State) (LadderPlan, error) {
	var p LadderPlan
	gw := s.Gateway
	if gw.IsValid() {
		p.Rungs = append(p.Rungs, Rung{Role: RoleGateway, Label: "router", Addr: gw, Level: LevelHome, Source: "default route"})
	}
	anchors := l.Targets.Anchors
	source := "profile"
	if len(anchors) == 0 {
		anchors, source = defaultAnchors, "default"
	}
	var anchorRungs []Rung
	for _, h := range anchors {
		if len(anchorRungs) >= maxAnchors {
			break
		}
		host, _ := splitTarget(h)
		a, err := l.resolve(ctx, host, gw)
		if err != nil {
			p.Notes = append(p.Notes, fmt.Sprintf("the internet test site %s is left out: %v", host, err))
			continue
		}
		anchorRungs = append(anchorRungs, Rung{Role: RoleAnchor, Label: "internet " + host, Addr: a, Name: host, Level: LevelBeyond, Source: source})
	}
	var hop netip.Addr
	switch {
	case !gw.IsValid():
	case len(anchorRungs) == 0:
		p.Notes = append(p.Notes, "the provider's router was not looked for: no internet test site to trace toward")
	case l.Hops == nil:
	case s.FullTunnel != "":
		// TTL-limited probes would count routers inside the tunnel: the
		// VPN's, not the provider's.
		p.Notes = append(p.Notes, "the provider's router is not watched: all internet traffic goes through the VPN ("+s.FullTunnel+"), which hides it; the internet test sites are reached through the VPN")
	default:
		var note string
		hop, note = l.Hops.FirstHop(ctx, anchorRungs[0].Addr, gw)
		if hop.IsValid() {
			p.Rungs = append(p.Rungs, Rung{Role: RoleFirstHop, Label: "provider's router", Addr: hop, Level: LevelProvider,
				Source: "TTL-limited probe toward " + anchorRungs[0].Addr.String()})
		} else if note != "" {
			p.Notes = append(p.Notes, "the provider's router is not watched: "+note)
		}
	}
	p.Rungs = append(p.Rungs, anchorRungs...)

	if server, ok := firstServer(s.DNSServers); ok {
		level := dnsLevel(server, gw, hop, s.Prefixes)
		if server != gw {
			p.Rungs = append(p.Rungs, Rung{Role: RoleDNSServer, Label: "DNS server", Addr: server, Level: level, Source: "DNS settings"})
		}
		name := strings.TrimSuffix(strings.TrimSpace(l.Targets.DNSName), ".")
		if name == "" {
			name = DefaultDNSName
		}
		p.Rungs = append(p.Rungs, Rung{Role: RoleDNSLookup, Label: "DNS lookup of " + name, Addr: server, Port: 53, Name: name, Level: level, Source: "DNS settings"})
	} else {
		p.Notes = append(p.Notes, "no DNS server found to watch")
	}

	if t := strings.TrimSpace(l.Targets.VPNTarget); t != "" {
		host, port := splitTarget(t)
		a, err := l.resolve(ctx, host, gw)
		if err != nil {
			p.Notes = append(p.Notes, fmt.Sprintf("the company's target %s is not watched: %v (is the VPN connected?)", host, err))
		} else {
			p.Rungs = append(p.Rungs, Rung{Role: RoleVPN, Label: "company target " + host, Addr: a, Port: port, Name: host, Level: LevelBeyond, Source: "profile"})
		}
	}
	return p, nil
}

// splitTarget reads "https://host:port/path", "host:port" or "host" and
// returns the host and the port (0 when none, 443 for https, 80 for http).
func splitTarget(s string) (string, int) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err == nil && u.Hostname() != "" {
			port, _ := strconv.Atoi(u.Port())
			if port == 0 {
				switch u.Scheme {
				case "https":
					port = 443
				case "http":
					port = 80
				}
			}
			return u.Hostname(), port
		}
	}
	if host, p, err := net.SplitHostPort(s); err == nil {
		port, _ := strconv.Atoi(p)
		return host, port
	}
	return strings.Trim(s, "[]"), 0
}

// resolve turns a host into an address, preferring the gateway's family;
// a name is looked up once and remembered for the whole watch.
func (l *SystemLadder) resolve(ctx context.Context, host string, gw netip.Addr) (netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), nil
	}
	if host == "" {
		return netip.Addr{}, errors.New("no host given")
	}
	l.mu.Lock()
	if a, ok := l.resolved[host]; ok {
		l.mu.Unlock()
		return a, nil
	}
	l.mu.Unlock()
	r := l.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, nameLimit)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return netip.Addr{}, errors.New("the name did not resolve")
	}
	want6 := gw.IsValid() && gw.Is6()
	best := addrs[0].Unmap()
	for _, a := range addrs {
		if a.Unmap().Is6() == want6 {
			best = a.Unmap()
			break
		}
	}
	l.mu.Lock()
	if l.resolved == nil {
		l.resolved = map[string]netip.Addr{}
	}
	l.resolved[host] = best
	l.mu.Unlock()
	return best, nil
}

// firstServer is the first DNS server not on the machine itself: a local
// stub answers from memory and says nothing about the path.
func firstServer(servers []netip.Addr) (netip.Addr, bool) {
	for _, s := range servers {
		if !s.IsLoopback() && !s.IsUnspecified() {
			return s, true
		}
	}
	return netip.Addr{}, false
}

// dnsLevel places the DNS server on the path: the router, the provider's
// router, a server on the home network (a subnet of the connection's
// addresses), or beyond.
func dnsLevel(server, gw, hop netip.Addr, home []netip.Prefix) Level {
	switch {
	case server == gw:
		return LevelHome
	case hop.IsValid() && server == hop:
		return LevelProvider
	}
	for _, p := range home {
		if p.Masked().Contains(server.WithZone("")) {
			return LevelHome
		}
	}
	return LevelBeyond
}

// ICMPHops finds the provider's router with TTL-limited echoes (TTL 2 to
// 4 at once), as the latency check does; on systems icmpprobe does not
// support yet it says so. The latency check's own finder lives inside
// checks/latency, which the watch may not import, and internal/icmpprobe
// offers sockets and echo sessions but no hop finder.
type ICMPHops struct{}

// DefaultAnchors lists the internet test sites a watch pings without a
// profile, so redaction keeps them and docs can name them.
func DefaultAnchors() []string { return append([]string(nil), defaultAnchors...) }

// Hop discovery bounds: routers answer a TTL-limited probe within a round
// trip, and many never answer (ICMP rate limits); two tries each.
const (
	hopTimeout  = 700 * time.Millisecond
	hopAttempts = 2
	hopMaxTTL   = 4
)

// FirstHop sends echoes toward toward with TTL 2 to hopMaxTTL and returns
// the nearest router that answered and is not the gateway.
func (ICMPHops) FirstHop(ctx context.Context, toward, gateway netip.Addr) (netip.Addr, string) {
	mode, err := icmpprobe.Detect(toward.Is6())
	if err != nil {
		if errors.Is(err, icmpprobe.ErrUnsupported) {
			return netip.Addr{}, "finding it is not supported on this system yet"
		}
		return netip.Addr{}, "this user may not send the probes that find it"
	}
	replies := make([]icmpprobe.Reply, hopMaxTTL+1)
	errs := make([]error, hopMaxTTL+1)
	var wg sync.WaitGroup
	for ttl := 2; ttl <= hopMaxTTL; ttl++ {
		wg.Go(func() {
			conn, err := icmpprobe.Open(mode, toward.Is6())
			if err != nil {
				errs[ttl] = err
				return
			}
			defer conn.Close()
			for range hopAttempts {
				replies[ttl], errs[ttl] = conn.Probe(ctx, icmpprobe.Probe{Dst: toward, TTL: ttl, Timeout: hopTimeout})
				if errs[ttl] != nil || replies[ttl].Kind != icmpprobe.Silent || ctx.Err() != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for ttl := 2; ttl <= hopMaxTTL; ttl++ {
		r := replies[ttl]
		switch {
		case errs[ttl] != nil:
			continue
		case r.Kind == icmpprobe.EchoReply:
			return netip.Addr{}, fmt.Sprintf("%v is %d hops away: there is no router between yours and it", toward, ttl)
		case r.Kind == icmpprobe.TimeExceeded && r.From.IsValid() && r.From != gateway && r.From != toward:
			return r.From, ""
		}
	}
	return netip.Addr{}, "no router past yours answered (many limit or block such answers)"
}
