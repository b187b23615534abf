package netstate

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wfh-cli/wfh/internal/hostname"
	"github.com/wfh-cli/wfh/internal/textutil"
	"github.com/wfh-cli/wfh/internal/winnet"
)

// winAPI reads Windows' own API: internal/winnet's readers on Windows,
// values of real adapters in tests on every OS.
type winAPI struct {
	Adapters func() ([]winnet.Adapter, error)
	Routes   func() ([]winnet.Route, error)
	NRPT     func() ([]winnet.NRPTRule, error)
	Global   func() (winnet.GlobalDNS, error)
}

// The names the snapshot's Origins give the native Windows sources.
const (
	viaGetAdaptersAddresses = "GetAdaptersAddresses"
	viaGetIpForwardTable2   = "GetIpForwardTable2"
)

// windowsAPISources puts the API in front of the text sources, part by
// part: the interfaces and the DNS servers from GetAdaptersAddresses, the
// routes from GetIpForwardTable2, the split-DNS rules from the NRPT. A
// part whose API call fails is read from the text source instead, and the
// snapshot's Origins say so. The proxy (reg.exe) and the kernel's answer
// for the default path stay as they are.
func windowsAPISources(t *tools, api winAPI, text Sources) Sources {
	r := &winRead{api: api}
	return Sources{
		Interfaces: winInterfaceSource{t, r, text.Interfaces},
		Routes:     winRouteSource{t, r, text.Routes},
		DNS:        winDNSSource{t, r, text.DNS},
		Proxy:      text.Proxy,
		Egress:     text.Egress,
	}
}

// winRead calls GetAdaptersAddresses and GetIpForwardTable2 once per
// read, however many parts need their answers.
type winRead struct {
	api       winAPI
	once      sync.Once
	adapters  []winnet.Adapter
	err       error
	routeOnce sync.Once
	routes    []winnet.Route
	routeErr  error
}

func (r *winRead) readRoutes() ([]winnet.Route, error) {
	r.routeOnce.Do(func() {
		if r.api.Routes == nil {
			r.routeErr = winnet.ErrUnsupported
			return
		}
		r.routes, r.routeErr = r.api.Routes()
	})
	return r.routes, r.routeErr
}

func (r *winRead) readAdapters() ([]winnet.Adapter, error) {
	r.once.Do(func() {
		if r.api.Adapters == nil {
			r.err = winnet.ErrUnsupported
			return
		}
		r.adapters, r.err = r.api.Adapters()
		if r.err == nil && len(r.adapters) == 0 {
			// Every Windows has its loopback adapter: an empty list is
			// a failure (Wine answers so while it cannot read the host).
			r.err = errors.New("GetAdaptersAddresses listed no adapter")
		}
	})
	return r.adapters, r.err
}

type winInterfaceSource struct {
	t    *tools
	r    *winRead
	text InterfaceSource
}

func (s winInterfaceSource) Interfaces(ctx context.Context) ([]Interface, error) {
	return nativeFirst(ctx, s.t, PartInterfaces, viaGetAdaptersAddresses, viaGetAdaptersAddresses,
		func(context.Context) ([]Interface, error) {
			adapters, err := s.r.readAdapters()
			if err != nil {
				return nil, err
			}
			// The routes tell the tunnels Windows (or Wine) does not type
			// as such (routedLikeTunnel); without them the types decide.
			routes, _ := s.r.readRoutes()
			return winInterfaces(adapters, routes), nil
		},
		textSource(s.text, InterfaceSource.Interfaces), func([]Interface) string { return "net.Interfaces, route print and ipconfig /all" })
}

type winRouteSource struct {
	t    *tools
	r    *winRead
	text RouteSource
}

func (s winRouteSource) Routes(ctx context.Context) (Routes, error) {
	return nativeFirst(ctx, s.t, PartRoutes, viaGetIpForwardTable2, viaGetIpForwardTable2,
		func(context.Context) (Routes, error) {
			// An empty table is an answer: a machine with no network has
			// no route (Windows keeps loopback routes; Wine in a namespace
			// without routes lists none).
			routes, err := s.r.readRoutes()
			if err != nil {
				return Routes{}, err
			}
			// The adapters name the routes' interfaces and give the
			// interface metric where the route lacks it; without them the
			// routes keep their indexes, which the read maps to names.
			adapters, _ := s.r.readAdapters()
			return winRoutes(routes, adapters), nil
		},
		textSource(s.text, RouteSource.Routes), func(Routes) string { return "route print" })
}

