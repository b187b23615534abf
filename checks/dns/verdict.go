package dns

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/report"
)

// observations is everything the check measured, for verdict.
type observations struct {
	cfg         Config
	discoverErr error
	// servers are the machine's own, in configuration order.
	servers []serverResult
	// public is the comparison server; measured is false when it is one
	// of the machine's servers (then that one stands for it).
	public         serverResult
	publicMeasured bool
	lookups        []lookup
	// dropped counts servers left untested (see maxServers).
	dropped int
	// skipped lists profile values that cannot be used, one line each.
	skipped     []string
	hasResolver bool // env.Resolver was set: the system path was tried
}

// Diagnoses, reported as the fact "diagnosis" so scripts can act on the
// main conclusion (docs/checks.md lists them).
const (
	diagOK             = "ok"
	diagOffline        = "offline"
	diagServersDown    = "servers_down"
	diagLookupsFail    = "lookups_fail"
	diagWrong          = "wrong_answers"
	diagRewrites       = "rewrites_missing_names"
	diagSomeDown       = "some_servers_down"
	diagUnreliable     = "unreliable"
	diagSlow           = "slow"
	diagSlowConnection = "slow_connection"
	diagCompany        = "company_name_fails"
	diagVPNDomain      = "vpn_server_down"
)

// verdict turns observations into the check's result.
func verdict(o observations) checks.Result {
	res := checks.Result{Facts: map[string]string{}}
	all := append([]serverResult(nil), o.servers...)
	if o.publicMeasured {
		all = append(all, o.public)
	}
	unknown := settle(all, o.lookups)
	for i := range all {
		classify(&all[i])
	}
	o.servers = all[:len(o.servers)]
	if o.publicMeasured {
		o.public = all[len(all)-1]
	} else {
		for _, s := range o.servers {
			if s.alsoPublic {
				o.public = s
			}
		}
	}
	addItems(&res, o)
	addFigures(&res, o)

	var general, perDomain []serverResult
	for _, s := range o.servers {
		if s.role == rolePerDomain {
			perDomain = append(perDomain, s)
		} else {
			general = append(general, s)
		}
	}
	pathOK, pathDetail := systemPath(o.lookups)
	pubOK := o.public.worked()

	// Offline: not one good answer anywhere, no reply at all from the
	// public server, and apps cannot look names up either. The network
	// check says why; DNS adds nothing but noise.
	if !pathOK && o.public.answered == 0 && !anyGood(all) {
		var v checks.Verdict
		v.Default(report.Skipped, "offline: no DNS server answers, not even the public one (see network)")
		v.Apply(&res)
		res.Facts["diagnosis"] = diagOffline
		return res
	}

	var fs []checks.Conclusion
	var down, flaky, wrong, hijack, slow []serverResult
	for _, s := range general {
		switch {
		case s.out == outWrong && s.hijackOnly:
			hijack = append(hijack, s)
		case s.out == outWrong:
			wrong = append(wrong, s)
		case s.dead():
			down = append(down, s)
		case s.out.failure():
			flaky = append(flaky, s)
		case s.out == outSlow:
			slow = append(slow, s)
		}
	}
	working := len(general) - len(down) - len(wrong)

	switch {
	case len(general) > 0 && len(down) == len(general) && pathOK:
		fs = append(fs, checks.Conclusion{Severity: report.Pass, Message: fmt.Sprintf(
			"The DNS servers this computer lists (%s) do not answer when asked directly, yet apps look names up fine: the computer resolves names another way (encrypted DNS, a VPN client or security software).",
			labels(down))})
	case len(general) > 0 && len(down) == len(general):
		fs = append(fs, serversDown(down, o.public, pubOK))
	case len(general) == 0 && !pathOK && o.hasResolver:
		f := checks.Conclusion{Severity: report.Fail, Tag: diagLookupsFail,
			Summary: "Names cannot be looked up",
			Message: fmt.Sprintf("Names cannot be looked up (%s), and wfh could not tell which DNS servers this computer uses.", pathDetail),
			Fix:     "Disconnect from the network and connect again. If that does not help, restart your router and your computer."}
		if pubOK {
			f.Message += fmt.Sprintf(" The public DNS server %s answers, so the internet connection works.", label(o.public.Addr))
		}
		fs = append(fs, f)
	case !pathOK && o.hasResolver && len(answering(general)) > 0:
		if len(down) > 0 && len(general) > 0 && general[0].dead() {
			first := general[0]
			fs = append(fs, checks.Conclusion{Severity: report.Fail, Tag: diagSomeDown,
				Summary: "Your first DNS server does not answer, so lookups take too long",
				Message: fmt.Sprintf("%s does not answer (%s). Apps ask it first and wait for it, so their lookups fail (%s), although %s answers.",
					capital(who(first)), first.detail, pathDetail, labels(answering(general))),
				Fix: fixFor(first, o.public)})
			down = down[1:]
		} else {
			fs = append(fs, checks.Conclusion{Severity: report.Fail, Tag: diagLookupsFail,
				Summary: "Apps cannot look up names",
				Message: fmt.Sprintf("Apps cannot look up names (%s), although the DNS server %s answers when asked directly.",
					pathDetail, labels(answering(general))),
				Fix: "Disconnect from the network and connect again. If that does not help, restart the computer; if it continues, a security program or VPN client may be blocking lookups: tell IT."})
		}
	}
	if len(down) > 0 && len(down) < len(general) && working > 0 {
		fs = append(fs, checks.Conclusion{Severity: report.Warn, Tag: diagSomeDown,
			Summary: fmt.Sprintf("%d of %d DNS servers do not answer", len(down), len(general)),
			Message: fmt.Sprintf("%d of %d DNS servers do not answer (%s: %s). Lookups that go to it wait a second or more before the next server is tried.",
				len(down), len(general), labels(down), down[0].detail),
			Fix: fixFor(down[0], o.public)})
	}
	for _, s := range flaky {
		fs = append(fs, checks.Conclusion{Severity: report.Warn, Tag: diagUnreliable,
			Summary: "A DNS server fails some lookups",
			Message: fmt.Sprintf("%s is unreliable: %s.", capital(who(s)), s.detail),
			Fix:     fixFor(s, o.public)})
	}
	if len(wrong) > 0 {
		s := wrong[0]
		fs = append(fs, checks.Conclusion{Severity: report.Fail, Tag: diagWrong,
			Summary: "Your DNS server gives wrong answers",
			Message: fmt.Sprintf("%s gives wrong answers: it %s.", capital(who(s)), s.detail),
			Fix: fmt.Sprintf("Restart your router. If it continues, something on your network may be tampering with DNS: tell IT, or set the public DNS server %s in your network settings.",
				label(o.public.Addr))})
	}
	if len(hijack) > 0 {
		s := hijack[0]
		fs = append(fs, checks.Conclusion{Severity: report.Warn, Tag: diagRewrites,
			Summary: "Your DNS server redirects mistyped names",
			Message: fmt.Sprintf("%s %s: your provider's DNS redirects mistyped names to its own pages. That hides typing mistakes and can break company names over a VPN.",
				capital(who(s)), s.detail),
			Fix: fmt.Sprintf("Turn off \"DNS assistance\", \"error redirect\" or \"search help\" in your router or your provider account, or set the public DNS server %s in the router.",
				label(o.public.Addr))})
	}
	if len(slow) > 0 {
		fs = append(fs, slowFinding(slow, o.public, pubOK))
	}
	for _, s := range perDomain {
		if s.out == outWrong && !s.hijackOnly {
			fs = append(fs, checks.Conclusion{Severity: report.Fail, Tag: diagWrong,
				Summary: "A company DNS server gives wrong answers",
				Message: fmt.Sprintf("The DNS server for %s (%s) gives wrong answers: it %s.", strings.Join(s.Domains, ", "), label(s.Addr), s.detail),
				Fix:     "Disconnect the VPN and connect it again. If it continues, tell IT and send this report."})
		} else if s.dead() {
			fs = append(fs, checks.Conclusion{Severity: report.Warn, Tag: diagVPNDomain,
				Summary: "The DNS server for company names does not answer",
				Message: fmt.Sprintf("The DNS server for %s (%s%s) does not answer (%s): names under %s do not resolve.",
					strings.Join(s.Domains, ", "), label(s.Addr), viaIface(s.Interface), s.detail, s.Domains[0]),
				Fix: "Disconnect the VPN and connect it again (see the vpn check). If it continues, tell IT."})
		}
	}
	fs = append(fs, companyFindings(&res, o.lookups, pathOK)...)

	// Notes: what the reader should know but need not act on.
	switch {
	case o.publicMeasured && o.public.out == outWrong:
		fs = append(fs, checks.Conclusion{Severity: report.Pass, Message: fmt.Sprintf(
			"The public DNS server %s gives wrong answers (it %s): something on the way, such as the router or the provider, intercepts DNS traffic to outside servers.",
			label(o.public.Addr), o.public.detail)})
	case o.publicMeasured && !pubOK && working > 0:
		fs = append(fs, checks.Conclusion{Severity: report.Pass, Message: fmt.Sprintf(
			"The public DNS server %s %s: this network may block outside DNS servers, which is common on company networks and harmless while your own servers work.",
			label(o.public.Addr), describeOutcome(o.public))})
	}
	for _, n := range unknown {
		fs = append(fs, checks.Conclusion{Severity: report.Pass, Message: fmt.Sprintf(
			"No DNS server has an address for %s, not even the public one: check the name under dns.names in the profile.", n)})
	}
	for _, p := range o.cfg.Problems {
		fs = append(fs, checks.Conclusion{Severity: report.Warn, Tag: "config_problem",
			Summary: "The DNS settings have a mistake",
			Message: "The DNS settings have a mistake: " + p + ", so it is ignored.",
			Fix:     "Correct the DNS server in the settings of your network connection. If you did not change them, restart the computer; if it continues, tell IT."})
	}
	for _, n := range o.cfg.Notes {
		fs = append(fs, checks.Conclusion{Severity: report.Pass, Message: capital(n) + "."})
	}
	if o.discoverErr != nil {
		fs = append(fs, checks.Conclusion{Severity: report.Pass, Message: fmt.Sprintf(
			"Could not list this computer's DNS servers (%v); lookups by apps and the public server were still tested.", o.discoverErr)})
	}
	if o.dropped > 0 {
		fs = append(fs, checks.Conclusion{Severity: report.Pass, Message: fmt.Sprintf(
			"%d more DNS servers are configured; wfh tests the first %d.", o.dropped, maxServers)})
	}
	for _, s := range o.skipped {
		fs = append(fs, checks.Conclusion{Severity: report.Pass, Message: s})
	}

	// The most severe problem sets the status, the summary and the
	// diagnosis (checks.Verdict).
	var v checks.Verdict
	v.Default(report.Pass, passSummary(o, working))
	v.Add(fs...)
	res.Facts["diagnosis"] = diagOK
	if lead := v.Apply(&res); lead != nil {
		res.Facts["diagnosis"] = lead.Tag
	}
	return res
}

