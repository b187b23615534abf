package network

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/report"
)

// Connectivity states, reported as the fact "connectivity" so scripts and the
// runner's skip rule can read them.
const (
	stateOnline      = "online"
	stateViaProxy    = "online_via_proxy"
	stateOffline     = "offline"
	stateCaptive     = "captive_portal"
	stateIntercepted = "intercepted"
)

// verdict turns observations into the check's result.
func verdict(o observations) checks.Result {
	res := checks.Result{Facts: map[string]string{}}
	addInterfaceItems(&res, o)
	addPathItems(&res, o)

	v4ok, v6ok := proven(o.Anchors, "ipv4"), proven(o.Anchors, "ipv6")
	companyOnly := (v4ok || v6ok) && !anyOutcome(o.Anchors, outOK)
	state := stateOffline
	switch {
	case v4ok || v6ok:
		state = stateOnline
	case anyProven(o.ViaProxy):
		state = stateViaProxy
	case captive(o):
		state = stateCaptive
	case intercepted(o):
		state = stateIntercepted
	}
	res.Facts[report.KeyConnectivity] = state
	res.Facts[report.KeyConnectionType] = connectionType(o)

	var v checks.Verdict
	switch state {
	case stateOnline:
		v.Default(report.Pass, "Online: "+provenSummary(o.Anchors))
		if companyOnly {
			v.Note("Secure connections are inspected by your company's proxy (its certificate is from the company CA in your profile). That is expected on a company network.")
		}
		if !o.Portal.answered204() && o.Portal.Tried {
			v.Note(fmt.Sprintf("The captive-portal probe did not get its expected empty answer (%s), but secure sites work.", portalDetail(o.Portal)))
		}
		if brokenIPv6(o, v4ok, v6ok) {
			v.Add(checks.Conclusion{Severity: report.Warn, Summary: "Online over IPv4, but IPv6 is broken",
				Message: "Your connection has IPv6 addresses, but IPv6 traffic does not get through. Apps try IPv6 first, so pages and calls start slowly.",
				Fix:     "Restart your router. If it keeps happening, ask your internet provider to fix IPv6, or turn IPv6 off in the router."})
		}
	case stateViaProxy:
		v.Default(report.Pass, "Online through the configured proxy "+o.Proxy.HTTPS)
		v.Note("Sites are reached only through the proxy set on this computer; direct connections are blocked. That is normal on many company networks.")
	case stateCaptive:
		v.Add(checks.Conclusion{Severity: report.Fail, Summary: "A sign-in page blocks the internet (captive portal)",
			Message: "This network wants you to sign in or accept terms before it lets you online (" + portalDetail(o.Portal) + ").",
			Fix:     "Open a web browser and go to any web site: the network's sign-in page appears. Sign in, then run wfh again."})
	case stateIntercepted:
		v.Add(checks.Conclusion{Severity: report.Fail, Summary: "Something on this network answers for every site (a proxy or filter)",
			Message: "Secure sites answer with a certificate that is not theirs (" + interceptDetail(o.Anchors) + "). A proxy, filter or security box is in the way, so company services will fail.",
			Fix:     "Contact IT and send them this report. If you are on a hotel or public network, try another network or your phone's hotspot."})
	default:
		msg, fix := offlineCause(o)
		v.Add(checks.Conclusion{Severity: report.Fail, Summary: "Offline: " + msg,
			Message: "You're not connected to the internet: " + msg + ".", Fix: fix})
	}
	if o.Proxy.PAC != "" {
		v.Note("An automatic proxy configuration (PAC/WPAD) is set: " + o.Proxy.PAC + ". wfh reports it but does not run it.")
	}
	// The parts of the run's network state no source could read: every
	// section that needs them says less, and this is where the report says
	// why.
	for _, p := range o.Problems {
		v.Note(fmt.Sprintf("Could not read the %s of this computer: %s.", p.Part, strings.TrimSuffix(p.Reason, ".")))
	}
	// A part read from the OS's tools because its API failed: the text
	// of those tools is localised and less complete, so say where it came
	// from and which API failed (its own error is the OS's text, for
	// --debug only).
	for _, or := range o.Origins {
		if or.FellBack() {
			v.Note(fmt.Sprintf("Read the %s of this computer from %s, because %s did not answer.", or.Part, or.Via, or.Failed))
		}
	}
	v.Apply(&res)
	return res
}

