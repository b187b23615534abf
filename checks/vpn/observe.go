package vpn

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/icmpprobe"
	"github.com/wfh-cli/wfh/internal/netstate"
)

// observations are the raw facts the probes gathered; verdict() turns them
// into a result, so every verdict is tested from a literal.
type observations struct {
	// Expected: the profile names a gateway, targets or VPN-only names.
	Expected bool
	Ifaces   []iface
	IfaceErr error
	Routes   routeTable
	// Tunnels are the VPN tunnels that are up, by name order.
	Tunnels []iface
	// Company is the tunnel judged to be the company VPN's, "" when none
	// is; CompanyWhy says how it was recognised.
	Company, CompanyWhy string
	// InternetVia4 and InternetVia6 are the interfaces internet traffic
	// leaves by, "" when the family has no route.
	InternetVia4, InternetVia6 string
	// Refreshed: a company target was routed through an interface the
	// run's network state did not list, so the check read it again.
	Refreshed bool
	// Path is the default path: its Link says which connection the
	// tunnel's packets leave by, so advice fits it.
	Path netstate.Path
	// TunnelRoutes are the prefixes routed into the company tunnel.
	TunnelRoutes []netip.Prefix
	Clients      []detectedClient
	ProcErr      error
	// TunnelDNS are the DNS servers the company tunnel installed.
	TunnelDNS []dnsServer
	DNSErr    error
	Gateway   *gatewayProbe
	Targets   []targetProbe
	Omitted   int // targets beyond maxTargets
	// WG are the WireGuard interfaces of this machine (of this network
	// namespace: wg lists userspace tunnels of every namespace).
	WG      []wgInterface
	WGErr   error
	VPNOnly []nameLookup
	MTU     mtuResult
}

type dnsServer struct {
	Addr    string
	Domains []string
}

type nameLookup struct {
	Name     string
	Resolved bool
	Detail   string
}

// mtuResult is the tunnel's MTU: the interface's, and the path's when a
// DF search through the tunnel to a company target could run.
type mtuResult struct {
	Interface int
	Path      int
	Exact     bool
	To        netip.Addr
	// Why says why the path was not measured.
	Why string
}

// pmtuFunc searches the largest packet that reaches dst unfragmented.
type pmtuFunc func(ctx context.Context, dst netip.Addr, start int) (icmpprobe.PMTU, error)

const (
	// pmtuLimit bounds the tunnel MTU search: ten probes of at most 700 ms
	// each would take 7 s on a silent path; 3 s is enough for a path that
	// answers, and a silent one is reported as not measured.
	pmtuLimit = 3 * time.Second
	// pmtuProbes: the kernel names the tunnel's MTU at once, and a binary
	// search below it needs at most eight more steps to within a few bytes.
	pmtuProbes = 8
	// wgTimeout: wg reads a few kernel or socket replies; 1.5 s covers a
	// loaded machine.
	wgTimeout = 1500 * time.Millisecond
	// maxDNSRouteLookups bounds the route lookups that tell which DNS
	// servers are reached through the tunnel.
	maxDNSRouteLookups = 8
)

// systemPMTU runs icmpprobe's search with the socket this process may
// open (ping sockets first on Linux, raw ones as root).
func systemPMTU(ctx context.Context, dst netip.Addr, start int) (icmpprobe.PMTU, error) {
	v6 := dst.Is6() && !dst.Is4In6()
	mode := icmpprobe.Unprivileged
	switch runtime.GOOS {
	case "linux":
		m, err := icmpprobe.Detect(v6)
		if err != nil {
			return icmpprobe.PMTU{}, err
		}
		mode = m
	case "windows":
		mode = icmpprobe.Privileged
	}
	conn, err := icmpprobe.Open(mode, v6)
	if err != nil {
		return icmpprobe.PMTU{}, err
	}
	defer conn.Close()
	return icmpprobe.PathMTU(ctx, conn, dst, icmpprobe.PMTUOptions{Start: start, MaxProbes: pmtuProbes})
}

