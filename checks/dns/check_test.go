package dns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// Addresses of the scripted servers. Nothing is dialled: fakeNet answers
// in this process. The answers' public addresses are only data.
const (
	router    = "192.168.1.1:53"
	router2   = "192.168.1.2:53"
	provider  = "34.9.9.9:53"
	stubAddr  = "127.0.0.53:53"
	publicDNS = "198.51.100.53:53"
	vpnDNS    = "10.8.0.53:53"
)

var testNames = map[string]string{"one.wfh.test": "34.1.1.1", "two.wfh.test": "34.2.2.2"}

// scene is one machine: its configuration, its servers, its OS resolver.
type scene struct {
	net  *fakeNet
	res  *checkstest.Resolver
	cfg  Config
	derr error
	prof *profile.Profile
}

func newScene() *scene {
	s := &scene{net: newFakeNet(),
		res: &checkstest.Resolver{Hosts: map[string][]string{"one.wfh.test": {"34.1.1.1"}, "two.wfh.test": {"34.2.2.2"}},
			Errs: map[string]error{}},
		// Every default is replaced, so even a real dialler would only
		// reach the scripted servers.
		prof: &profile.Profile{DNS: profile.DNS{PublicResolver: publicDNS, Names: []string{"one.wfh.test", "two.wfh.test"}}},
		cfg:  Config{Via: "/etc/resolv.conf"}}
	s.net.serve(publicDNS, zone(testNames))
	return s
}

// uses adds general servers to the machine's configuration.
func (s *scene) uses(addrs ...string) *scene {
	for _, a := range addrs {
		s.cfg.Servers = append(s.cfg.Servers, Server{Addr: netip.MustParseAddrPort(a), Source: SourceResolvConf,
			Stub: isStub(netip.MustParseAddrPort(a).Addr())})
	}
	return s
}

// pathFails makes every lookup through the OS resolver fail with err.
func (s *scene) pathFails(err error) *scene {
	for n := range s.res.Hosts {
		s.res.Errs[n] = err
	}
	return s
}

var errTimeout = &net.DNSError{Err: "i/o timeout", IsTimeout: true}

func (s *scene) run(t *testing.T) checks.Result {
	t.Helper()
	c := &check{label: randomLabel}
	env := &checks.Env{Dialer: s.net, Resolver: s.res, Profile: s.prof, OS: "linux", Net: dnsState(s.cfg, s.derr)}
	start := time.Now()
	res := c.Run(t.Context(), env)
	if took := time.Since(start); took > budget+busySlack {
		t.Errorf("the check took %v, over its %v budget", took, budget)
	}
	reportschema.CheckResults(t, "dns", "DNS (name lookups)", []report.Result{res})
	return res
}

// busySlack is how late a deadline may be met on a busy machine: two CPU
// hogs and the race detector hold goroutines back for up to a second; a
// real overrun (a missed cancel, a hang) is longer.
const busySlack = 2 * time.Second

func findingWith(res checks.Result, part string) (report.Finding, bool) {
	for _, f := range res.Findings {
		if strings.Contains(f.Message, part) {
			return f, true
		}
	}
	return report.Finding{}, false
}

func item(res checks.Result, label string) (report.Item, bool) {
	for _, it := range res.Items {
		if it.Label == label {
			return it, true
		}
	}
	return report.Item{}, false
}

