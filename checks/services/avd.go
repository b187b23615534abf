package services

import (
	"context"
	"sync"
	"time"

	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/stunprobe"
)

// Azure Virtual Desktop and Windows 365: the Remote Desktop client first
// reaches Microsoft's HTTPS endpoints (the feed on *.wvd.microsoft.com,
// and sign-in on login.microsoftonline.com: "Required FQDNs and endpoints
// for Azure Virtual Desktop", end-user devices), then, with RDP Shortpath
// for public networks, sends UDP to Microsoft's STUN/TURN relays on port
// 3478 ("RDP Shortpath for Azure Virtual Desktop", client network: UDP
// 3478 to 20.202.0.0/16; the Windows 365 announcement of relayed
// Shortpath adds 51.5.0.0/16). A STUN Binding answered over UDP means
// Shortpath can work; without it the session falls back to TCP through
// the gateway, which works but copes worse with loss and delay.

// avdTargets are the avd kind's extra probes.
type avdTargets struct {
	// Login is the sign-in endpoint every client reaches first.
	Login string
	// Relay is the TURN relay asked for a STUN Binding over UDP.
	Relay stunprobe.Target
}

// defaultAVD names Microsoft's endpoints. The relay is the address
// Microsoft's own avdnettest.exe checks in the published example output
// of "Troubleshoot RDP Shortpath for public networks" (20.202.68.109:3478,
// in 20.202.0.0/16). Whether it answers an unauthenticated Binding from
// every network could not be verified from the machine this was written
// on (docs/calls-research.md); a silent relay is therefore worded as
// "no answer", never as proof of a firewall.
func defaultAVD() avdTargets {
	return avdTargets{
		Login: "login.microsoftonline.com",
		Relay: stunprobe.Target{Transport: stunprobe.UDP, Host: "20.202.68.109", Port: stunprobe.DefaultPort},
	}
}

// relayTimeout bounds the STUN probe: stunprobe resends at 0, 0.25, 0.75
// and 1.75 s; an answer to the last comes well within 3 s.
const relayTimeout = 3 * time.Second

// probeAVD proves the feed (the service's address), the sign-in endpoint
// and UDP to the relays, all at once.
func (p *prober) probeAVD(ctx context.Context, r *result) {
	var wg sync.WaitGroup
	var login, relay sub
	wg.Add(2)
	go func() {
		defer wg.Done()
		login = p.subWeb(ctx, "login", "Microsoft sign-in", p.avd.Login)
	}()
	go func() {
		defer wg.Done()
		relay = p.subRelay(ctx)
	}()
	p.webPage(ctx, r, "Azure Virtual Desktop endpoint")
	wg.Wait()
	r.Subs = append(r.Subs, login, relay)
}

// subWeb proves another HTTPS endpoint as a sub-probe.
func (p *prober) subWeb(ctx context.Context, key, label, host string) sub {
	s := sub{Key: key, Label: label}
	tmp := result{Svc: service{Name: label, Kind: profile.KindHTTPS, End: profile.Endpoint{Host: host, Port: 443, Path: "/"}}}
	addr, out, detail := p.resolve(ctx, host)
	if out != "" {
		s.Out, s.Detail = out, detail
		return s
	}
	tmp.Addr = addr
	p.webPage(ctx, &tmp, label+" ("+host+")")
	if !tmp.Route.Local.IsValid() {
		tmp.Route = p.egress(ctx, addr)
	}
	s.Out, s.Answer, s.Detail, s.RTT, s.Route = tmp.Out, tmp.Answer, tmp.Detail, tmp.Connect, tmp.Route
	return s
}

// subRelay sends a STUN Binding to the relay over UDP.
func (p *prober) subRelay(ctx context.Context) sub {
	t := p.avd.Relay
	s := sub{Key: "udp_3478", Label: "UDP " + t.Address() + " to Microsoft's relay"}
	sp := &stunprobe.Prober{Dialer: p.env.Dialer, Resolver: p.env.Resolver, Timeout: relayTimeout, Now: p.now}
	res := sp.Binding(ctx, t)
	s.STUN, s.RTT = res.Outcome, res.RTT
	if res.Local.IsValid() {
		s.Route = p.routeOf(udpAddr(res.Local))
	} else if res.Server.IsValid() {
		s.Route = p.egress(ctx, res.Server.Addr())
	}
	switch res.Outcome {
	case stunprobe.Answered:
		s.Out, s.Answer = outOK, "UDP 3478 is open: RDP Shortpath can work"
	case stunprobe.Stopped:
		s.Out, s.Detail = outStopped, "the run was stopped before the relay answered"
	default:
		s.Out, s.Detail = outNotService, relayWords(res.Outcome)
	}
	p.env.Debugf("avd relay %s: %s", t, res.Reason)
	return s
}

// relayWords says what a relay probe that got no answer means.
func relayWords(o stunprobe.Outcome) string {
	switch o {
	case stunprobe.Silent:
		return "no answer over UDP 3478 from Microsoft's relay: UDP is probably blocked on the way, so RDP Shortpath cannot be used"
	case stunprobe.Refused:
		return "UDP 3478 to Microsoft's relay was refused (port unreachable): RDP Shortpath cannot be used"
	case stunprobe.Unreachable:
		return "no route to Microsoft's relay from this computer: RDP Shortpath cannot be used"
	case stunprobe.BlockedLocally:
		return "this computer's firewall does not let UDP 3478 out: RDP Shortpath cannot be used"
	case stunprobe.Garbage:
		return "something answered UDP 3478, but not as a relay: a device on the way interferes with STUN, so RDP Shortpath may fail"
	case stunprobe.NoAddress:
		return "the relay's name did not resolve"
	}
	return "the relay could not be asked"
}
