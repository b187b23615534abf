package calls

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/stunprobe"
	"github.com/wfh-cli/wfh/report"
)

// Media paths, the value of each app's report.Key*Media fact.
const (
	pathUDP         = "udp"          // media over UDP: the path every app prefers
	pathTCPOnly     = "tcp_only"     // UDP is blocked, the TCP/TLS 443 fallback works
	pathUDPUntested = "udp_untested" // UDP cannot be tested for the app; its 443 works
	pathBlocked     = "blocked"      // nothing the app uses answers
	pathUnknown     = "unknown"      // the test itself failed (names, interrupted)
)

// appResult is one app's verdict.
type appResult struct {
	path    string
	status  report.Status
	summary string
	finding *checks.Conclusion
	noName  string // why its servers' names did not resolve, when that stopped the test
}

// verdict turns the observations into the check's result.
func verdict(pl plan, o observations) checks.Result {
	res := checks.Result{Facts: map[string]string{}}
	var v checks.Verdict
	var byPath = map[string][]string{}
	var noName []appResult
	var noNameApps []string
	for i, a := range pl.apps {
		ar := judgeApp(a, o.apps[i])
		byPath[ar.path] = append(byPath[ar.path], a.short)
		res.Items = append(res.Items, appItem(a, o.apps[i], ar))
		publishApp(&res, a, ar.path)
		switch {
		case ar.noName != "":
			noName, noNameApps = append(noName, ar), append(noNameApps, a.name)
		case ar.finding != nil:
			v.Add(*ar.finding)
		}
	}
	// Names that do not resolve are one problem, the dns check's: one
	// line for all the apps it stopped.
	switch len(noName) {
	case 0:
	case 1:
		v.Add(*noName[0].finding)
	default:
		f := *noName[0].finding
		f.Message = fmt.Sprintf("%s could not be tested: their servers' names could not be looked up (%s).", andList(noNameApps), noName[0].noName)
		f.Summary = "Calls not tested: the call services' names do not resolve"
		v.Add(f)
	}
	stunItems(&res, &v, pl, o)
	turnItems(&res, &v, pl, o)
	natItem(&res, &v, pl, o)
	if m := mappedOf(append(flatten(o.apps), o.stun)...); m.IsValid() {
		// Private data: redaction turns a public address into a token.
		res.Facts["public_address"] = m.Addr().String()
	}
	for _, p := range pl.problems {
		v.Add(checks.Conclusion{Severity: report.Warn, Message: "A profile entry was not used: " + p,
			Fix: "Correct the entry in the profile (docs/profile.md, calls).", Summary: "A calls entry of the profile was not used"})
	}
	v.Default(report.Pass, passSummary(byPath))
	if len(pl.apps) == 0 && len(pl.stun) == 0 && len(pl.turn) == 0 {
		v.Default(report.Skipped, "No calling app or call server to test: the profile's calls section names none")
	}
	v.Apply(&res)
	return res
}

func flatten(apps []appObs) [][]stunprobe.Result {
	var out [][]stunprobe.Result
	for _, a := range apps {
		out = append(out, a.udp)
	}
	return out
}

// passSummary is the check's line when nothing is wrong: which apps send
// media over UDP, and which reach their servers with UDP untestable.
func passSummary(byPath map[string][]string) string {
	var parts []string
	if apps := byPath[pathUDP]; len(apps) > 0 {
		parts = append(parts, "Media over UDP for "+andList(apps))
	}
	if apps := byPath[pathUDPUntested]; len(apps) > 0 {
		parts = append(parts, andList(apps)+" "+reach(len(apps))+" on 443 (UDP not testable here)")
	}
	if len(parts) == 0 {
		return "The call servers answer"
	}
	return strings.Join(parts, "; ")
}

func reach(n int) string {
	if n == 1 {
		return "reaches its servers"
	}
	return "reach their servers"
}

