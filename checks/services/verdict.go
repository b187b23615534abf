package services

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

// skipped is the result without services to test.
func skipped() checks.Result {
	res := checks.Result{Status: report.Skipped, Summary: "The profile lists no company services"}
	// Zero tested tells the report's summary to leave its row out.
	res.Metrics = []report.Metric{report.Measured(report.KeyServicesTested, 0, "")}
	return res
}

// judgement is one service's verdict.
type judgement struct {
	status report.Status
	// findings are its problems and notes, most severe first.
	findings []checks.Conclusion
	// short is its problem in a few words, for the check's summary line.
	short string
}

// verdict turns the results into the check's result.
func verdict(results []result, omitted int) checks.Result {
	res := checks.Result{}
	var v checks.Verdict
	tested, reachable := 0, 0
	var unreachable []string
	var worst *judgement
	worstName := ""
	for _, r := range results {
		j := judge(r)
		res.Items = append(res.Items, item(r, j))
		v.Add(j.findings...)
		if r.Out != outInvalid {
			tested++
			if r.Out.answered() {
				reachable++
			} else {
				unreachable = append(unreachable, r.Svc.Name)
			}
		}
		if j.short != "" && (worst == nil || rank(j.status) > rank(worst.status)) {
			jj := j
			worst, worstName = &jj, r.Svc.Name
		}
	}
	if omitted > 0 {
		v.Note(fmt.Sprintf("Only the first %d services were tested; %d more in the profile were left out.", profile.MaxServices, omitted))
	}
	summary := fmt.Sprintf("%d of %d company services reachable", reachable, tested)
	switch {
	case tested == 1 && worst == nil && len(results) == 1:
		summary = results[0].Svc.Name + " answers: " + results[0].Answer
	case worst == nil && tested > 0:
		summary = fmt.Sprintf("All %d company services answer as they should", tested)
	}
	if worst != nil {
		summary += "; " + worstName + ": " + worst.short
	}
	v.Default(report.Pass, summary)
	v.Apply(&res)
	res.Metrics = []report.Metric{
		report.Measured(report.KeyServicesTested, float64(tested), ""),
		report.Measured(report.KeyServicesReachable, float64(reachable), ""),
	}
	if len(unreachable) > 0 {
		res.Facts = map[string]string{report.KeyServicesUnreachable: strings.Join(unreachable, ", ")}
	}
	return res
}

func rank(s report.Status) int {
	switch s {
	case report.Error:
		return 3
	case report.Fail:
		return 2
	case report.Warn:
		return 1
	}
	return 0
}

// label names a service in a finding: its name, kind and address.
func label(r result) string {
	addr := r.Svc.Raw
	if addr == "" {
		addr = r.Svc.End.Host
	}
	return fmt.Sprintf("%s (%s, %s)", r.Svc.Name, kindWords(r.Svc.Kind), addr)
}

// over says which interface the traffic took.
func over(rt route) string {
	switch {
	case !rt.Known:
		return ""
	case rt.Tunnel:
		return "through the VPN tunnel " + rt.Interface
	}
	return "over " + rt.Interface + ", not through a VPN"
}

