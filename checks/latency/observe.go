package latency

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

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/hostname"
	"github.com/wfh-cli/wfh/internal/icmpprobe"
	"github.com/wfh-cli/wfh/internal/netstate"
)

// role is a target's place on the ladder.
type role string

const (
	roleGateway  role = "gateway"
	roleFirstHop role = "first_hop"
	roleResolver role = "resolver"
	roleAnchor   role = "anchor"
)

// target is one rung of the ladder.
type target struct {
	Role role
	// Host is the name or address as configured; empty when discovered.
	Host string
	Addr netip.Addr
	// Port is used for TCP connect times.
	Port int
	// Source says where the target came from ("default route").
	Source string
	// Problem says why the target was not probed; empty when it was.
	Problem string
	// BadConfig marks a Problem in the profile, which the user can fix.
	BadConfig bool
}

// outcome is a target with what its probes found.
type outcome struct {
	target
	series series
	// Err is why no probe could be sent.
	Err error
}

// observations are everything the probes found; verdict() turns them
// into the result.
type observations struct {
	Method method
	// NoICMP says in plain words why ICMP was not used, with methodTCP.
	NoICMP   string
	Interval time.Duration
	Targets  []outcome
	// HopErr is why no first hop past the gateway is on the ladder, when
	// none is and discovery was tried or impossible.
	HopNote string
	PMTU    icmpprobe.PMTU
	PMTUErr error
	PMTUTo  netip.Addr
	// Path is the run's default path: which connection the figures were
	// measured over, so that advice fits it.
	Path netstate.Path
}

// observe plans the ladder, picks the method, and probes every target at
// once, with hop discovery and the path-MTU search alongside.
func (c *check) observe(ctx context.Context, env *checks.Env) observations {
	sched := c.schedule()
	obs := observations{Interval: sched.interval}
	obs.Path, _ = env.Net.Path(ctx)
	targets, hopPlan := c.plan(ctx, env)

	v6 := false
	if gw := firstAddr(targets, roleGateway); gw.IsValid() {
		v6 = gw.Is6()
	} else if a := firstAddr(targets, roleAnchor); a.IsValid() {
		v6 = a.Is6()
	}
	mode, err := c.net.icmpMode(v6)
	if err != nil {
		env.Debugf("no ICMP socket: %v", err)
		obs.Method, obs.NoICMP = methodTCP, noICMPReason(env.OS)
	} else {
		obs.Method = methodOf(mode)
	}

	obs.Targets = c.probeAll(ctx, env, obs.Method, targets, hopPlan, sched, &obs)
	if obs.Method != methodTCP && allNotPermitted(obs.Targets) {
		// Only the ping itself found out (pro-bing on a system where the
		// mode cannot be tried beforehand): measure again with TCP.
		env.Debugf("pings refused: %v", firstErr(obs.Targets))
		obs.Method, obs.NoICMP = methodTCP, noICMPReason(env.OS)
		obs.PMTU, obs.PMTUErr = icmpprobe.PMTU{}, nil
		obs.Targets = c.probeAll(ctx, env, methodTCP, targets, hopPlan, sched, &obs)
	}
	return obs
}

// noICMPReason words why this user may not ping, without the raw error.
func noICMPReason(goos string) string {
	if goos == "linux" {
		return "this user may not send pings: Linux allows them without admin rights only to the groups in net.ipv4.ping_group_range, and this user's group is not among them"
	}
	return "this user may not send pings on this system"
}

// hopPlan says how the first router past the gateway is found.
type hopPlan struct {
	fixed    *target // from the profile
	off      bool    // the profile leaves it out
	toward   netip.Addr
	gateway  netip.Addr
	disabled string // why discovery cannot run
}