// andList is "Teams", "Teams and Meet", "Teams, Zoom and Meet".
func andList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// answered returns the fastest answered probe.
func answered(rs []stunprobe.Result) (stunprobe.Result, bool) {
	var best stunprobe.Result
	ok := false
	for _, r := range rs {
		if r.Outcome == stunprobe.Answered && (!ok || r.RTT < best.RTT) {
			best, ok = r, true
		}
	}
	return best, ok
}

// failureRank orders outcomes by how much they tell: a refusal or this
// computer's own firewall says more than silence, and silence more than
// a name that did not resolve or a stopped run.
var failureRank = map[stunprobe.Outcome]int{
	stunprobe.BlockedLocally: 9, stunprobe.Refused: 8, stunprobe.Garbage: 7, stunprobe.TLSFailed: 6,
	stunprobe.Closed: 5, stunprobe.Unreachable: 4, stunprobe.Silent: 3, stunprobe.Failed: 2,
	stunprobe.NoAddress: 1, stunprobe.Stopped: 0,
}

// failure returns the most telling failed probe.
func failure(rs []stunprobe.Result) (stunprobe.Result, bool) {
	var worst stunprobe.Result
	ok := false
	for _, r := range rs {
		if r.Outcome != stunprobe.Answered && (!ok || failureRank[r.Outcome] > failureRank[worst.Outcome]) {
			worst, ok = r, true
		}
	}
	return worst, ok
}

// all reports whether every probe of rs ended with one of outcomes.
func all(rs []stunprobe.Result, outcomes ...stunprobe.Outcome) bool {
	if len(rs) == 0 {
		return false
	}
	for _, r := range rs {
		if !containsOutcome(outcomes, r.Outcome) {
			return false
		}
	}
	return true
}

func containsOutcome(list []stunprobe.Outcome, o stunprobe.Outcome) bool {
	for _, v := range list {
		if v == o {
			return true
		}
	}
	return false
}

// ms is a duration in milliseconds for people: "23 ms", "0.4 ms".
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 1:
		return fmt.Sprintf("%.1f ms", v)
	case v < 10:
		return fmt.Sprintf("%.1f ms", math.Round(v*10)/10)
	}
	return fmt.Sprintf("%.0f ms", v)
}

// udpWhy says, for people, why the UDP probe got no answer.
func udpWhy(r stunprobe.Result) string {
	w := words(r.Target)
	switch r.Outcome {
	case stunprobe.Silent:
		return fmt.Sprintf("no answer on %s within %s", w, roundSec(r.Took))
	case stunprobe.Refused:
		return fmt.Sprintf("%s was rejected (ICMP port unreachable)", w)
	case stunprobe.BlockedLocally:
		return fmt.Sprintf("a firewall on this computer blocked %s", w)
	case stunprobe.Garbage:
		return fmt.Sprintf("something answered %s with data that is not STUN", w)
	case stunprobe.Unreachable:
		return fmt.Sprintf("no route for %s", w)
	case stunprobe.NoAddress:
		return fmt.Sprintf("%s could not be looked up", r.Target.Host)
	case stunprobe.Stopped:
		return fmt.Sprintf("the test of %s was stopped", w)
	}
	return r.Reason
}

// fallbackWhy says, for people, why the fallback probe failed.
func fallbackWhy(r stunprobe.Result) string {
	w := words(r.Target)
	switch r.Outcome {
	case stunprobe.Silent:
		if r.Target.Transport == stunprobe.TLS && r.Connect == 0 && strings.Contains(r.Reason, "TLS handshake") {
			return fmt.Sprintf("the TLS handshake on %s timed out", w)
		}
		return fmt.Sprintf("%s timed out", w)
	case stunprobe.Refused:
		return fmt.Sprintf("%s was refused", w)
	case stunprobe.TLSFailed:
		return fmt.Sprintf("the TLS handshake on %s failed (something may intercept secure connections)", w)
	case stunprobe.Closed:
		return fmt.Sprintf("%s was cut during the TLS handshake", w)
	case stunprobe.BlockedLocally:
		return fmt.Sprintf("a firewall on this computer blocked %s", w)
	case stunprobe.Unreachable:
		return fmt.Sprintf("no route for %s", w)
	case stunprobe.NoAddress:
		return fmt.Sprintf("%s could not be looked up", r.Target.Host)
	case stunprobe.Stopped:
		return fmt.Sprintf("the test of %s was stopped", w)
	}
	return r.Reason
}

