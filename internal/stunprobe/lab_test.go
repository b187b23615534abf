package stunprobe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v4"
	"github.com/wfh-cli/wfh/internal/netlab"
)

// The lab: netlab's home — router — server chain (10.200.1.0/24 home
// LAN, 10.200.2.0/24 beyond the router), coturn in the server namespace
// on two addresses (RFC 5780 needs a second IP), the probes in the home.
// Each step changes the home or its router with nftables the way homes,
// hotels and offices break calls, and undoes it.
const (
	labServer2IPv4 = "10.200.2.11" // the server's second address, on the same link
	labTURNUser    = "wfh-lab-user-7e3a"
	labTURNPass    = "wfh-lab-pass-91c4"
	labWrongPass   = "wfh-lab-wrong-5b20"
	labPort        = 3478
	labTLSPort     = 443  // the app fallback: TLS (and plain TCP) on 443
	labPlainPort   = 3490 // a second coturn without RFC 5780: "two servers"
	labClosedPort  = 3499 // nothing listens: the kernel answers port unreachable
)

type lab struct {
	home, router, server netlab.Hop
	ca                   *netlab.CA
	turn                 *netlab.Coturn
	prober               *Prober
}

// newLab builds the chain and starts coturn with cfg (its IPs default to
// both server addresses). The prober runs in the home namespace.
func newLab(t *testing.T, cfg netlab.CoturnConfig) *lab {
	t.Helper()
	l := netlab.New(t)
	hops := l.Chain("home", "router", "server")
	lb := &lab{home: hops[0], router: hops[1], server: hops[2], ca: netlab.NewCA(t)}
	lb.server.AddAddress(lb.server.Prev.Iface, labServer2IPv4+"/32")
	// Linux rate-limits ICMP errors (a burst, then one a second); the
	// rejected-UDP steps must see every port unreachable.
	lb.router.Sysctl("net.ipv4.icmp_ratelimit", "0")
	lb.server.Sysctl("net.ipv4.icmp_ratelimit", "0")
	lb.turn = lb.startCoturn(t, cfg)
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

func (lb *lab) startCoturn(t *testing.T, cfg netlab.CoturnConfig) *netlab.Coturn {
	t.Helper()
	if cfg.IPs == nil {
		cfg.IPs = []string{netlab.ServerIPv4, labServer2IPv4}
	}
	if cfg.TLSPort != 0 && cfg.Cert == nil {
		cert := lb.ca.Issue("turn.wfh.test", netlab.ServerIPv4, labServer2IPv4)
		cfg.Cert = &cert
	}
	c := lb.server.StartCoturn(cfg)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("coturn log (port %d):\n%s", c.Port, c.Log())
		}
	})
	return c
}

func tg(tr Transport, host string, port int) Target {
	return Target{Transport: tr, Host: host, Port: port}
}

// labSet is what the calls check will run per app: the UDP Binding, the
// TCP and TLS fallbacks on 443, the NAT probe and TURN on every transport.
func labSet(pass string) Set {
	cred := NewCredentials(labTURNUser, pass)
	return Set{
		Bindings: []Target{
			tg(UDP, netlab.ServerIPv4, labPort),
			tg(TCP, netlab.ServerIPv4, labTLSPort),
			tg(TLS, netlab.ServerIPv4, labTLSPort),
		},
		NATServers: []Target{tg(UDP, netlab.ServerIPv4, labPort)},
		TURN: []TURNServer{
			{tg(UDP, netlab.ServerIPv4, labPort), cred},
			{tg(TCP, netlab.ServerIPv4, labPort), cred},
			{tg(TLS, netlab.ServerIPv4, labTLSPort), cred},
		},
	}
}

// want is the expected outcome of each probe of labSet.
type want struct {
	udp, tcp, tls Outcome
	nat           Outcome // the NAT probe's first Binding
	turn          [3]TURNOutcome
}

