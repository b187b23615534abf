// Package dns implements the "dns" check: which DNS servers the machine
// uses, whether each answers, fast and truthfully, whether apps can look
// names up through the operating system, how that compares with a public
// server, and whether the company's names resolve. "The internet is down"
// is often DNS: a dead or slow server, a provider's server that answers
// lies for names that do not exist, a company name that resolves only
// while the VPN is up.
//
// The servers come from the run's network state (internal/netstate), the
// same list every other check of the report names.
package dns

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/hostname"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
)

const (
	// budget: servers are queried all at once, each query waiting at most
	// 2.5 s (two tries); listing the servers is bounded at 2 s and runs
	// while the public server and the system path are already being
	// asked. So even with every server dead the check ends in about 4.5 s.
	budget = 5 * time.Second
	// selfLimit stops the check a little before the runner would, so it
	// reports what it measured instead of being cut off.
	selfLimit = budget - 250*time.Millisecond
	// discoverLimit bounds the wait for the run's DNS settings (read with
	// every other part of the network state, within netstate.ReadLimit),
	// so that the servers' queries still fit in the budget.
	discoverLimit = netstate.ReadLimit
	// maxServers bounds how many of the machine's servers are tested. A
	// home machine has one to three; a machine with many adapters lists
	// more, but the first few are the ones the system asks.
	maxServers = 8
)

// Defaults, used when the profile names none. Three names run by
// different companies (the network check's anchors), so one provider's
// outage never reads as a broken DNS; and Google Public DNS as the
// reference, the public server people and helpdesks know.
var (
	defaultNames          = []string{"www.google.com", "www.cloudflare.com", "www.microsoft.com"}
	defaultPublicResolver = netip.AddrPortFrom(netip.AddrFrom4([4]byte{8, 8, 8, 8}), 53)
)

// NamedHosts implements checks.HostNamer: the names and the public server
// wfh asks by default, and what the profile's dns section names.
func (*check) NamedHosts(p *profile.Profile) []string {
	out := append(append([]string(nil), defaultNames...), defaultPublicResolver.Addr().String())
	if p == nil {
		return out
	}
	if ap, ok := publicResolver(p.DNS.PublicResolver); ok {
		out = append(out, ap.Addr().String())
	}
	out = append(out, p.DNS.Names...)
	for _, c := range p.DNS.CompanyNames {
		out = append(out, c.Name)
	}
	return out
}

type check struct {
	// label makes the random labels of names that cannot exist.
	label func() string
}

// New returns the dns check.
func New() checks.Check { return &check{label: randomLabel} }

func (*check) ID() string            { return "dns" }
func (*check) Title() string         { return "DNS (name lookups)" }
func (*check) Budget() time.Duration { return budget }

// Needs: the local network, not the internet. The runner skips checks that
// need the internet whenever the network check fails, and DNS is one of
// the reasons it fails ("names cannot be looked up"): this check must run
// then. It reports "offline" itself when no server answers at all.
func (*check) Needs() checks.Needs {
	return checks.Needs{Uses: []checks.Resource{checks.LocalNetwork}}
}

// settings is the profile's dns section with defaults applied and
// unusable values left out.
type settings struct {
	public  netip.AddrPort
	names   []string
	company []profile.CompanyName
	skipped []string // one line per unusable value
}

func settingsOf(p *profile.Profile) settings {
	s := settings{public: defaultPublicResolver, names: defaultNames}
	if p == nil {
		return s
	}
	d := p.DNS
	if strings.TrimSpace(d.PublicResolver) != "" {
		if ap, ok := publicResolver(d.PublicResolver); ok {
			s.public = ap
		} else {
			s.skipped = append(s.skipped, fmt.Sprintf("The profile's dns.public_resolver %s is not an IP address; %s is used instead.",
				strconv.Quote(probeutil.CleanText(d.PublicResolver, 60)), label(s.public)))
		}
	}
	if len(d.Names) > 0 {
		s.names = nil
		for _, n := range d.Names {
			if hostname.IsName(n) && len(s.names) < maxNames {
				s.names = append(s.names, strings.TrimSuffix(n, "."))
			} else {
				s.skipped = append(s.skipped, fmt.Sprintf("The profile's dns.names entry %s is not a valid DNS name (or one too many) and was left out.",
					strconv.Quote(probeutil.CleanText(n, 60))))
			}
		}
		if len(s.names) == 0 {
			s.names = defaultNames
		}
	}
	for _, c := range d.CompanyNames {
		if hostname.IsName(c.Name) && len(s.company) < maxCompany {
			c.Name = strings.TrimSuffix(c.Name, ".")
			s.company = append(s.company, c)
		} else {
			s.skipped = append(s.skipped, fmt.Sprintf("The profile's dns.company_names entry %s is not a valid DNS name (or one too many) and was left out.",
				strconv.Quote(probeutil.CleanText(c.Name, 60))))
		}
	}
	return s
}