func roundSec(d time.Duration) string {
	return d.Round(100 * time.Millisecond).String()
}

// judgeApp decides one app's media path.
func judgeApp(a app, o appObs) appResult {
	udpOK, udpHit := answered(o.udp)
	fbOK, fbHit := answered(o.fallback)
	udpFail, udpFailed := failure(o.udp)
	fbFail, fbFailed := failure(o.fallback)
	fbWords := portWords(a.fallback)
	testable := len(a.udp) > 0

	switch {
	case udpHit:
		s := fmt.Sprintf("Media over UDP: %s answered on UDP %d in %s", udpOK.Target.Host, udpOK.Target.Port, ms(udpOK.RTT))
		switch {
		case fbHit:
			s += fmt.Sprintf("; the %s fallback works too (%s)", fbWords, ms(fbOK.RTT))
		case fbFailed:
			s += "; " + fallbackWhy(fbFail)
		}
		return appResult{path: pathUDP, status: report.Pass, summary: s}
	case !testable && fbHit:
		return appResult{path: pathUDPUntested, status: report.Pass,
			summary: fmt.Sprintf("Reaches its servers on %s (%s); UDP media not testable here: %s", fbWords, ms(fbOK.RTT), a.untestable)}
	}

	// Nothing answered over UDP. A test that could not run says nothing
	// about the path.
	every := append(append([]stunprobe.Result(nil), o.udp...), o.fallback...)
	if !fbHit && all(every, stunprobe.NoAddress, stunprobe.Stopped) {
		r, _ := failure(every)
		if all(every, stunprobe.Stopped) {
			msg := fmt.Sprintf("%s: the test was stopped before any server answered", a.name)
			return appResult{path: pathUnknown, status: report.Error, summary: msg,
				finding: &checks.Conclusion{Severity: report.Error, Message: msg + ".", Fix: "Run wfh again and let it finish.",
					Summary: a.short + " not tested: the test was stopped"}}
		}
		msg := fmt.Sprintf("%s could not be tested: %s could not be looked up", a.name, r.Target.Host)
		return appResult{path: pathUnknown, status: report.Error, summary: msg, noName: r.Reason,
			finding: &checks.Conclusion{Severity: report.Error, Message: msg + " (" + r.Reason + ").",
				Fix: "The dns check shows why names do not resolve here.", Summary: a.short + " not tested: its server names do not resolve"}}
	}

	var udpPart string
	if testable && udpFailed {
		udpPart = udpWhy(udpFail)
	}
	if fbHit {
		// UDP is testable (else the case above) and got no answer.
		s := fmt.Sprintf("Only over %s (%s): %s", fbWords, ms(fbOK.RTT), udpPart)
		msg := fmt.Sprintf("%s: UDP does not get through here (%s), so calls fall back to %s.", a.name, udpPart, fbWords)
		fix := "Calls work but break up more easily: ask IT or the network owner to allow " + a.udpRule + "."
		if udpFail.Outcome == stunprobe.BlockedLocally {
			fix = fmt.Sprintf("A firewall on this computer blocks UDP: allow %s through it (Windows Security > Firewall, macOS System Settings > Network > Firewall, or your security software), or ask IT. Until then calls work but break up more easily.", a.name)
		}
		return appResult{path: pathTCPOnly, status: report.Warn, summary: s,
			finding: &checks.Conclusion{Severity: report.Warn, Message: msg, Fix: fix,
				Summary: fmt.Sprintf("%s calls only over %s: expect breakups", a.short, fbWords)}}
	}

	var why []string
	if udpPart != "" {
		why = append(why, udpPart)
	}
	if fbFailed {
		why = append(why, fallbackWhy(fbFail))
	}
	if len(why) == 0 {
		why = append(why, "it has nothing to test")
	}
	s := "Blocked: " + strings.Join(why, "; ")
	msg := fmt.Sprintf("%s cannot reach its servers from here: %s.", a.name, strings.Join(why, "; "))
	fix := fmt.Sprintf("Check that this computer is online (the network check); if it is, ask IT or the network owner to allow %s to %s and %s.",
		fbWords, hostsOf(a.fallback), a.udpRule)
	if fbFail.Outcome == stunprobe.TLSFailed {
		fix = fmt.Sprintf("Something on this network intercepts secure connections to %s: ask IT to exempt %s from inspection, or set company_ca in the profile if the company's proxy does it.", hostsOf(a.fallback), a.name)
	}
	return appResult{path: pathBlocked, status: report.Fail, summary: s,
		finding: &checks.Conclusion{Severity: report.Fail, Message: msg, Fix: fix, Summary: a.short + " calls cannot connect"}}
}