type winDNSSource struct {
	t    *tools
	r    *winRead
	text DNSConfigSource
}

func (s winDNSSource) DNS(ctx context.Context) (DNSConfig, error) {
	return nativeFirst(ctx, s.t, PartDNS, viaGetAdaptersAddresses, viaGetAdaptersAddresses,
		func(context.Context) (DNSConfig, error) {
			adapters, err := s.r.readAdapters()
			if err != nil {
				return DNSConfig{}, err
			}
			// The registry's errors are the OS's text: the notes say what
			// is missing, not the message.
			var notes []string
			var rules []winnet.NRPTRule
			if s.r.api.NRPT != nil {
				if rules, err = s.r.api.NRPT(); err != nil {
					notes = append(notes, "some split-DNS rules (the NRPT in the registry) could not be read: per-domain servers may be missing")
				}
			}
			var global winnet.GlobalDNS
			if s.r.api.Global != nil {
				if global, err = s.r.api.Global(); err != nil {
					notes = append(notes, "the DNS suffix search list could not be read from the registry")
				}
			}
			cfg := winDNS(adapters, rules, global)
			cfg.Notes = append(cfg.Notes, notes...)
			return cfg, nil
		},
		textSource(s.text, DNSConfigSource.DNS), func(c DNSConfig) string { return c.Via })
}

// textSource makes a text source's method a read function; nil when there
// is no text source.
func textSource[S any, T any](src S, method func(S, context.Context) (T, error)) func(context.Context) (T, error) {
	if any(src) == nil {
		return nil
	}
	return func(ctx context.Context) (T, error) { return method(src, ctx) }
}

// nativeFirst reads a part from the OS's API (named api, as a report may
// say it) and, when that fails, from the text source, and records in the
// read's Origins which answered, and which API failed with its error. The
// API's error is the OS's own text, in its language, so the error of a
// part that neither source could read names the API, not its message.
func nativeFirst[T any](ctx context.Context, t *tools, part Part, api, nativeVia string,
	native, text func(context.Context) (T, error), textVia func(T) string) (T, error) {
	v, err := native(ctx)
	if err == nil {
		t.answered(Origin{Part: part, Via: nativeVia})
		return v, nil
	}
	if text == nil || ctx.Err() != nil {
		return v, fmt.Errorf("%s failed: %w", api, plainError{err})
	}
	tv, terr := text(ctx)
	if terr != nil {
		return tv, fmt.Errorf("%s failed, and %w", api, terr)
	}
	t.answered(Origin{Part: part, Via: textVia(tv), Failed: api, Detail: textutil.CleanText(err.Error(), 200)})
	return tv, nil
}

// plainError hides an OS error's text behind a plain phrase while keeping
// it in the chain for errors.Is and --debug.
type plainError struct{ err error }

func (e plainError) Error() string { return "the system did not answer" }
func (e plainError) Unwrap() error { return e.err }

// winIndex is an adapter's interface index: the IPv4 one, else the IPv6
// one (IPv4 is off on the adapter).
func winIndex(a winnet.Adapter) uint32 {
	if a.Index != 0 {
		return a.Index
	}
	return a.IPv6Index
}

func winByIndex(adapters []winnet.Adapter) map[uint32]*winnet.Adapter {
	m := make(map[uint32]*winnet.Adapter, 2*len(adapters))
	for i := range adapters {
		a := &adapters[i]
		if a.Index != 0 {
			m[a.Index] = a
		}
		if a.IPv6Index != 0 {
			m[a.IPv6Index] = a
		}
	}
	return m
}