// plan lists the gateway, the DNS server and the anchors, resolving the
// anchors' names; the first hop is found while the others are probed.
func (c *check) plan(ctx context.Context, env *checks.Env) ([]target, hopPlan) {
	var p hopPlan
	var out []target
	cfg := latencyConfig(env)

	switch gw := strings.TrimSpace(cfg.Gateway); gw {
	case "off":
	case "":
		// The home router of the run's default path: the same one every
		// section of the report names (with a full-tunnel VPN up, the
		// router of the connection beneath the tunnel).
		path, err := env.Net.Path(ctx)
		switch {
		case err != nil:
			out = append(out, target{Role: roleGateway, Problem: "the route table could not be read: " + err.Error()})
		case !path.Router.IsValid():
			out = append(out, target{Role: roleGateway, Problem: "no default gateway (a direct or tunnel connection)"})
		default:
			out = append(out, target{Role: roleGateway, Addr: path.Router, Source: "default route"})
		}
	default:
		out = append(out, addrTarget(roleGateway, gw, "profile"))
	}
	for _, t := range out {
		if t.Role == roleGateway && t.Addr.IsValid() {
			p.gateway = t.Addr
		}
	}

	switch r := strings.TrimSpace(cfg.Resolver); r {
	case "off":
	case "":
		// The first DNS server that is not on this computer (behind
		// systemd-resolved's stub, its upstream), as the dns check lists
		// them: a local stub answers from memory and says nothing about
		// the path. No such server, no rung.
		cfg, err := env.Net.DNS(ctx)
		if err != nil {
			env.Debugf("DNS servers: %v", err)
		}
		if s, ok := cfg.FirstNonLoopback(); ok {
			out = append(out, target{Role: roleResolver, Addr: s.Addr.Addr(), Source: "DNS settings"})
		}
	default:
		out = append(out, addrTarget(roleResolver, r, "profile"))
	}

	anchors := resolveAnchors(ctx, env, cfg.anchors, p.gateway)
	out = append(out, anchors...)

	switch h := strings.TrimSpace(cfg.FirstHop); h {
	case "off":
		p.off = true
	case "":
		if a := firstAddr(anchors, roleAnchor); a.IsValid() {
			p.toward = a
		} else {
			p.disabled = "no internet test site to trace toward"
		}
	default:
		t := addrTarget(roleFirstHop, h, "profile")
		p.fixed = &t
	}
	for i := range out {
		if out[i].Port == 0 {
			out[i].Port = 443
			if out[i].Role == roleResolver {
				out[i].Port = 53
			}
		}
	}
	if p.fixed != nil && p.fixed.Port == 0 {
		p.fixed.Port = 443
	}
	return out, p
}

// anchorSpec is one configured anchor: a host and the port TCP uses.
type anchorSpec struct {
	host string
	port int
}

// config is the latency section with the anchors worked out.
type config struct {
	Gateway, FirstHop, Resolver string
	anchors                     []anchorSpec
}

// latencyConfig reads the profile: latency.anchors, else the hosts of
// network.anchors (the sites the organisation cares about), else the
// defaults.
func latencyConfig(env *checks.Env) config {
	var cfg config
	var hosts []string
	if p := env.Profile; p != nil {
		cfg.Gateway, cfg.FirstHop, cfg.Resolver = p.Latency.Gateway, p.Latency.FirstHop, p.Latency.Resolver
		hosts = p.Latency.Anchors
		if len(hosts) == 0 {
			for _, raw := range p.Network.Anchors {
				u, err := url.Parse(strings.TrimSpace(raw))
				if err != nil || u.Hostname() == "" {
					continue
				}
				port, _ := strconv.Atoi(u.Port())
				if port == 0 {
					port = 443
				}
				cfg.anchors = append(cfg.anchors, anchorSpec{host: u.Hostname(), port: port})
			}
			if len(cfg.anchors) > 0 {
				return cfg
			}
		}
	}
	if len(hosts) == 0 {
		hosts = defaultAnchors
	}
	for _, h := range hosts {
		cfg.anchors = append(cfg.anchors, anchorSpec{host: h, port: 443})
	}
	return cfg
}

func addrTarget(r role, s, source string) target {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return target{Role: r, Host: s, Problem: fmt.Sprintf("%q is not an IP address", s), BadConfig: true}
	}
	return target{Role: r, Addr: a.Unmap(), Source: source}
}