func TestVerdicts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		setup    func(s *scene)
		status   report.Status
		diag     string
		summary  string
		findings []string // substrings of finding messages
		fix      string   // substring of the first problem's fix
		outcomes map[string]string
	}{
		{name: "healthy",
			setup:  func(s *scene) { s.uses(router); s.net.serve(router, zone(testNames)) },
			status: report.Pass, diag: diagOK, summary: "DNS works: your server answers in",
			outcomes: map[string]string{"192.168.1.1": "ok", "198.51.100.53": "ok"}},
		{name: "slow router, fast public",
			setup:  func(s *scene) { s.uses(router); s.net.serve(router, slowly(300*time.Millisecond, zone(testNames))) },
			status: report.Warn, diag: diagSlow, summary: "Your DNS server is slow",
			findings: []string{"Your DNS server 192.168.1.1 (on your local network, usually the router) is slow"},
			fix:      "Restart your router", outcomes: map[string]string{"192.168.1.1": "slow"}},
		{name: "everything slow",
			setup: func(s *scene) {
				s.uses(router)
				s.net.serve(router, slowly(300*time.Millisecond, zone(testNames)))
				s.net.serve(publicDNS, slowly(300*time.Millisecond, zone(testNames)))
			},
			status: report.Warn, diag: diagSlowConnection, summary: "connection is slow", fix: "Pause large downloads"},
		{name: "router SERVFAIL, public works",
			setup: func(s *scene) {
				s.uses(router).pathFails(&net.DNSError{Err: "server misbehaving", IsTemporary: true})
				s.net.serve(router, rcode(mdns.RcodeServerFailure))
			},
			status: report.Fail, diag: diagServersDown, summary: "Your DNS server fails, but the public one works",
			findings: []string{"answers SERVFAIL", "the public DNS server 198.51.100.53 answers"},
			fix:      "set a public DNS server such as 198.51.100.53 in the router's settings",
			outcomes: map[string]string{"192.168.1.1": "servfail"}},
		{name: "provider REFUSED",
			setup: func(s *scene) {
				s.uses(provider).pathFails(&net.DNSError{Err: "server misbehaving"})
				s.net.serve(provider, rcode(mdns.RcodeRefused))
			},
			status: report.Fail, diag: diagServersDown, findings: []string{"answers REFUSED"},
			fix: "Contact your internet provider", outcomes: map[string]string{"34.9.9.9": "refused"}},
		{name: "router port unreachable",
			setup: func(s *scene) {
				s.uses(router).pathFails(&net.DNSError{Err: "connection refused"})
				s.net.serve(router, portUnreachable())
			},
			status: report.Fail, diag: diagServersDown, findings: []string{"port unreachable"},
			outcomes: map[string]string{"192.168.1.1": "unreachable"}},
		{name: "router rewrites missing names",
			setup: func(s *scene) {
				s.uses(router)
				s.net.serve(router, func(q *mdns.Msg) action {
					if _, ok := testNames[strings.TrimSuffix(q.Question[0].Name, ".")]; ok {
						return zone(testNames)(q)
					}
					return everything("34.77.0.1")(q)
				})
			},
			status: report.Warn, diag: diagRewrites, summary: "redirects mistyped names",
			findings: []string{"answers a name that does not exist with 34.77.0.1"},
			fix:      "DNS assistance", outcomes: map[string]string{"192.168.1.1": "wrong"}},
		{name: "bogon answer for a public name",
			setup:  func(s *scene) { s.uses(router); s.net.serve(router, everything("10.0.0.1")) },
			status: report.Fail, diag: diagWrong, summary: "Your DNS server gives wrong answers",
			findings: []string{"a private or reserved address"}, fix: "tampering",
			outcomes: map[string]string{"192.168.1.1": "wrong"}},
		{name: "mismatched ID",
			setup:  func(s *scene) { s.uses(router); s.net.serve(router, wrongID(zone(testNames))) },
			status: report.Fail, diag: diagWrong, findings: []string{"does not match the query's"},
			outcomes: map[string]string{"192.168.1.1": "wrong"}},
		{name: "mismatched question",
			setup:  func(s *scene) { s.uses(router); s.net.serve(router, wrongQuestion(zone(testNames))) },
			status: report.Fail, diag: diagWrong, findings: []string{"answers another question (elsewhere.example A"}},
		{name: "unreadable reply",
			setup: func(s *scene) {
				s.uses(router).pathFails(&net.DNSError{Err: "cannot unmarshal DNS message"})
				s.net.serve(router, garbage())
			},
			status: report.Fail, diag: diagServersDown, findings: []string{"unreadable reply"},
			outcomes: map[string]string{"192.168.1.1": "failed"}},
		{name: "router says public names do not exist",
			setup: func(s *scene) {
				s.uses(router).pathFails(&net.DNSError{Err: "no such host", IsNotFound: true})
				s.net.serve(router, zone(nil))
			},
			status: report.Fail, diag: diagWrong, findings: []string{"says one.wfh.test does not exist (other DNS servers find it)"}},
		{name: "truncated reply retried over TCP",
			setup: func(s *scene) {
				s.uses(router)
				s.net.serve(router, truncated())
				s.net.serveTCP(router, zone(testNames))
			},
			status: report.Pass, diag: diagOK, outcomes: map[string]string{"192.168.1.1": "ok"}},
		{name: "second server refuses",
			setup: func(s *scene) {
				s.uses(router, router2)
				s.net.serve(router, zone(testNames))
				s.net.serve(router2, rcode(mdns.RcodeRefused))
			},
			status: report.Warn, diag: diagSomeDown, summary: "1 of 2 DNS servers do not answer",
			findings: []string{"192.168.1.2: answers REFUSED"}},
		{name: "apps cannot look up names",
			setup: func(s *scene) {
				s.uses(router).pathFails(&net.DNSError{Err: "server misbehaving"})
				s.net.serve(router, zone(testNames))
			},
			status: report.Fail, diag: diagLookupsFail, summary: "Apps cannot look up names",
			findings: []string{"although the DNS server 192.168.1.1 answers"}},
		{name: "company names",
			setup: func(s *scene) {
				s.uses(router)
				s.net.serve(router, zone(testNames))
				s.prof.DNS.CompanyNames = []profile.CompanyName{{Name: "sso.acme.example"}, {Name: "intranet.acme.example", VPNOnly: true},
					{Name: "www.acme.example"}}
				s.res.Hosts["www.acme.example"] = []string{"34.5.5.5"}
			},
			status: report.Fail, diag: diagCompany, summary: "A company name does not resolve",
			findings: []string{"The company name sso.acme.example does not resolve (the name does not exist)",
				"resolve only on the VPN (intranet.acme.example) do not resolve now"},
			fix: "If your company uses a VPN, connect it"},
		{name: "vpn-only company name off the VPN",
			setup: func(s *scene) {
				s.uses(router)
				s.net.serve(router, zone(testNames))
				s.prof.DNS.CompanyNames = []profile.CompanyName{{Name: "intranet.acme.example", VPNOnly: true}}
			},
			status: report.Pass, diag: diagOK, summary: "company names for the VPN do not resolve now",
			findings: []string{"see the vpn check"}},
		{name: "public server blocked",
			setup: func(s *scene) {
				s.uses(router)
				s.net.serve(router, zone(testNames))
				s.net.serve(publicDNS, portUnreachable())
			},
			status: report.Pass, diag: diagOK, findings: []string{"may block outside DNS servers"},
			outcomes: map[string]string{"198.51.100.53": "unreachable"}},
		{name: "public server intercepted",
			setup: func(s *scene) {
				s.uses(router)
				s.net.serve(router, zone(testNames))
				s.net.serve(publicDNS, everything("10.1.1.1"))
			},
			status: report.Pass, findings: []string{"intercepts DNS traffic to outside servers"}},
		{name: "stub works, upstream refuses",
			setup: func(s *scene) {
				s.uses(stubAddr, router)
				s.net.serve(stubAddr, zone(testNames))
				s.net.serve(router, rcode(mdns.RcodeRefused))
			},
			status: report.Warn, diag: diagSomeDown},
		{name: "stub dead",
			setup: func(s *scene) {
				s.uses(stubAddr).pathFails(&net.DNSError{Err: "connection refused"})
				s.net.serve(stubAddr, portUnreachable())
			},
			status: report.Fail, diag: diagServersDown, fix: "systemctl restart systemd-resolved"},
		{name: "per-domain VPN server silent-free refusal",
			setup: func(s *scene) {
				s.uses(router)
				s.net.serve(router, zone(testNames))
				s.cfg.Servers = append(s.cfg.Servers, Server{Addr: netip.MustParseAddrPort(vpnDNS), Source: SourceScutil,
					Interface: "utun4", Domains: []string{"corp.example"}})
				s.net.serve(vpnDNS, rcode(mdns.RcodeRefused))
			},
			status: report.Warn, diag: diagVPNDomain, findings: []string{"The DNS server for corp.example (10.8.0.53 via utun4) does not answer"}},
		{name: "per-domain VPN server answers its domain",
			setup: func(s *scene) {
				s.uses(router)
				s.net.serve(router, zone(testNames))
				s.cfg.Servers = append(s.cfg.Servers, Server{Addr: netip.MustParseAddrPort(vpnDNS), Source: SourceScutil,
					Domains: []string{"corp.example"}})
				s.prof.DNS.CompanyNames = []profile.CompanyName{{Name: "wiki.corp.example", VPNOnly: true}}
				s.res.Hosts["wiki.corp.example"] = []string{"10.8.1.1"}
				s.net.serve(vpnDNS, zone(map[string]string{"soa:corp.example": "x", "wiki.corp.example": "10.8.1.1"}))
			},
			status: report.Pass, diag: diagOK, summary: "company names resolve",
			outcomes: map[string]string{"10.8.0.53": "ok"}},
		{name: "configuration mistakes",
			setup: func(s *scene) {
				s.uses(router)
				s.net.serve(router, zone(testNames))
				s.cfg.Problems = []string{`/etc/resolv.conf line 3: nameserver "dns.example.com" is not an IP address`}
			},
			status: report.Warn, diag: "config_problem",
			findings: []string{`The DNS settings have a mistake: /etc/resolv.conf line 3: nameserver "dns.example.com" is not an IP address, so it is ignored.`}},
		{name: "servers not listed",
			setup:  func(s *scene) { s.derr = errors.New("scutil is not installed or not on PATH") },
			status: report.Pass, findings: []string{"Could not list this computer's DNS servers (scutil is not installed"}},
		{name: "nothing listed and lookups fail",
			setup: func(s *scene) {
				s.derr = errors.New("read etc/resolv.conf: permission denied")
				s.pathFails(&net.DNSError{Err: "server misbehaving"})
			},
			status: report.Fail, diag: diagLookupsFail, findings: []string{"The public DNS server 198.51.100.53 answers"}},
		{name: "profile names nobody has",
			setup: func(s *scene) {
				s.uses(router)
				s.net.serve(router, zone(testNames))
				s.prof.DNS.Names = append(s.prof.DNS.Names, "typo.wfh.test")
			},
			status: report.Pass, findings: []string{"No DNS server has an address for typo.wfh.test"}},
		{name: "unusable profile values",
			setup: func(s *scene) {
				s.uses(router)
				s.net.serve(router, zone(testNames))
				s.prof.DNS.Names = append(s.prof.DNS.Names, "https://x.example/")
				s.prof.DNS.CompanyNames = []profile.CompanyName{{Name: "bad name"}}
			},
			status: report.Pass, findings: []string{`dns.names entry "https://x.example/" is not a valid DNS name`,
				`dns.company_names entry "bad name" is not a valid DNS name`}},
		{name: "machine uses the public server",
			setup:  func(s *scene) { s.uses(publicDNS) },
			status: report.Pass, diag: diagOK,
			outcomes: map[string]string{"198.51.100.53": "ok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newScene()
			tc.setup(s)
			res := s.run(t)
			if res.Status != tc.status {
				t.Errorf("status %s, want %s: %s\n%+v", res.Status, tc.status, res.Summary, res.Findings)
			}
			if tc.diag != "" && res.Facts["diagnosis"] != tc.diag {
				t.Errorf("diagnosis %q, want %q", res.Facts["diagnosis"], tc.diag)
			}
			if !strings.Contains(res.Summary, tc.summary) {
				t.Errorf("summary %q, want it to contain %q", res.Summary, tc.summary)
			}
			for _, f := range tc.findings {
				if _, ok := findingWith(res, f); !ok {
					t.Errorf("no finding contains %q:\n%+v", f, res.Findings)
				}
			}
			if tc.fix != "" {
				found := false
				for _, f := range res.Findings {
					found = found || strings.Contains(f.Fix, tc.fix)
				}
				if !found {
					t.Errorf("no fix contains %q:\n%+v", tc.fix, res.Findings)
				}
			}
			for label, want := range tc.outcomes {
				it, ok := item(res, label)
				if !ok || it.Attributes["outcome"] != want {
					t.Errorf("item %s: outcome %q (found %v), want %q", label, it.Attributes["outcome"], ok, want)
				}
			}
		})
	}
}