// judge builds one service's verdict.
func judge(r result) judgement {
	var j judgement
	add := func(sev report.Status, short, msg, fix string) {
		j.findings = append(j.findings, checks.Conclusion{Severity: sev, Message: msg, Fix: fix})
		if sev != report.Pass && (j.short == "" || rank(sev) > rank(j.status)) {
			j.short = short
		}
		if rank(sev) > rank(j.status) || j.status == "" {
			j.status = sev
		}
	}
	name := label(r)
	via := r.Svc.Via
	port := r.Svc.End.Port
	switch {
	case r.Out == outInvalid:
		add(report.Warn, "the profile entry cannot be used",
			fmt.Sprintf("%s in the profile, %q, %s: it was not tested.", r.Svc.Key, r.Svc.Name, r.Svc.Problem),
			"IT: fix the entry in the profile (see docs/profile.md: each kind and its address).")
	case r.Out == outStopped:
		add(report.Error, "not tested", name+": the run was stopped before it answered.", "")
	case r.Out.answered():
		judgeAnswered(r, name, add)
	default:
		judgeUnreached(r, name, port, add)
	}
	// The route against what the profile says.
	if r.Out.answered() && r.Route.Known {
		switch {
		case via == profile.ViaVPN && !r.Route.Tunnel:
			add(report.Warn, "reached outside the VPN",
				fmt.Sprintf("%s answers outside the VPN, over %s, though IT says it is reached only through the VPN.", name, r.Route.Interface),
				"If you are at the office, this is expected. Otherwise tell IT: the VPN does not carry this service, or the service is open to the internet.")
		case via == profile.ViaDirect && r.Route.Tunnel:
			fix := "Tell IT: this service should bypass the VPN (split tunnelling). Until then it works, but every byte makes a detour through the company."
			if r.Svc.Kind == profile.KindAVD {
				fix = "Tell IT: Microsoft advises against forcing Azure Virtual Desktop traffic through a VPN (RDP Shortpath); exclude it from the tunnel. Until then it works, but slower."
			}
			add(report.Warn, "forced through the VPN",
				fmt.Sprintf("%s goes %s, though IT says it should be reached directly.", name, over(r.Route)), fix)
		}
	}
	for _, s := range r.Subs {
		judgeSub(r, name, s, add)
	}
	if j.status == "" {
		j.status = report.Pass
	}
	return j
}

type addFunc func(sev report.Status, short, msg, fix string)

// judgeAnswered judges a service that answered.
func judgeAnswered(r result, name string, add addFunc) {
	what := kindWords(r.Svc.Kind)
	switch r.Out {
	case outOK, outOpen:
		// A pass: the item's summary says what answered.
	case outRejected:
		add(report.Fail, "it refuses the connection", fmt.Sprintf("%s: %s.", name, r.Detail),
			"The server is reachable but refuses to go on: tell IT, and send them this report.")
	case outNoSTARTTLS:
		add(report.Fail, "no STARTTLS", fmt.Sprintf("%s: %s.", name, r.Detail),
			fmt.Sprintf("Tell IT: mail apps need STARTTLS on port %d, or TLS on port %d.", r.Svc.End.Port, map[string]int{profile.KindSMTP: 465, profile.KindIMAP: 993}[r.Svc.Kind]))
	case outHTTPError:
		add(report.Warn, "it answers with an error", fmt.Sprintf("%s is reachable, but %s.", name, r.Detail),
			"The service has a problem on its side: try again later, or tell IT.")
	case outExpired:
		if strings.Contains(r.Detail, "valid only from") {
			add(report.Fail, "certificate not yet valid", fmt.Sprintf("%s: %s.", name, r.Detail),
				"This computer's date is probably wrong: correct its date and time (see system), then try again.")
			return
		}
		add(report.Fail, "certificate expired", fmt.Sprintf("%s: %s.", name, r.Detail),
			fmt.Sprintf("The %s's certificate expired: tell IT. If this computer's date shown is wrong, correct its date and time (see system).", what))
	case outWrongName:
		add(report.Fail, "certificate for another name", fmt.Sprintf("%s: %s.", name, r.Detail),
			"This network may intercept secure connections (hotel, school or filtered Wi-Fi): try another network. If it happens everywhere, tell IT: the certificate does not match the name in the profile.")
	case outUntrusted:
		add(report.Fail, "untrusted certificate", fmt.Sprintf("%s: %s.", name, r.Detail),
			"If the company uses its own certificate authority, IT must add it to the profile (company_ca). Otherwise this network intercepts secure connections: try another network.")
	case outTLSError:
		msg := fmt.Sprintf("%s: %s.", name, r.Detail)
		if r.Answer != "" {
			msg = fmt.Sprintf("%s: %s, but %s.", name, r.Answer, r.Detail)
		}
		add(report.Fail, "the secure connection fails", msg,
			"The secure connection to it fails: tell IT. If it fails only on the VPN, the tunnel may drop large packets.")
	}
}