// resolveAnchors turns anchor hosts into addresses, all at once, each
// lookup bounded by resolveTimeout. The family of the gateway is preferred,
// so the whole ladder is one family.
func resolveAnchors(ctx context.Context, env *checks.Env, specs []anchorSpec, gw netip.Addr) []target {
	out := make([]target, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		t := target{Role: roleAnchor, Host: strings.TrimSpace(s.host), Port: s.port, Source: "default"}
		if env.Profile != nil && (len(env.Profile.Latency.Anchors) > 0 || len(env.Profile.Network.Anchors) > 0) {
			t.Source = "profile"
		}
		if a, err := netip.ParseAddr(strings.Trim(t.Host, "[]")); err == nil {
			t.Addr = a.Unmap()
			out[i] = t
			continue
		}
		if !hostname.IsName(t.Host) {
			t.Problem, t.BadConfig = fmt.Sprintf("%q is not a host name or IP address", s.host), true
			out[i] = t
			continue
		}
		wg.Go(func() {
			lctx, cancel := context.WithTimeout(ctx, resolveTimeout)
			defer cancel()
			if env.Resolver == nil {
				t.Problem = "no resolver to look the name up"
				out[i] = t
				return
			}
			addrs, err := env.Resolver.LookupIPAddr(lctx, t.Host)
			if err != nil || len(addrs) == 0 {
				t.Problem = "the name did not resolve"
				var dnsErr *net.DNSError
				if errors.As(err, &dnsErr) && dnsErr.IsTimeout || lctx.Err() != nil {
					t.Problem = "the name lookup did not answer within " + resolveTimeout.String()
				}
				out[i] = t
				return
			}
			t.Addr = pickAddr(addrs, gw)
			out[i] = t
		})
	}
	wg.Wait()
	return out
}

// pickAddr prefers an address of the gateway's family (IPv4 when unknown).
func pickAddr(addrs []net.IPAddr, gw netip.Addr) netip.Addr {
	want6 := gw.IsValid() && gw.Is6()
	var first netip.Addr
	for _, ia := range addrs {
		a, ok := netip.AddrFromSlice(ia.IP)
		if !ok {
			continue
		}
		a = a.Unmap()
		if !first.IsValid() {
			first = a
		}
		if a.Is6() == want6 {
			return a
		}
	}
	return first
}

func firstAddr(ts []target, r role) netip.Addr {
	for _, t := range ts {
		if t.Role == r && t.Addr.IsValid() {
			return t.Addr
		}
	}
	return netip.Addr{}
}

// probeRun is one address's series, shared by every target with that
// address (a router that is also the DNS server is pinged once).
type probeRun struct {
	done   chan struct{}
	series series
	err    error
}

// probeAll probes every target concurrently, staggered across one
// interval, plus the first hop once found and the path MTU.
func (c *check) probeAll(ctx context.Context, env *checks.Env, m method, targets []target, hp hopPlan, sched schedule, obs *observations) []outcome {
	var mu sync.Mutex
	runs := map[netip.Addr]*probeRun{}
	var wg sync.WaitGroup
	slots := 1 // the first hop's, taken whether found or not
	for _, t := range targets {
		if t.Addr.IsValid() {
			slots++
		}
	}
	slot := 0
	launch := func(t target) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := runs[t.Addr]; ok {
			return
		}
		r := &probeRun{done: make(chan struct{})}
		runs[t.Addr] = r
		s := sched
		s.offset = time.Duration(slot) * sched.interval / time.Duration(slots)
		slot++
		wg.Go(func() {
			defer close(r.done)
			if m == methodTCP {
				r.series = tcpSeries(ctx, env.Dialer, t.Addr, t.Port, s)
				return
			}
			r.series, r.err = c.net.ping(ctx, t.Addr, m.mode(), s)
		})
	}

	env.Progress(fmt.Sprintf("%d targets, %s", len(targets), m.describe()))
	for _, t := range targets {
		if t.Addr.IsValid() {
			launch(t)
		}
	}

	var hop *target
	switch {
	case hp.off:
	case hp.fixed != nil:
		hop = hp.fixed
		if hop.Addr.IsValid() {
			launch(*hop)
		}
	case m == methodTCP:
		obs.HopNote = "finding the router past yours needs ICMP, which is not permitted"
	case hp.disabled != "":
		obs.HopNote = hp.disabled
	default:
		wg.Go(func() {
			addr, ttl, note := c.discoverHop(ctx, m.mode(), hp.toward, hp.gateway)
			mu.Lock()
			obs.HopNote = note
			mu.Unlock()
			if addr.IsValid() {
				t := target{Role: roleFirstHop, Addr: addr, Port: 443, Source: fmt.Sprintf("TTL %d toward %v", ttl, hp.toward)}
				mu.Lock()
				hop = &t
				mu.Unlock()
				launch(t)
			}
		})
	}

	if m != methodTCP && hp.toward.IsValid() {
		wg.Go(func() {
			res, err := c.pathMTU(ctx, m.mode(), hp.toward)
			mu.Lock()
			obs.PMTU, obs.PMTUErr, obs.PMTUTo = res, err, hp.toward
			mu.Unlock()
		})
	} else if m == methodTCP {
		obs.PMTUErr = errors.New("needs ICMP, which is not permitted for this user")
	}
	wg.Wait()

	var ladder []target
	for _, t := range targets {
		ladder = append(ladder, t)
		if t.Role == roleGateway && hop != nil {
			ladder = append(ladder, *hop)
		}
	}
	if hop != nil && !hasRole(targets, roleGateway) {
		ladder = append([]target{*hop}, ladder...)
	}
	out := make([]outcome, len(ladder))
	for i, t := range ladder {
		out[i] = outcome{target: t}
		if r, ok := runs[t.Addr]; ok && t.Addr.IsValid() {
			<-r.done
			out[i].series, out[i].Err = r.series, r.err
		}
	}
	return out
}