// The outcomes that take real time: a server that never answers is only
// known to be dead after both tries.
func TestSilentServers(t *testing.T) {
	t.Run("router silent, public works", func(t *testing.T) {
		t.Parallel()
		s := newScene().uses(router).pathFails(errTimeout)
		s.net.serve(router, silence())
		res := s.run(t)
		if res.Status != report.Fail || res.Facts["diagnosis"] != diagServersDown {
			t.Fatalf("got %s %q: %s", res.Status, res.Facts["diagnosis"], res.Summary)
		}
		it, _ := item(res, "192.168.1.1")
		if it.Attributes["outcome"] != "timeout" || !strings.Contains(it.Summary, "no answer within 2.5 s") {
			t.Errorf("router item: %+v", it)
		}
		// Both tries went out, for each of the 4 queries.
		if n := s.net.count(router); n != 8 {
			t.Errorf("%d queries reached the router, want 8 (4 questions, 2 tries)", n)
		}
	})
	t.Run("first server silent, apps wait for it", func(t *testing.T) {
		t.Parallel()
		s := newScene().uses(router, router2).pathFails(errTimeout)
		s.net.serve(router, silence())
		s.net.serve(router2, zone(testNames))
		res := s.run(t)
		if res.Status != report.Fail || !strings.Contains(res.Summary, "first DNS server does not answer") {
			t.Fatalf("got %s: %s\n%+v", res.Status, res.Summary, res.Findings)
		}
		if _, ok := findingWith(res, "although 192.168.1.2 answers"); !ok {
			t.Errorf("findings: %+v", res.Findings)
		}
	})
	t.Run("port unreachable, rate-limited", func(t *testing.T) {
		t.Parallel()
		// The first query gets ICMP port unreachable, the rest nothing.
		s := newScene().uses(router).pathFails(errTimeout)
		var mu sync.Mutex
		first := true
		s.net.serve(router, func(q *mdns.Msg) action {
			mu.Lock()
			defer mu.Unlock()
			if first {
				first = false
				return portUnreachable()(q)
			}
			return silence()(q)
		})
		res := s.run(t)
		if it, _ := item(res, "192.168.1.1"); it.Attributes["outcome"] != "unreachable" || it.Status != report.Fail {
			t.Errorf("router item: %+v", it)
		}
	})
	t.Run("offline", func(t *testing.T) {
		t.Parallel()
		s := newScene().uses(router).pathFails(errTimeout)
		s.net.serve(router, silence())
		s.net.serve(publicDNS, silence())
		res := s.run(t)
		if res.Status != report.Skipped || res.Summary != "offline: no DNS server answers, not even the public one (see network)" {
			t.Fatalf("got %s: %s", res.Status, res.Summary)
		}
		if len(res.Items) == 0 {
			t.Error("an offline result still lists what was tried")
		}
	})
	t.Run("offline with a router that fails fast", func(t *testing.T) {
		t.Parallel()
		// The router's own upstream is gone: SERVFAIL for everything, and
		// the public server is out of reach.
		s := newScene().uses(router).pathFails(&net.DNSError{Err: "server misbehaving"})
		s.net.serve(router, rcode(mdns.RcodeServerFailure))
		delete(s.net.servers, netip.MustParseAddrPort(publicDNS).String())
		if res := s.run(t); res.Status != report.Skipped {
			t.Fatalf("got %s: %s", res.Status, res.Summary)
		}
	})
	t.Run("a lookup that hangs past its bound", func(t *testing.T) {
		t.Parallel()
		s := newScene().uses(router)
		s.net.serve(router, zone(testNames))
		s.res.Delay = time.Hour // honours its context: returns at the bound
		res := s.run(t)
		if res.Status != report.Fail || res.Facts["diagnosis"] != diagLookupsFail {
			t.Fatalf("got %s %q: %s", res.Status, res.Facts["diagnosis"], res.Summary)
		}
		if it, _ := item(res, "one.wfh.test"); it.Attributes["outcome"] != "timeout" {
			t.Errorf("lookup item: %+v", it)
		}
	})
}

