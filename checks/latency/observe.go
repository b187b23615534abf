package latency

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"net/url"
	"slices"
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
	// late counts answers that came after replyWait (lost for a call).
	late int
	// Err is why no probe could be sent.
	Err error
}

// observations are everything the probes found; verdict() turns them
// into the result.
type observations struct {
	Method method
	// NoICMP says in plain words why ICMP was not used, with methodTCP.
	NoICMP string
	// Interval is the spacing of each target's probes; Payload the echo
	// data of each (0 for TCP connects).
	Interval time.Duration
	Payload  int
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
	var obs observations
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

	obs.Targets = c.probeAll(ctx, env, obs.Method, targets, hopPlan, &obs)
	if obs.Method != methodTCP && allNotPermitted(obs.Targets) {
		// Only the ping itself found out (pro-bing on a system where the
		// mode cannot be tried beforehand): measure again with TCP.
		env.Debugf("pings refused: %v", firstErr(obs.Targets))
		obs.Method, obs.NoICMP = methodTCP, noICMPReason(env.OS)
		obs.PMTU, obs.PMTUErr = icmpprobe.PMTU{}, nil
		obs.HopNote = ""
		obs.Targets = c.probeAll(ctx, env, methodTCP, targets, hopPlan, &obs)
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

// probeAll probes every target at once, the first hop as soon as it is
// found, with the path-MTU search alongside.
func (c *check) probeAll(ctx context.Context, env *checks.Env, m method, targets []target, hp hopPlan, obs *observations) []outcome {
	if m == methodTCP {
		return c.probeTCP(ctx, env, targets, hp, obs)
	}
	o := c.echoOptions()
	obs.Interval, obs.Payload = o.Interval, o.Payload
	var addrs []netip.Addr
	for _, t := range targets {
		if t.Addr.IsValid() && !slices.Contains(addrs, t.Addr) {
			addrs = append(addrs, t.Addr)
		}
	}
	// Each address, the first hop's included, gets its own phase in every
	// interval: 300 probes a second go out spread, not in bursts.
	slots := time.Duration(len(addrs) + 1)
	phase := func(slot int) time.Duration { return time.Duration(slot) * o.Interval / slots }
	env.Progress(fmt.Sprintf("%d targets, %s", len(targets), m.describe()))
	sess := c.net.echoes(ctx, m.mode(), o)
	for i, a := range addrs {
		sess.Add(a, phase(i))
	}

	var hop *target
	var hopWG sync.WaitGroup
	switch {
	case hp.off:
	case hp.fixed != nil:
		hop = hp.fixed
		if hop.Addr.IsValid() {
			sess.Add(hop.Addr, phase(len(addrs)))
		}
	case hp.disabled != "":
		obs.HopNote = hp.disabled
	default:
		hopWG.Go(func() {
			addr, ttl, note := c.discoverHop(ctx, m.mode(), hp.toward, hp.gateway)
			obs.HopNote = note
			if addr.IsValid() {
				hop = &target{Role: roleFirstHop, Addr: addr, Port: 443, Source: fmt.Sprintf("TTL %d toward %v", ttl, hp.toward)}
				sess.Add(addr, phase(len(addrs)))
			}
		})
	}

	// The path-MTU search ends when the echoes do at the latest, so it
	// never makes the check longer.
	var pmtuWG sync.WaitGroup
	pctx, stopPMTU := context.WithTimeout(ctx, hopTimeout+o.Duration())
	defer stopPMTU()
	if hp.toward.IsValid() {
		pmtuWG.Go(func() {
			res, err := c.pathMTU(pctx, m.mode(), hp.toward)
			if err != nil && pctx.Err() != nil && ctx.Err() == nil {
				err = fmt.Errorf("%w: %w", errPMTUCut, err)
			}
			obs.PMTU, obs.PMTUErr, obs.PMTUTo = res, err, hp.toward
		})
	}
	hopWG.Wait()
	sess.Close()
	results := sess.Results()
	stopPMTU()
	pmtuWG.Wait()

	byAddr := map[netip.Addr]icmpprobe.EchoResult{}
	for _, r := range results {
		byAddr[r.Dst] = r
	}
	out := outcomes(targets, hop)
	for i := range out {
		if r, ok := byAddr[out[i].Addr]; ok && out[i].Addr.IsValid() {
			out[i].series, out[i].late, out[i].Err = series{rtt: r.RTT}, r.Late, r.Err
			if r.Duplicates+r.Errors > 0 {
				env.Debugf("latency: %v: %d duplicate answers, %d ICMP errors (last: %v from %v)", r.Dst, r.Duplicates, r.Errors, r.LastError.Kind, r.LastError.From)
			}
		}
	}
	return out
}

// errPMTUCut: the path-MTU search did not finish while the echoes ran.
var errPMTUCut = errors.New("the search did not finish while the pings ran")

// outcomes lays out the ladder: the targets in order, the first hop right
// after the gateway (or first, without one).
func outcomes(targets []target, hop *target) []outcome {
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
	}
	return out
}

// probeTCP times TCP connects to every target concurrently, staggered
// across one interval, at TCP's own lower pace. Hop discovery and the
// path MTU need ICMP.
func (c *check) probeTCP(ctx context.Context, env *checks.Env, targets []target, hp hopPlan, obs *observations) []outcome {
	sched := c.tcpSchedule()
	obs.Interval, obs.Payload = sched.interval, 0
	obs.PMTUErr = errors.New("needs ICMP, which is not permitted for this user")
	var hop *target
	switch {
	case hp.off:
	case hp.fixed != nil:
		hop = hp.fixed
	default:
		obs.HopNote = "finding the router past yours needs ICMP, which is not permitted"
	}
	out := outcomes(targets, hop)
	env.Progress(fmt.Sprintf("%d targets, %s", len(targets), methodTCP.describe()))
	runs := map[netip.Addr]*series{}
	var order []int
	for i, o := range out {
		if o.Addr.IsValid() && runs[o.Addr] == nil {
			runs[o.Addr] = &series{}
			order = append(order, i)
		}
	}
	var wg sync.WaitGroup
	for slot, i := range order {
		t := out[i].target
		s := sched
		s.offset = time.Duration(slot) * sched.interval / time.Duration(len(order))
		r := runs[t.Addr]
		wg.Go(func() { *r = tcpSeries(ctx, env.Dialer, t.Addr, t.Port, s) })
	}
	wg.Wait()
	for i := range out {
		if r := runs[out[i].Addr]; r != nil && out[i].Addr.IsValid() {
			out[i].series = *r
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

// hopAnswer is what one TTL of hop discovery got back.
type hopAnswer struct {
	kind icmpprobe.Kind // Silent until something answers
	from netip.Addr
	err  error // the probe could not be sent
}

// discoverHop finds the provider's first router: the nearest router past
// the gateway that answers a TTL-limited echo toward dst. TTL 2 to
// maxHopTTL go out at once, on one socket, and the ones still silent
// again every hopRetry; it returns as soon as the answer cannot change
// (every nearer TTL has answered), or at hopTimeout. Silence is normal
// (routers limit ICMP errors) and only means that rung is left out.
func (c *check) discoverHop(ctx context.Context, mode icmpprobe.Mode, dst, gw netip.Addr) (netip.Addr, int, string) {
	conn, err := c.net.openICMP(mode, dst.Is6())
	if err != nil {
		if errors.Is(err, icmpprobe.ErrUnsupported) {
			return netip.Addr{}, 0, hopUnsupported
		}
		return netip.Addr{}, 0, hopSilent
	}
	defer conn.Close()
	now := c.clock()
	start := now()
	end := start.Add(hopTimeout)
	ans := make([]hopAnswer, maxHopTTL+1)
	bySeq := map[uint16]int{}
	seq := uint16(rand.Uint32())
	data := make([]byte, 8)
	tries := 0
	var buf []icmpprobe.Event
	for ctx.Err() == nil {
		t := now()
		if tries < hopAttempts && !t.Before(start.Add(time.Duration(tries)*hopRetry)) {
			for ttl := 2; ttl <= maxHopTTL; ttl++ {
				if ans[ttl].kind != icmpprobe.Silent || ans[ttl].err != nil {
					continue
				}
				seq++
				bySeq[seq] = ttl
				if _, err := conn.SendEcho(dst, seq, ttl, data); err != nil && !errors.Is(err, icmpprobe.ErrSendBusy) {
					ans[ttl].err = err
				}
			}
			tries++
		}
		if a, ttl, note, ok := decideHop(ans, dst, gw, false); ok {
			return a, ttl, note
		}
		if !t.Before(end) {
			break
		}
		wake := end
		if next := start.Add(time.Duration(tries) * hopRetry); tries < hopAttempts && next.Before(wake) {
			wake = next
		}
		buf, err = conn.ReadEvents(wake, buf[:0])
		for _, ev := range buf {
			ttl, ok := bySeq[ev.Seq]
			if !ok || ans[ttl].kind != icmpprobe.Silent {
				continue
			}
			if ev.Kind == icmpprobe.EchoReply && ev.From != dst || ev.Kind != icmpprobe.EchoReply && ev.Dst.IsValid() && ev.Dst != dst {
				continue // not about these probes
			}
			ans[ttl] = hopAnswer{kind: ev.Kind, from: ev.From}
		}
		if err != nil {
			break
		}
	}
	a, ttl, note, _ := decideHop(ans, dst, gw, true)
	return a, ttl, note
}

// Notes of hop discovery when it finds no router.
const (
	hopUnsupported = "finding the router past yours is not supported on this system yet"
	hopSilent      = "no router past yours answered (many limit or block such answers)"
	hopNoRoute     = "there is no route toward the internet"
)

// decideHop reads the answers nearest first: the first router past the
// gateway that answered, unless an echo reply says there is none. A
// silent nearer TTL never lets it conclude "no router between": its
// router may just not have answered. Until final, a silent TTL may still
// answer, so nothing past it is decided (ok false).
func decideHop(ans []hopAnswer, dst, gw netip.Addr, final bool) (netip.Addr, int, string, bool) {
	silentBelow := false
	for ttl := 2; ttl < len(ans); ttl++ {
		a := ans[ttl]
		switch {
		case errors.Is(a.err, icmpprobe.ErrUnsupported):
			return netip.Addr{}, 0, hopUnsupported, true
		case a.err != nil && unreachable(a.err):
			return netip.Addr{}, 0, hopNoRoute, true
		case a.err != nil:
			silentBelow = true
		case a.kind == icmpprobe.Silent && !final:
			return netip.Addr{}, 0, "", false
		case a.kind == icmpprobe.Silent:
			silentBelow = true
		case a.kind == icmpprobe.Unreachable && !a.from.IsValid():
			return netip.Addr{}, 0, hopNoRoute, true
		case a.kind == icmpprobe.EchoReply && silentBelow:
			return netip.Addr{}, 0, hopSilent, true
		case a.kind == icmpprobe.EchoReply:
			return netip.Addr{}, 0, fmt.Sprintf("%v is %d hops away: there is no router between yours and it", dst, ttl), true
		case a.kind == icmpprobe.TimeExceeded && a.from.IsValid() && a.from != gw && a.from != dst:
			return a.from, ttl, "", true
		}
	}
	return netip.Addr{}, 0, hopSilent, true
}

// pathMTU searches the largest packet that reaches dst unfragmented,
// until ctx ends.
func (c *check) pathMTU(ctx context.Context, mode icmpprobe.Mode, dst netip.Addr) (icmpprobe.PMTU, error) {
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