// judgeUnreached judges a service that did not answer as its kind.
func judgeUnreached(r result, name string, port int, add addFunc) {
	via := r.Svc.Via
	tunnel := r.Route.Known && r.Route.Tunnel
	msg := fmt.Sprintf("%s is not reachable: %s.", name, r.Detail)
	short := "not reachable"
	switch {
	case r.Out == outNotService:
		short = "not the service"
		msg = fmt.Sprintf("%s: %s.", name, r.Detail)
	case r.Out == outDNS:
		short = "its name does not resolve"
	case tunnel:
		msg = fmt.Sprintf("%s is not reachable %s: %s.", name, over(r.Route), r.Detail)
	}
	if r.Route.Known && !tunnel && r.Out != outDNS {
		msg += fmt.Sprintf(" Its traffic goes over %s, not through a VPN.", r.Route.Interface)
	}
	switch {
	case r.Out == outBlocked:
		add(report.Fail, short, msg, "A firewall or security program on this computer blocks the connection: allow your apps through it, or tell IT.")
	case via == profile.ViaVPN && r.Out == outDNS:
		add(report.Fail, "connect the VPN first", msg,
			"Connect the VPN first: company names often resolve only through it. If the VPN is connected, tell IT: the name does not resolve.")
	case via == profile.ViaVPN && !tunnel && r.Out == outNotService:
		add(report.Fail, "connect the VPN first", msg,
			"Connect the VPN first: without it, something else answers at this address. If the VPN is connected, your home network may use the same addresses as the company's: tell IT.")
	case via == profile.ViaVPN && !tunnel:
		if !r.Route.Known {
			msg += " Its traffic does not go through a VPN."
		}
		add(report.Fail, "connect the VPN first", msg, "Connect the VPN first, then run wfh again.")
	case via == profile.ViaVPN && r.Out == outRefused:
		add(report.Fail, "it refuses connections", msg,
			fmt.Sprintf("The VPN carries the traffic, but the server refuses connections on port %d: the service may be down: tell IT.", port))
	case via == profile.ViaVPN:
		add(report.Fail, "no answer through the VPN", msg,
			"The VPN is connected but this service does not answer through it. Disconnect the VPN and connect again; if it still fails, send this report to IT.")
	case r.Out == outNotService:
		add(report.Fail, short, msg,
			"Check that the profile names the right address and port. If it does, a firewall, proxy or another program answers in the service's place: tell IT.")
	case r.Out == outDNS:
		add(report.Fail, short, msg,
			"Check the address in the profile. If it is right, this computer's DNS servers do not know the name (see dns), or it resolves only on the VPN: tell IT.")
	case r.Out == outRefused:
		add(report.Fail, "it refuses connections", msg,
			fmt.Sprintf("The server refuses connections on port %d: the service may be down, or the profile names the wrong port: tell IT.", port))
	case via == profile.ViaDirect && tunnel:
		add(report.Fail, short, msg,
			"It goes through the VPN though it should be reached directly: disconnect the VPN and try again, and tell IT to exclude it from the tunnel.")
	default:
		fix := fmt.Sprintf("Check that you are online (see network). If other sites work, this network or a firewall blocks port %d: try another network (such as your phone's hotspot), or tell IT.", port)
		if r.Svc.Kind == profile.KindSMTP && port == 25 {
			fix += " Many home internet providers block port 25: mail apps send on 587."
		}
		if tunnel {
			fix = "Its traffic goes into the VPN tunnel and no answer comes back: disconnect the VPN and connect again; if it still fails, tell IT."
		}
		add(report.Fail, short, msg, fix)
	}
}

