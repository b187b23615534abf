package vpn

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/rttstats"
	"github.com/wfh-cli/wfh/report"
)

const (
	// slowConnect: a company service whose TCP connect (one round trip)
	// takes longer than this feels slow on every click. ITU-T G.114 puts
	// the limit of comfortable interactive use at 150 ms one way, that is
	// 300 ms for the round trip.
	slowConnect = 300 * time.Millisecond
	// smallMTU: tunnels normally carry 1380-1420 bytes (WireGuard's
	// default is 1420, Cisco AnyConnect's 1406, GlobalProtect's 1400). A
	// path under 1300 has lost another 80-120 bytes to a second
	// encapsulation or a broken link, which shows as pages that half-load
	// and transfers that stall; under 1280 IPv6 cannot be carried at all
	// (RFC 8200, section 5).
	smallMTU = 1300
	// maxListed bounds lists in facts (routes, DNS servers).
	maxListed = 8
)

// States of the vpn_state fact: short, for the report's summary card.
const (
	stateNotInUse     = "not in use"
	stateNotConnected = "not connected"
	stateDirect       = "not connected (not needed here)"
	stateNoTraffic    = "connected, not passing traffic"
	stateDegraded     = "connected, with problems"
	stateConnected    = "connected"
)

// verdict turns observations into the check's result.
func verdict(o observations) checks.Result {
	v := &builder{o: o, res: checks.Result{Facts: map[string]string{}}}
	v.describe()
	switch {
	case o.IfaceErr != nil && len(o.Tunnels) == 0:
		// Without the interface list "no tunnel" would be a guess: an error
		// when a VPN is expected, else nothing to judge.
		why := "The network interfaces could not be listed, so a VPN tunnel cannot be looked for: " + probeutil.ShortErr(o.IfaceErr)
		v.out.Default(report.Error, why)
		v.skipped, v.skipWhy = !o.Expected, why
	case !o.Expected:
		v.notExpected()
	case o.Company == "":
		v.notConnected()
	default:
		v.connected()
	}
	v.vpnOnlyItems()
	if v.skipped {
		// Nothing was judged: what could not be read does not matter.
		var skip checks.Verdict
		skip.Default(report.Skipped, v.skipWhy)
		skip.Apply(&v.res)
	} else {
		v.out.Add(v.later...)
		v.out.Apply(&v.res)
	}
	if len(v.res.Facts) == 0 {
		v.res.Facts = nil
	}
	return v.res
}

type builder struct {
	o   observations
	res checks.Result
	// out is the verdict: the state's status and summary, and the findings.
	out checks.Verdict
	// later are findings about the profile and what could not be read,
	// listed after the verdict's own of the same severity.
	later []checks.Conclusion
	// skipped: there is nothing to judge, skipWhy says why; findings are
	// dropped.
	skipped bool
	skipWhy string
}

func (v *builder) add(sev report.Status, msg, fix string) {
	v.out.Add(checks.Conclusion{Severity: sev, Message: msg, Fix: fix})
}

// addLater adds a finding listed after the verdict's own.
func (v *builder) addLater(sev report.Status, msg, fix string) {
	v.later = append(v.later, checks.Conclusion{Severity: sev, Message: msg, Fix: fix})
}

// problems reports whether any finding so far, later ones included, is a
// problem.
func (v *builder) problems() bool {
	return v.out.Problems() || slices.ContainsFunc(v.later, func(f checks.Conclusion) bool { return f.Severity != report.Pass })
}

// describe fills the facts and items every verdict shares: tunnels,
// clients, gateway, targets, VPN-only names, and notes on what could not
// be read.
func (v *builder) describe() {
	o := v.o
	if names := clientNames(o.Clients); names != "" {
		v.res.Facts["vpn_clients"] = names
	}
	for _, t := range o.Tunnels {
		v.res.Items = append(v.res.Items, v.tunnelItem(t))
	}
	for _, c := range o.Clients {
		v.res.Items = append(v.res.Items, report.Item{Label: c.Name, Kind: "vpn_client", Status: report.Pass,
			Summary: "running", Attributes: map[string]string{"process": c.Process}})
	}
	if g := o.Gateway; g != nil {
		v.res.Facts["gateway"] = g.Config.Raw
		if g.Config.Type != "" {
			v.res.Facts["gateway_type"] = g.Config.Type
		}
		v.res.Items = append(v.res.Items, v.gatewayItem(*g))
	}
	for _, p := range o.Targets {
		v.res.Items = append(v.res.Items, v.targetItem(p))
		if p.Out == outInvalid {
			v.addLater(report.Warn, fmt.Sprintf("%s in the profile, %q, %s: it was not tested.", p.Target.Key, p.Target.Raw, p.Target.Problem),
				"IT: write an http:// or https:// address (https://intranet.acme.example/) or host:port (files.acme.example:445) in the profile.")
		}
	}
	if o.Omitted > 0 {
		v.addLater(report.Pass, fmt.Sprintf("Only the first %d company targets were tested; %d more in the profile were left out.", maxTargets, o.Omitted), "")
	}
	if g := o.Gateway; g != nil && g.Out == outInvalid {
		v.addLater(report.Warn, fmt.Sprintf("vpn.gateway in the profile, %q, %s: it was not tested.", g.Config.Raw, g.Config.Problem),
			"IT: write the gateway as a host name, host:port or https:// address, and gateway_type as tls, tcp or udp-silent.")
	}
	if o.Refreshed {
		v.addLater(report.Pass, "The network changed while wfh ran (traffic to a company service went through an interface that was not there at the start, as when a VPN connects on demand): this section shows the network as it was after the change.", "")
	}
	if o.Routes.Err != nil && o.Expected {
		v.addLater(report.Pass, "The route table could not be read ("+probeutil.ShortErr(o.Routes.Err)+"): the tunnel's routes are not listed.", "")
	}
	if o.ProcErr != nil {
		v.addLater(report.Pass, "The running programs could not be listed ("+probeutil.ShortErr(o.ProcErr)+"): VPN apps are not named.", "")
	}
}