func TestFigures(t *testing.T) {
	s := newScene().uses(stubAddr, router)
	s.net.serve(stubAddr, zone(testNames))
	s.net.serve(router, slowly(30*time.Millisecond, zone(testNames)))
	s.cfg.Search = []string{"home.arpa"}
	res := s.run(t)
	if res.Status != report.Pass {
		t.Fatalf("got %s: %s", res.Status, res.Summary)
	}
	m, ok := res.Metric("resolver_ms")
	if !ok || m.Value == nil || *m.Value < 30 || *m.Value > 200 {
		t.Errorf("resolver_ms = %+v, want the router's median (≥ 30 ms), not the stub's", m)
	}
	for _, name := range []string{"system_lookup_ms", "public_resolver_ms", "servers", "servers_working"} {
		if m, ok := res.Metric(name); !ok || m.Value == nil {
			t.Errorf("metric %s: %+v", name, m)
		}
	}
	for k, want := range map[string]string{"dns_source": "/etc/resolv.conf", "search_domains": "home.arpa", "public_resolver": "198.51.100.53"} {
		if res.Facts[k] != want {
			t.Errorf("fact %s = %q, want %q", k, res.Facts[k], want)
		}
	}
	it, _ := item(res, "127.0.0.53")
	if it.Attributes["role"] != "local_stub" {
		t.Errorf("stub item: %+v", it)
	}
	var series int
	for _, s := range res.Series {
		if s.Name == "response_ms" {
			series++
			if len(s.Samples) != 4 {
				t.Errorf("series %s has %d samples, want 4 (two names, two missing names)", s.Item, len(s.Samples))
			}
		}
	}
	if series != 3 {
		t.Errorf("%d response series, want 3 (stub, router, public)", series)
	}
}