// winInterfaces converts GetAdaptersAddresses' adapters, in its order.
// An adapter is up when its operational status is; point-to-point as Go's
// net.Interfaces says it (PPP and tunnel types). routes, GetIpForwardTable2's
// (nil when it failed), recognise the tunnels whose type says "other" or
// "Ethernet" (routedLikeTunnel).
func winInterfaces(adapters []winnet.Adapter, routes []winnet.Route) []Interface {
	out := make([]Interface, 0, len(adapters))
	for _, a := range adapters {
		i := Interface{
			Index:        int(winIndex(a)),
			Name:         textutil.CleanText(a.FriendlyName, 64),
			Description:  textutil.CleanText(a.Description, 120),
			Up:           a.Up(),
			PointToPoint: a.IfType == winnet.IfTypePPP || a.IfType == winnet.IfTypeTunnel,
			Loopback:     a.IfType == winnet.IfTypeLoopback,
			MAC:          a.MAC,
		}
		// Windows says 0xffffffff for the loopback's MTU: no limit.
		if a.MTU != ^uint32(0) {
			i.MTU = int(a.MTU)
		}
		i.Kind = windowsKind(winAdapter{IfType: a.IfType, TunnelType: a.TunnelType, Description: a.Description, Name: a.FriendlyName})
		if i.Kind == "" {
			i.Kind = ClassifyName(i.Name, i.PointToPoint)
		}
		for _, ad := range a.Addresses {
			if ad.Prefix.IsValid() {
				i.Addrs = append(i.Addrs, netip.PrefixFrom(ad.Prefix.Addr().WithZone(""), ad.Prefix.Bits()))
			}
		}
		out = append(out, i)
	}
	if len(routes) > 0 {
		tunnelsByRoutes(out, winRoutes(routes, adapters))
	}
	return out
}

// winRoutes converts GetIpForwardTable2's routes, in table order. A route's
// Metric is the one Windows compares and route print shows: the route's
// own plus its interface's (the adapter's metric for the family where
// Windows did not give the interface's, as under Wine). The routes of an
// adapter that is not up are left out: they carry nothing. A route of an
// index no adapter has keeps "if<index>" as its interface.
func winRoutes(routes []winnet.Route, adapters []winnet.Adapter) Routes {
	byIndex := winByIndex(adapters)
	var rt Routes
	for _, r := range routes {
		if !r.Dst.IsValid() {
			continue
		}
		a, known := byIndex[r.Index]
		if known && !a.Up() {
			continue
		}
		metric := r.Metric()
		name := "if" + strconv.FormatUint(uint64(r.Index), 10)
		if known {
			name = textutil.CleanText(a.FriendlyName, 64)
			if r.NoInterfaceMetric {
				ifMetric := a.IPv4Metric
				if r.Dst.Addr().Is6() {
					ifMetric = a.IPv6Metric
				}
				metric = uint64(r.RouteMetric) + uint64(ifMetric)
			}
		}
		route := Route{Dst: r.Dst.Masked(), Gateway: r.NextHop.WithZone(""), Interface: name, Metric: int(min(metric, 1<<31-1))}
		if route.Gateway.IsValid() && route.Gateway.IsUnspecified() {
			route.Gateway = netip.Addr{}
		}
		if r.Dst.Addr().Is4() {
			rt.V4 = append(rt.V4, route)
		} else {
			rt.V6 = append(rt.V6, route)
		}
	}
	return rt
}

