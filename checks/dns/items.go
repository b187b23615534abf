package dns

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/rttstats"
	"github.com/wfh-cli/wfh/report"
)

// maxAddrsShown bounds the addresses an item lists: CDNs answer with up to
// a dozen, and the first few say enough.
const maxAddrsShown = 4

func roundMS(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*100) / 100
}

// addItems lists every server tested and every lookup made.
func addItems(res *checks.Result, o observations) {
	list := append([]serverResult(nil), o.servers...)
	if o.publicMeasured {
		list = append(list, o.public)
	}
	for _, s := range list {
		it := report.Item{Label: label(s.Addr), Kind: "resolver", Status: serverStatus(s),
			Attributes: map[string]string{"role": string(s.role), "source": string(s.Source), "outcome": string(s.out)}}
		if s.Interface != "" {
			it.Attributes["interface"] = s.Interface
		}
		if len(s.Domains) > 0 {
			it.Attributes["domains"] = strings.Join(s.Domains, ", ")
		}
		if s.alsoPublic {
			it.Attributes["also_public_comparison"] = "yes"
		}
		switch s.out {
		case outOK:
			it.Summary = "answers correctly, median " + formatMS(s.median)
		case outSlow:
			it.Summary = "slow: median " + formatMS(s.median)
		default:
			it.Summary = string(s.out) + ": " + s.detail
		}
		if s.answered > 0 {
			it.Metrics = append(it.Metrics, report.Measured("median_ms", roundMS(s.median), "ms"))
		} else {
			it.Metrics = append(it.Metrics, report.NotMeasured("median_ms", "ms", "no reply"))
		}
		it.Metrics = append(it.Metrics,
			report.Measured("queries", float64(len(s.results)), ""),
			report.Measured("replies", float64(s.answered), ""))
		res.Items = append(res.Items, it)

		samples := make([]*float64, len(s.results))
		for i, r := range s.results {
			if r.replied {
				v := roundMS(r.rtt)
				samples[i] = &v
			}
		}
		res.Series = append(res.Series, report.Series{Name: "response_ms", Unit: "ms", Item: it.Label, Samples: samples})
	}
	for _, l := range o.lookups {
		it := report.Item{Label: l.name, Kind: "system_lookup", Attributes: map[string]string{"outcome": string(l.out)}}
		if l.company != nil {
			it.Kind = "company_name"
			it.Attributes["vpn_only"] = yesNo(l.company.VPNOnly)
			it.Attributes["resolves"] = yesNo(l.out == outOK)
		}
		if len(l.addrs) > 0 {
			var as []string
			for i, a := range l.addrs {
				if i == maxAddrsShown {
					as = append(as, "and "+strconv.Itoa(len(l.addrs)-i)+" more")
					break
				}
				as = append(as, a.String())
			}
			it.Attributes["addresses"] = strings.Join(as, ", ")
		}
		switch {
		case l.out == outOK:
			it.Status = report.Pass
			it.Summary = "resolves in " + formatMS(l.took)
			it.Metrics = []report.Metric{report.Measured("lookup_ms", roundMS(l.took), "ms")}
		case l.company != nil && l.company.VPNOnly:
			it.Status = report.Skipped
			it.Summary = "does not resolve now (" + l.detail + "); it resolves only on the VPN"
		default:
			it.Status = report.Fail
			it.Summary = string(l.out) + ": " + l.detail
		}
		res.Items = append(res.Items, it)
	}
}

func serverStatus(s serverResult) report.Status {
	switch {
	case s.out == outOK:
		return report.Pass
	case s.out == outSlow, s.out == outWrong && s.hijackOnly:
		return report.Warn
	case s.out.failure() && !s.dead():
		return report.Warn
	}
	return report.Fail
}

// addFigures adds the check's metrics and facts.
func addFigures(res *checks.Result, o observations) {
	var took []time.Duration
	for _, l := range o.lookups {
		if l.company == nil && l.out == outOK {
			took = append(took, l.took)
		}
	}
	med, measured := rttstats.Median(took)
	switch {
	case measured:
		res.Metrics = append(res.Metrics, report.Measured("system_lookup_ms", roundMS(med), "ms"))
	case !o.hasResolver:
		res.Metrics = append(res.Metrics, report.NotMeasured("system_lookup_ms", "ms", "no system resolver to ask"))
	default:
		res.Metrics = append(res.Metrics, report.NotMeasured("system_lookup_ms", "ms", "no lookup succeeded"))
	}

	first := -1
	working := 0
	for i, s := range o.servers {
		if first < 0 && s.role != rolePerDomain && !s.Addr.Addr().IsLoopback() {
			first = i
		}
		if s.worked() {
			working++
		}
	}
	switch {
	case first < 0:
		res.Metrics = append(res.Metrics, report.NotMeasured("resolver_ms", "ms", "no DNS server outside this computer is configured"))
	case o.servers[first].answered == 0:
		res.Metrics = append(res.Metrics, report.NotMeasured("resolver_ms", "ms", label(o.servers[first].Addr)+" did not reply"))
	default:
		res.Metrics = append(res.Metrics, report.Measured("resolver_ms", roundMS(o.servers[first].median), "ms"))
	}
	if o.public.answered > 0 {
		res.Metrics = append(res.Metrics, report.Measured("public_resolver_ms", roundMS(o.public.median), "ms"))
	} else {
		res.Metrics = append(res.Metrics, report.NotMeasured("public_resolver_ms", "ms", label(o.public.Addr)+" did not reply"))
	}
	res.Metrics = append(res.Metrics,
		report.Measured("servers", float64(len(o.servers)), ""),
		report.Measured("servers_working", float64(working), ""))

	if o.cfg.Via != "" {
		res.Facts["dns_source"] = o.cfg.Via
	}
	if len(o.cfg.Search) > 0 {
		res.Facts["search_domains"] = strings.Join(o.cfg.Search, ", ")
	}
	res.Facts["public_resolver"] = label(o.public.Addr)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
