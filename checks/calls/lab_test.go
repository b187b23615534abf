package calls

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/render"
)

// The lab: netlab's home — router — server chain, coturn in the server
// namespace on two addresses (STUN with RFC 5780, TURN with long-term
// credentials, TLS on 443 with a certificate of the lab's CA, which the
// profile names as company_ca), the vendors' targets pointed at it by the
// profile, and the whole check run in the home namespace as wfh doctor
// runs it. Each state is built with nftables the way homes, hotels and
// offices break calls, and undone.
const (
	labServer2 = "10.200.2.11" // the server's second address: RFC 5780's other IP
	labUser    = "wfh-calls-lab-user-3f9a"
	labPass    = "wfh-calls-lab-pass-c2e8"
	labWrong   = "wfh-calls-lab-wrong-71d4"
)

type callsLab struct {
	home, router, server netlab.Hop
	caFile               string
}

func newCallsLab(t *testing.T) *callsLab {
	t.Helper()
	l := netlab.New(t)
	hops := l.Chain("home", "router", "server")
	lb := &callsLab{home: hops[0], router: hops[1], server: hops[2]}
	lb.server.AddAddress(lb.server.Prev.Iface, labServer2+"/32")
	// Linux rate-limits ICMP errors; the rejected-UDP state must see every one.
	lb.router.Sysctl("net.ipv4.icmp_ratelimit", "0")
	lb.server.Sysctl("net.ipv4.icmp_ratelimit", "0")
	lb.home.Sysctl("net.ipv4.icmp_ratelimit", "0")
	ca := netlab.NewCA(t)
	lb.caFile = ca.WritePEM(t.TempDir())
	cert := ca.Issue("turn.wfh.test", netlab.ServerIPv4, labServer2)
	c := lb.server.StartCoturn(netlab.CoturnConfig{IPs: []string{netlab.ServerIPv4, labServer2}, TLSPort: 443, Cert: &cert,
		Users: map[string]string{labUser: labPass}})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("coturn log:\n%s", c.Log())
		}
	})
	return lb
}

// profileFor points every app at the lab's coturn: Teams and Meet UDP at
// its two addresses, Zoom left without a UDP target (not testable, as by
// default), every fallback at its TCP and TLS listener on 443.
func (lb *callsLab) profileFor(pass string) *profile.Profile {
	s1, s2 := netlab.ServerIPv4, labServer2
	return &profile.Profile{CompanyCA: lb.caFile, Calls: profile.Calls{
		STUNServers: []string{"stun:" + s1 + ":3478"},
		TURNServers: []profile.TURNServer{{URL: "turn:" + s1 + ":3478", TLSPort: 443, Username: labUser, Password: profile.Secret(pass)}},
		Targets: map[string]profile.CallTargets{
			"teams": {UDP: []string{s1 + ":3478"}, Fallback: []string{"tcp:" + s1 + ":443"}},
			"zoom":  {Fallback: []string{"tls:" + s1 + ":443"}},
			"meet":  {UDP: []string{"stun:" + s2 + ":3478"}, Fallback: []string{"tls:" + s2 + ":443"}},
			"webex": {Fallback: []string{"tls:" + s2 + ":443"}},
		}}}
}

// run runs the check in the home namespace, on the Env wfh doctor builds
// (SystemEnv: the company CA from the profile), with its sockets moved
// into the namespace.
func (lb *callsLab) run(t *testing.T, p *profile.Profile) (checks.Result, time.Duration) {
	t.Helper()
	e, err := checks.SystemEnv(p)
	if err != nil {
		t.Fatal(err)
	}
	home := lb.home.NS
	e.Dialer = &netlab.Dialer{NS: home}
	e.ListenPacket = func(ctx context.Context, network, address string) (net.PacketConn, error) {
		var pc net.PacketConn
		err := home.Do(func() (err error) {
			pc, err = (&net.ListenConfig{}).ListenPacket(ctx, network, address)
			return err
		})
		return pc, err
	}
	c := New()
	start := time.Now()
	res := c.Run(t.Context(), e)
	took := time.Since(start)
	for _, it := range res.Items {
		t.Logf("  %-16s %-5s %s", it.Label, it.Status, it.Summary)
	}
	for _, f := range res.Findings {
		t.Logf("  finding %s: %s | %s", f.Severity, f.Message, f.Fix)
	}
	t.Logf("  => %s: %q in %v", res.Status, res.Summary, took.Round(time.Millisecond))
	if took > c.Budget() {
		t.Errorf("the check took %v, over its budget %v", took, c.Budget())
	}
	return res, took
}