// systemPath says whether apps can look names up: at least one public
// name resolves correctly through the OS resolver. The detail is the
// first failure, for messages.
func systemPath(ls []lookup) (ok bool, detail string) {
	for _, l := range ls {
		if l.company != nil {
			continue
		}
		if l.out == outOK {
			ok = true
		} else if detail == "" {
			detail = l.name + ": " + l.detail
		}
	}
	return ok, detail
}

func anyGood(all []serverResult) bool {
	for _, s := range all {
		if !s.dead() {
			return true
		}
	}
	return false
}

// serversDown is the finding when none of the machine's servers works.
func serversDown(down []serverResult, pub serverResult, pubOK bool) checks.Conclusion {
	first := down[0]
	f := checks.Conclusion{Severity: report.Fail, Tag: diagServersDown, Fix: fixFor(first, pub)}
	what := capital(who(first)) + " does"
	if len(down) > 1 {
		what = "Your DNS servers (" + labels(down) + ") do"
	}
	if pubOK {
		f.Summary = "Your DNS server fails, but the public one works"
		f.Message = fmt.Sprintf("%s not work (%s), but the public DNS server %s answers: the internet connection works, only name lookups fail, so web sites and apps cannot be reached.",
			what, first.detail, label(pub.Addr))
		return f
	}
	f.Summary = "No DNS server works"
	f.Message = fmt.Sprintf("%s not work (%s), and the public DNS server %s %s: names cannot be looked up.",
		what, first.detail, label(pub.Addr), describeOutcome(pub))
	f.Fix = "Restart your router (unplug it for 30 seconds). If it keeps happening, contact your internet provider."
	return f
}