func clientNames(cs []detectedClient) string {
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

// tunnelItem describes one tunnel interface.
func (v *builder) tunnelItem(t iface) report.Item {
	it := report.Item{Label: t.Name, Kind: "tunnel", Status: report.Pass, Attributes: map[string]string{}}
	var v4, v6 []string
	for _, p := range t.Addrs {
		if p.Addr().IsLinkLocalUnicast() {
			continue
		}
		if p.Addr().Is4() {
			v4 = append(v4, p.String())
		} else {
			v6 = append(v6, p.String())
		}
	}
	if len(v4) > 0 {
		it.Attributes["ipv4"] = strings.Join(v4, ", ")
	}
	if len(v6) > 0 {
		it.Attributes["ipv6"] = strings.Join(v6, ", ")
	}
	if t.Description != "" {
		it.Attributes["adapter"] = t.Description
	}
	client := clientForTunnel(t.Name, t.Description)
	if w, ok := v.wg(t.Name); ok {
		client = "WireGuard"
		if peer, ok := v.gatewayPeer(w); ok {
			if peer.Endpoint != "" {
				it.Attributes["peer_endpoint"] = peer.Endpoint
			}
			if peer.HasHandshake {
				it.Metrics = append(it.Metrics, report.Measured("handshake_age_seconds", math.Round(peer.Handshake.Seconds()), "s"))
			} else {
				it.Metrics = append(it.Metrics, report.NotMeasured("handshake_age_seconds", "s", "no handshake yet"))
			}
			if peer.DuringKnown {
				it.Metrics = append(it.Metrics, report.Measured("sent_during_check_bytes", peer.SentDuring, "bytes"),
					report.Measured("received_during_check_bytes", peer.ReceivedDuring, "bytes"))
			}
		}
	}
	if client != "" {
		it.Attributes["client"] = client
	}
	if t.MTU > 0 {
		it.Metrics = append(it.Metrics, report.Measured("mtu_bytes", float64(t.MTU), "bytes"))
	}
	role := "other"
	if t.Name == v.o.Company {
		role = "company"
	}
	it.Attributes["role"] = role
	it.Summary = strings.TrimSpace(strings.Join(nonEmpty(client, strings.Join(append(v4, v6...), ", ")), ", "))
	return it
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// wg returns the WireGuard state of the named interface.
func (v *builder) wg(name string) (wgInterface, bool) {
	for _, w := range v.o.WG {
		if w.Name == name {
			return w, true
		}
	}
	return wgInterface{}, false
}

// gatewayPeer returns the peer that is the profile's gateway, else the
// interface's only peer, else the one with the latest handshake.
func (v *builder) gatewayPeer(w wgInterface) (wgPeer, bool) {
	if len(w.Peers) == 0 {
		return wgPeer{}, false
	}
	if g := v.o.Gateway; g != nil {
		for _, p := range w.Peers {
			if ap, ok := p.EndpointAddr(); ok && slices.Contains(g.Addrs, ap.Addr()) {
				return p, true
			}
		}
	}
	best := w.Peers[0]
	for _, p := range w.Peers[1:] {
		if p.HasHandshake && (!best.HasHandshake || p.Handshake < best.Handshake) {
			best = p
		}
	}
	return best, true
}

func (v *builder) gatewayItem(g gatewayProbe) report.Item {
	it := report.Item{Label: g.Config.Raw, Kind: "vpn_gateway", Attributes: map[string]string{"outcome": string(g.Out)}}
	if g.Config.Type != "" {
		it.Attributes["type"] = g.Config.Type
	}
	if len(g.Addrs) > 0 {
		it.Attributes["address"] = g.Addrs[0].String()
	}
	if g.Interface != "" {
		it.Attributes["interface"] = g.Interface
	}
	switch g.Out {
	case outOK:
		it.Status = report.Pass
		it.Summary = "answers"
		if g.Config.Type == gwTLS {
			it.Summary = "answers, with a valid certificate"
		}
		it.Metrics = append(it.Metrics, report.Measured("connect_ms", millis(g.Connect), "ms"))
	case outNotProbed:
		it.Status = report.Pass
		it.Summary = "not probed: WireGuard and IPsec gateways stay silent to anyone without a key"
	case outInvalid:
		it.Status = report.Warn
		it.Summary = "not tested: the profile's entry " + g.Config.Problem
	default:
		it.Status = report.Fail
		it.Summary = g.Detail
	}
	return it
}

func (v *builder) targetItem(p targetProbe) report.Item {
	it := report.Item{Label: p.Target.Raw, Kind: "vpn_target", Attributes: map[string]string{"outcome": string(p.Out)}}
	if p.Addr.IsValid() {
		it.Attributes["address"] = p.Addr.String()
	}
	if p.Interface != "" {
		it.Attributes["interface"] = p.Interface
	}
	if p.HTTPStatus != 0 {
		it.Attributes["http_status"] = strconv.Itoa(p.HTTPStatus)
	}
	if p.RedirectTo != "" {
		it.Attributes["redirect_to"] = p.RedirectTo
	}
	if med, ok := p.median(); ok {
		it.Metrics = append(it.Metrics, report.Measured("connect_ms", millis(med), "ms"))
	}
	if p.Response > 0 {
		it.Metrics = append(it.Metrics, report.Measured("response_ms", millis(p.Response), "ms"))
	}
	if p.Tries > 0 && p.Out.reached() && p.Out != outRefused {
		it.Metrics = append(it.Metrics, report.Measured("lost_attempts", float64(p.Lost), ""), report.Measured("attempts", float64(p.Tries), ""))
	}
	med, _ := p.median()
	via := ""
	if p.Interface != "" {
		via = " via " + p.Interface
	}
	switch p.Out {
	case outOK:
		it.Status = report.Pass
		it.Summary = fmt.Sprintf("answers in %s%s", human(med), via)
		if p.HTTPStatus != 0 {
			it.Summary = fmt.Sprintf("answers (HTTP %d) in %s%s", p.HTTPStatus, human(med), via)
		}
	case outRedirect:
		it.Status = report.Pass
		it.Summary = fmt.Sprintf("answers in %s%s, and sends you on to %s (a sign-in page, if the address says so)", human(med), via, p.RedirectTo)
		if host := redirectHost(p.RedirectTo); host != "" && !strings.EqualFold(host, p.Target.Host) {
			it.Summary = fmt.Sprintf("answers in %s%s, but redirects to another site, %s: often a sign-in page", human(med), via, p.RedirectTo)
		}
	case outHTTPError:
		it.Status = report.Warn
		it.Summary = "reached" + via + ", but " + p.Detail
	case outInvalid:
		it.Status = report.Warn
		it.Summary = "not tested: the profile's entry " + p.Target.Problem
	default:
		it.Status = report.Fail
		it.Summary = p.Detail + via
		if p.Out.reached() {
			it.Summary = "reached" + via + ", but " + p.Detail
		}
	}
	if p.Out.reached() && p.Out != outRefused && p.Lost > 0 {
		it.Summary += fmt.Sprintf("; %d of %d connection attempts were lost or retried", p.Lost, p.Tries)
		it.Status = report.Worst(it.Status, report.Warn)
	} else if p.Out.reached() && med > slowConnect {
		it.Summary += " (slow)"
		it.Status = report.Worst(it.Status, report.Warn)
	}
	return it
}

func redirectHost(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.Contains(host, "]") {
		host = h
	}
	return host
}

// vpnOnlyItems lists the company names that resolve only on the VPN: a
// warning on the VPN when one does not resolve, expected off it.
func (v *builder) vpnOnlyItems() {
	on := v.o.Company != ""
	for _, n := range v.o.VPNOnly {
		it := report.Item{Label: n.Name, Kind: "vpn_only_name", Status: report.Pass, Summary: "resolves"}
		switch {
		case !n.Resolved && on:
			it.Status, it.Summary = report.Warn, "does not resolve: "+n.Detail
		case !n.Resolved:
			it.Summary = "does not resolve, as expected off the VPN (" + n.Detail + ")"
		}
		v.res.Items = append(v.res.Items, it)
	}
}

// notExpected: the profile names no VPN. A tunnel that is up is
// described; otherwise there is nothing to judge.
func (v *builder) notExpected() {
	o := v.o
	v.res.Facts[report.KeyVPNState] = stateNotInUse
	if len(o.Tunnels) == 0 {
		v.skipped, v.skipWhy = true, "No VPN in use, and the profile expects none"
		if names := clientNames(o.Clients); names != "" {
			v.skipWhy = "No VPN connected (" + names + " running); the profile expects none"
		}
		return
	}
	v.res.Facts[report.KeyVPNState] = stateConnected
	v.tunnelFacts()
	v.readNotes()
	v.out.Default(report.Pass, "VPN connected through "+v.tunnelPhrase()+"; the profile names no company services to test")
	v.add(report.Pass, "The profile names no VPN gateway or company services, so only the tunnel itself is described.",
		"")
}

// tunnelPhrase names the company tunnel for summaries: "wg0 (WireGuard,
// split tunnel)".
func (v *builder) tunnelPhrase() string {
	o := v.o
	name := o.Company
	if name == "" && len(o.Tunnels) > 0 {
		name = o.Tunnels[0].Name
	}
	t, _ := byName(o.Tunnels, name)
	client := clientForTunnel(t.Name, t.Description)
	if _, ok := v.wg(t.Name); ok {
		client = "WireGuard"
	}
	mode := map[string]string{"full": "full tunnel", "split": "split tunnel"}[v.res.Facts["tunnel_mode"]]
	if extra := strings.Join(nonEmpty(client, mode), ", "); extra != "" {
		return name + " (" + extra + ")"
	}
	return name
}

// tunnelFacts fills the facts of the company tunnel (or the first tunnel
// when the profile names no VPN).
func (v *builder) tunnelFacts() {
	o := v.o
	name := o.Company
	if name == "" && len(o.Tunnels) > 0 {
		name = o.Tunnels[0].Name
	}
	t, ok := byName(o.Tunnels, name)
	if !ok {
		return
	}
	v.res.Facts["tunnel_interface"] = t.Name
	if c := clientForTunnel(t.Name, t.Description); c != "" {
		v.res.Facts["tunnel_client"] = c
	} else if _, ok := v.wg(t.Name); ok {
		v.res.Facts["tunnel_client"] = "WireGuard"
	}
	switch {
	case o.InternetVia4 == t.Name || o.InternetVia4 == "" && o.InternetVia6 == t.Name:
		v.res.Facts["tunnel_mode"] = "full"
	case o.InternetVia4 != "" || o.InternetVia6 != "":
		v.res.Facts["tunnel_mode"] = "split"
	default:
		v.res.Facts["tunnel_mode"] = "unknown"
	}
	if len(o.TunnelRoutes) > 0 {
		v.res.Facts["tunnel_routes"] = listed(prefixStrings(o.TunnelRoutes))
	}
	if len(o.TunnelDNS) > 0 {
		var s []string
		for _, d := range o.TunnelDNS {
			if len(d.Domains) > 0 {
				s = append(s, d.Addr+" (for "+strings.Join(d.Domains, ", ")+")")
			} else {
				s = append(s, d.Addr)
			}
		}
		v.res.Facts["tunnel_dns"] = listed(s)
	}
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// listed joins at most maxListed entries and says how many more there are.
func listed(s []string) string {
	if len(s) <= maxListed {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(s)-maxListed)
}

// noneAnswers says that no company service answers, in the number's form.
func noneAnswers(n int) string {
	if n == 1 {
		return "the company service does not answer"
	}
	return fmt.Sprintf("none of the %d company services answers", n)
}

// validTargets returns the targets whose profile entry could be used.
func (v *builder) validTargets() []targetProbe {
	var out []targetProbe
	for _, p := range v.o.Targets {
		if p.Out != outInvalid {
			out = append(out, p)
		}
	}
	return out
}

// notConnected: a VPN is expected and no tunnel of it is up.
func (v *builder) notConnected() {
	o := v.o
	valid := v.validTargets()
	var usable []string
	for _, p := range valid {
		if p.Out == outOK || p.Out == outRedirect {
			usable = append(usable, p.Target.Raw)
		}
	}
	resolved := len(o.VPNOnly) > 0
	for _, n := range o.VPNOnly {
		resolved = resolved && n.Resolved
	}
	if len(valid) == 0 && resolved {
		v.res.Facts[report.KeyVPNState] = stateDirect
		v.out.Default(report.Pass, "No VPN connected, but the company names that need it resolve (on the company network?)")
		v.add(report.Pass, "Company names that resolve only on the VPN resolve without it: this computer is probably on the company's network, where the VPN is not needed.", "")
		return
	}
	if len(usable) > 0 {
		v.res.Facts[report.KeyVPNState] = stateDirect
		v.out.Default(report.Pass, fmt.Sprintf("No VPN connected, but %d of %d company services answer without it (on the company network?)", len(usable), len(valid)))
		v.add(report.Pass, "Company services answer without the VPN: this computer is probably on the company's network, where the VPN is not needed.", "")
		return
	}
	v.res.Facts[report.KeyVPNState] = stateNotConnected
	app := "your VPN app"
	if len(o.Clients) > 0 {
		app = o.Clients[0].Name
	}
	fix := "Open " + app + " and connect. If it refuses your sign-in, check your user name and password (or token) and that your account is not locked. If it reports a certificate or time error, check this computer's date and time (see system)."
	msg := "You are not connected to the VPN: no VPN tunnel is up"
	if len(o.Tunnels) > 0 {
		var names []string
		for _, t := range o.Tunnels {
			names = append(names, t.Name)
		}
		msg = "You are not connected to the company VPN: the tunnel that is up (" + strings.Join(names, ", ") + ") does not carry company traffic"
		if len(names) > 1 {
			msg = "You are not connected to the company VPN: the tunnels that are up (" + strings.Join(names, ", ") + ") do not carry company traffic"
		}
	}
	if len(valid) > 0 {
		msg += ", and " + noneAnswers(len(valid))
	}
	msg += "."
	if len(o.Clients) == 0 && o.ProcErr == nil {
		fix = "Start your VPN app (none is running) and connect. If it refuses your sign-in, check your user name and password (or token) and that your account is not locked. If it reports a certificate or time error, check this computer's date and time (see system)."
	}
	v.out.Add(checks.Conclusion{Severity: report.Fail, Summary: "Not connected to the VPN", Message: msg, Fix: fix})
	var unresolved []string
	for _, n := range o.VPNOnly {
		if !n.Resolved {
			unresolved = append(unresolved, n.Name)
		}
	}
	if len(unresolved) > 0 {
		v.add(report.Pass, "Company names that only resolve on the VPN do not resolve now ("+listed(unresolved)+"): expected while the VPN is not connected.", "")
	}
	v.gatewayFindings(false)
}

// gatewayFindings explains what the gateway probe says. Off the VPN it
// tells whose side the problem is on; on the VPN only certificate
// problems matter.
func (v *builder) gatewayFindings(connected bool) {
	g := v.o.Gateway
	if g == nil || g.Out == outInvalid {
		return
	}
	name := g.Config.Raw
	switch g.Out {
	case outOK:
		if !connected {
			what := "answers"
			if g.Config.Type == gwTLS {
				what = "answers and its certificate is valid"
			}
			v.add(report.Pass, "The VPN gateway "+name+" "+what+": the way to it is open, so the problem is the connection on this computer (the app, the sign-in).", "")
		}
	case outNotProbed:
		if !connected {
			v.add(report.Pass, "The VPN gateway "+name+" uses a protocol (WireGuard, IPsec) that does not answer probes, so whether it can be reached is not known.", "")
		}
	case outWrongName, outUntrusted:
		sev, fix := report.Fail, "This network intercepts secure connections (hotels and some public Wi-Fi do): try another network, such as your phone's hotspot. If it happens everywhere, tell IT: the gateway's address in the profile may be wrong."
		if connected {
			sev, fix = report.Warn, "Tell IT: the VPN works, but the gateway's certificate does not match the profile's vpn.gateway."
		}
		v.add(sev, "The VPN gateway "+name+" answers, but "+g.Detail+".", fix)
	case outExpired:
		sev := report.Fail
		if connected {
			sev = report.Warn
		}
		v.add(sev, "The VPN gateway "+name+" answers, but "+g.Detail+".",
			"Check this computer's date and time (see system). If they are right, tell IT: the gateway's certificate must be renewed.")
	case outTLSError:
		if !connected {
			v.add(report.Fail, "The VPN gateway "+name+" answers, but the secure connection fails: "+g.Detail+".",
				"Try another network, such as your phone's hotspot; if it fails there too, tell IT with this report.")
		}
	case outDNS, outNoAddress:
		if !connected {
			v.add(report.Fail, "The VPN gateway's name "+name+" does not resolve: "+g.Detail+".",
				"Check that you are online (see network). If you are, tell IT: the VPN gateway's name cannot be found from here.")
		}
	default:
		if !connected {
			v.add(report.Fail, "The VPN gateway "+name+" does not answer from this network: "+g.Detail+".",
				"Check that you are online (see network). If you are, this network may block VPN connections: try another one, such as your phone's hotspot, or tell IT.")
		}
	}
}

// connected: the company tunnel is up; the targets say whether it works.
func (v *builder) connected() {
	v.tunnelFacts()
	v.mtuFacts()
	v.readNotes()
	valid := v.validTargets()
	var reached, failed []targetProbe
	for _, p := range valid {
		if p.Out.reached() {
			reached = append(reached, p)
		} else {
			failed = append(failed, p)
		}
	}
	v.res.Metrics = append(v.res.Metrics,
		report.Measured(report.KeyTargetsAnswered, float64(len(reached)), ""),
		report.Measured(report.KeyTargetsTested, float64(len(valid)), ""))
	phrase := v.tunnelPhrase()
	hs, hsKnown := v.handshake()
	switch {
	case len(valid) == 0:
		v.res.Facts[report.KeyVPNState] = stateConnected
		v.out.Default(report.Pass, "Connected to the VPN through "+phrase)
		v.add(report.Pass, "The profile names no company services, so traffic through the tunnel was not tested; IT can add vpn.targets to the profile (an intranet page, a file server's host:port) to test it end to end.", "")
		if hsKnown && !hs.HasHandshake {
			v.add(report.Pass, "The VPN gateway has not completed a WireGuard handshake yet: no traffic has gone through the tunnel since it came up.", "")
		}
	case len(reached) == 0:
		v.noTraffic(phrase, valid, hs, hsKnown)
	default:
		v.res.Facts[report.KeyVPNState] = stateConnected
		summary := fmt.Sprintf("Connected to the VPN through %s: %d of %d company services answer", phrase, len(reached), len(valid))
		if med, ok := overallMedian(reached); ok {
			v.res.Metrics = append(v.res.Metrics, report.Measured("target_connect_ms", millis(med), "ms"))
			summary += " in " + human(med)
			if med > slowConnect {
				v.add(report.Warn, fmt.Sprintf("Company services answer slowly through the VPN: a connection takes %s (above %d ms, where every click starts to wait).", human(med), slowConnect.Milliseconds()),
					v.slowFix())
			}
		}
		lost, tries := 0, 0
		for _, p := range reached {
			if p.Out != outRefused {
				lost += p.Lost
				tries += p.Tries
			}
		}
		if lost > 0 {
			v.add(report.Warn, fmt.Sprintf("%d of %d connections to company services through the VPN were lost or had to be retried: packets are being lost on the way.", lost, tries),
				v.lossFix())
		}
		if len(failed) > 0 {
			var names []string
			for _, p := range failed {
				names = append(names, p.Target.Raw+" ("+p.Detail+")")
			}
			verb := "do not answer"
			if len(failed) == 1 {
				verb = "does not answer"
			}
			v.add(report.Warn, fmt.Sprintf("%d of %d company services %s through the VPN: %s.", len(failed), len(valid), verb, listed(names)),
				"If you need them, send this report to IT: the tunnel works, these services do not answer.")
		}
		v.reachedProblems(reached)
		v.out.Default(report.Pass, summary)
	}
	v.stalledFinding(valid)
	if v.out.Status() != report.Fail {
		v.vpnOnlyFindings()
	}
	v.mtuFindings()
	v.gatewayFindings(true)
	if v.res.Facts[report.KeyVPNState] == stateConnected && v.problems() {
		v.res.Facts[report.KeyVPNState] = stateDegraded
	}
}

// handshake returns the company tunnel's WireGuard gateway peer, when the
// tunnel is WireGuard and wg could be read.
func (v *builder) handshake() (wgPeer, bool) {
	w, ok := v.wg(v.o.Company)
	if !ok {
		return wgPeer{}, false
	}
	return v.gatewayPeer(w)
}

// noTraffic: the tunnel is up and nothing answers through it.
func (v *builder) noTraffic(phrase string, valid []targetProbe, hs wgPeer, hsKnown bool) {
	o := v.o
	v.res.Facts[report.KeyVPNState] = stateNoTraffic
	summary := "Connected to the VPN through " + phrase + ", but it is not passing traffic: no company service answers"
	allDNS := true
	var outside []string
	for _, p := range valid {
		allDNS = allDNS && (p.Out == outDNS || p.Out == outNoAddress)
		if p.Interface != "" && p.Interface != o.Company {
			outside = append(outside, fmt.Sprintf("%s (leaves by %s)", p.Target.Raw, p.Interface))
		}
	}
	fix := "Disconnect the VPN and connect again. If that does not help, send this report to IT: the tunnel is up but traffic does not pass."
	switch {
	case allDNS:
		v.out.Add(checks.Conclusion{Severity: report.Fail, Summary: summary,
			Message: "The VPN is connected, but company names do not resolve (" + v.firstDetail(valid) + "), so no company service can be reached.",
			Fix:     "Disconnect the VPN and connect again. If that does not help, send this report to IT: the VPN's DNS servers do not answer."})
	case len(outside) == len(valid):
		v.out.Add(checks.Conclusion{Severity: report.Fail, Summary: summary,
			Message: "The VPN is connected, but traffic to the company services does not go through it: " + listed(outside) + ". The VPN did not install its routes for them.",
			Fix:     "Disconnect the VPN and connect again, so that it sets up its routes. If that does not help, send this report to IT."})
	default:
		v.out.Add(checks.Conclusion{Severity: report.Fail, Summary: summary,
			Message: fmt.Sprintf("The VPN is connected (%s), but %s through it (%s).", o.Company, noneAnswers(len(valid)), v.firstDetail(valid)), Fix: fix})
	}
	// What came back from the gateway matters only for traffic that went
	// into the tunnel.
	if hsKnown && len(outside) < len(valid) {
		v.silentGateway(hs)
	}
	if g := o.Gateway; g != nil && !g.Out.reached() && g.Out != outNotProbed && g.Out != outInvalid {
		v.add(report.Pass, "The VPN gateway "+g.Config.Raw+" does not answer probes either ("+g.Detail+").", "")
	}
}

// silentGateway judges a WireGuard gateway, which answers no probe, by
// what came back through the tunnel while the check sent traffic into it,
// and by the age of the last handshake.
func (v *builder) silentGateway(hs wgPeer) {
	switch {
	case hs.DuringKnown && hs.SentDuring > 0 && hs.ReceivedDuring == 0:
		v.add(report.Fail, fmt.Sprintf("While wfh tested, %s went into the tunnel to the VPN gateway and nothing came back: the gateway is not answering this computer.", bytesText(hs.SentDuring)),
			"Check that you are online (see network). If you are, disconnect and reconnect the VPN; if it persists, send this report to IT: the VPN gateway does not answer.")
	case hs.DuringKnown && hs.ReceivedDuring > 0:
		v.add(report.Pass, fmt.Sprintf("The VPN gateway did answer through the tunnel while wfh tested (%s came back), so the tunnel reaches it: the traffic stops at the gateway or behind it.", bytesText(hs.ReceivedDuring)), "")
	case !hs.HasHandshake:
		v.add(report.Fail, "The VPN gateway has never answered the tunnel's key exchange (WireGuard handshake): it cannot be reached from this network, or it does not know this computer's key.",
			"Check that you are online (see network). If you are, send this report to IT: the gateway does not answer this computer.")
	case hs.Handshake > wgRejectAfter:
		v.add(report.Fail, fmt.Sprintf("The VPN gateway last answered the tunnel's key exchange %s; WireGuard needs an answer every 3 minutes while traffic flows, so the gateway has stopped answering.", describeAge(hs.Handshake)),
			"Check that you are online (see network). If you are, disconnect and reconnect the VPN; if it persists, send this report to IT.")
	default:
		v.add(report.Pass, fmt.Sprintf("The VPN gateway last answered the tunnel's key exchange %s.", describeAge(hs.Handshake)), "")
	}
}

// bytesText writes a byte count for people.
func bytesText(b float64) string {
	if b == 1 {
		return "1 byte"
	}
	return strconv.FormatFloat(b, 'f', 0, 64) + " bytes"
}

func (v *builder) firstDetail(ps []targetProbe) string {
	for _, p := range ps {
		if p.Detail != "" {
			return p.Target.Raw + ": " + p.Detail
		}
	}
	return "no answer"
}

// stalledFinding explains connections that opened and then hung.
func (v *builder) stalledFinding(valid []targetProbe) {
	var names []string
	for _, p := range valid {
		if p.Out == outStalled {
			names = append(names, p.Target.Raw)
		}
	}
	if len(names) == 0 {
		return
	}
	sev := report.Warn
	if v.out.Status() == report.Fail {
		sev = report.Fail
	}
	v.add(sev, "Connections to "+listed(names)+" open through the VPN, but the answer never arrives: the tunnel loses large packets (its MTU is larger than the path carries), which is why pages half-load.",
		"Disconnect the VPN and connect again. If it persists, send this report to IT: the tunnel's MTU must be lowered to what the path carries.")
}

// reachedProblems reports services that answered with something wrong.
func (v *builder) reachedProblems(reached []targetProbe) {
	for _, p := range reached {
		switch p.Out {
		case outUntrusted:
			v.add(report.Warn, p.Target.Raw+" answers, but "+p.Detail+".",
				"IT: add the company's root certificate to the profile (company_ca), or install it on this computer.")
		case outWrongName:
			v.add(report.Warn, p.Target.Raw+" answers, but "+p.Detail+".",
				"Send this report to IT: the server's certificate does not match its name, or the profile's address is wrong.")
		case outExpired:
			v.add(report.Warn, p.Target.Raw+" answers, but "+p.Detail+".",
				"Check this computer's date and time (see system). If they are right, tell IT: the certificate must be renewed.")
		case outTLSError:
			v.add(report.Warn, p.Target.Raw+": "+p.Detail+".", "Send this report to IT.")
		case outHTTPError:
			v.add(report.Warn, p.Target.Raw+" is reached through the VPN, but "+p.Detail+".",
				"Send this report to IT: the tunnel works, the service has a problem.")
		case outRefused:
			v.add(report.Warn, p.Target.Raw+" is reached through the VPN, but refuses the connection: the service is down or listens elsewhere.",
				"Send this report to IT: the tunnel works, the service does not accept connections.")
		}
	}
}

// vpnOnlyFindings: on the VPN, every VPN-only company name must resolve.
func (v *builder) vpnOnlyFindings() {
	var bad []string
	for _, n := range v.o.VPNOnly {
		if !n.Resolved {
			bad = append(bad, n.Name+" ("+n.Detail+")")
		}
	}
	if len(bad) > 0 {
		v.add(report.Warn, "Connected, but company names that resolve only on the VPN do not resolve: "+listed(bad)+".",
			"Disconnect the VPN and connect again. If that does not help, send this report to IT: the VPN's DNS settings are not in use.")
	}
}

// readNotes says what could not be read about the tunnel. wg missing is
// no news (most tunnels are not WireGuard's); wg refused is.
func (v *builder) readNotes() {
	o := v.o
	if errors.Is(o.WGErr, errWGPermission) {
		v.addLater(report.Pass, "WireGuard's state (last handshake, traffic) could not be read: it needs administrator rights. Run wfh with sudo (as administrator on Windows) to see it.", "")
	} else if o.WGErr != nil && !errors.Is(o.WGErr, probeutil.ErrNotInstalled) {
		v.addLater(report.Pass, "WireGuard's state could not be read: "+probeutil.ShortErr(o.WGErr)+".", "")
	}
	if o.DNSErr != nil {
		v.addLater(report.Pass, "The DNS configuration could not be read ("+probeutil.ShortErr(o.DNSErr)+"): the tunnel's DNS servers are not listed.", "")
	}
}

// mtuFacts reports the tunnel MTU: the path's when it was measured,
// otherwise the interface's, saying which.
func (v *builder) mtuFacts() {
	m := v.o.MTU
	switch {
	case m.Path > 0:
		met := report.Measured("tunnel_mtu_bytes", float64(m.Path), "bytes")
		if !m.Exact {
			met.Note = "at least this: the search ended before it found the limit"
		}
		v.res.Metrics = append(v.res.Metrics, met)
		v.res.Facts["tunnel_mtu_source"] = "path"
	case m.Interface > 0:
		met := report.Measured("tunnel_mtu_bytes", float64(m.Interface), "bytes")
		met.Note = "the tunnel interface's MTU; the path through it was not measured: " + m.Why
		v.res.Metrics = append(v.res.Metrics, met)
		v.res.Facts["tunnel_mtu_source"] = "interface"
	default:
		v.res.Metrics = append(v.res.Metrics, report.NotMeasured("tunnel_mtu_bytes", "bytes", "the tunnel interface reports no MTU and "+m.Why))
	}
	if m.Interface > 0 {
		v.res.Metrics = append(v.res.Metrics, report.Measured("tunnel_interface_mtu_bytes", float64(m.Interface), "bytes"))
	}
}

func (v *builder) mtuFindings() {
	m := v.o.MTU
	size, what := m.Path, "the largest packet that passes through the tunnel unfragmented"
	if size == 0 {
		size, what = m.Interface, "the tunnel interface's MTU"
	}
	if size > 0 && size < smallMTU {
		v.add(report.Warn, fmt.Sprintf("The VPN tunnel carries small packets only: %s is %d bytes (tunnels normally carry 1380-1420). Pages may half-load and transfers stall.", what, size),
			"Disconnect and reconnect the VPN. If it persists, send this report to IT: the tunnel's MTU must be lowered to what the path carries, or the path fixed.")
	}
}

// overallMedian is the median of the targets' median connect times.
func overallMedian(ps []targetProbe) (time.Duration, bool) {
	var meds []time.Duration
	for _, p := range ps {
		if m, ok := p.median(); ok {
			meds = append(meds, m)
		}
	}
	return rttstats.Median(meds)
}

// millis is d in milliseconds, rounded to 0.01 ms, for a metric's value.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*100) / 100
}

// human writes a duration as people read it: "0.4 ms", "12 ms", "1.2 s".
func human(d time.Duration) string {
	switch {
	case d >= time.Second:
		return strconv.FormatFloat(math.Round(d.Seconds()*10)/10, 'f', -1, 64) + " s"
	case d >= 10*time.Millisecond:
		return strconv.Itoa(int(math.Round(float64(d)/float64(time.Millisecond)))) + " ms"
	}
	return strconv.FormatFloat(math.Round(float64(d)/float64(time.Millisecond)*10)/10, 'f', -1, 64) + " ms"
}

// slowFix and lossFix word the home-side advice for the connection the
// tunnel's packets leave by: a cable is suggested only to a user on Wi-Fi.
func (v *builder) slowFix() string {
	if v.o.Path.OnWiFi() {
		return "Use a cable instead of Wi-Fi and pause large uploads and downloads. If it stays slow, ask IT whether a VPN gateway closer to you exists."
	}
	return "Pause large uploads and downloads at home during work. If it stays slow, ask IT whether a VPN gateway closer to you exists."
}

func (v *builder) lossFix() string {
	switch {
	case v.o.Path.OnWiFi():
		return "Check the home connection (see network and wifi): move closer to the router or use a cable. If it persists, disconnect and reconnect the VPN."
	case v.o.Path.Wired():
		return "Check the home connection (see network and latency): try another network cable or router port. If it persists, disconnect and reconnect the VPN."
	}
	return "Check the home connection (see network and latency). If it persists, disconnect and reconnect the VPN."
}
