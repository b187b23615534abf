package vpn

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

var (
	wg0  = iface{Index: 5, Name: "wg0", Kind: "tunnel", Up: true, PointToPoint: true, MTU: 1420, Addrs: []netip.Prefix{p4("10.202.0.2/32")}}
	eth0 = iface{Index: 2, Name: "eth0", Kind: "wired", Up: true, MTU: 1500, Addrs: []netip.Prefix{p4("192.168.1.20/24")}}
)

func gwSilentProbe() *gatewayProbe {
	return &gatewayProbe{Config: gatewayConfig{Raw: "203.0.113.7:51820", Type: gwSilent, Host: "203.0.113.7", Port: "51820"},
		Addrs: []netip.Addr{a4("203.0.113.7")}, Out: outNotProbed}
}

func okTarget(raw, via string, connects ...time.Duration) targetProbe {
	if len(connects) == 0 {
		connects = []time.Duration{2 * time.Millisecond, 3 * time.Millisecond, 2 * time.Millisecond}
	}
	return targetProbe{Target: parseTarget(raw, 0), Addr: a4("10.201.0.10"), Interface: via, Out: outOK, Connects: connects, Tries: 3}
}

func failTarget(raw, via string, out outcome, detail string) targetProbe {
	return targetProbe{Target: parseTarget(raw, 0), Addr: a4("10.201.0.10"), Interface: via, Out: out, Detail: detail, Tries: 1, Lost: 1}
}

// connectedObs is a healthy WireGuard split tunnel with two targets.
func connectedObs() observations {
	return observations{
		Expected: true, Ifaces: []iface{eth0, wg0}, Tunnels: []iface{wg0}, Company: "wg0", CompanyWhy: "its WireGuard peer is the gateway",
		InternetVia4: "eth0", TunnelRoutes: []netip.Prefix{p4("10.201.0.0/24")}, TunnelDNS: []dnsServer{{Addr: "10.201.0.53", Domains: []string{"corp.example"}}},
		Clients: []detectedClient{{Name: "WireGuard", Process: "wireguard-go"}},
		Gateway: gwSilentProbe(),
		Targets: []targetProbe{okTarget("10.201.0.10:443", "wg0"), okTarget("https://intranet.corp.example/", "wg0")},
		WG: []wgInterface{{Name: "wg0", Peers: []wgPeer{{PublicKey: "K", Endpoint: "203.0.113.7:51820", HasHandshake: true, Handshake: 4 * time.Second,
			DuringKnown: true, SentDuring: 3000, ReceivedDuring: 2000}}}},
		MTU: mtuResult{Interface: 1420, Path: 1420, Exact: true, To: a4("10.201.0.10")},
	}
}