func hostsOf(ts []stunprobe.Target) string {
	var hs []string
	for _, t := range ts {
		if !contains(hs, t.Host) {
			hs = append(hs, t.Host)
		}
	}
	return andList(hs)
}

// outcomeWords is an outcome as the report's attributes show it.
func outcomeWords(rs []stunprobe.Result) string {
	if r, ok := answered(rs); ok {
		return string(r.Outcome)
	}
	if r, ok := failure(rs); ok {
		return string(r.Outcome)
	}
	return "not_tested"
}

// appItem is one app's row.
func appItem(a app, o appObs, ar appResult) report.Item {
	it := report.Item{Label: a.name, Kind: "app", Status: ar.status, Summary: ar.summary,
		Attributes: map[string]string{"app": a.id, "media_path": ar.path}}
	if len(a.udp) == 0 {
		it.Attributes["udp"] = "not_testable"
		it.Metrics = append(it.Metrics, report.NotMeasured("udp_rtt_ms", "ms", "UDP not testable for "+a.short))
	} else {
		it.Attributes["udp"] = outcomeWords(o.udp)
		it.Attributes["udp_target"] = targetList(a.udp)
		if r, ok := answered(o.udp); ok {
			it.Metrics = append(it.Metrics, report.Measured("udp_rtt_ms", round(r.RTT), "ms"))
			it.Attributes["udp_detail"] = r.Reason
			if r.Mapped.IsValid() {
				it.Attributes["public_address"] = r.Mapped.Addr().String()
			}
		} else {
			r, _ := failure(o.udp)
			it.Metrics = append(it.Metrics, report.NotMeasured("udp_rtt_ms", "ms", udpWhy(r)))
			it.Attributes["udp_detail"] = r.Reason
		}
	}
	if len(a.fallback) > 0 {
		it.Attributes["fallback"] = outcomeWords(o.fallback)
		it.Attributes["fallback_target"] = targetList(a.fallback)
		if r, ok := answered(o.fallback); ok {
			it.Metrics = append(it.Metrics, report.Measured("fallback_rtt_ms", round(r.RTT), "ms"))
			it.Attributes["fallback_detail"] = r.Reason
		} else {
			r, _ := failure(o.fallback)
			it.Metrics = append(it.Metrics, report.NotMeasured("fallback_rtt_ms", "ms", fallbackWhy(r)))
			it.Attributes["fallback_detail"] = r.Reason
		}
	}
	return it
}

func targetList(ts []stunprobe.Target) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, t.String())
	}
	return strings.Join(parts, ", ")
}

// round is d in milliseconds to 0.1 ms.
func round(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*10) / 10
}

// publishApp publishes an app's media path and the bandwidth its vendor
// says HD video needs, under the names report/summary reads to build the
// report's call verdict; the keys are passed as constants so that the
// summary's publication test sees them.
func publishApp(res *checks.Result, a app, path string) {
	switch a.id {
	case "teams":
		publishFigures(res, a, path, report.KeyTeamsMedia, report.KeyTeamsVideoNeedUpMbps, report.KeyTeamsVideoNeedDownMbps)
	case "zoom":
		publishFigures(res, a, path, report.KeyZoomMedia, report.KeyZoomVideoNeedUpMbps, report.KeyZoomVideoNeedDownMbps)
	case "meet":
		publishFigures(res, a, path, report.KeyMeetMedia, report.KeyMeetVideoNeedUpMbps, report.KeyMeetVideoNeedDownMbps)
	case "webex":
		publishFigures(res, a, path, report.KeyWebexMedia, report.KeyWebexVideoNeedUpMbps, report.KeyWebexVideoNeedDownMbps)
	}
}

