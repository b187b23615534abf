// Package network implements the "network" check: is this computer online,
// and if not, where does the path break? It lists the interfaces and the
// default route, pings the gateway, proves the internet with TLS handshakes
// to independent anchors over IPv4 and IPv6, and detects captive portals,
// intercepting middleboxes and proxies.
//
// It provides checks.NeedInternet: when it finds the machine offline, the
// checks that need the internet are skipped instead of failing one by one.
package network

import (
	"context"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

const (
	// budget: the probes run concurrently and each is bounded (DNS 2 s +
	// connect 3 s, portal 3 s, gateway 1.5 s); 8 s leaves room for a slow
	// machine while keeping an offline run under 10 s in all.
	budget = 8 * time.Second
)

// Defaults, used when the profile names none. Three anchors run by different
// companies so that one site's outage never reads as the user's.
var (
	defaultAnchors   = []string{"https://www.google.com/", "https://www.cloudflare.com/", "https://www.microsoft.com/"}
	defaultPortalURL = "http://connectivitycheck.gstatic.com/generate_204"
)

type check struct {
	ping pinger
}

// New returns the network check for the running OS.
func New() checks.Check {
	return &check{ping: icmpPing}
}

// NamedHosts implements checks.HostNamer: the anchors and the portal
// probe, the profile's or the defaults, which identify nobody.
func (*check) NamedHosts(p *profile.Profile) []string {
	urls := append(append([]string(nil), defaultAnchors...), defaultPortalURL)
	if p != nil {
		urls = append(urls, p.Network.Anchors...)
		urls = append(urls, p.Network.PortalURL)
	}
	var hosts []string
	for _, raw := range urls {
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
			hosts = append(hosts, u.Hostname())
		}
	}
	return hosts
}

func (*check) ID() string            { return "network" }
func (*check) Title() string         { return "Network and internet" }
func (*check) Budget() time.Duration { return budget }
func (*check) Needs() checks.Needs {
	return checks.Needs{Uses: []checks.Resource{checks.LocalNetwork}, Privileges: "ICMP for the gateway ping: root, CAP_NET_RAW or ping_group_range"}
}

// Provides implements checks.Provider.
func (*check) Provides() checks.Need { return checks.NeedInternet }

// Unmet implements checks.Provider: every failing verdict of this check means
// the internet cannot be used, and says why in the dependants' skip reason.
func (*check) Unmet(r checks.Result) (string, bool) {
	if r.Status != report.Fail {
		return "", false
	}
	switch r.Facts[report.KeyConnectivity] {
	case stateCaptive:
		return "captive portal: sign in first (see network)", true
	case stateIntercepted:
		return "the network intercepts connections (see network)", true
	default:
		return "offline (see network)", true
	}
}

func (c *check) Run(ctx context.Context, env *checks.Env) checks.Result {
	return verdict(c.observe(ctx, env))
}

func targets(env *checks.Env) (anchors []string, portal string) {
	anchors, portal = defaultAnchors, defaultPortalURL
	if env.Profile != nil {
		if len(env.Profile.Network.Anchors) > 0 {
			anchors = env.Profile.Network.Anchors
		}
		if env.Profile.Network.PortalURL != "" {
			portal = env.Profile.Network.PortalURL
		}
	}
	return anchors, portal
}

// observe gathers everything, concurrently, each probe bounded by its own
// timeout and all by ctx. The interfaces, routes, default path and proxy
// are the run's network state, which every check shares.
func (c *check) observe(ctx context.Context, env *checks.Env) (o observations) {
	var err error
	o.Interfaces, err = env.Net.Interfaces(ctx)
	if err != nil {
		env.Debugf("interfaces: %v", err)
	}
	rt, rerr := env.Net.Routes(ctx)
	o.Routes = routes{V4: rt.Defaults4(), V6: rt.Defaults6(), Err: rerr}
	o.Path, _ = env.Net.Path(ctx)
	o.Proxy, _ = env.Net.Proxy(ctx)
	// Every part this check shows has been waited for; the rest (DNS) is
	// read by now or soon, bounded by netstate.ReadLimit.
	defer func() {
		snap := env.Net.Snapshot(ctx)
		o.Problems, o.Origins = snap.Problems, snap.Origins
	}()

	// With no usable interface, or a route table that says there is no way
	// out, there is nothing to probe: say so at once (offline runs are fast).
	noWayOut := o.Routes.Err == nil && len(o.Routes.V4) == 0 && len(o.Routes.V6) == 0 && !o.Path.Known()
	if !anyGlobal(o.Interfaces, false) && !anyGlobal(o.Interfaces, true) || noWayOut && !o.Proxy.Set() {
		return o
	}

	anchors, portal := targets(env)
	families := []string{"ipv4"}
	// IPv6 is tried only where the machine could use it: otherwise every
	// IPv4-only home would read as "IPv6 broken".
	if anyGlobal(o.Interfaces, true) && (len(o.Routes.V6) > 0 || o.Routes.Err != nil) {
		families = append(families, "ipv6")
	}
	if !anyGlobal(o.Interfaces, false) {
		families = []string{"ipv6"}
	}

	// The router is read before the probes start: they write into o.
	gw := routerOf(o)
	var mu sync.Mutex
	var wg sync.WaitGroup
	env.Progress("probing " + plural(len(anchors)*len(families), "secure site"))
	for _, a := range anchors {
		for _, fam := range families {
			wg.Go(func() {
				p := probeAnchor(ctx, env, a, fam)
				mu.Lock()
				o.Anchors = append(o.Anchors, p)
				mu.Unlock()
			})
		}
		if o.Proxy.HTTPS != "" {
			wg.Go(func() {
				p := probeAnchorViaProxy(ctx, env, a, o.Proxy.HTTPS)
				mu.Lock()
				o.ViaProxy = append(o.ViaProxy, p)
				mu.Unlock()
			})
		}
	}
	wg.Go(func() {
		p := probePortal(ctx, env, portal)
		mu.Lock()
		o.Portal = p
		mu.Unlock()
	})
	if gw.IsValid() && c.ping != nil {
		wg.Go(func() {
			answered, rtt, err := c.ping(ctx, gw)
			mu.Lock()
			o.Gateway = gatewayProbe{Addr: gw, Tried: true, Answered: answered, RTT: rtt, Err: err}
			mu.Unlock()
		})
	}
	wg.Wait()
	sortProbes(o.Anchors, anchors)
	sortProbes(o.ViaProxy, anchors)
	return o
}

// routerOf is the home router every section of the report names: the
// default path's, else the first default route's gateway.
func routerOf(o observations) netip.Addr {
	if o.Path.Router.IsValid() {
		return o.Path.Router
	}
	return firstGateway(o.Routes)
}

func firstGateway(r routes) netip.Addr {
	for _, list := range [][]defaultRoute{r.V4, r.V6} {
		for _, d := range list {
			if d.Gateway.IsValid() {
				return d.Gateway
			}
		}
	}
	return netip.Addr{}
}

// sortProbes puts results in profile order, IPv4 first, whatever order the
// goroutines finished in, so reports are stable.
func sortProbes(list []anchorProbe, order []string) {
	rank := map[string]int{}
	for i, u := range order {
		rank[u] = i
	}
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && less(list[j], list[j-1], rank); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

func less(a, b anchorProbe, rank map[string]int) bool {
	if rank[a.URL] != rank[b.URL] {
		return rank[a.URL] < rank[b.URL]
	}
	return a.Family < b.Family
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