func TestVerdicts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(*observations)
		status report.Status
		state  string
		want   []string // in the summary or a finding's message or fix
	}{
		{"nothing expected, nothing running", func(o *observations) { *o = observations{} }, report.Skipped, stateNotInUse,
			[]string{"No VPN in use, and the profile expects none"}},
		{"nothing expected, a client running", func(o *observations) { *o = observations{Clients: []detectedClient{{Name: "GlobalProtect"}}} }, report.Skipped, stateNotInUse,
			[]string{"No VPN connected (GlobalProtect running); the profile expects none"}},
		{"nothing expected, a tunnel up", func(o *observations) {
			o.Expected, o.Gateway, o.Targets, o.Company = false, nil, nil, ""
		}, report.Pass, stateConnected, []string{"VPN connected through wg0 (WireGuard, split tunnel); the profile names no company services to test"}},
		{"healthy", nil, report.Pass, stateConnected,
			[]string{"Connected to the VPN through wg0 (WireGuard, split tunnel): 2 of 2 company services answer in 2 ms"}},
		{"full tunnel", func(o *observations) { o.InternetVia4 = "wg0" }, report.Pass, stateConnected, []string{"(WireGuard, full tunnel)"}},
		{"not connected", func(o *observations) {
			o.Tunnels, o.Company, o.WG = nil, "", nil
			o.Targets = []targetProbe{failTarget("10.201.0.10:443", "eth0", outTimeout, "no answer in time")}
		}, report.Fail, stateNotConnected, []string{"Not connected to the VPN", "Open WireGuard and connect", "check this computer's date and time",
			"does not answer probes, so whether it can be reached is not known"}},
		{"not connected, no app running", func(o *observations) {
			o.Tunnels, o.Company, o.WG, o.Clients = nil, "", nil, nil
			o.Targets = nil
		}, report.Fail, stateNotConnected, []string{"Start your VPN app (none is running)"}},
		{"not connected, gateway blocked", func(o *observations) {
			o.Tunnels, o.Company, o.WG, o.Targets = nil, "", nil, nil
			o.Gateway = &gatewayProbe{Config: gatewayConfig{Raw: "vpn.acme.example", Type: gwTLS}, Out: outTimeout, Detail: "no answer in time"}
		}, report.Fail, stateNotConnected, []string{"does not answer from this network: no answer in time", "this network may block VPN connections"}},
		{"not connected, gateway intercepted", func(o *observations) {
			o.Tunnels, o.Company, o.WG, o.Targets = nil, "", nil, nil
			o.Gateway = &gatewayProbe{Config: gatewayConfig{Raw: "vpn.acme.example", Type: gwTLS}, Out: outWrongName, Detail: "its certificate is for portal.hotel.test, not vpn.acme.example"}
		}, report.Fail, stateNotConnected, []string{"This network intercepts secure connections"}},
		{"not connected, gateway certificate expired", func(o *observations) {
			o.Tunnels, o.Company, o.WG, o.Targets = nil, "", nil, nil
			o.Gateway = &gatewayProbe{Config: gatewayConfig{Raw: "vpn.acme.example", Type: gwTLS}, Out: outExpired, Detail: "its certificate expired on 2026-01-02"}
		}, report.Fail, stateNotConnected, []string{"expired on 2026-01-02", "Check this computer's date and time"}},
		{"not connected, gateway fine", func(o *observations) {
			o.Tunnels, o.Company, o.WG, o.Targets = nil, "", nil, nil
			o.Gateway = &gatewayProbe{Config: gatewayConfig{Raw: "vpn.acme.example", Type: gwTLS}, Out: outOK}
		}, report.Fail, stateNotConnected, []string{"answers and its certificate is valid: the way to it is open"}},
		{"not connected, VPN-only names do not resolve", func(o *observations) {
			o.Tunnels, o.Company, o.WG, o.Targets = nil, "", nil, nil
			o.VPNOnly = []nameLookup{{Name: "intranet.corp.example", Detail: "the name does not exist"}}
		}, report.Fail, stateNotConnected, []string{"only resolve on the VPN do not resolve now (intranet.corp.example)"}},
		{"on the company network, by its names", func(o *observations) {
			o.Tunnels, o.Company, o.WG, o.Targets, o.Gateway = nil, "", nil, nil, nil
			o.VPNOnly = []nameLookup{{Name: "intranet.corp.example", Resolved: true}}
		}, report.Pass, stateDirect, []string{"the company names that need it resolve"}},
		{"an unrelated tunnel up", func(o *observations) {
			o.Company, o.WG = "", nil
			o.Targets = []targetProbe{failTarget("10.201.0.10:443", "eth0", outTimeout, "no answer in time")}
		}, report.Fail, stateNotConnected, []string{"the tunnel that is up (wg0) does not carry company traffic"}},
		{"on the company network", func(o *observations) {
			o.Tunnels, o.Company, o.WG = nil, "", nil
			o.Targets = []targetProbe{okTarget("10.201.0.10:443", "eth0")}
		}, report.Pass, stateDirect, []string{"No VPN connected, but 1 of 1 company services answer without it"}},
		{"no traffic, gateway silent", func(o *observations) {
			o.Targets = []targetProbe{failTarget("10.201.0.10:443", "wg0", outTimeout, "no answer in time")}
			o.WG[0].Peers[0].ReceivedDuring = 0
			o.MTU = mtuResult{Interface: 1420, Why: "no company target answered through the tunnel"}
		}, report.Fail, stateNoTraffic, []string{"but it is not passing traffic", "Disconnect the VPN and connect again",
			"3000 bytes went into the tunnel to the VPN gateway and nothing came back"}},
		{"no traffic, gateway answers", func(o *observations) {
			o.Targets = []targetProbe{failTarget("10.201.0.10:443", "wg0", outTimeout, "no answer in time")}
		}, report.Fail, stateNoTraffic, []string{"(2000 bytes came back), so the tunnel reaches it"}},
		{"no traffic, handshake never", func(o *observations) {
			o.Targets = []targetProbe{failTarget("10.201.0.10:443", "wg0", outTimeout, "no answer in time")}
			o.WG[0].Peers[0] = wgPeer{Endpoint: "203.0.113.7:51820"}
		}, report.Fail, stateNoTraffic, []string{"has never answered the tunnel's key exchange"}},
		{"no traffic, handshake old", func(o *observations) {
			o.Targets = []targetProbe{failTarget("10.201.0.10:443", "wg0", outTimeout, "no answer in time")}
			o.WG[0].Peers[0] = wgPeer{Endpoint: "203.0.113.7:51820", HasHandshake: true, Handshake: 7 * time.Minute}
		}, report.Fail, stateNoTraffic, []string{"last answered the tunnel's key exchange 7 min ago"}},
		{"no traffic, company names do not resolve", func(o *observations) {
			o.Targets = []targetProbe{failTarget("https://intranet.corp.example/", "", outDNS, "no answer from the DNS server")}
		}, report.Fail, stateNoTraffic, []string{"company names do not resolve", "the VPN's DNS servers do not answer"}},
		{"no traffic, routes missing", func(o *observations) {
			o.Targets = []targetProbe{failTarget("10.201.0.10:443", "eth0", outTimeout, "no answer in time")}
			o.CompanyWhy = "its WireGuard peer is the gateway"
		}, report.Fail, stateNoTraffic, []string{"does not go through it: 10.201.0.10:443 (leaves by eth0)", "so that it sets up its routes"}},
		{"stalled, large packets lost", func(o *observations) {
			o.Targets[1] = failTarget("https://intranet.corp.example/", "wg0", outStalled, "connected, but the secure connection did not complete in time")
		}, report.Warn, stateDegraded, []string{"open through the VPN, but the answer never arrives", "MTU must be lowered"}},
		{"all stalled", func(o *observations) {
			o.Targets = []targetProbe{failTarget("https://intranet.corp.example/", "wg0", outStalled, "connected, but no answer to the request in time")}
		}, report.Fail, stateNoTraffic, []string{"the answer never arrives"}},
		{"partial", func(o *observations) {
			o.Targets[1] = failTarget("https://intranet.corp.example/", "wg0", outTimeout, "no answer in time")
		}, report.Warn, stateDegraded, []string{"1 of 2 company services does not answer through the VPN: https://intranet.corp.example/ (no answer in time)"}},
		{"slow", func(o *observations) {
			o.Targets = []targetProbe{okTarget("10.201.0.10:443", "wg0", 420*time.Millisecond, 430*time.Millisecond, 410*time.Millisecond)}
		}, report.Warn, stateDegraded, []string{"answer slowly through the VPN: a connection takes 420 ms"}},
		{"lossy", func(o *observations) {
			o.Targets[0].Lost = 1
		}, report.Warn, stateDegraded, []string{"1 of 6 connections to company services through the VPN were lost or had to be retried"}},
		{"untrusted certificate", func(o *observations) {
			o.Targets[1].Out, o.Targets[1].Detail = outUntrusted, "its certificate was issued by Acme Root, which this computer does not trust"
		}, report.Warn, stateDegraded, []string{"add the company's root certificate to the profile (company_ca)"}},
		{"refused", func(o *observations) {
			o.Targets[0].Out, o.Targets[0].Connects, o.Targets[0].Tries = outRefused, nil, 1
		}, report.Warn, stateDegraded, []string{"refuses the connection"}},
		{"server error", func(o *observations) {
			o.Targets[1].Out, o.Targets[1].Detail = outHTTPError, "the server answered with an error (503 Service Unavailable)"
		}, report.Warn, stateDegraded, []string{"the server answered with an error (503"}},
		{"small MTU", func(o *observations) { o.MTU.Path = 1240 }, report.Warn, stateDegraded,
			[]string{"the largest packet that passes through the tunnel unfragmented is 1240 bytes", "Pages may half-load"}},
		{"VPN-only name fails on the VPN", func(o *observations) {
			o.VPNOnly = []nameLookup{{Name: "intranet.corp.example", Detail: "the name does not exist"}}
		}, report.Warn, stateDegraded, []string{"company names that resolve only on the VPN do not resolve: intranet.corp.example"}},
		{"no interface list", func(o *observations) {
			o.Tunnels, o.Company, o.IfaceErr = nil, "", errors.New("route ip+net: netlinkrib: permission denied")
		}, report.Error, "", []string{"The network interfaces could not be listed, so a VPN tunnel cannot be looked for: permission denied"}},
		{"wg needs root", func(o *observations) { o.WG, o.WGErr = nil, errWGPermission }, report.Pass, stateConnected,
			[]string{"Run wfh with sudo"}},
		{"MTU lower bound", func(o *observations) { o.MTU.Exact = false }, report.Pass, stateConnected, nil},
		{"connected, no targets", func(o *observations) { o.Targets = nil }, report.Pass, stateConnected,
			[]string{"Connected to the VPN through wg0", "IT can add vpn.targets to the profile"}},
		{"bad profile entries", func(o *observations) {
			o.Targets = append(o.Targets, targetProbe{Target: parseTarget("intranet", 2), Out: outInvalid, Detail: "x"})
		}, report.Warn, stateDegraded, []string{`vpn.targets[2] in the profile, "intranet", is neither a web address (https://…) nor host:port: it was not tested.`}},
		{"connected, gateway certificate wrong", func(o *observations) {
			o.Gateway = &gatewayProbe{Config: gatewayConfig{Raw: "vpn.acme.example", Type: gwTLS}, Out: outWrongName, Detail: "its certificate is for other.example, not vpn.acme.example"}
		}, report.Warn, stateDegraded, []string{"the gateway's certificate does not match the profile's vpn.gateway"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := connectedObs()
			if tc.edit != nil {
				tc.edit(&o)
			}
			res := verdict(o)
			reportschema.CheckResults(t, "vpn", "VPN", []report.Result{res})
			if res.Status != tc.status || res.Facts["vpn_state"] != tc.state {
				t.Errorf("%s %q, want %s %q\n%s\n%+v", res.Status, res.Facts["vpn_state"], tc.status, tc.state, res.Summary, res.Findings)
			}
			all := res.Summary
			for _, f := range res.Findings {
				all += "\n" + f.Message + "\n" + f.Fix
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("missing %q in\n%s", w, all)
				}
			}
			for _, f := range res.Findings {
				if f.Severity != report.Pass && f.Fix == "" {
					t.Errorf("a problem without a fix: %+v", f)
				}
				if f.Severity == report.Pass && f.Fix != "" {
					t.Errorf("a note with a fix: %+v", f)
				}
			}
		})
	}
}