func publishFigures(res *checks.Result, a app, path, mediaKey, upKey, downKey string) {
	res.Facts[mediaKey] = path
	if a.videoUp > 0 && a.videoDown > 0 {
		res.Metrics = append(res.Metrics, report.Measured(upKey, a.videoUp, "Mbit/s"), report.Measured(downKey, a.videoDown, "Mbit/s"))
		return
	}
	why := "no published figure from " + a.name
	res.Metrics = append(res.Metrics, report.NotMeasured(upKey, "Mbit/s", why), report.NotMeasured(downKey, "Mbit/s", why))
}

// stunItems are the rows of the company's STUN servers.
func stunItems(res *checks.Result, v *checks.Verdict, pl plan, o observations) {
	for i, s := range pl.stun {
		r := o.stun[i]
		it := report.Item{Label: s.label, Kind: "stun", Attributes: map[string]string{"outcome": string(r.Outcome), "detail": r.Reason}}
		if r.Outcome == stunprobe.Answered {
			it.Status = report.Pass
			it.Summary = fmt.Sprintf("Answers over %s in %s", strings.ToUpper(string(r.Target.Transport)), ms(r.RTT))
			it.Metrics = append(it.Metrics, report.Measured("rtt_ms", round(r.RTT), "ms"))
			if r.Mapped.IsValid() {
				it.Attributes["public_address"] = r.Mapped.Addr().String()
			}
		} else {
			why := udpWhy(r)
			if r.Target.Transport != stunprobe.UDP {
				why = fallbackWhy(r)
			}
			it.Status = report.Warn
			it.Summary = "No answer: " + why
			it.Metrics = append(it.Metrics, report.NotMeasured("rtt_ms", "ms", string(r.Outcome)))
			v.Add(checks.Conclusion{Severity: report.Warn,
				Message: fmt.Sprintf("The company STUN server %s does not answer: %s.", s.label, why),
				Fix:     fmt.Sprintf("Ask IT whether %s is up and whether %s is allowed from home networks.", r.Target.Host, words(r.Target)),
				Summary: "A company STUN server does not answer"})
		}
		res.Items = append(res.Items, it)
	}
}

