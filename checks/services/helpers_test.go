package services

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/internal/stunprobe"
	"github.com/wfh-cli/wfh/report"
)

// testDialer dials loopback addresses for real (the tests' own servers)
// and everything else through a checkstest.Dialer, so that no test ever
// reaches a real network.
type testDialer struct{ fake *checkstest.Dialer }

func (d testDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if ap, err := netip.ParseAddrPort(address); err == nil && ap.Addr().IsLoopback() {
		return (&net.Dialer{}).DialContext(ctx, network, address)
	}
	return d.fake.DialContext(ctx, network, address)
}

// lab is one unit test's world: names, a fake network beyond loopback,
// roots, a clock, and which interface owns which local address.
type lab struct {
	t      *testing.T
	hosts  map[string][]string
	fake   *checkstest.Dialer
	roots  *x509.CertPool
	now    time.Time
	owners map[netip.Addr]struct {
		name   string
		tunnel bool
	}
	relay stunprobe.Target
	login string
}

func newLab(t *testing.T) *lab {
	return &lab{t: t, hosts: map[string][]string{}, fake: &checkstest.Dialer{Routes: map[string]checkstest.Route{},
		DefaultSource: netip.MustParseAddr("192.168.1.20")},
		roots: x509.NewCertPool(), now: time.Now(),
		owners: map[netip.Addr]struct {
			name   string
			tunnel bool
		}{},
		// No relay unless a test starts one: a closed loopback port.
		relay: stunprobe.Target{Transport: stunprobe.UDP, Host: "127.0.0.1", Port: 9},
		login: "login.test"}
}

// own says local address a is on interface name.
func (l *lab) own(a, name string, tunnel bool) {
	l.owners[netip.MustParseAddr(a)] = struct {
		name   string
		tunnel bool
	}{name, tunnel}
}

func (l *lab) env(services ...profile.Service) *checks.Env {
	p := profile.Default()
	p.Services = services
	return &checks.Env{
		Now:      func() time.Time { return l.now },
		Dialer:   testDialer{fake: l.fake},
		Resolver: &checkstest.Resolver{Hosts: l.hosts},
		Roots:    l.roots,
		OS:       "linux",
		Profile:  p,
		Logf:     l.t.Logf,
		// The lab fakes the interface lookup itself (check.owner); an
		// empty state keeps the runner from reading this machine's.
		Net: netstate.FromSnapshot(netstate.Snapshot{}),
	}
}

func (l *lab) check() *check {
	return &check{
		owner: func(context.Context, *checks.Env) ownerFunc {
			return func(a netip.Addr) (string, bool, bool) {
				o, ok := l.owners[a]
				return o.name, o.tunnel, ok
			}
		},
		avd: avdTargets{Login: l.login, Relay: l.relay},
	}
}

// run runs the check on services and validates the result against the
// report's schema.
func (l *lab) run(services ...profile.Service) checks.Result {
	l.t.Helper()
	res := l.check().Run(context.Background(), l.env(services...))
	res.ID, res.Title = "services", "Company services"
	reportschema.CheckResults(l.t, "services", "Company services", []report.Result{res})
	return res
}

// itemOf returns the result's item for a service.
func itemOf(t *testing.T, res checks.Result, name string) report.Item {
	t.Helper()
	for _, it := range res.Items {
		if it.Label == name {
			return it
		}
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	t.Fatalf("no item %q in\n%s", name, b)
	return report.Item{}
}

func dump(res checks.Result) string {
	b, _ := json.MarshalIndent(res, "", "  ")
	return string(b)
}