func TestPickCompany(t *testing.T) {
	tun0 := iface{Name: "tun0", Kind: "tunnel", Up: true, Addrs: []netip.Prefix{p4("10.8.0.2/24")}}
	o := connectedObs()
	o.Tunnels = []iface{tun0, wg0}
	if c, why := pickCompany(o); c != "wg0" || why != "its WireGuard peer is the gateway" {
		t.Errorf("%s %s", c, why)
	}
	o.WG = nil
	o.Targets = []targetProbe{okTarget("10.201.0.10:443", "tun0")}
	if c, _ := pickCompany(o); c != "tun0" {
		t.Errorf("by targets: %s", c)
	}
	o.Targets = []targetProbe{okTarget("10.201.0.10:443", "eth0")}
	if c, _ := pickCompany(o); c != "" {
		t.Errorf("targets routed elsewhere: %s", c)
	}
	o.Targets, o.InternetVia4 = nil, "wg0"
	if c, why := pickCompany(o); c != "wg0" || !strings.Contains(why, "internet") {
		t.Errorf("by the internet route: %s", c)
	}
	o.InternetVia4 = "eth0"
	if c, _ := pickCompany(o); c != "tun0" {
		t.Errorf("the first: %s", c)
	}
}

func TestVPNTunnelFilter(t *testing.T) {
	for _, tc := range []struct {
		i    iface
		want bool
	}{
		{wg0, true},
		{iface{Name: "utun1", Kind: "tunnel", Up: true, Addrs: []netip.Prefix{p4("fe80::1/64")}}, false},
		{iface{Name: "sit0", Kind: "tunnel", Up: true, Addrs: []netip.Prefix{p4("10.0.0.1/32")}}, false},
		{iface{Name: "Teredo Tunneling Pseudo-Interface", Description: "Teredo Tunneling Pseudo-Interface", Kind: "tunnel", Up: true, Addrs: []netip.Prefix{p4("2001:0:1::1/32")}}, false},
		{iface{Name: "wg1", Kind: "tunnel", Up: false, Addrs: []netip.Prefix{p4("10.0.0.1/32")}}, false},
		{eth0, false},
	} {
		if got := tc.i.vpnTunnel(); got != tc.want {
			t.Errorf("%s: %v", tc.i.Name, got)
		}
	}
}