// runSet runs the set in the home and checks outcomes, the budget and
// that every line is one line.
func (lb *lab) runSet(t *testing.T, step string, w want) SetResult {
	t.Helper()
	res := lb.prober.RunSet(t.Context(), labSet(labTURNPass))
	t.Logf("%s: the whole set took %v", step, res.Took.Round(time.Millisecond))
	if res.Took > Budget {
		t.Errorf("%s: the set took %v, over the %v budget", step, res.Took, Budget)
	}
	for i, o := range []Outcome{w.udp, w.tcp, w.tls} {
		r := res.Bindings[i]
		t.Logf("  %s: %s in %v: %s", r.Target, r.Outcome, r.Took.Round(time.Millisecond), r.Reason)
		if r.Outcome != o {
			t.Errorf("%s: %s is %s, want %s (%s)", step, r.Target, r.Outcome, o, r.Reason)
		}
		oneLine(t, r.Reason)
	}
	t.Logf("  NAT: %s (first %s): %s", res.NAT.Mapping, res.NAT.First, res.NAT.Reason)
	if res.NAT.First != w.nat {
		t.Errorf("%s: NAT probe's first answer %s, want %s (%s)", step, res.NAT.First, w.nat, res.NAT.Reason)
	}
	oneLine(t, res.NAT.Reason)
	for i, o := range w.turn {
		r := res.TURN[i]
		t.Logf("  TURN %s: %s/%s in %v: %s", r.Target, r.Outcome, r.Path, r.Took.Round(time.Millisecond), r.Reason)
		if r.Outcome != o {
			t.Errorf("%s: TURN %s is %s, want %s (%s)", step, r.Target, r.Outcome, o, r.Reason)
		}
		oneLine(t, r.Reason)
	}
	assertNoLabSecrets(t, res)
	return res
}

func oneLine(t *testing.T, s string) {
	t.Helper()
	if s == "" || strings.ContainsAny(s, "\r\n") {
		t.Errorf("reason %q: want one line", s)
	}
}

func assertNoLabSecrets(t *testing.T, v any) {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), string(j)} {
		for _, secret := range []string{labTURNUser, labTURNPass, labWrongPass} {
			if strings.Contains(s, secret) {
				t.Errorf("a credential appears in the output: %s", s)
			}
		}
	}
}

// nftables rulesets, each in its own table so a step deletes what it added.
const (
	homeDropUDPIn = `table ip wfhstep {
	chain in {
		type filter hook input priority 0; policy accept;
		ip saddr 10.200.2.0/24 meta l4proto udp drop
	}
}`
	homeDropUDPOut = `table ip wfhstep {
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr 10.200.2.0/24 meta l4proto udp drop
	}
}`
	routerDropAll = `table ip wfhstep {
	chain forward {
		type filter hook forward priority 0; policy drop;
	}
}`
)

func routerUDP(verdict string) string {
	return `table ip wfhstep {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip saddr 10.200.1.0/24 meta l4proto udp ` + verdict + `
	}
}`
}

func deleteStep(ns *netlab.NS) { ns.Run("nft", "delete", "table", "ip", "wfhstep") }