func slowFinding(slow []serverResult, pub serverResult, pubOK bool) checks.Conclusion {
	s := slow[0]
	f := checks.Conclusion{Severity: report.Warn, Tag: diagSlow, Summary: "Your DNS server is slow"}
	switch {
	case pubOK && pub.out == outOK:
		f.Message = fmt.Sprintf("%s is slow: it answers in %s (median), the public DNS server %s in %s. Every new connection of every app waits for it.",
			capital(who(s)), formatMS(s.median), label(pub.Addr), formatMS(pub.median))
		f.Fix = fixFor(s, pub)
	case pub.out == outSlow:
		f.Tag, f.Summary = diagSlowConnection, "DNS is slow from every server: the connection is slow"
		f.Message = fmt.Sprintf("DNS answers are slow from every server: %s answers in %s (median) and the public DNS server %s in %s. The connection itself is slow or overloaded.",
			who(s), formatMS(s.median), label(pub.Addr), formatMS(pub.median))
		f.Fix = "Pause large downloads, uploads, backups and video streams, then run wfh again. If it stays slow, restart your router."
	default:
		f.Message = fmt.Sprintf("%s is slow: it answers in %s (median). Every new connection of every app waits for it.", capital(who(s)), formatMS(s.median))
		f.Fix = fixFor(s, pub)
	}
	return f
}