func hasRole(ts []target, r role) bool {
	for _, t := range ts {
		if t.Role == r {
			return true
		}
	}
	return false
}

// discoverHop sends TTL-limited echoes toward dst, TTL 2 to maxHopTTL at
// once, and returns the nearest router that answered and is not the
// gateway. Silence is normal (routers limit ICMP errors) and only means
// that rung is left out.
func (c *check) discoverHop(ctx context.Context, mode icmpprobe.Mode, dst, gw netip.Addr) (netip.Addr, int, string) {
	replies := make([]icmpprobe.Reply, maxHopTTL+1)
	errs := make([]error, maxHopTTL+1)
	var wg sync.WaitGroup
	for ttl := 2; ttl <= maxHopTTL; ttl++ {
		wg.Go(func() {
			conn, err := c.net.openICMP(mode, dst.Is6())
			if err != nil {
				errs[ttl] = err
				return
			}
			defer conn.Close()
			// A lossy link loses probes and their answers too: ask again
			// before reading silence as "no router there".
			for range hopAttempts {
				replies[ttl], errs[ttl] = conn.Probe(ctx, icmpprobe.Probe{Dst: dst, TTL: ttl, Timeout: hopTimeout})
				if errs[ttl] != nil || replies[ttl].Kind != icmpprobe.Silent || ctx.Err() != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	silentBelow := false // a nearer TTL got no answer at all
	for ttl := 2; ttl <= maxHopTTL; ttl++ {
		r := replies[ttl]
		switch {
		case errs[ttl] != nil:
			if errors.Is(errs[ttl], icmpprobe.ErrUnsupported) {
				return netip.Addr{}, 0, "finding the router past yours is not supported on this system yet"
			}
			silentBelow = true
		case r.Kind == icmpprobe.Unreachable && !r.From.IsValid():
			return netip.Addr{}, 0, "there is no route toward the internet"
		case r.Kind == icmpprobe.EchoReply && silentBelow:
			// The routers in between stayed silent (or their answers were
			// lost): that is not proof there are none.
			return netip.Addr{}, 0, "no router past yours answered (many limit or block such answers)"
		case r.Kind == icmpprobe.EchoReply:
			return netip.Addr{}, 0, fmt.Sprintf("%v is %d hops away: there is no router between yours and it", dst, ttl)
		case r.Kind == icmpprobe.Silent:
			silentBelow = true
		case r.Kind == icmpprobe.TimeExceeded && r.From.IsValid() && r.From != gw && r.From != dst:
			return r.From, ttl, ""
		}
	}
	return netip.Addr{}, 0, "no router past yours answered (many limit or block such answers)"
}

// pathMTU searches the largest packet that reaches dst unfragmented.
func (c *check) pathMTU(ctx context.Context, mode icmpprobe.Mode, dst netip.Addr) (icmpprobe.PMTU, error) {
	ctx, cancel := context.WithTimeout(ctx, pmtuLimit)
	defer cancel()
	conn, err := c.net.openICMP(mode, dst.Is6())
	if err != nil {
		return icmpprobe.PMTU{}, err
	}
	defer conn.Close()
	return icmpprobe.PathMTU(ctx, conn, dst, icmpprobe.PMTUOptions{})
}

func allNotPermitted(os []outcome) bool {
	any := false
	for _, o := range os {
		if !o.Addr.IsValid() {
			continue
		}
		if !notPermitted(o.Err) {
			return false
		}
		any = true
	}
	return any
}

func firstErr(os []outcome) error {
	for _, o := range os {
		if o.Err != nil {
			return o.Err
		}
	}
	return nil
}
