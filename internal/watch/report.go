package watch

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// ResultID and ResultTitle name the one result of a watch report.
const (
	ResultID    = "watch"
	ResultTitle = "Watching the connection"
)

// watchSection builds the report's watch section.
func (e *engine) watchSection(ended string, watched time.Duration) report.Watch {
	w := report.Watch{
		IntervalSeconds: e.cfg.Every.Seconds(),
		PlannedSeconds:  e.cfg.For.Seconds(),
		WatchedSeconds:  math.Max(watched.Seconds(), 0),
		AsleepSeconds:   e.asleep.Seconds(),
		Ended:           ended,
		DataBudgetBytes: e.cfg.Budget,
		DataUsedBytes:   e.used.Load(),
		Method:          string(e.cfg.Echo.Method()),
		Connection:      e.conn,
		Counts:          e.counts,
		Notes:           e.notes,
		Minutes:         e.minutes,
	}
	if w.Method == string(MethodDNS) || w.Method == "" {
		w.Method = string(MethodICMP)
	}
	n := len(e.reg.list)
	for i := range w.Minutes {
		m := &w.Minutes[i]
		for len(m.Sent) < n {
			m.Sent, m.Lost = append(m.Sent, 0), append(m.Lost, 0)
			m.P50Ms, m.P95Ms, m.MaxMs = append(m.P50Ms, nil), append(m.P95Ms, nil), append(m.MaxMs, nil)
		}
	}
	anchors := 0
	for _, i := range e.ladder {
		if e.reg.list[i].Role == RoleAnchor {
			anchors++
		}
	}
	for _, r := range e.reg.list {
		g := report.WatchRung{Label: r.Label, Role: string(r.Role), Where: whereOf(r.Level), Sent: r.sent, Lost: r.lost}
		if r.Addr.IsValid() {
			g.Address = r.Addr.String()
		}
		g.Method = string(e.cfg.Echo.Method())
		if r.Role == RoleDNSLookup {
			g.Method = string(MethodDNS)
		}
		if r.active {
			g.ProbesPerMinute = math.Round(e.plan.PerMinute(r.Role, e.cfg.Every, anchors)*10) / 10
		}
		if r.sent > 0 {
			v := 100 * float64(r.lost) / float64(r.sent)
			g.LossPercent = &v
		}
		if q, ok := r.hist.quantile(0.5); ok {
			v := msOf(q)
			g.P50Ms = &v
		}
		if q, ok := r.hist.quantile(0.95); ok {
			v := msOf(q)
			g.P95Ms = &v
		}
		if r.hist.n > 0 {
			v := msOf(r.hist.max)
			g.MaxMs = &v
		}
		w.Rungs = append(w.Rungs, g)
	}
	w.Events = append([]report.WatchEvent(nil), e.events...)
	sort.SliceStable(w.Events, func(i, j int) bool { return w.Events[i].Start.Before(w.Events[j].Start) })
	total := 0
	for _, c := range e.counts {
		total += c
	}
	w.EventsNotListed = total - len(w.Events)
	return w
}

// problemKinds are the kinds that make a verdict, worst first.
var problemKinds = []string{report.WatchKindOutage, report.WatchKindVPN, report.WatchKindDNS, report.WatchKindRoute,
	report.WatchKindLoss, report.WatchKindLatency, report.WatchKindWiFiSignal}