// want is what a state must show: each app's media path, the check's
// status, and phrases of its summary and findings.
type labWant struct {
	paths   map[string]string // app label -> media path
	status  report.Status
	summary string
	says    []string // in some finding's message or fix
}

func (lb *callsLab) expect(t *testing.T, state string, res checks.Result, w labWant) {
	t.Helper()
	for label, path := range w.paths {
		it := item(t, res, label)
		if it.Attributes["media_path"] != path {
			t.Errorf("%s: %s is %s (%s), want %s", state, label, it.Attributes["media_path"], it.Summary, path)
		}
	}
	if res.Status != w.status || !strings.Contains(res.Summary, w.summary) {
		t.Errorf("%s: %s %q, want %s %q", state, res.Status, res.Summary, w.status, w.summary)
	}
	var text strings.Builder
	for _, f := range res.Findings {
		fmt.Fprintf(&text, "%s %s\n", f.Message, f.Fix)
	}
	for _, s := range w.says {
		if !strings.Contains(text.String(), s) {
			t.Errorf("%s: no finding says %q:\n%s", state, s, text.String())
		}
	}
}

const (
	homeDropUDPIn = `table ip wfhcalls {
	chain in {
		type filter hook input priority 0; policy accept;
		ip saddr 10.200.2.0/24 meta l4proto udp drop
	}
}`
	// A reject in the home's own output chain fails the send (EPERM),
	// which is the blocked-locally state; a rejection that arrives as an
	// ICMP port unreachable comes from the home's router.
	routerRejectUDP = `table ip wfhcalls {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip saddr 10.200.1.0/24 meta l4proto udp reject with icmp type port-unreachable
	}
}`
	homeDropUDPOut = `table ip wfhcalls {
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr 10.200.2.0/24 meta l4proto udp drop
	}
}`
	homeDropAllIn = `table ip wfhcalls {
	chain in {
		type filter hook input priority 0; policy accept;
		ip saddr 10.200.2.0/24 drop
	}
}`
	routerSymmetricNAT = `table ip wfhcalls {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 10.200.1.0/24 masquerade fully-random
	}
}`
)

func undo(ns *netlab.NS) { ns.Run("nft", "delete", "table", "ip", "wfhcalls") }