// turnItems are the rows of the company's TURN servers: an allocation
// over each transport, credentials never shown.
func turnItems(res *checks.Result, v *checks.Verdict, pl plan, o observations) {
	for i, s := range pl.turn {
		rs := o.turn[i]
		it := report.Item{Label: s.label, Kind: "turn", Attributes: map[string]string{}}
		var ok, failed []string
		var wrong, quota *stunprobe.TURNResult
		var udpOK bool
		for j := range rs {
			r := rs[j]
			tr := string(r.Target.Transport)
			it.Attributes[tr] = string(r.Outcome)
			it.Attributes[tr+"_detail"] = r.Reason
			switch r.Outcome {
			case stunprobe.Allocated:
				ok = append(ok, strings.ToUpper(tr))
				udpOK = udpOK || r.Target.Transport == stunprobe.UDP
				it.Metrics = append(it.Metrics, report.Measured(tr+"_allocate_ms", round(r.Took), "ms"))
			case stunprobe.WrongCredentials:
				wrong = &rs[j]
			case stunprobe.QuotaReached:
				quota = &rs[j]
			default:
				failed = append(failed, fmt.Sprintf("%s: %s", strings.ToUpper(tr), r.Reason))
			}
		}
		host := ""
		if len(s.targets) > 0 {
			host = s.targets[0].Host
		}
		switch {
		case wrong != nil:
			it.Status = report.Fail
			it.Summary = fmt.Sprintf("Refused the user name or password (STUN error %d)", wrong.ErrorCode)
			v.Add(checks.Conclusion{Severity: report.Fail,
				Message: fmt.Sprintf("The company TURN server %s refused the TURN user name or password (STUN error %d).", host, wrong.ErrorCode),
				Fix:     "Check username and password under calls.turn_servers in the profile, or ask IT for the relay's current credentials.",
				Summary: "The company TURN server refused the credentials"})
		case len(ok) > 0 && udpOK:
			it.Status = report.Pass
			it.Summary = "Relay allocated over " + andList(ok)
			if len(failed) > 0 {
				it.Summary += "; " + strings.Join(failed, "; ")
			}
		case len(ok) > 0:
			it.Status = report.Warn
			it.Summary = "Relay only over " + andList(ok) + "; " + strings.Join(failed, "; ")
			v.Add(checks.Conclusion{Severity: report.Warn,
				Message: fmt.Sprintf("The company TURN relay %s works only over %s: %s.", host, andList(ok), strings.Join(failed, "; ")),
				Fix:     fmt.Sprintf("Calls through it break up more easily: ask IT or the network owner to allow UDP %d to %s.", s.targets[0].Port, host),
				Summary: "The company TURN relay works only over TCP"})
		case quota != nil:
			it.Status = report.Warn
			it.Summary = "Refused a relay: this user already has as many as allowed (STUN error 486)"
			v.Add(checks.Conclusion{Severity: report.Warn,
				Message: fmt.Sprintf("The company TURN server %s refused a relay: the test user already has as many as allowed (STUN error 486).", host),
				Fix:     "Ask IT to raise the test user's quota on the relay, or to give wfh its own user.",
				Summary: "The company TURN server refused a relay (quota)"})
		default:
			it.Status = report.Fail
			it.Summary = "No relay: " + strings.Join(failed, "; ")
			v.Add(checks.Conclusion{Severity: report.Fail,
				Message: fmt.Sprintf("The company TURN relay %s cannot be used from here: %s.", host, strings.Join(failed, "; ")),
				Fix:     fmt.Sprintf("Ask IT whether %s is up and reachable from home networks (UDP and TCP %d, TLS).", host, s.targets[0].Port),
				Summary: "The company TURN relay cannot be reached"})
		}
		res.Items = append(res.Items, it)
	}
}

// natItem names the NAT's mapping behaviour.
func natItem(res *checks.Result, v *checks.Verdict, pl plan, o observations) {
	if pl.natSkip != "" {
		res.Facts["nat_mapping"] = string(stunprobe.MappingUnknown)
		v.Note("NAT not tested: " + pl.natSkip + ".")
		return
	}
	if o.nat == nil {
		return
	}
	n := o.nat
	res.Facts["nat_mapping"] = string(n.Mapping)
	it := report.Item{Label: "NAT", Kind: "nat", Status: report.Pass, Summary: n.Reason,
		Attributes: map[string]string{"mapping": string(n.Mapping), "servers": targetList(pl.nat)}}
	if n.Method != "" {
		it.Attributes["method"] = string(n.Method)
	}
	switch {
	case n.Symmetric:
		res.Facts["nat_symmetric"] = "yes"
		it.Status = report.Warn
		v.Note(fmt.Sprintf("This network's NAT is symmetric (%s): peer-to-peer call media and RDP Shortpath cannot go direct, so they go through a TURN relay or over TCP. Meetings use relays anyway; direct calls and Azure Virtual Desktop may feel slower.",
			strings.TrimPrefix(n.Reason, "symmetric NAT: ")))
	case n.Mapping == stunprobe.MappingUnknown:
		it.Status = report.Skipped
		why := n.Reason
		switch {
		case n.First == stunprobe.NoAddress:
			why = "NAT not tested: the STUN servers' names could not be looked up"
		case !strings.HasPrefix(why, "NAT not tested"):
			why = "NAT behaviour unknown: " + why
		}
		v.Note(why + ".")
	default:
		res.Facts["nat_symmetric"] = "no"
	}
	res.Items = append(res.Items, it)
}