func TestRunWithoutSeams(t *testing.T) {
	// No dialer and no resolver: nothing can be asked, and nothing leaks.
	c := &check{label: randomLabel}
	res := c.Run(t.Context(), &checks.Env{})
	if res.Status != report.Skipped && res.Status != report.Fail {
		t.Errorf("got %s: %s", res.Status, res.Summary)
	}
	reportschema.CheckResults(t, "dns", "DNS", []report.Result{res})
	if res := c.Run(t.Context(), nil); !res.Status.Valid() {
		t.Errorf("nil env: %+v", res)
	}
}

func TestSettings(t *testing.T) {
	s := settingsOf(nil)
	if s.public != defaultPublicResolver || len(s.names) != 3 {
		t.Errorf("defaults: %+v", s)
	}
	s = settingsOf(&profile.Profile{DNS: profile.DNS{PublicResolver: "[2001:db8::53]:5353", Names: []string{"www.acme.example."}}})
	if s.public.String() != "[2001:db8::53]:5353" || s.names[0] != "www.acme.example" {
		t.Errorf("got %+v", s)
	}
	s = settingsOf(&profile.Profile{DNS: profile.DNS{PublicResolver: "dns.google"}})
	if s.public != defaultPublicResolver || len(s.skipped) != 1 || !strings.Contains(s.skipped[0], `"dns.google" is not an IP address`) {
		t.Errorf("got %+v", s)
	}
	c := New().(checks.HostNamer)
	if got := c.NamedHosts(&profile.Profile{DNS: profile.DNS{PublicResolver: "9.9.9.9:53", Names: []string{"a.example"},
		CompanyNames: []profile.CompanyName{{Name: "b.example"}}}}); !strings.HasSuffix(strings.Join(got, " "), "8.8.8.8 9.9.9.9 a.example b.example") {
		t.Errorf("NamedHosts = %q", got)
	}
}