// judgeSub judges an extra probe of avd or citrix.
func judgeSub(r result, name string, s sub, add addFunc) {
	switch s.Key {
	case "udp_3478":
		switch {
		case s.Out == outOK && r.Svc.Via == profile.ViaDirect && s.Route.Known && s.Route.Tunnel:
			add(report.Warn, "UDP forced through the VPN",
				fmt.Sprintf("%s: UDP 3478 to Microsoft's relay goes %s, though IT says it should be reached directly.", name, over(s.Route)),
				"Tell IT: Microsoft advises against forcing RDP Shortpath through a VPN; exclude 20.202.0.0/16 and 51.5.0.0/16 from the tunnel.")
		case s.Out == outOK, s.Out == outStopped:
		default:
			add(report.Warn, "RDP Shortpath blocked",
				fmt.Sprintf("%s: %s.", name, s.Detail),
				"The desktop still works over TCP, but copes worse with a poor link. Ask IT or the network's owner to allow UDP port 3478 to 20.202.0.0/16 and 51.5.0.0/16 (Microsoft: RDP Shortpath for public networks).")
		}
	case "login":
		if !s.Out.answered() && s.Out != outStopped {
			add(report.Fail, "Microsoft sign-in not reachable",
				fmt.Sprintf("%s: %s is not reachable: %s.", name, s.Label, s.Detail),
				"Azure Virtual Desktop signs in there first. Check that you are online (see network); if other sites work, this network or a firewall blocks Microsoft's sign-in: tell IT.")
		}
	case "ica_1494", "cgp_2598":
		if !s.Out.answered() && s.Out != outStopped {
			add(report.Warn, s.Label+" not reachable",
				fmt.Sprintf("%s: %s does not answer through the VPN: %s.", name, s.Label, s.Detail),
				"Citrix sessions need it: tell IT, and send them this report.")
		}
	}
}

// item describes one service for the report.
func item(r result, j judgement) report.Item {
	it := report.Item{Label: r.Svc.Name, Kind: "service", Status: j.status, Attributes: map[string]string{
		"kind": r.Svc.Kind, "via": r.Svc.Via, "outcome": string(r.Out),
	}}
	if r.Svc.Raw != "" {
		it.Attributes["address"] = r.Svc.Raw
	} else if r.Svc.End.Host != "" {
		it.Attributes["address"] = r.Svc.End.Host
	}
	if r.Addr.IsValid() {
		it.Attributes["ip"] = r.Addr.String()
	}
	switch {
	case r.Route.Known:
		it.Attributes["interface"] = r.Route.Interface
		it.Attributes["route"] = map[bool]string{true: "tunnel", false: "direct"}[r.Route.Tunnel]
	case r.Addr.IsValid():
		it.Attributes["route"] = "unknown"
	}
	for k, v := range r.Attrs {
		it.Attributes[k] = v
	}
	if !r.Expires.IsZero() {
		it.Attributes["certificate_expires"] = r.Expires.UTC().Format("2006-01-02")
	}
	summary := r.Answer
	switch {
	case summary == "" || !r.Out.answered():
		summary = r.Detail
	case r.Detail != "" && !strings.Contains(r.Answer, r.Detail):
		summary += "; " + r.Detail
	}
	if o := over(r.Route); o != "" {
		summary += "; " + o
	}
	if r.Connect > 0 {
		it.Metrics = append(it.Metrics, report.Measured("connect_ms", ms(r.Connect), "ms"))
		summary += fmt.Sprintf(", connects in %s ms", strconv.FormatFloat(ms(r.Connect), 'f', -1, 64))
	}
	if r.Took > 0 {
		it.Metrics = append(it.Metrics, report.Measured("probe_ms", ms(r.Took), "ms"))
	}
	for _, s := range r.Subs {
		v := string(s.Out)
		if s.STUN != "" {
			v = string(s.STUN)
		}
		it.Attributes[s.Key] = v
		switch {
		case s.Key == "udp_3478" && s.RTT > 0:
			it.Metrics = append(it.Metrics, report.Measured("relay_rtt_ms", ms(s.RTT), "ms"))
		case s.RTT > 0:
			it.Metrics = append(it.Metrics, report.Measured(s.Key+"_connect_ms", ms(s.RTT), "ms"))
		}
		if s.Out == outOK && s.Answer != "" {
			summary += "; " + s.Answer
		}
	}
	it.Summary = summary
	return it
}

// ms is d in milliseconds, to a tenth.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*10) / 10
}