// observe gathers everything. The local reads come first (they are quick
// and decide what to probe); then the gateway, the targets, the process
// list, the DNS configuration and the VPN-only names, all at once; then
// WireGuard's state, read after the targets' traffic had the chance to
// start a handshake, and the MTU search through the tunnel.
func (c *check) observe(ctx context.Context, env *checks.Env) observations {
	var o observations
	gw, haveGW := gateway(env)
	tgts, omitted := targets(env)
	names := vpnOnlyNames(env)
	o.Expected = haveGW || len(tgts) > 0 || len(names) > 0
	o.Omitted = omitted

	o.readState(ctx, env, env.Net)

	// WireGuard's byte counters before the probes: compared with the ones
	// after, they say whether anything came back through the tunnel.
	var before map[wgCounter][2]uint64
	if len(o.Tunnels) > 0 {
		before = readWGCounters(ctx, env)
	}

	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Go(func() {
		procs, err := listProcesses(ctx, env)
		mu.Lock()
		o.Clients, o.ProcErr = runningClients(env.OS, procs), err
		mu.Unlock()
	})
	if !o.Expected && len(o.Tunnels) == 0 {
		// Nothing to test and nothing to describe but the clients.
		wg.Wait()
		return o
	}
	env.Progress("probing the VPN")
	if haveGW {
		wg.Go(func() {
			p := probeGateway(ctx, env, gw)
			mu.Lock()
			o.Gateway = &p
			mu.Unlock()
		})
	}
	o.Targets = make([]targetProbe, len(tgts))
	for i, t := range tgts {
		wg.Go(func() { o.Targets[i] = probeTarget(ctx, env, t) }) // each goroutine owns its slot
	}
	o.VPNOnly = make([]nameLookup, len(names))
	for i, n := range names {
		wg.Go(func() {
			_, out, detail := resolve(ctx, env, n)
			o.VPNOnly[i] = nameLookup{Name: n, Resolved: out == "", Detail: detail}
		})
	}
	wg.Wait()

	// A target routed through an address no listed interface has: the
	// interfaces changed while the check ran (a VPN that connects on
	// demand came up for the targets' traffic). Only then does this check
	// read the network state again, and it judges the tunnel by that read.
	state := env.Net
	if staleTargets(o.Targets) {
		env.Debugf("a company target is routed through an interface the network state does not list; reading it again")
		state = env.Net.Fresh(ctx)
		o.readState(ctx, env, state)
		o.Refreshed = true
		for i := range o.Targets {
			if t := &o.Targets[i]; t.Stale && t.Addr.IsValid() {
				if name, err := egress(ctx, state, t.Addr); err == nil {
					t.Interface, t.Stale = name, false
				}
			}
		}
	}
	var dnsCfg netstate.DNSConfig
	if len(o.Tunnels) > 0 {
		dnsCfg, o.DNSErr = state.DNS(ctx)
	}

	if len(o.Tunnels) > 0 {
		o.WG, o.WGErr = readWireGuard(ctx, env, o.Tunnels)
		if before != nil && len(o.WG) > 0 {
			applyCounters(o.WG, before, readWGCounters(ctx, env))
		}
	}
	o.Company, o.CompanyWhy = pickCompany(o)
	if t, ok := byName(o.Tunnels, o.Company); ok {
		o.TunnelRoutes = o.Routes.tunnelRoutes(map[string]iface{t.Name: t})
		o.TunnelDNS = tunnelDNS(ctx, state, t.Name, dnsCfg)
		o.MTU = c.tunnelMTU(ctx, env, t, o.Targets)
	}
	return o
}