// TestLabStates walks the states of issue 26 through the whole check.
func TestLabStates(t *testing.T) {
	lb := newCallsLab(t)
	p := lb.profileFor(labPass)
	tcpOnly := map[string]string{"Microsoft Teams": pathTCPOnly, "Google Meet": pathTCPOnly, "Zoom": pathUDPUntested, "Cisco Webex": pathUDPUntested}

	t.Log("state: UDP open")
	res, _ := lb.run(t, p)
	lb.expect(t, "open", res, labWant{
		paths:  map[string]string{"Microsoft Teams": pathUDP, "Google Meet": pathUDP, "Zoom": pathUDPUntested, "Cisco Webex": pathUDPUntested},
		status: report.Pass, summary: "Media over UDP for Teams and Meet; Zoom and Webex reach their servers on 443"})
	if it := item(t, res, "NAT"); it.Attributes["mapping"] != "none" {
		t.Errorf("open: NAT %+v, want none", it)
	}
	if it := item(t, res, "turn:"+netlab.ServerIPv4+":3478"); it.Status != report.Pass || it.Summary != "Relay allocated over UDP, TCP and TLS" {
		t.Errorf("open: TURN %+v", it)
	}
	if res.Facts["public_address"] != netlab.HomeIPv4 {
		t.Errorf("open: public address %q, want the home's own (no NAT)", res.Facts["public_address"])
	}

	t.Log("state: UDP dropped in the home")
	lb.home.Nft(homeDropUDPIn)
	res, _ = lb.run(t, p)
	undo(lb.home.NS)
	lb.expect(t, "UDP dropped", res, labWant{paths: tcpOnly, status: report.Warn,
		summary: "Teams calls only over TCP 443: expect breakups",
		says: []string{"Calls work but break up more easily: ask IT or the network owner to allow UDP 3478–3481",
			"Calls work but break up more easily: ask IT or the network owner to allow UDP 3478 and 19302–19309",
			"works only over TCP and TLS"}})
	if it := item(t, res, "Microsoft Teams"); !strings.Contains(it.Summary, "Only over TCP 443") || !strings.Contains(it.Summary, "within 3s") {
		t.Errorf("UDP dropped: Teams %q", it.Summary)
	}

	t.Log("state: UDP rejected by the home router (ICMP port unreachable)")
	lb.router.Nft(routerRejectUDP)
	res, took := lb.run(t, p)
	undo(lb.router.NS)
	lb.expect(t, "UDP rejected", res, labWant{paths: tcpOnly, status: report.Warn,
		summary: "Teams calls only over TCP 443: expect breakups", says: []string{"was rejected (ICMP port unreachable)"}})
	// Refusals are immediate; only the NAT test's own wait can remain.
	if took > probeBudget {
		t.Errorf("UDP rejected: %v", took)
	}

	t.Log("state: UDP blocked by this computer's firewall (send fails)")
	lb.home.Nft(homeDropUDPOut)
	res, _ = lb.run(t, p)
	undo(lb.home.NS)
	lb.expect(t, "UDP blocked locally", res, labWant{paths: tcpOnly, status: report.Warn,
		summary: "Teams calls only over TCP 443: expect breakups", says: []string{"A firewall on this computer blocks UDP: allow Microsoft Teams through it"}})

	t.Log("state: everything dropped")
	lb.home.Nft(homeDropAllIn)
	res, took = lb.run(t, p)
	undo(lb.home.NS)
	lb.expect(t, "everything dropped", res, labWant{
		paths:  map[string]string{"Microsoft Teams": pathBlocked, "Google Meet": pathBlocked, "Zoom": pathBlocked, "Cisco Webex": pathBlocked},
		status: report.Fail, summary: "cannot", says: []string{"Microsoft Teams cannot reach its servers from here", "allow TCP 443 to " + netlab.ServerIPv4}})
	if took < 2*time.Second {
		t.Errorf("everything dropped: %v is too quick for probes that wait out silence", took)
	}

	t.Log("state: symmetric NAT on the router (masquerade, random ports)")
	lb.router.Nft(routerSymmetricNAT)
	res, _ = lb.run(t, p)
	undo(lb.router.NS)
	lb.expect(t, "symmetric NAT", res, labWant{paths: map[string]string{"Microsoft Teams": pathUDP, "Google Meet": pathUDP},
		status: report.Pass, summary: "Media over UDP", says: []string{"NAT is symmetric", "RDP Shortpath", "TURN relay or over TCP"}})
	if it := item(t, res, "NAT"); it.Status != report.Warn || it.Attributes["method"] != "rfc5780" || res.Facts["nat_symmetric"] != "yes" {
		t.Errorf("symmetric NAT: %+v %v", it, res.Facts)
	}
	if res.Facts["public_address"] != netlab.RouterServerIPv4 {
		t.Errorf("symmetric NAT: public address %q, want the router's %s", res.Facts["public_address"], netlab.RouterServerIPv4)
	}

	t.Log("state: TURN with wrong credentials")
	res, _ = lb.run(t, lb.profileFor(labWrong))
	lb.expect(t, "wrong credentials", res, labWant{paths: map[string]string{"Microsoft Teams": pathUDP}, status: report.Fail,
		summary: "The company TURN server refused the credentials", says: []string{"refused the TURN user name or password (STUN error 401)"}})
	n := 0
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "user name or password") {
			n++
			if strings.ContainsAny(f.Message+f.Fix, "\r\n") {
				t.Errorf("multi-line: %+v", f)
			}
		}
	}
	if n != 1 {
		t.Errorf("wrong credentials: %d findings about them, want one line", n)
	}
	for format, s := range renderAll(t, res, namedHosts(p)) {
		for _, secret := range []string{labUser, labPass, labWrong} {
			if strings.Contains(s, secret) {
				t.Errorf("the %s report shows a credential", format)
			}
		}
		if format != render.FormatJSON && !strings.Contains(s, "refused the TURN user name or password") {
			t.Errorf("the %s report does not say why TURN failed", format)
		}
	}
}