// TestLabPaths walks the states of issue 26 with coturn as STUN and TURN
// server: UDP open, UDP dropped (on the way in, by this computer, by the
// router), UDP rejected, everything dropped; the probe set stays inside
// its budget in each, and TCP/TLS on 443 carry on where UDP does not.
func TestLabPaths(t *testing.T) {
	lb := newLab(t, netlab.CoturnConfig{TLSPort: labTLSPort, Users: map[string]string{labTURNUser: labTURNPass}})
	allocated := [3]TURNOutcome{Allocated, Allocated, Allocated}

	t.Log("step: UDP open")
	res := lb.runSet(t, "open", want{Answered, Answered, Answered, Answered, allocated})
	if m := res.Bindings[0].Mapped; m.Addr().String() != netlab.HomeIPv4 {
		t.Errorf("mapped %s, want the home's own address (no NAT)", m)
	}
	if res.NAT.Mapping != NoNAT {
		t.Errorf("NAT %s, want none", res.NAT.Mapping)
	}
	for _, r := range res.TURN {
		if !r.Relayed.IsValid() {
			t.Errorf("%s: no relay address", r.Target)
		}
	}

	t.Log("step: UDP answers dropped on the way into the home")
	lb.home.Nft(homeDropUDPIn)
	res = lb.runSet(t, "UDP dropped", want{Silent, Answered, Answered, Silent, [3]TURNOutcome{TURNTimeout, Allocated, Allocated}})
	deleteStep(lb.home.NS)
	if r := res.Bindings[0]; r.Sends < 3 || !strings.Contains(r.Reason, "within 3s") {
		t.Errorf("silent UDP after %d sends: %s", r.Sends, r.Reason)
	}

	t.Log("step: UDP blocked by this computer's own firewall")
	lb.home.Nft(homeDropUDPOut)
	res = lb.runSet(t, "UDP blocked locally", want{BlockedLocally, Answered, Answered, BlockedLocally, [3]TURNOutcome{TURNUnreachable, Allocated, Allocated}})
	deleteStep(lb.home.NS)
	quick(t, res.Bindings[0].Took, "blocked locally")

	t.Log("step: the router drops UDP")
	lb.router.Nft(routerUDP("drop"))
	lb.runSet(t, "router drops UDP", want{Silent, Answered, Answered, Silent, [3]TURNOutcome{TURNTimeout, Allocated, Allocated}})
	deleteStep(lb.router.NS)

	t.Log("step: the router rejects UDP (ICMP port unreachable)")
	lb.router.Nft(routerUDP("reject with icmp type port-unreachable"))
	// The NAT probe's unconnected socket learns of the rejection too
	// (IP_RECVERR), so the whole set ends at once.
	res = lb.runSet(t, "router rejects UDP", want{Refused, Answered, Answered, Refused, [3]TURNOutcome{TURNUnreachable, Allocated, Allocated}})
	deleteStep(lb.router.NS)
	quick(t, res.Bindings[0].Took, "refused")
	quick(t, res.Took, "the whole set with UDP refused")
	if r := res.TURN[0]; r.Path != Refused {
		t.Errorf("TURN over UDP: path %s, want refused", r.Path)
	}

	t.Log("step: nothing listens on the UDP port")
	r := lb.prober.Binding(t.Context(), tg(UDP, netlab.ServerIPv4, labClosedPort))
	t.Logf("  %s: %s in %v: %s", r.Target, r.Outcome, r.Took.Round(time.Millisecond), r.Reason)
	if r.Outcome != Refused {
		t.Errorf("closed port: %s, want refused", r.Outcome)
	}
	quick(t, r.Took, "refused")

	t.Log("step: everything dropped")
	lb.router.Nft(routerDropAll)
	res = lb.runSet(t, "everything dropped", want{Silent, Silent, Silent, Silent, [3]TURNOutcome{TURNTimeout, TURNTimeout, TURNTimeout}})
	deleteStep(lb.router.NS)
	for _, r := range res.Bindings {
		if !strings.Contains(r.Reason, "3s") {
			t.Errorf("%s: the reason does not name the timeout: %s", r.Target, r.Reason)
		}
	}

	t.Log("step: TURN with a wrong password")
	cred := NewCredentials(labTURNUser, labWrongPass)
	for _, target := range []Target{tg(UDP, netlab.ServerIPv4, labPort), tg(TCP, netlab.ServerIPv4, labPort), tg(TLS, netlab.ServerIPv4, labTLSPort)} {
		r := lb.prober.Allocate(t.Context(), target, cred)
		t.Logf("  TURN %s: %s/%s: %s", target, r.Outcome, r.Path, r.Reason)
		if r.Outcome != WrongCredentials || r.ErrorCode != 401 {
			t.Errorf("%s: %s (%d), want wrong_credentials (401)", target, r.Outcome, r.ErrorCode)
		}
		oneLine(t, r.Reason)
		assertNoLabSecrets(t, r)
	}
}