// readState takes the interfaces, routes and internet path from the
// network state: the run's, or a fresh read.
func (o *observations) readState(ctx context.Context, env *checks.Env, state *netstate.State) {
	list, err := state.Interfaces(ctx)
	o.Ifaces, o.IfaceErr = fromState(list), err
	rt, err := state.Routes(ctx)
	o.Routes = routeTable{V4: rt.V4, V6: rt.V6, Err: err}
	if err != nil {
		env.Debugf("routes: %v", err)
	}
	path, err := state.Path(ctx)
	if err != nil {
		env.Debugf("internet route: %v", err)
	}
	o.InternetVia4, o.InternetVia6, o.Path = path.Via4, path.Via6, path
	o.Tunnels = nil
	for _, i := range o.Ifaces {
		if i.vpnTunnel() {
			o.Tunnels = append(o.Tunnels, i)
		}
	}
	slices.SortFunc(o.Tunnels, func(a, b iface) int { return strings.Compare(a.Name, b.Name) })
}

func staleTargets(list []targetProbe) bool {
	for _, t := range list {
		if t.Stale {
			return true
		}
	}
	return false
}

// readWireGuard reads `wg show` and keeps the interfaces that exist here.
// Userspace WireGuard (wireguard-go, boringtun) keeps its control sockets
// in /var/run/wireguard, one directory for every network namespace, so wg
// lists tunnels that are not this machine's view; names are matched
// against this namespace's own interface list.
func readWireGuard(ctx context.Context, env *checks.Env, tunnels []iface) ([]wgInterface, error) {
	out, err := probeutil.Run(ctx, env, wgTimeout, "wg", "show")
	if err != nil {
		if errors.Is(err, probeutil.ErrNotInstalled) {
			return nil, err
		}
		if s := err.Error(); strings.Contains(s, "not permitted") || strings.Contains(s, "Permission denied") || strings.Contains(s, "Access is denied") {
			return nil, errWGPermission
		}
		if strings.TrimSpace(out) == "" {
			return nil, err
		}
	}
	list, perr := parseWGShow(out)
	var mine []wgInterface
	for _, w := range list {
		if _, ok := byName(tunnels, w.Name); ok {
			mine = append(mine, w)
		}
	}
	if perr != nil && len(mine) == 0 {
		return nil, perr
	}
	return mine, nil
}

// readWGCounters reads the exact byte counters of every WireGuard peer;
// nil when wg cannot be run or read.
func readWGCounters(ctx context.Context, env *checks.Env) map[wgCounter][2]uint64 {
	out, err := probeutil.Run(ctx, env, wgTimeout, "wg", "show", "all", "transfer")
	if err != nil && strings.TrimSpace(out) == "" {
		env.Debugf("wg show all transfer: %v", err)
		return nil
	}
	return parseWGTransferAll(out)
}

// applyCounters sets what each peer sent and received during the check.
func applyCounters(list []wgInterface, before, after map[wgCounter][2]uint64) {
	for i := range list {
		for k := range list[i].Peers {
			p := &list[i].Peers[k]
			key := wgCounter{list[i].Name, p.PublicKey}
			b, ok1 := before[key]
			a, ok2 := after[key]
			if !ok1 || !ok2 || a[0] < b[0] || a[1] < b[1] {
				continue // the peer is new, or its counters were reset
			}
			p.ReceivedDuring, p.SentDuring, p.DuringKnown = float64(a[0]-b[0]), float64(a[1]-b[1]), true
		}
	}
}

