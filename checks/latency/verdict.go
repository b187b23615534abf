package latency

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/icmpprobe"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/rttstats"
	"github.com/wfh-cli/wfh/report"
)

func (c *check) Run(ctx context.Context, env *checks.Env) checks.Result {
	return verdict(c.observe(ctx, env), limitsOf(env.Profile))
}

// internet is the call path's figures: the anchors that answered, pooled.
type internet struct {
	measured       bool
	sent, received int
	rtt, jitter    float64 // ms
	jitterValid    bool
	loss           float64 // percent
}

func pool(os []outcome) internet {
	var in internet
	var rttSum, jitSum, jitN float64
	for _, o := range os {
		st := o.series.stats()
		if o.Role != roleAnchor || st.Received == 0 {
			continue
		}
		in.measured = true
		in.sent += st.Sent
		in.received += st.Received
		for _, r := range o.series.rtt {
			if r >= 0 {
				rttSum += msOf(r)
			}
		}
		if st.JitterValid {
			w := float64(st.Received - 1)
			jitSum += msOf(st.Jitter) * w
			jitN += w
		}
	}
	if in.measured {
		in.rtt = rttSum / float64(in.received)
		in.loss = 100 * float64(in.sent-in.received) / float64(in.sent)
		if jitN > 0 {
			in.jitter, in.jitterValid = jitSum/jitN, true
		}
	}
	return in
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// grade holds one figure against its warn and fail levels.
func grade(v, warn, fail float64) report.Status {
	switch {
	case v >= fail:
		return report.Fail
	case v > warn:
		return report.Warn
	}
	return report.Pass
}

func (l limits) grade(rtt, jitter float64, jitterValid bool, loss float64) (report.Status, []string) {
	var over []string
	st := report.Pass
	add := func(s report.Status, what string) {
		if s != report.Pass {
			over = append(over, what)
		}
		st = report.Worst(st, s)
	}
	add(grade(rtt, l.rttWarn, l.rttFail), fmt.Sprintf("round trip %s ms is above %s ms", num(rtt), num(l.rttWarn)))
	if jitterValid {
		add(grade(jitter, l.jitWarn, l.jitFail), fmt.Sprintf("jitter %s ms is above %s ms", num(jitter), num(l.jitWarn)))
	}
	add(grade(loss, l.lossWarn, l.lossFail), fmt.Sprintf("loss %s %% is above %s %%", num(loss), num(l.lossWarn)))
	return st, over
}

func statusOfQuality(q string) report.Status {
	switch q {
	case qualityGood:
		return report.Pass
	case qualityFair:
		return report.Warn
	}
	return report.Fail
}

func qualityOfStatus(s report.Status) string {
	switch s {
	case report.Pass:
		return qualityGood
	case report.Warn:
		return qualityFair
	}
	return qualityPoor
}

// verdict turns observations into the check's result.
func verdict(o observations, l limits) checks.Result {
	res := checks.Result{Facts: map[string]string{"method": string(o.Method)}}
	var v checks.Verdict
	if o.Method == methodTCP {
		v.Note("Round trips were measured with TCP connects because " + o.NoICMP + ". They are close to what ping measures; the path MTU and the provider's first router need pings and are not measured.")
	}
	if o.Path.ViaTunnel() {
		v.Note(tunnelNote(o.Path))
	}

	loc := locate(rungsOf(o.Targets), l.lossWarn/100/2)
	addItems(&res, o, l, loc)

	in := pool(o.Targets)
	var summary string
	if !in.measured {
		res.Facts[report.KeyCallQuality] = "not_measured"
		why := "no internet test site answered"
		if noRoute(o.Targets) {
			why = "no route to the internet"
		}
		res.Metrics = append(res.Metrics,
			report.NotMeasured(report.KeyRTTMs, "ms", why), report.NotMeasured(report.KeyJitterMs, "ms", why),
			report.NotMeasured(report.KeyLossPercent, "%", why), report.NotMeasured("r_factor", "", why),
			report.NotMeasured("mos", "", why))
		summary = "Voice and video calls: not measured, " + why
		if noRoute(o.Targets) {
			// Nothing could even be sent: the network check says why.
			v.Add(checks.Conclusion{Severity: report.Error,
				Message: "No ping could be sent to the internet test sites: this computer has no route to the internet.",
				Fix:     "Connect to a network, then run wfh again; the network check shows where the connection breaks."})
		} else {
			v.Add(checks.Conclusion{Severity: report.Warn,
				Message: "None of the internet test sites answered (" + anchorList(o.Targets) + "). This network may block pings, so the quality of calls could not be measured.",
				Fix:     "If calls work, nothing needs fixing. Otherwise ask IT whether pings are blocked, or set latency.anchors in the profile to hosts that answer."})
		}
	} else {
		figStatus, over := l.grade(in.rtt, in.jitter, in.jitterValid, in.loss)
		jit := in.jitter
		if !in.jitterValid {
			jit = 0
		}
		e := rFactor(effectiveDelay(in.rtt, jit), in.loss, callCodec)
		q := qualityOf(e.R)
		if statusOfQuality(q).Rank() < figStatus.Rank() {
			q = qualityOfStatus(figStatus)
		}
		res.Facts[report.KeyCallQuality] = q
		res.Facts["codec"] = callCodec.Name
		res.Metrics = append(res.Metrics, report.Measured(report.KeyRTTMs, round(in.rtt, 2), "ms"))
		if in.jitterValid {
			res.Metrics = append(res.Metrics, report.Measured(report.KeyJitterMs, round(in.jitter, 2), "ms"))
		} else {
			res.Metrics = append(res.Metrics, report.NotMeasured(report.KeyJitterMs, "ms", "fewer than two answers"))
		}
		res.Metrics = append(res.Metrics,
			report.Measured(report.KeyLossPercent, round(in.loss, 2), "%"),
			report.Measured("r_factor", round(e.R, 1), ""),
			report.Measured("mos", round(e.MOS, 2), ""))
		summary = fmt.Sprintf("Voice and video calls: %s (round trip %s ms, jitter %s, loss %s %%)",
			q, num(in.rtt), jitterText(in), num(in.loss))
		if q != qualityGood {
			msg := fmt.Sprintf("Calls will be %s: the E-model (ITU-T G.107) gives R %s, MOS %s.", q, num(round(e.R, 1)), num(round(e.MOS, 2)))
			if len(over) > 0 {
				msg += " " + capitalise(strings.Join(over, "; ")) + "."
			}
			v.Add(checks.Conclusion{Severity: statusOfQuality(q), Message: msg, Fix: qualityFix(in, l, loc, o.Path)})
		}
	}

	// Where the loss starts, when there is loss on the way to the internet.
	switch {
	case !in.measured && loc.Level == 0:
		// Nothing to locate.
	case in.measured && in.loss > 0 || loc.Level != 0:
		res.Facts["loss_location"] = loc.Where
		res.Facts[report.KeyProblemsStart] = problemsStart(loc, o.Path)
		if f, ok := locationFinding(loc, in, l, o.Path); ok {
			v.Add(f)
			if loc.Level != 0 {
				summary += "; " + locationShort(loc, o.Path)
			}
		}
	default:
		res.Facts["loss_location"] = locNone
	}
	for _, i := range loc.Limiting {
		t := o.Targets[i]
		v.Note(fmt.Sprintf("%s answers only some pings (%s %% unanswered), far more than the targets behind it lose: it limits the answers it sends itself, which is common and harmless. Its round trip and jitter are from the answers it sent.", capitalise(roleName(t.Role)), num(round(t.series.stats().LossPercent(), 1))))
	}

	// Path MTU.
	switch {
	case o.PMTUErr != nil || o.PMTU.MTU == 0:
		why := "not measured"
		if o.PMTUErr != nil {
			why = pmtuWords.Phrase(probeutil.ClassifyNetErr(o.PMTUErr))
			switch {
			case errors.Is(o.PMTUErr, errPMTUCut):
				why = "the search did not finish while the pings ran (the test site does not answer large pings)"
			case errors.Is(o.PMTUErr, icmpprobe.ErrNoEcho):
				why = "the test site does not answer pings"
			case errors.Is(o.PMTUErr, icmpprobe.ErrUnreachable):
				why = "the test site is unreachable"
			case errors.Is(o.PMTUErr, icmpprobe.ErrUnsupported):
				why = "not supported on this system yet"
			}
		} else if !o.PMTUTo.IsValid() {
			why = "no internet test site to probe"
		}
		res.Metrics = append(res.Metrics, report.NotMeasured("path_mtu_bytes", "bytes", why))
	default:
		res.Metrics = append(res.Metrics, report.Measured("path_mtu_bytes", float64(o.PMTU.MTU), "bytes"))
		res.Facts["path_mtu_to"] = o.PMTUTo.String()
		if !o.PMTU.Exact {
			res.Facts["path_mtu_bound"] = "at_least"
		}
		if o.PMTU.MTU < pmtuWarn {
			v.Add(checks.Conclusion{Severity: report.Warn,
				Message: fmt.Sprintf("Packets larger than %d bytes do not get through to the internet (the usual size is 1500). VPNs and video calls can stall or drop when their packets are too big.", o.PMTU.MTU),
				Fix:     fmt.Sprintf("Check the MTU setting of your router (1500, or 1492 on DSL with PPPoE). If a VPN stalls, tell IT the path MTU is %d bytes.", o.PMTU.MTU)})
		}
	}

	if o.HopNote != "" {
		v.Note("The provider's first router is not on the list: " + o.HopNote + ".")
	}
	for _, t := range o.Targets {
		if t.BadConfig {
			v.Add(checks.Conclusion{Severity: report.Warn,
				Message: fmt.Sprintf("The profile names a %s that cannot be used: %s.", roleName(t.Role), t.Problem),
				Fix:     "Correct the latency (or network.anchors) section of the profile: write a host name or an IP address."})
		}
	}
	// The summary says the quality and where loss starts; the findings
	// raise the status (the quality's finding carries its grade).
	v.Default(report.Pass, summary)
	v.Apply(&res)
	res.Facts["method_description"] = o.Method.describe()
	return res
}

// pmtuWords words why the path MTU search failed.
var pmtuWords = probeutil.NetErrWords{probeutil.NetErrOther: "the search failed"}

func jitterText(in internet) string {
	if !in.jitterValid {
		return "not measured"
	}
	return num(in.jitter) + " ms"
}

// qualityFix names the step that helps most for what is wrong. A cable is
// suggested only to a user on Wi-Fi.
func qualityFix(in internet, l limits, loc location, path netstate.Path) string {
	switch loc.Where {
	case locHome, locProvider, locPastRoute, locHomeOrProvider:
		return "" // the finding on where the loss starts carries the fix
	}
	cable := ""
	if path.OnWiFi() {
		cable = " use a cable instead of Wi-Fi, then"
	}
	if in.rtt > l.rttWarn || in.jitter > l.jitWarn {
		return "Stop large downloads, uploads and streaming in your home during calls; if it persists," + cable + " contact your provider."
	}
	return "Run wfh again in a few minutes; if it persists," + cable + " contact your provider with this report."
}

// homeLink words the link between this computer and its router, from the
// kind of the connection beneath the default path: "" when unknown, so a
// claim about Wi-Fi or a cable is made only when it is true.
func homeLink(path netstate.Path) string {
	switch {
	case path.OnWiFi():
		return "Wi-Fi"
	case path.Wired():
		return "cable"
	}
	return ""
}

// locationFinding words the localisation.
func locationFinding(loc location, in internet, l limits, path netstate.Path) (checks.Conclusion, bool) {
	sev := report.Pass
	if in.measured && in.loss > l.lossWarn {
		sev = grade(in.loss, l.lossWarn, l.lossFail)
	}
	switch loc.Where {
	case locHome:
		c := checks.Conclusion{Severity: sev, Message: "Loss starts at your router: pings to your router are lost as often as pings to the internet."}
		switch homeLink(path) {
		case "Wi-Fi":
			c.Message = "Loss starts at your router (Wi-Fi): pings to your router are lost as often as pings to the internet."
			c.Fix = "Move closer to the router or use a cable."
		case "cable":
			c.Message = "Loss starts at your router (cable): pings to your router are lost as often as pings to the internet, over a wired connection."
			c.Fix = "Try another network cable and another port on the router, then restart the router."
		default:
			c.Fix = "Restart your router; if it persists, check the connection between this computer and the router."
		}
		return c, true
	case locProvider:
		return checks.Conclusion{Severity: sev, Message: "Your home network is fine; the loss starts in your provider's network.",
			Fix: "Contact your provider with this report."}, true
	case locPastRoute:
		return checks.Conclusion{Severity: sev, Message: "Your home network is fine; the loss starts past your router, in your provider's network or beyond it (the provider's first router did not answer, or answers only some pings, so the two cannot be told apart).",
			Fix: "Contact your provider with this report."}, true
	case locHomeOrProvider:
		c := checks.Conclusion{Severity: sev, Message: "The loss starts before the provider's first router: at home or in your provider's network (your router answers only some pings, so the two cannot be told apart).",
			Fix: "Restart your router; if the loss stays, contact your provider with this report."}
		switch homeLink(path) {
		case "Wi-Fi":
			c.Fix = "Try a cable instead of Wi-Fi, or move closer to the router; if the loss stays, contact your provider with this report."
		case "cable":
			c.Fix = "Try another network cable and another port on the router; if the loss stays, contact your provider with this report."
		}
		return c, true
	case locBeyond:
		return checks.Conclusion{Severity: sev, Message: "The problem is beyond your provider: your home network and your provider's first router lose nothing.",
			Fix: "Nothing to fix at home. If calls suffer, tell IT which service: the trouble is on the way to it."}, true
	case locUncertain:
		return checks.Conclusion{Severity: sev, Message: fmt.Sprintf("Loss seen, location uncertain: %s %% of pings to the internet were lost, too few or too scattered to say where it starts.", num(round(in.loss, 1))),
			Fix: "Run wfh again in a few minutes: a persistent loss shows where it starts."}, true
	}
	return checks.Conclusion{}, false
}

// tunnelNote says that the figures include the VPN tunnel internet
// traffic goes through.
func tunnelNote(path netstate.Path) string {
	return fmt.Sprintf("Measured through the VPN tunnel %s: internet traffic goes through it, so these figures include the way to the VPN's server and back.", path.Interface)
}

// problemsStart says in words where the loss starts, for the report's
// summary card.
func problemsStart(loc location, path netstate.Path) string {
	if s := locationShort(loc, path); s != "" {
		return strings.TrimPrefix(s, "loss starts ")
	}
	if loc.Where == locUncertain {
		return "uncertain: some loss, not located"
	}
	return "nowhere: no loss"
}

func locationShort(loc location, path netstate.Path) string {
	switch loc.Where {
	case locHome:
		if link := homeLink(path); link != "" {
			return "loss starts at your router (" + link + ")"
		}
		return "loss starts at your router"
	case locProvider:
		return "loss starts in your provider's network"
	case locPastRoute:
		return "loss starts past your router"
	case locHomeOrProvider:
		return "loss starts at home or in your provider's network"
	case locBeyond:
		return "loss starts beyond your provider"
	}
	return ""
}

// rungsOf gives localisation its view of the targets. The DNS server
// counts at the level of the router or provider hop it is the same
// address as; elsewhere its place on the path is unknown.
func rungsOf(os []outcome) []rungLoss {
	level := map[role]int{roleGateway: levelRouter, roleFirstHop: levelProvider, roleAnchor: levelInternet}
	var out []rungLoss
	for i, o := range os {
		lv := level[o.Role]
		if lv == 0 || !o.Addr.IsValid() {
			continue
		}
		st := o.series.stats()
		out = append(out, rungLoss{index: i, level: lv, sent: st.Sent, lost: st.Sent - st.Received})
	}
	return out
}

func roleName(r role) string {
	switch r {
	case roleGateway:
		return "your router"
	case roleFirstHop:
		return "your provider's first router"
	case roleResolver:
		return "DNS server"
	}
	return "internet test site"
}

// addItems adds one item and one RTT series per target, in ladder order.
func addItems(res *checks.Result, o observations, l limits, loc location) {
	// A rung that shares a limiting target's address (a router that is
	// also the DNS server) has the same answers, limited alike.
	limitingAddr := map[netip.Addr]bool{}
	for _, i := range loc.Limiting {
		limitingAddr[o.Targets[i].Addr] = true
	}
	seen := map[string]int{}
	charted := map[netip.Addr]bool{} // one series per address: a shared one is the same data
	for _, t := range o.Targets {
		label := itemLabel(t.target)
		if n := seen[label]; n > 0 {
			label += " #" + strconv.Itoa(n+1)
		}
		seen[itemLabel(t.target)]++
		it := report.Item{Label: label, Kind: string(t.Role), Attributes: map[string]string{"role": string(t.Role)}}
		if t.Addr.IsValid() {
			it.Attributes["address"] = t.Addr.String()
		}
		if t.Host != "" && t.Host != t.Addr.String() {
			it.Attributes["host"] = t.Host
		}
		if t.Source != "" {
			it.Attributes["source"] = t.Source
		}
		switch {
		case t.Problem != "":
			it.Status, it.Summary = report.Error, "not measured: "+t.Problem
			if !t.BadConfig {
				it.Status = report.Skipped
			}
		case t.Err != nil && len(t.series.rtt) == 0:
			it.Status, it.Summary = report.Error, "not measured: "+sendProblem(t.Err)
		default:
			it.Attributes["method"] = string(o.Method)
			if o.Method == methodTCP {
				it.Attributes["port"] = strconv.Itoa(t.Port)
			}
			st := t.series.stats()
			it.Metrics = append(targetMetrics(st), paceMetrics(o, t)...)
			switch {
			case st.Received == 0:
				it.Status = report.Warn
				it.Summary = fmt.Sprintf("did not answer any of %d probes (it may block them)", st.Sent)
				if t.Role != roleAnchor {
					it.Status = report.Pass
				}
			default:
				it.Status, _ = l.grade(msOf(st.Mean), msOf(st.Jitter), st.JitterValid, st.LossPercent())
				if limitingAddr[t.Addr] {
					it.Status = report.Pass
				}
				it.Summary = fmt.Sprintf("round trip %s ms, jitter %s, loss %s %% (%d of %d answered)",
					num(round(msOf(st.Mean), 2)), jitterOf(st), num(round(st.LossPercent(), 1)), st.Received, st.Sent)
				if limitingAddr[t.Addr] {
					it.Summary += "; answers only some pings itself"
				}
			}
			if !charted[t.Addr] {
				charted[t.Addr] = true
				res.Series = append(res.Series, rttSeries(label, t.series, o.Interval))
			}
		}
		res.Items = append(res.Items, it)
	}
}

func jitterOf(st rttstats.Summary) string {
	if !st.JitterValid {
		return "not measured"
	}
	return num(round(msOf(st.Jitter), 2)) + " ms"
}

func targetMetrics(st rttstats.Summary) []report.Metric {
	ms := []report.Metric{
		report.Measured("sent", float64(st.Sent), "probes"),
		report.Measured("received", float64(st.Received), "probes"),
	}
	if st.Sent > 0 {
		ms = append(ms, report.Measured("loss_percent", round(st.LossPercent(), 2), "%"))
	} else {
		ms = append(ms, report.NotMeasured("loss_percent", "%", "no probe was sent"))
	}
	if st.Received == 0 {
		why := "no answer"
		return append(ms, report.NotMeasured("rtt_min_ms", "ms", why), report.NotMeasured("rtt_avg_ms", "ms", why),
			report.NotMeasured("rtt_max_ms", "ms", why), report.NotMeasured("jitter_ms", "ms", why))
	}
	ms = append(ms,
		report.Measured("rtt_min_ms", round(msOf(st.Min), 3), "ms"),
		report.Measured("rtt_avg_ms", round(msOf(st.Mean), 3), "ms"),
		report.Measured("rtt_max_ms", round(msOf(st.Max), 3), "ms"))
	if st.JitterValid {
		ms = append(ms, report.Measured("jitter_ms", round(msOf(st.Jitter), 3), "ms"))
	} else {
		ms = append(ms, report.NotMeasured("jitter_ms", "ms", "fewer than two answers"))
	}
	return ms
}

// paceMetrics say how a target was probed, so a reader can judge its
// figures: how many probes a second and, for pings, how big each was and
// how many answers came too late to count.
func paceMetrics(o observations, t outcome) []report.Metric {
	var ms []report.Metric
	if o.Interval > 0 {
		ms = append(ms, report.Measured("probe_rate", round(float64(time.Second)/float64(o.Interval), 2), "probes/s"))
	}
	if o.Method != methodTCP && o.Payload > 0 {
		ms = append(ms, report.Measured("probe_bytes", float64(icmpprobe.PacketSize(o.Payload, t.Addr.Is6())), "bytes"),
			report.Measured("late", float64(t.late), "probes"))
	}
	return ms
}

func rttSeries(label string, s series, interval time.Duration) report.Series {
	out := report.Series{Name: "rtt", Unit: "ms", Item: label, IntervalSeconds: interval.Seconds(), Samples: make([]*float64, len(s.rtt))}
	for i, r := range s.rtt {
		if r >= 0 {
			v := round(msOf(r), 3)
			out.Samples[i] = &v
		}
	}
	return out
}

func itemLabel(t target) string {
	name := t.Host
	if name == "" && t.Addr.IsValid() {
		name = t.Addr.String()
	}
	switch t.Role {
	case roleGateway:
		return strings.TrimSpace("router " + name)
	case roleFirstHop:
		return strings.TrimSpace("provider " + name)
	case roleResolver:
		return strings.TrimSpace("DNS server " + name)
	}
	return strings.TrimSpace("internet " + name)
}

func anchorList(os []outcome) string {
	var names []string
	for _, o := range os {
		if o.Role == roleAnchor {
			n := o.Host
			if n == "" {
				n = o.Addr.String()
			}
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// num prints a figure with no more digits than it deserves.
func num(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	case v >= 10:
		return strconv.FormatFloat(round(v, 1), 'f', -1, 64)
	}
	return strconv.FormatFloat(round(v, 2), 'f', -1, 64)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// noRoute is true when every anchor with an address failed because the
// machine has no route to it.
func noRoute(os []outcome) bool {
	n := 0
	for _, o := range os {
		if o.Role != roleAnchor || !o.Addr.IsValid() {
			continue
		}
		if !unreachable(o.Err) {
			return false
		}
		n++
	}
	return n > 0
}

func unreachable(err error) bool {
	switch probeutil.ClassifyNetErr(err) {
	case probeutil.NetErrUnreachable, probeutil.NetErrHostUnreachable:
		return true
	}
	// pro-bing can flatten the send error into its text, which on Unix
	// holds Go's fixed errno wording.
	return err != nil && (strings.Contains(err.Error(), syscall.ENETUNREACH.Error()) || strings.Contains(err.Error(), syscall.EHOSTUNREACH.Error()))
}

// sendWords words why no probe could be sent, without socket jargon.
var sendWords = probeutil.NetErrWords{
	probeutil.NetErrOther:           "the probes could not be sent",
	probeutil.NetErrUnreachable:     "no route to it (is the computer offline?)",
	probeutil.NetErrHostUnreachable: "no route to it (is the computer offline?)",
}

// sendProblem words why no probe could be sent.
func sendProblem(err error) string {
	switch {
	case unreachable(err):
		return sendWords.Phrase(probeutil.NetErrUnreachable)
	case notPermitted(err):
		return "pings are not permitted for this user"
	}
	_, s := probeutil.DescribeNetErr(err, sendWords)
	return s
}