func TestRandomLabel(t *testing.T) {
	l := randomLabel()
	if len(l) != 20 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789") != "" || l == randomLabel() {
		t.Errorf("randomLabel: %q", l)
	}
	for a, want := range map[string]bool{"10.1.2.3": true, "192.168.0.1": true, "0.0.0.0": true, "127.0.0.1": true,
		"100.64.0.1": true, "fd00::1": true, "fe80::1%eth0": true, "::ffff:10.0.0.1": true,
		"8.8.8.8": false, "2606:4700::1111": false, "64:ff9b::808:808": false} {
		if isBogon(netip.MustParseAddr(a)) != want {
			t.Errorf("isBogon(%s) = %v", a, !want)
		}
	}
}

func TestTargetsOf(t *testing.T) {
	cfg, err := netstate.ParseScutilDNS(readFixture(t, "macos-scutil-dns-vpn-synthetic.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// 10.8.0.53 serves two domains: one target asked about both.
	cfg.Servers = append(cfg.Servers, Server{Addr: netip.MustParseAddrPort("10.8.0.54:53"), Source: SourceScutil})
	var got []string
	for _, tg := range targetsOf(cfg, netip.MustParseAddrPort("192.168.1.1:53")) {
		got = append(got, fmt.Sprintf("%s %s %s public=%v", label(tg.Addr), tg.role, strings.Join(tg.Domains, ","), tg.alsoPublic))
	}
	want := []string{
		"192.168.1.1 system  public=true", "fd00:1::1 system  public=false",
		"10.8.0.53 per_domain corp.example,10.in-addr.arpa public=false",
		// Listed for a domain and also as a general server: general.
		"10.8.0.54 system  public=false",
		"10.8.0.99:5353 per_domain lab.corp.example public=false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// A malformed resolv.conf, read by the real discovery, ends as one clear
// line per mistake in the report.
func TestMalformedResolvConfInReport(t *testing.T) {
	s := newScene()
	s.net.serve(router, zone(testNames))
	c := New()
	env := &checks.Env{Dialer: s.net, Resolver: s.res, Profile: s.prof, OS: "linux",
		FS: fstest.MapFS{"etc/resolv.conf": {Data: []byte(readFixture(t, "linux-resolv-conf-malformed-synthetic.txt"))}}}
	env.Net = netstate.New(env.NetConfig())
	res := c.Run(t.Context(), env)
	reportschema.CheckResults(t, "dns", "DNS (name lookups)", []report.Result{res})
	var lines []string
	for _, f := range res.Findings {
		if strings.HasPrefix(f.Message, "The DNS settings have a mistake") {
			lines = append(lines, f.Message)
			if f.Severity != report.Warn || f.Fix == "" || strings.ContainsAny(f.Message, "\n\r") {
				t.Errorf("finding %+v", f)
			}
		}
	}
	if len(lines) != 3 || !strings.Contains(lines[0], `line 3: nameserver "dns.example.com" is not an IP address`) {
		t.Errorf("got %q", lines)
	}
	if _, ok := findingWith(res, "/etc/resolv.conf has 1 nameserver line beyond the first 3, which programs ignore."); !ok {
		t.Errorf("findings %+v", res.Findings)
	}
}

// dnsState is a network state whose DNS settings are cfg, or could not be
// read for err.
func dnsState(cfg Config, err error) *netstate.State {
	snap := netstate.Snapshot{DNS: cfg}
	if err != nil {
		snap.Problems = []netstate.Problem{{Part: netstate.PartDNS, Reason: err.Error()}}
	}
	return netstate.FromSnapshot(snap)
}

// readFixture reads a capture of the network state's parsers, which the
// DNS configuration comes from.
func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "netstate", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestProfileTemplateDefaults: the names and public server `wfh profile
// init` writes are the ones this check uses.
func TestProfileTemplateDefaults(t *testing.T) {
	if got := checkstest.ProfileDefault(t, "dns.names"); !slices.Equal(got, defaultNames) {
		t.Errorf("dns.names: the template says %q, the check uses %q", got, defaultNames)
	}
	if got, want := checkstest.ProfileDefault(t, "dns.public_resolver"), defaultPublicResolver.Addr().String(); !slices.Equal(got, []string{want}) {
		t.Errorf("dns.public_resolver: the template says %q, the check uses %q", got, want)
	}
}