// companyFindings reports company names, and sets the fact
// company_names_resolve.
func companyFindings(res *checks.Result, ls []lookup, pathOK bool) []checks.Conclusion {
	var fs []checks.Conclusion
	var ok, total int
	var vpnMissing []string
	for _, l := range ls {
		if l.company == nil {
			continue
		}
		total++
		switch {
		case l.out == outOK:
			ok++
		case l.company.VPNOnly:
			vpnMissing = append(vpnMissing, l.name)
		case pathOK:
			// When no name resolves at all, that cause is reported once.
			fs = append(fs, checks.Conclusion{Severity: report.Fail, Tag: diagCompany,
				Summary: "A company name does not resolve",
				Message: fmt.Sprintf("The company name %s does not resolve (%s), although other names do.", l.name, l.detail),
				Fix:     "If your company uses a VPN, connect it and run wfh again. Otherwise tell IT that " + l.name + " does not resolve from your network."})
		}
	}
	if total == 0 {
		return nil
	}
	switch ok {
	case total:
		res.Facts[report.KeyCompanyNamesResolve] = "yes"
	case 0:
		res.Facts[report.KeyCompanyNamesResolve] = "no"
	default:
		res.Facts[report.KeyCompanyNamesResolve] = "partly"
	}
	if len(vpnMissing) > 0 {
		fs = append(fs, checks.Conclusion{Severity: report.Pass, Message: fmt.Sprintf(
			"The company names that resolve only on the VPN (%s) do not resolve now: that is expected while the VPN is off. If you need them, connect the VPN (see the vpn check).",
			strings.Join(vpnMissing, ", "))})
	}
	return fs
}