func proven(list []anchorProbe, family string) bool {
	for _, a := range list {
		if a.Family == family && a.Out.proves() {
			return true
		}
	}
	return false
}

func anyProven(list []anchorProbe) bool {
	for _, a := range list {
		if a.Out.proves() {
			return true
		}
	}
	return false
}

func anyOutcome(list []anchorProbe, outs ...outcome) bool {
	for _, a := range list {
		for _, o := range outs {
			if a.Out == o {
				return true
			}
		}
	}
	return false
}

// brokenIPv6: the machine has a global IPv6 address and an IPv6 default
// route, the anchors have IPv6 addresses, and not one IPv6 attempt got
// through while IPv4 did.
func brokenIPv6(o observations, v4ok, v6ok bool) bool {
	if !v4ok || v6ok || len(o.Routes.V6) == 0 || !anyGlobal(o.Interfaces, true) {
		return false
	}
	tried := false
	for _, a := range o.Anchors {
		if a.Family == "ipv6" && a.Out != outNoAddress && a.Out != outDNS {
			tried = true
		}
	}
	return tried
}

func anyGlobal(list []iface, v6 bool) bool {
	for _, i := range list {
		if i.Up && !i.Loopback && i.HasGlobal(v6) {
			return true
		}
	}
	return false
}

// captive: the plain-HTTP probe was redirected or answered with a page, and
// no secure site could be reached — the classic hotel sign-in page.
func captive(o observations) bool {
	p := o.Portal
	if !p.Tried || p.Status == 0 {
		return false
	}
	redirected := p.Status >= 300 && p.Status < 400 && p.Location != ""
	loginPage := p.Status == 200 && p.BodyLen > 0
	return redirected || loginPage
}

// intercepted: TLS handshakes complete but with the wrong certificate, or the
// plain-HTTP probe is answered with something other than its 204.
func intercepted(o observations) bool {
	if anyOutcome(o.Anchors, outWrongName, outUntrusted) {
		return true
	}
	return o.Portal.Tried && o.Portal.Status != 0 && !o.Portal.answered204()
}

func provenSummary(list []anchorProbe) string {
	hosts := map[string]bool{}
	fams := map[string]bool{}
	for _, a := range list {
		if a.Out.proves() {
			hosts[a.Host] = true
			fams[a.Family] = true
		}
	}
	var fl []string
	for f := range fams {
		fl = append(fl, map[string]string{"ipv4": "IPv4", "ipv6": "IPv6"}[f])
	}
	sort.Strings(fl)
	return fmt.Sprintf("%d of %d test sites reached securely over %s", len(hosts), countHosts(list), strings.Join(fl, " and "))
}

func countHosts(list []anchorProbe) int {
	hosts := map[string]bool{}
	for _, a := range list {
		hosts[a.Host] = true
	}
	return len(hosts)
}

func portalDetail(p portalProbe) string {
	switch {
	case p.Status >= 300 && p.Status < 400 && p.Location != "":
		return fmt.Sprintf("HTTP %d redirect to %s", p.Status, p.Location)
	case p.Status != 0:
		return fmt.Sprintf("HTTP %d with %d bytes", p.Status, p.BodyLen)
	case p.Detail != "":
		return string(p.Out) + ": " + p.Detail
	default:
		return string(p.Out)
	}
}

func interceptDetail(list []anchorProbe) string {
	for _, a := range list {
		if a.Out == outWrongName || a.Out == outUntrusted {
			return a.Host + ": " + a.Detail
		}
	}
	return "the test page answered unexpectedly"
}