// maxNames and maxCompany repeat the profile's limits for profiles that
// did not go through its loader (tests, other callers).
const (
	maxNames   = 10
	maxCompany = 20
)

// publicResolver parses "address" or "address:port".
func publicResolver(s string) (netip.AddrPort, bool) {
	ap, ok := netstate.ParseDNSServerAddr(s)
	if !ok || ap.Addr().Zone() != "" {
		return netip.AddrPort{}, false
	}
	return ap, true
}

func (c *check) Run(ctx context.Context, env *checks.Env) checks.Result {
	if env == nil {
		env = &checks.Env{}
	}
	ctx, cancel := context.WithTimeout(ctx, selfLimit)
	defer cancel()
	set := settingsOf(env.Profile)
	o := observations{skipped: set.skipped, hasResolver: env.Resolver != nil, publicMeasured: true}

	// The public server and the system path need nothing from the
	// configuration: they run while the servers are being listed.
	var wg sync.WaitGroup
	pub := target{Server: Server{Addr: set.public, Source: SourcePublic}, role: rolePublic}
	wg.Go(func() { o.lookups = lookupAll(ctx, env, set.names, set.company) })
	wg.Go(func() { o.public = measureServer(ctx, env, pub, planQueries(pub, set.names, set.company, c.label)) })

	env.Progress("listing the DNS servers")
	dctx, cancel := context.WithTimeout(ctx, discoverLimit)
	cfg, err := env.Net.DNS(dctx)
	cancel()
	o.cfg, o.discoverErr = cfg, err
	targets := targetsOf(cfg, set.public)
	if len(targets) > maxServers {
		o.dropped = len(targets) - maxServers
		targets = targets[:maxServers]
	}
	env.Debugf("servers from %q: %d (error: %v)", cfg.Via, len(cfg.Servers), err)
	asked := len(targets) + 1
	for _, t := range targets {
		if t.alsoPublic {
			asked--
		}
	}
	env.Progress("asking " + plural(asked, "DNS server"))
	o.servers = make([]serverResult, len(targets))
	for i, t := range targets {
		if t.alsoPublic {
			continue // measured as the public server; copied below
		}
		wg.Go(func() { o.servers[i] = measureServer(ctx, env, t, planQueries(t, set.names, set.company, c.label)) })
	}
	wg.Wait()
	for i, t := range targets {
		if t.alsoPublic {
			o.servers[i] = o.public
			o.servers[i].target = t
			o.publicMeasured = false
		}
	}
	return verdict(o)
}

// targetsOf turns the configuration into the servers to test, each with
// its role, one per address: a server listed for several domains is asked
// about all of them, and one that is also a general server is tested as
// that (it answers every name). A machine server that is also the public
// reference is tested once, as the machine's.
func targetsOf(cfg Config, public netip.AddrPort) []target {
	var out []target
	index := map[netip.AddrPort]int{}
	for _, s := range cfg.Servers {
		if i, ok := index[s.Addr]; ok {
			have := &out[i]
			switch {
			case !have.PerDomain():
			case s.PerDomain():
				for _, d := range s.Domains {
					if !slices.Contains(have.Domains, d) {
						have.Domains = append(slices.Clip(have.Domains), d)
					}
				}
			default:
				*have = newTarget(s, public)
			}
			continue
		}
		index[s.Addr] = len(out)
		out = append(out, newTarget(s, public))
	}
	return out
}

func newTarget(s Server, public netip.AddrPort) target {
	t := target{Server: s, role: roleSystem}
	switch {
	case s.PerDomain():
		t.role = rolePerDomain
	case s.Stub:
		t.role = roleStub
	case s.Fallback:
		t.role = roleFallback
	}
	t.alsoPublic = s.Addr == public && !s.PerDomain()
	return t
}