// quick asserts that an outcome the network announces came well before
// the timeout: a refusal must not cost the user the whole wait.
func quick(t *testing.T, took time.Duration, what string) {
	t.Helper()
	if took > ProbeTimeout/2 {
		t.Errorf("%s after %v: should come well before the %v timeout", what, took, ProbeTimeout)
	}
}

// TestLabNAT puts masquerading NATs on the home router and checks how the
// NAT probe names them: by RFC 5780 against coturn's two addresses, and
// by comparing two servers (a second coturn with RFC 5780 off).
func TestLabNAT(t *testing.T) {
	lb := newLab(t, netlab.CoturnConfig{})
	lb.startCoturn(t, netlab.CoturnConfig{Port: labPlainPort, NoRFC5780: true})
	rfc5780 := []Target{tg(UDP, netlab.ServerIPv4, labPort)}
	twoServers := []Target{tg(UDP, netlab.ServerIPv4, labPlainPort), tg(UDP, labServer2IPv4, labPlainPort)}
	wan := lb.router.Next.IPv4 // the router's address on the server's link
	nat := func(t *testing.T, masquerade string) {
		t.Helper()
		lb.router.Nft(`table ip wfhnat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "` + lb.router.Next.Iface + `" ` + masquerade + `
	}
}`)
	}
	unNAT := func() { lb.router.Run("nft", "delete", "table", "ip", "wfhnat") }
	check := func(t *testing.T, name string, servers []Target, method Method, ok func(Mapping) bool, mapped netip.Addr) {
		t.Helper()
		rep := lb.prober.NATMapping(t.Context(), servers...)
		t.Logf("  %s: %s (symmetric %v, %s) in %v: %s; seen %v", name, rep.Mapping, rep.Symmetric, rep.Method, rep.Took.Round(time.Millisecond), rep.Reason, rep.Observations)
		if !ok(rep.Mapping) || rep.Method != method {
			t.Errorf("%s: %s by %q", name, rep.Mapping, rep.Method)
		}
		for _, o := range rep.Observations {
			if o.Mapped.Addr() != mapped {
				t.Errorf("%s: %s saw %s, want %s", name, o.Server, o.Mapped, mapped)
			}
		}
		if rep.Symmetric != rep.Mapping.Symmetric() {
			t.Errorf("Symmetric %v for %s", rep.Symmetric, rep.Mapping)
		}
		oneLine(t, rep.Reason)
	}
	is := func(m Mapping) func(Mapping) bool { return func(g Mapping) bool { return g == m } }
	symmetric := func(g Mapping) bool { return g.Symmetric() }

	t.Log("step: no NAT")
	home := netip.MustParseAddr(netlab.HomeIPv4)
	check(t, "no NAT", rfc5780, "", is(NoNAT), home)

	t.Log("step: masquerade (Linux keeps the source port): endpoint-independent")
	nat(t, "masquerade persistent")
	check(t, "RFC 5780", rfc5780, RFC5780, is(EndpointIndependent), wan)
	check(t, "two servers", twoServers, TwoServers, is(EndpointIndependent), wan)
	unNAT()

	t.Log("step: masquerade with fully random ports: symmetric")
	nat(t, "masquerade fully-random")
	// RFC 5780 tells address-dependent from address-and-port-dependent;
	// with random ports the third test differs from the second except by
	// a 1-in-64k coincidence, so only "symmetric" is asserted.
	check(t, "RFC 5780", rfc5780, RFC5780, symmetric, wan)
	check(t, "two servers", twoServers, TwoServers, is(DestinationDependent), wan)
	unNAT()
}