// pickCompany decides which tunnel is the company VPN's: the WireGuard
// interface whose peer is the profile's gateway; else the tunnel most
// company targets are routed through; else, when the targets are all
// routed elsewhere, none (the tunnels that are up belong to something
// else); else the tunnel carrying internet traffic; else the first.
func pickCompany(o observations) (string, string) {
	if len(o.Tunnels) == 0 {
		return "", ""
	}
	if o.Gateway != nil {
		for _, w := range o.WG {
			for _, p := range w.Peers {
				ap, ok := p.EndpointAddr()
				if !ok || !slices.Contains(o.Gateway.Addrs, ap.Addr()) {
					continue
				}
				if o.Gateway.Config.Port == "" || fmt.Sprint(ap.Port()) == o.Gateway.Config.Port {
					return w.Name, "its WireGuard peer is the gateway"
				}
			}
		}
	}
	count := map[string]int{}
	routed := 0
	for _, t := range o.Targets {
		if t.Interface == "" {
			continue
		}
		routed++
		if _, ok := byName(o.Tunnels, t.Interface); ok {
			count[t.Interface]++
		}
	}
	best := ""
	for _, t := range o.Tunnels {
		if count[t.Name] > count[best] {
			best = t.Name
		}
	}
	switch {
	case best != "":
		return best, "company targets are routed through it"
	case routed > 0:
		return "", ""
	}
	for _, via := range []string{o.InternetVia4, o.InternetVia6} {
		if _, ok := byName(o.Tunnels, via); ok {
			return via, "internet traffic is routed through it"
		}
	}
	return o.Tunnels[0].Name, "it is the only VPN tunnel up"
}

// tunnelDNS returns the DNS servers that belong to the tunnel: configured
// on it (resolvectl, scutil and Windows name the interface), or reached
// through it.
func tunnelDNS(ctx context.Context, state *netstate.State, tunnel string, cfg netstate.DNSConfig) []dnsServer {
	var out []dnsServer
	lookups := 0
	for _, s := range cfg.Servers {
		if s.Stub || s.Addr.Addr().IsLoopback() {
			continue
		}
		mine := s.Interface == tunnel
		if !mine && s.Interface == "" && lookups < maxDNSRouteLookups {
			lookups++
			via, err := egress(ctx, state, s.Addr.Addr().WithZone(""))
			mine = err == nil && via == tunnel
		}
		if !mine {
			continue
		}
		addr := s.Addr.Addr().String()
		if s.Addr.Port() != 53 {
			addr = s.Addr.String()
		}
		out = append(out, dnsServer{Addr: addr, Domains: s.Domains})
	}
	return out
}

// tunnelMTU reads the tunnel's MTU and, when a company target answered
// through the tunnel, searches the largest unfragmented packet to it.
func (c *check) tunnelMTU(ctx context.Context, env *checks.Env, t iface, probes []targetProbe) mtuResult {
	m := mtuResult{Interface: t.MTU}
	var dst netip.Addr
	// A stalled target is searched too: connections that open and then
	// hang are what a path losing large packets looks like.
	for _, p := range probes {
		if p.Interface == t.Name && (p.Out.reached() || p.Out == outStalled) && p.Addr.IsValid() {
			dst = p.Addr
			break
		}
	}
	switch {
	case !dst.IsValid():
		m.Why = "no company target answered through the tunnel"
		return m
	case c.pmtu == nil:
		m.Why = "not supported on this system yet"
		return m
	}
	start := t.MTU
	if start <= 0 || start > 9000 {
		start = 1500
	}
	ctx, cancel := context.WithTimeout(ctx, pmtuLimit)
	defer cancel()
	r, err := c.pmtu(ctx, dst, start)
	switch {
	case errors.Is(err, icmpprobe.ErrUnsupported):
		m.Why = "not supported on this system yet"
	case errors.Is(err, icmpprobe.ErrNotPermitted):
		m.Why = "ICMP is not allowed for this user (run as administrator, or allow ping sockets)"
	case errors.Is(err, icmpprobe.ErrNoEcho):
		m.Why = fmt.Sprintf("%v does not answer ping", dst)
	case err != nil:
		env.Debugf("tunnel MTU search to %v: %v", dst, err)
		_, why := probeutil.DescribeNetErr(err, probeutil.NetErrWords{probeutil.NetErrOther: "the search failed"})
		m.Why = why
	case r.MTU > 0:
		m.Path, m.Exact, m.To = r.MTU, r.Exact, dst
	default:
		m.Why = "the search ran out of time"
	}
	return m
}