// offlineCause names the first broken link in the chain from the computer
// outwards, because that is where the fix is.
func offlineCause(o observations) (msg, fix string) {
	up := false
	for _, i := range o.Interfaces {
		if i.Up && !i.Loopback && (i.HasGlobal(false) || i.HasGlobal(true)) {
			up = true
		}
	}
	switch {
	case !up:
		return "no network connection is active", connectFix(o.Interfaces)
	case len(o.Routes.V4) == 0 && len(o.Routes.V6) == 0 && o.Routes.Err == nil && !o.Path.Known():
		return "this computer has no route to the internet (no default gateway)",
			"Disconnect from the network and connect again. If that does not help, restart your router."
	case o.Gateway.Tried && !o.Gateway.Answered && o.Gateway.Err == nil:
		fix := "Restart your router: unplug it for 30 seconds."
		if o.Path.OnWiFi() {
			fix += " Then move closer to it: this computer reaches it over Wi-Fi."
		}
		return "your router does not answer", fix
	case allOutcome(o.Anchors, outDNS):
		return "names of web sites cannot be looked up (DNS)",
			"Restart your router. If it keeps happening, see the DNS check, or contact your internet provider."
	default:
		return "your router answers, but nothing beyond it does",
			"Restart your router. If the internet is still down, contact your internet provider: the problem is on their side."
	}
}

// connectFix says how to get a connection up, naming only the kinds of
// connection this computer has: no Wi-Fi advice to a desktop without
// Wi-Fi, no cable advice to a laptop without a network port.
func connectFix(list []iface) string {
	wifi, wired := false, false
	for _, i := range list {
		switch i.Kind {
		case netstate.KindWiFi:
			wifi = true
		case netstate.KindWired:
			// A network port has a hardware address; bridges and virtual
			// links of containers have one too, so this errs on the side
			// of mentioning the cable.
			wired = wired || i.MAC != ""
		}
	}
	switch {
	case wifi && !wired:
		return "Turn on Wi-Fi and join your network. Check that airplane mode is off."
	case wired && !wifi:
		return "Plug in the network cable at both ends (computer and router), and check that the router is on."
	}
	return "Turn on Wi-Fi and join your network, or plug in the network cable. Check that airplane mode is off."
}

func allOutcome(list []anchorProbe, out outcome) bool {
	if len(list) == 0 {
		return false
	}
	for _, a := range list {
		if a.Out != out {
			return false
		}
	}
	return true
}

func connectionType(o observations) string {
	// The connection beneath the default path decides what the user is
	// "on"; a tunnel in front is reported by the VPN check.
	if o.Path.LinkKind != "" {
		return string(o.Path.LinkKind)
	}
	if o.Path.Kind != "" {
		return string(o.Path.Kind)
	}
	return "unknown"
}

func addInterfaceItems(res *checks.Result, o observations) {
	for _, i := range o.Interfaces {
		if i.Loopback {
			continue
		}
		item := report.Item{Label: i.Name, Kind: "interface", Status: report.Pass,
			Attributes: map[string]string{"type": string(i.Kind), "state": map[bool]string{true: "up", false: "down"}[i.Up]}}
		var v4, v6 []string
		for _, p := range i.Addrs {
			if p.Addr().Is4() {
				v4 = append(v4, p.String())
			} else {
				v6 = append(v6, p.String())
			}
		}
		if len(v4) > 0 {
			item.Attributes["ipv4"] = strings.Join(v4, ", ")
		}
		if len(v6) > 0 {
			item.Attributes["ipv6"] = strings.Join(v6, ", ")
		}
		if i.MAC != "" {
			item.Attributes["mac_address"] = i.MAC
		}
		item.Summary = fmt.Sprintf("%s, %s", i.Kind, item.Attributes["state"])
		if !i.Up {
			item.Status = report.Skipped
		}
		res.Items = append(res.Items, item)
	}
}