func passSummary(o observations, working int) string {
	var parts []string
	var med []serverResult
	for _, s := range o.servers {
		if s.role != rolePerDomain && s.worked() && !s.Addr.Addr().IsLoopback() {
			med = append(med, s)
		}
	}
	switch {
	case len(med) == 1:
		parts = append(parts, fmt.Sprintf("DNS works: your server answers in %s (median)", formatMS(med[0].median)))
	case len(med) > 1:
		parts = append(parts, fmt.Sprintf("DNS works: %d servers answer, the first in %s (median)", len(med), formatMS(med[0].median)))
	case working > 0:
		parts = append(parts, "DNS works: the DNS service on this computer answers")
	default:
		parts = append(parts, "DNS works: lookups by apps succeed")
	}
	if v := o.public; v.worked() && o.publicMeasured {
		parts = append(parts, fmt.Sprintf("the public server in %s", formatMS(v.median)))
	}
	if f, ok := companyState(o.lookups); ok {
		parts = append(parts, f)
	}
	return strings.Join(parts, "; ")
}

func companyState(ls []lookup) (string, bool) {
	n, ok, vpnOnly := 0, 0, 0
	for _, l := range ls {
		if l.company != nil {
			n++
			switch {
			case l.out == outOK:
				ok++
			case l.company.VPNOnly:
				vpnOnly++
			}
		}
	}
	switch {
	case n == 0:
		return "", false
	case ok == n:
		return "company names resolve", true
	case ok+vpnOnly == n:
		return "company names for the VPN do not resolve now", true
	case ok == 0:
		return "company names do not resolve", true
	}
	return fmt.Sprintf("%d of %d company names resolve", ok, n), true
}

// who names a server the way a teleworker thinks of it.
func who(s serverResult) string {
	a := s.Addr.Addr()
	switch {
	case s.role == rolePublic:
		return "the public DNS server " + label(s.Addr)
	case a.IsLoopback():
		return "the DNS service on this computer (" + label(s.Addr) + ")"
	case local(a):
		return "your DNS server " + label(s.Addr) + " (on your local network, usually the router)"
	default:
		return "the DNS server " + label(s.Addr) + " (at your internet provider or a DNS service)"
	}
}

// fixFor tells what to do about a server that fails, by where it is.
func fixFor(s serverResult, pub serverResult) string {
	a := s.Addr.Addr()
	switch {
	case a.IsLoopback() && s.Stub:
		return "Restart the computer, or restart its DNS service: sudo systemctl restart systemd-resolved. If it continues, tell IT."
	case a.IsLoopback():
		return "Restart the computer. If it continues, the DNS service running on it (for example dnsmasq, or a security program) needs fixing: tell IT."
	case s.Addr == pub.Addr:
		// The failing server is the reference itself: no alternative to name.
		return "Restart your router (unplug it for 30 seconds). If it keeps happening, set the DNS server your internet provider recommends in your network settings, or contact them."
	case local(a):
		return fmt.Sprintf("Restart your router (unplug it for 30 seconds). If it keeps happening, set a public DNS server such as %s in the router's settings, or contact your internet provider.",
			label(pub.Addr))
	default:
		return fmt.Sprintf("Contact your internet provider: their DNS server fails. Meanwhile, set a public DNS server such as %s in your network settings.",
			label(pub.Addr))
	}
}

// local reports addresses on the home or company network (the router).
func local(a netip.Addr) bool {
	return a.IsPrivate() || a.IsLinkLocalUnicast() || netip.MustParsePrefix("100.64.0.0/10").Contains(a)
}

func describeOutcome(s serverResult) string {
	switch {
	case s.out == outOK, s.out == outSlow:
		return "answers"
	case s.detail != "":
		return "does not work either (" + s.detail + ")"
	}
	return "does not work either"
}

func labels(list []serverResult) string {
	var out []string
	for _, s := range list {
		out = append(out, label(s.Addr))
	}
	return strings.Join(out, ", ")
}

// answering lists the servers that gave good answers, if not to every
// question.
func answering(list []serverResult) []serverResult {
	var out []serverResult
	for _, s := range list {
		if s.worked() || s.out.failure() && !s.dead() {
			out = append(out, s)
		}
	}
	return out
}

func viaIface(name string) string {
	if name == "" {
		return ""
	}
	return " via " + name
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