// TestLabTURNQuota holds the user's only allocation (coturn user-quota=1)
// with pion's client, as a running call would, and expects 486.
func TestLabTURNQuota(t *testing.T) {
	lb := newLab(t, netlab.CoturnConfig{UserQuota: 1, Users: map[string]string{labTURNUser: labTURNPass}})
	var conn net.PacketConn
	if err := lb.home.Do(func() (err error) { conn, err = net.ListenPacket("udp4", "0.0.0.0:0"); return err }); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client, err := turn.NewClient(&turn.ClientConfig{
		TURNServerAddr: fmt.Sprintf("%s:%d", netlab.ServerIPv4, labPort),
		Username:       labTURNUser, Password: labTURNPass, Conn: conn,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := client.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := client.Allocate()
	if err != nil {
		t.Fatalf("holding an allocation: %v", err)
	}
	defer relay.Close()
	r := lb.prober.Allocate(t.Context(), tg(UDP, netlab.ServerIPv4, labPort), NewCredentials(labTURNUser, labTURNPass))
	t.Logf("TURN with the quota used: %s/%s: %s", r.Outcome, r.Path, r.Reason)
	if r.Outcome != QuotaReached || r.ErrorCode != 486 {
		t.Errorf("%s (%d), want quota_reached (486)", r.Outcome, r.ErrorCode)
	}
}

// TestLabHostile puts the test's own misbehaving STUN servers in the
// server namespace and probes them from the home through the router.
func TestLabHostile(t *testing.T) {
	l := netlab.New(t)
	hops := l.Chain("home", "router", "server")
	home, server := hops[0], hops[2]
	server.AddAddress(server.Prev.Iface, labServer2IPv4+"/32")
	p := &Prober{Dialer: &netlab.Dialer{NS: home.NS}, Timeout: time.Second,
		ListenPacket: func(ctx context.Context, network, address string) (net.PacketConn, error) {
			var pc net.PacketConn
			err := home.Do(func() (err error) { pc, err = net.ListenPacket(network, address); return err })
			return pc, err
		}}
	listen := func(addr string) net.PacketConn {
		pc, err := server.ListenPacket("udp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		return pc
	}
	mapped := netip.MustParseAddrPort("10.200.1.2:1")
	liar := listen(labServer2IPv4 + ":4003")
	servers := []struct {
		name    string
		port    int
		answer  func(req []byte, tx txID, from netip.AddrPort) []out
		outcome Outcome
	}{
		{"garbage bytes", 4001, func([]byte, txID, netip.AddrPort) []out {
			return []out{{b: []byte{0x01, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42}}, {b: []byte("\xff\xfe garbage")}}
		}, Garbage},
		{"wrong transaction ID", 4002, func(_ []byte, tx txID, _ netip.AddrPort) []out {
			tx[11] ^= 1
			return []out{{b: successFor(t, tx, xorMapped(mapped))}}
		}, Garbage},
		{"answers from another address", 4003, func(_ []byte, tx txID, from netip.AddrPort) []out {
			return []out{{via: liar, b: successFor(t, tx, xorMapped(from))}}
		}, Silent},
		{"truncated attributes", 4004, func(_ []byte, tx txID, _ netip.AddrPort) []out {
			cut := successFor(t, tx, xorMapped(mapped))
			cut = cut[:len(cut)-3] // the attribute runs past the end
			return []out{{b: cut}, {b: successFor(t, tx, rawAttr{0x0020, []byte{0, 1, 0x10}})}}
		}, Garbage},
	}
	for _, s := range servers {
		srv := serveUDP(t, listen(fmt.Sprintf("%s:%d", netlab.ServerIPv4, s.port)), s.answer)
		r := p.Binding(t.Context(), tg(UDP, netlab.ServerIPv4, s.port))
		t.Logf("%s: %s %+v: %s", s.name, r.Outcome, r.Ignored, r.Reason)
		if r.Outcome != s.outcome || srv.count() < 3 {
			t.Errorf("%s: %s after %d requests, want %s", s.name, r.Outcome, srv.count(), s.outcome)
		}
	}
	// The NAT probe's unconnected socket does receive the liar's answers:
	// counted as from another address, never taken.
	rep := p.NATMapping(t.Context(), tg(UDP, netlab.ServerIPv4, 4003))
	t.Logf("NAT probe against the liar: %s, first %s, %+v: %s", rep.Mapping, rep.First, rep.Ignored, rep.Reason)
	if rep.Mapping != MappingUnknown || rep.Ignored.WrongSource < 1 {
		t.Errorf("NAT probe: %+v", rep)
	}
}
