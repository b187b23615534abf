package stunprobe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
)

// Lab addresses: netlab's home — router — server chain, plus a second
// address on the server for RFC 5780 (the same link, so the router
// reaches it without a route).
const (
	labServer2IPv4 = "10.200.2.11"
	labTURNUser    = "wfh-lab-user-7e3a"
	labTURNPass    = "wfh-lab-pass-91c4"
	labTLSPort     = 5349
	labTLS443      = 443
)

// lab is the network of the lab tests: a home machine, its router and a
// server namespace running coturn with two addresses, TLS on 5349 and
// long-term credentials.
type lab struct {
	home, router, server netlab.Hop
	turn                 *netlab.Coturn
	ca                   *netlab.CA
	prober               *Prober
}

func newLab(t *testing.T, cfg netlab.CoturnConfig) *lab {
	t.Helper()
	l := netlab.New(t)
	hops := l.Chain("home", "router", "server")
	lb := &lab{home: hops[0], router: hops[1], server: hops[2], ca: netlab.NewCA(t)}
	lb.server.AddAddress(lb.server.Prev.Iface, labServer2IPv4+"/32")
	// Linux rate-limits ICMP errors (a burst, then one a second); the
	// rejected-UDP states must see every port unreachable.
	lb.router.Sysctl("net.ipv4.icmp_ratelimit", "0")
	lb.server.Sysctl("net.ipv4.icmp_ratelimit", "0")
	if cfg.IPs == nil {
		cfg.IPs = []string{netlab.ServerIPv4, labServer2IPv4}
	}
	if cfg.TLSPort != 0 && cfg.Cert == nil {
		cert := lb.ca.Issue("turn.wfh.test", netlab.ServerIPv4, labServer2IPv4)
		cfg.Cert = &cert
	}
	lb.turn = lb.server.StartCoturn(cfg)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("coturn log:\n%s", lb.turn.Log())
		}
	})
	home := lb.home.NS
	lb.prober = &Prober{
		Dialer: &netlab.Dialer{NS: home},
		ListenPacket: func(ctx context.Context, network, address string) (net.PacketConn, error) {
			var pc net.PacketConn
			err := home.Do(func() (err error) {
				pc, err = (&net.ListenConfig{}).ListenPacket(ctx, network, address)
				return err
			})
			return pc, err
		},
		TLS: &tls.Config{RootCAs: lb.ca.Pool()},
	}
	return lb
}

func target(tr Transport, host string, port int) Target { return Target{Transport: tr, Host: host, Port: port} }

func TestLabBindingOpen(t *testing.T) {
	lb := newLab(t, netlab.CoturnConfig{TLSPort: labTLSPort, Users: map[string]string{labTURNUser: labTURNPass}})
	for _, tg := range []Target{
		target(UDP, netlab.ServerIPv4, 3478),
		target(TCP, netlab.ServerIPv4, 3478),
		target(TLS, netlab.ServerIPv4, labTLSPort),
	} {
		r := lb.prober.Binding(t.Context(), tg)
		t.Logf("%s: %s %s mapped=%s other=%s rtt=%v took=%v", tg, r.Outcome, r.Reason, r.Mapped, r.Other, r.RTT, r.Took)
		if r.Outcome != Answered || r.Mapped.Addr().String() != netlab.HomeIPv4 {
			t.Errorf("%s: %s (%s), mapped %s; want answered with the home's address", tg, r.Outcome, r.Reason, r.Mapped)
		}
	}
	rep := lb.prober.NATMapping(t.Context(), target(UDP, netlab.ServerIPv4, 3478))
	t.Logf("NAT: %+v", rep)
	for _, tr := range []Transport{UDP, TCP, TLS} {
		port := 3478
		if tr == TLS {
			port = labTLSPort
		}
		r := lb.prober.Allocate(t.Context(), target(tr, netlab.ServerIPv4, port), NewCredentials(labTURNUser, labTURNPass))
		b, _ := json.Marshal(r)
		t.Logf("TURN %s: %s", tr, b)
	}
	r := lb.prober.Allocate(t.Context(), target(UDP, netlab.ServerIPv4, 3478), NewCredentials(labTURNUser, "wrong"))
	t.Logf("TURN wrong: %+v", r)
	_ = fmt.Sprint
	_ = strings.Contains
	_ = sync.Mutex{}
	_ = time.Second
	_ = netip.Addr{}
}