// buildResult is the watch's verdict, summary sentence and fixes.
func buildResult(w report.Watch, kind string, watched time.Duration) report.Result {
	res := report.Result{ID: ResultID, Title: ResultTitle, Status: report.Pass, DurationSeconds: w.WatchedSeconds + w.AsleepSeconds}
	byKind := map[string][]report.WatchEvent{}
	for _, ev := range w.Events {
		if ev.Severity == report.Pass && !(ev.Kind == report.WatchKindRoute && ev.DurationSeconds > 0) {
			continue
		}
		byKind[ev.Kind] = append(byKind[ev.Kind], ev)
		res.Status = report.Worst(res.Status, ev.Severity)
	}
	var parts []string
	for _, k := range problemKinds {
		evs := byKind[k]
		if len(evs) == 0 {
			continue
		}
		n := w.Counts[k]
		if n < len(evs) {
			n = len(evs)
		}
		head, detail, place := kindSummary(k, evs, n, kind)
		if len(parts) == 0 {
			parts = append(parts, head+" in "+shortDur(watched)+detail+place)
		} else {
			parts = append(parts, head+detail+place)
		}
		head += detail
		res.Findings = append(res.Findings, report.Finding{
			Severity: evs[0].Severity,
			Message:  head + place + " (the first at " + evs[0].Start.Local().Format("15:04:05") + "; the events table has them all).",
			Fix:      fixFor(k, evs, kind),
		})
	}
	if len(parts) == 0 {
		res.Summary = "No drops in " + shortDur(watched) + ": the connection held the whole time."
	} else {
		res.Summary = strings.Join(parts, "; ") + "."
		res.Summary = strings.ToUpper(res.Summary[:1]) + res.Summary[1:]
	}
	if n := w.Counts[report.WatchKindWiFiRoam]; n > 0 {
		res.Findings = append(res.Findings, report.Finding{Severity: report.Pass,
			Message: fmt.Sprintf("The Wi-Fi moved between access points %d %s (roams); each is in the events table.", n, plural(n, "time", "times"))})
	}
	if w.AsleepSeconds > 0 {
		res.Findings = append(res.Findings, report.Finding{Severity: report.Pass,
			Message: "The computer slept for " + shortDur(time.Duration(w.AsleepSeconds*float64(time.Second))) + " of the watch: not watched, and not counted as outages."})
	}
	if w.Ended == report.WatchEndedDataBudget {
		res.Findings = append(res.Findings, report.Finding{Severity: report.Warn,
			Message: "The watch stopped before its time: its data budget was used up.",
			Fix:     "Run it again with a larger --max-data, or a longer --every."})
		res.Status = report.Worst(res.Status, report.Warn)
	}
	res.Facts = map[string]string{"ended": w.Ended, "method": w.Method}
	if w.Connection != "" {
		res.Facts["connection"] = w.Connection
	}
	secs := func(evs []report.WatchEvent) (total, longest float64) {
		for _, ev := range evs {
			total += ev.DurationSeconds
			longest = math.Max(longest, ev.DurationSeconds)
		}
		return total, longest
	}
	outTotal, outLongest := secs(byKind[report.WatchKindOutage])
	res.Metrics = []report.Metric{
		report.Measured("watched_seconds", w.WatchedSeconds, "s"),
		report.Measured("outages", float64(w.Counts[report.WatchKindOutage]), ""),
		report.Measured("outage_seconds", outTotal, "s"),
		report.Measured("longest_outage_seconds", outLongest, "s"),
		report.Measured("loss_bursts", float64(w.Counts[report.WatchKindLoss]), ""),
		report.Measured("latency_spikes", float64(w.Counts[report.WatchKindLatency]), ""),
		report.Measured("dns_failures", float64(w.Counts[report.WatchKindDNS]), ""),
		report.Measured("vpn_drops", float64(w.Counts[report.WatchKindVPN]), ""),
		report.Measured("data_used_bytes", float64(w.DataUsedBytes), "bytes"),
	}
	return res
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// kindSummary words the events of one kind in three parts: "3
// outages", ", longest 41 s" and ", all starting at your router: Wi-Fi".
func kindSummary(k string, evs []report.WatchEvent, n int, conn string) (head, detail, place string) {
	head = fmt.Sprintf("%d %s", n, report.WatchKindWord(k, n))
	if k == report.WatchKindRoute {
		head = fmt.Sprintf("no default route %d %s", n, plural(n, "time", "times"))
	}
	longest := 0.0
	for _, ev := range evs {
		longest = math.Max(longest, ev.DurationSeconds)
	}
	if longest > 0 {
		d := shortDur(time.Duration(longest * float64(time.Second)))
		switch {
		case k == report.WatchKindRoute && n == 1:
			head = "no default route for " + d
		case n == 1:
			head += " of " + d
		default:
			detail = ", longest " + d
		}
	}
	where, share := dominant(evs)
	if k == report.WatchKindRoute || k == report.WatchKindWiFiSignal {
		return head, detail, ""
	}
	words := placeWords(levelOfWhere(where), conn)
	switch k {
	case report.WatchKindVPN:
		words = "at the VPN"
		if where == report.WhereHome {
			words = "at this computer's VPN client"
		}
	case report.WatchKindDNS:
		words = "at the DNS server"
	}
	switch {
	case where == "" && share == len(evs):
		return head, detail, ", where it starts could not be told"
	case share == len(evs) && n == 1:
		return head, detail, ", starting " + words
	case share == len(evs):
		return head, detail, ", all starting " + words
	}
	return head, detail, fmt.Sprintf(", %d of them starting %s", share, words)
}

// dominant is the place most of evs start at, and how many do.
func dominant(evs []report.WatchEvent) (string, int) {
	count := map[string]int{}
	best, bestN := "", 0
	for _, ev := range evs {
		count[ev.Where]++
	}
	for _, w := range []string{report.WhereHome, report.WhereProvider, report.WhereBeyond, ""} {
		if count[w] > bestN {
			best, bestN = w, count[w]
		}
	}
	return best, bestN
}

func levelOfWhere(w string) Level {
	switch w {
	case report.WhereHome:
		return LevelHome
	case report.WhereProvider:
		return LevelProvider
	case report.WhereBeyond:
		return LevelBeyond
	}
	return LevelUnknown
}

// fixFor is the next step for events of kind k, by where most start.
func fixFor(k string, evs []report.WatchEvent, conn string) string {
	where, _ := dominant(evs)
	switch k {
	case report.WatchKindDNS:
		return "Restart the router; if lookups keep failing, ask IT for another DNS server and send them this report."
	case report.WatchKindVPN:
		if where == report.WhereHome {
			return "The VPN client disconnected while the internet worked: send this report to IT, and check the VPN client's settings for reconnecting."
		}
		return "The VPN dropped while the internet worked: send this report to IT, whose VPN it is; the events table has the times."
	case report.WatchKindRoute:
		return "The computer lost its network connection itself: check that the Wi-Fi or the cable stays connected, and update the network adapter's driver."
	case report.WatchKindWiFiSignal:
		return "Move closer to the router or remove what stands between (walls, metal, a microwave), or use a cable for calls."
	}
	switch where {
	case report.WhereHome:
		switch conn {
		case "wifi":
			return "Move closer to the router or use a cable; if it also happens on a cable, restart the router."
		case "wired":
			return "Try another cable and another port on the router, then restart the router."
		}
		return "Check the Wi-Fi or the cable between this computer and the router, then restart the router."
	case report.WhereProvider:
		return "Report the times in the events table to your internet provider: the problem starts on their line."
	case report.WhereBeyond:
		return "The problem starts past your provider, on the internet: if it keeps happening, send this report to IT."
	}
	return "Send this report to IT: the events table has the times."
}