func addPathItems(res *checks.Result, o observations) {
	for _, r := range o.Routes.V4 {
		res.Facts["default_gateway_ipv4"] = gatewayText(r)
		break
	}
	for _, r := range o.Routes.V6 {
		res.Facts["default_gateway_ipv6"] = gatewayText(r)
		break
	}
	if g := o.Gateway; g.Tried {
		item := report.Item{Label: g.Addr.String(), Kind: "gateway", Status: report.Pass}
		if g.Answered {
			item.Summary = "answers"
			item.Metrics = []report.Metric{report.Measured("rtt_ms", roundMS(g.RTT), "ms")}
			res.Metrics = append(res.Metrics, report.Measured(report.KeyGatewayRTTMs, roundMS(g.RTT), "ms"))
		} else if g.Err != nil {
			item.Status = report.Skipped
			why := pingWhy(g.Err)
			item.Summary = "not pinged: " + why
			res.Metrics = append(res.Metrics, report.NotMeasured(report.KeyGatewayRTTMs, "ms", "not pinged: "+why))
		} else {
			item.Status = report.Fail
			item.Summary = "does not answer ping"
			res.Metrics = append(res.Metrics, report.NotMeasured(report.KeyGatewayRTTMs, "ms", "the gateway did not answer"))
		}
		res.Items = append(res.Items, item)
	}
	for _, group := range []struct {
		via  string
		list []anchorProbe
	}{{"direct", o.Anchors}, {"proxy", o.ViaProxy}} {
		for _, a := range group.list {
			item := report.Item{Label: a.Host + " (" + a.Family + ", " + group.via + ")", Kind: "anchor",
				Status: anchorStatus(a.Out), Summary: string(a.Out),
				Attributes: map[string]string{"url": a.URL, "family": a.Family, "path": group.via}}
			if a.Addr.IsValid() {
				item.Attributes["address"] = a.Addr.String()
			}
			if a.Detail != "" {
				item.Summary += ": " + a.Detail
			}
			if a.Out.completedTLS() {
				item.Metrics = []report.Metric{report.Measured("connect_ms", roundMS(a.RTT), "ms")}
			}
			res.Items = append(res.Items, item)
		}
	}
	if p := o.Portal; p.Tried {
		st := report.Pass
		if !p.answered204() {
			st = report.Warn
		}
		res.Items = append(res.Items, report.Item{Label: p.URL, Kind: "portal_probe", Status: st, Summary: portalDetail(p)})
	}
	if o.Path.Known() {
		res.Facts["default_interface"] = o.Path.Interface
	}
	if o.Proxy.Set() {
		res.Facts["proxy"] = o.Proxy.HTTPS
		if o.Proxy.HTTPS == "" {
			res.Facts["proxy"] = o.Proxy.HTTP
		}
		res.Facts["proxy_source"] = o.Proxy.Source
	}
	if o.Proxy.PAC != "" {
		res.Facts["proxy_pac"] = o.Proxy.PAC
	}
}

func gatewayText(r defaultRoute) string {
	if !r.Gateway.IsValid() {
		return "on-link via " + r.Interface
	}
	return r.Gateway.String() + " via " + r.Interface
}

func anchorStatus(o outcome) report.Status {
	switch {
	case o.proves():
		return report.Pass
	case o == outNoAddress:
		return report.Skipped
	default:
		return report.Fail
	}
}

// pingWords word why no echo could be sent to the gateway: the socket
// call's own text is the platform's (in the user's language on Windows).
var pingWords = probeutil.NetErrWords{
	probeutil.NetErrBlocked: "ping is not allowed for this user (it needs root or administrator rights, or ping sockets)",
	probeutil.NetErrOther:   "this system could not send ping",
}

func pingWhy(err error) string {
	_, why := probeutil.DescribeNetErr(err, pingWords)
	return why
}