// winDNS is the DNS configuration of Windows' own sources, in the order
// Windows asks the servers:
//
//   - the NRPT's rules first: a rule for "." (every name) makes its
//     servers the ones asked; a rule for a domain sends that domain's
//     names to its servers (split DNS, per-domain servers);
//   - then each adapter that is up, lowest interface metric first (Windows
//     10 and later order them so), its servers in its own order. Unlike Go's
//     resolver, adapters without a gateway count: a WireGuard or Tailscale
//     tunnel has none, and its server is the one that answers the
//     tunnel's names. The fec0:0:0:ffff::1-3 placeholders of adapters
//     without IPv6 DNS are left out, and so is the loopback adapter (Wine
//     gives it resolv.conf's servers).
//
// The search domains are the machine's suffix search list when one is set
// (Group Policy or by hand), else the primary DNS suffix and the adapters'
// connection-specific suffixes and search lists, as Windows devolves them.
func winDNS(adapters []winnet.Adapter, rules []winnet.NRPTRule, global winnet.GlobalDNS) DNSConfig {
	cfg := DNSConfig{Via: viaGetAdaptersAddresses}
	split, problems := splitDNS(rules)
	cfg.Problems = problems
	for _, everything := range []bool{true, false} {
		for _, d := range split {
			if (d.Domain == ".") != everything {
				continue
			}
			for _, a := range d.Servers {
				s := DNSServer{Addr: netip.AddrPortFrom(a, 53), Source: DNSSourceNRPT}
				if !everything {
					s.Domains = []string{d.Domain}
				}
				cfg.add(s)
			}
		}
	}
	order := make([]int, 0, len(adapters))
	for i := range adapters {
		if adapters[i].Up() && adapters[i].IfType != winnet.IfTypeLoopback {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(i, j int) int {
		mi, mj := winAdapterMetric(adapters[i]), winAdapterMetric(adapters[j])
		switch {
		case mi < mj:
			return -1
		case mi > mj:
			return 1
		}
		return 0
	})
	for _, i := range order {
		a := adapters[i]
		name := textutil.CleanText(a.FriendlyName, 64)
		for _, s := range a.DNSServers {
			if !s.IsValid() || siteLocalDefault(s) {
				continue
			}
			s = s.Unmap().WithZone("")
			if s.Is6() && s.IsLinkLocalUnicast() {
				// Windows writes the zone as the interface index.
				s = s.WithZone(strconv.FormatUint(uint64(winIndex(a)), 10))
			}
			cfg.add(DNSServer{Addr: netip.AddrPortFrom(s, 53), Source: DNSSourceAdapter, Interface: name})
		}
	}
	search := global.SearchList
	if len(search) == 0 {
		search = []string{global.PrimarySuffix}
		for _, i := range order {
			search = append(append(search, adapters[i].DNSSuffix), adapters[i].SearchSuffixes...)
		}
	}
	for _, d := range search {
		if d = strings.TrimSpace(d); d != "" && hostname.IsName(d) {
			cfg.addSearch(d)
		}
	}
	return cfg
}

// winAdapterMetric is the lower of an adapter's interface metrics among
// the families it has addresses in.
func winAdapterMetric(a winnet.Adapter) uint32 {
	m := ^uint32(0)
	for _, ad := range a.Addresses {
		v := a.IPv6Metric
		if ad.Prefix.Addr().Is4() {
			v = a.IPv4Metric
		}
		m = min(m, v)
	}
	return m
}

// nrptDomain is a namespace an NRPT rule sends to its own DNS servers.
type nrptDomain struct {
	// Domain is the namespace without a leading dot ("corp.example"), or
	// "." for every name. A rule for one host ("host.corp.example"
	// without the leading dot) is kept as that name.
	Domain  string
	Servers []netip.Addr
}

// nrptGenericServers is the ConfigOptions bit of a rule that sends its
// names to GenericDNSServers (DNS_POLICY_CONFIG_OPTIONS).
const nrptGenericServers = 0x8

// splitDNS returns the split-DNS domains of the NRPT rules Windows uses:
// the policy table's when it holds any rule (Windows then ignores the
// local table), else the local table's. Only rules that send their names
// to servers of their own count; DirectAccess and DNSSEC-only rules do
// not. problems name rules that could not be used, in words.
func splitDNS(rules []winnet.NRPTRule) (domains []nrptDomain, problems []string) {
	source := winnet.NRPTLocal
	for _, r := range rules {
		if r.Source == winnet.NRPTPolicy {
			source = winnet.NRPTPolicy
			break
		}
	}
	for _, r := range rules {
		if r.Source != source || r.ConfigOptions&nrptGenericServers == 0 {
			continue
		}
		key := textutil.CleanText(r.Key, 80)
		servers, bad := parseNRPTServers(r.GenericDNSServers)
		for _, b := range bad {
			problems = append(problems, fmt.Sprintf("the split-DNS rule %s (NRPT) names the DNS server %s, which is not an IP address",
				key, strconv.Quote(textutil.CleanText(b, 60))))
		}
		if len(servers) == 0 {
			if len(bad) == 0 {
				problems = append(problems, fmt.Sprintf("the split-DNS rule %s (NRPT) names no DNS server", key))
			}
			continue
		}
		for _, n := range r.Names {
			n = strings.ToLower(strings.TrimSpace(n))
			d := nrptDomain{Servers: servers}
			switch {
			case n == ".":
				d.Domain = "."
			default:
				d.Domain = strings.TrimRight(strings.TrimPrefix(n, "."), ".")
			}
			if d.Domain == "" {
				continue
			}
			if d.Domain != "." && !hostname.IsName(d.Domain) {
				problems = append(problems, fmt.Sprintf("the split-DNS rule %s (NRPT) is for %s, which is not a domain name",
					key, strconv.Quote(textutil.CleanText(n, 60))))
				continue
			}
			domains = append(domains, d)
		}
	}
	return domains, problems
}

// parseNRPTServers reads an NRPT GenericDNSServers value: addresses
// separated by ";" (Windows' own tools) or "," and spaces (some clients).
// bad holds the items that are not addresses.
func parseNRPTServers(s string) (servers []netip.Addr, bad []string) {
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '\t' }) {
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			bad = append(bad, item)
			continue
		}
		if a = a.Unmap(); !slices.Contains(servers, a) {
			servers = append(servers, a)
		}
	}
	return servers, bad
}
