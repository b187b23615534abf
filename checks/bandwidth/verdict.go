package bandwidth

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/report"
)

// What calls need, in Mbit/s. A rate below the floor fails: video calls
// will not work. A rate below the HD figure warns: calls work, in lower
// quality. Sources (docs/checks.md cites them in full):
//
//   - Zoom, "Zoom system requirements: Windows, macOS, Linux", bandwidth:
//     group video 1.0 Mbit/s up / 600 kbit/s down for high quality,
//     2.6/1.8 for 720p, 3.8/3.0 for 1080p HD video.
//   - Microsoft, "Prepare your organization's network for Microsoft
//     Teams", bandwidth requirements: video meetings recommended 2.5 Mbit/s
//     up / 4 Mbit/s down; best performance 4/4.
const (
	// hdDown is Teams' recommended download for video meetings, the
	// highest download any of the two asks for HD.
	hdDown = 4.0
	// hdUp is Zoom's upload for sending 1080p video in a group call.
	hdUp = 3.8
	// videoFloor is Zoom's upload for a group call in its standard
	// ("high quality", not HD) video; below it, video calls break up and
	// only audio (60–80 kbit/s) keeps working.
	videoFloor = 1.0
)

// limits are the profile's settings for the check.
type limits struct {
	server         string
	minDown, minUp float64 // Mbit/s; 0 means none
	budget         int64   // bytes
}

func limitsOf(env *checks.Env) limits {
	l := limits{budget: defaultDataBudget}
	if env.Profile == nil {
		return l
	}
	b := env.Profile.Bandwidth
	l.server = strings.TrimSpace(b.Server)
	l.minDown, l.minUp = b.MinDownloadMbps, b.MinUploadMbps
	if b.MaxData > 0 {
		l.budget = int64(b.MaxData)
	}
	return l
}

// outcome is everything the check observed.
type outcome struct {
	limits  limits
	target  *target
	problem *problem
	// path is the run's default path: which connection was measured.
	path    netstate.Path
	latency latency
	down    dirResult
	up      dirResult
	used    int64
}

func mbps(bps float64) float64 { return bps / 1e6 }

// verdict turns the outcome into the check's result.
func verdict(o outcome, stopped bool) report.Result {
	r := report.Result{Facts: map[string]string{}}
	if o.target != nil {
		if o.target.host != "" {
			r.Facts["server"] = o.target.host
		}
		if o.target.name != "" {
			r.Facts["server_name"] = o.target.name
		}
		r.Facts["server_source"] = o.target.source
		for _, cd := range o.target.tried {
			r.Items = append(r.Items, candidateItem(cd))
		}
	}
	r.Metrics = append(r.Metrics, report.Measured("bytes_used", float64(o.used), "bytes"),
		report.Measured("data_budget", float64(o.limits.budget), "bytes"))

	if o.problem != nil {
		where := "The speed-test server"
		fix := "Run wfh doctor again in a minute. If it keeps failing, a firewall may block speed tests: ask IT for the address of a wfh serve speed-test server and put it in the profile (bandwidth.server)."
		switch {
		case o.problem.kind == "bad_address":
			where = "The profile's speed-test server"
			fix = "Correct bandwidth.server in the profile: a web address such as http://speedtest.example.com:8080/."
		case o.limits.server != "":
			where = strings.TrimSpace("The profile's speed-test server " + hostOrUnknown(o.target))
			fix = "Check that the server named in the profile (bandwidth.server) is running and reachable from here (a VPN may be needed), then run wfh doctor again; if it stays unreachable, tell IT."
		case o.problem.kind == "no_list":
			where = "The list of speed-test servers"
		}
		msg := where + " could not be used: " + o.problem.msg + "."
		if o.problem.kind == "no_list" || o.problem.kind == "no_server" {
			msg = "No speed-test server could be reached: " + o.problem.msg + "."
		}
		var v checks.Verdict
		v.Add(checks.Conclusion{Severity: report.Error, Summary: "not measured: " + o.problem.msg, Message: msg, Fix: fix})
		v.Apply(&r)
		r.Facts["problem"] = o.problem.kind
		r.Metrics = append(r.Metrics, rateMetrics(o)...)
		return r
	}

	r.Metrics = append(r.Metrics, rateMetrics(o)...)
	for _, d := range []dirResult{o.down, o.up} {
		r.Items = append(r.Items, directionItem(d))
		if len(d.series) > 0 {
			s := report.Series{Name: d.dir.String() + "_mbps", Unit: "Mbit/s", Item: d.dir.String(), IntervalSeconds: seriesStep.Seconds()}
			for _, v := range d.series {
				x := round(mbps(v), 2)
				s.Samples = append(s.Samples, &x)
			}
			r.Series = append(r.Series, s)
		}
		r.Facts[d.dir.String()+"_end"] = string(d.ended)
	}
	var v checks.Verdict
	if o.path.ViaTunnel() {
		v.Note(fmt.Sprintf("Measured through the VPN tunnel %s: internet traffic goes through it, so these speeds are the VPN's, not the home connection's alone.", o.path.Interface))
	}
	if o.latency.note != "" {
		v.Note("The idle latency was not measured: " + o.latency.note + ".")
	}
	for _, d := range []dirResult{o.down, o.up} {
		v.Add(judge(d, o.limits, o.path)...)
	}
	// A run stopped early has no verdict on the figures it lacks.
	st := report.Pass
	if stopped {
		st = report.Error
	}
	v.Default(st, summary(o, stopped))
	v.Apply(&r)
	for _, d := range []dirResult{o.down, o.up} {
		for _, f := range d.annotate {
			f(&r)
		}
	}
	return r
}

func hostOrUnknown(t *target) string {
	if t == nil || t.host == "" {
		return ""
	}
	return t.host
}

func rateMetrics(o outcome) []report.Metric {
	var ms []report.Metric
	for i, d := range []dirResult{o.down, o.up} {
		d.dir = direction(i) // an outcome without a server has zero results
		name := [...]string{download: report.KeyDownloadMbps, upload: report.KeyUploadMbps}[d.dir]
		switch {
		case o.problem != nil:
			ms = append(ms, report.NotMeasured(name, "Mbit/s", "no speed-test server"))
		case d.measured:
			ms = append(ms, report.Measured(name, round(mbps(d.bps), 2), "Mbit/s"))
		default:
			ms = append(ms, report.NotMeasured(name, "Mbit/s", whyNot(d)))
		}
	}
	if o.problem == nil && o.latency.note == "" && len(o.latency.samples) > 0 {
		ms = append(ms, report.Measured("idle_latency_ms", round(ms1(o.latency.median), 1), "ms"),
			report.Measured("jitter_ms", round(ms1(o.latency.jitter), 1), "ms"))
	} else {
		why := "no speed-test server"
		if o.problem == nil {
			why = o.latency.note
		}
		ms = append(ms, report.NotMeasured("idle_latency_ms", "ms", why), report.NotMeasured("jitter_ms", "ms", why))
	}
	return ms
}

func ms1(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func round(v float64, digits int) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', digits, 64), 64)
	return f
}

// whyNot says why a direction has no figure.
func whyNot(d dirResult) string {
	switch {
	case d.ended == endSkipped:
		return "no time was left for it"
	case d.ended == endBudget && d.payload == 0:
		return "the data budget was used up before it"
	case d.ended == endCancelled:
		return "the run was interrupted"
	case d.problem != nil && (d.ended == endFailed || d.payload == 0):
		return d.problem.msg
	case d.ended == endStalled && d.dir == download && d.payload > 0:
		return fmt.Sprintf("the server stopped sending for %v", stallAfter)
	case d.ended == endStalled && d.dir == download:
		return "the server sent no data"
	case d.ended == endStalled && d.payload > 0:
		return fmt.Sprintf("the server stopped taking data for %v", stallAfter)
	case d.ended == endStalled:
		return "the server took no data"
	case d.problem != nil:
		return d.problem.msg
	}
	return "too little data moved to give a figure"
}

// judge grades one direction and explains it.
func judge(d dirResult, l limits, path netstate.Path) []checks.Conclusion {
	name, Name := d.dir.String(), "Download"
	floor, hd, min := videoFloor, hdDown, l.minDown
	hdSource := "4 Mbit/s download is what Microsoft recommends for Teams video meetings"
	if d.dir == upload {
		Name = "Upload"
		hd, min = hdUp, l.minUp
		hdSource = "3.8 Mbit/s upload is what Zoom needs to send HD (1080p) video in a group call"
	}
	if !d.measured {
		return []checks.Conclusion{{Severity: report.Error,
			Message: fmt.Sprintf("The %s speed could not be measured: %s.", name, whyNot(d)),
			Fix:     "Run wfh doctor again; if this repeats, the speed-test server may be faulty or blocked: tell IT."}}
	}
	v := mbps(d.bps)
	var fs []checks.Conclusion
	switch {
	case min > 0 && v < min:
		fs = append(fs, checks.Conclusion{Severity: report.Fail,
			Message: fmt.Sprintf("%s speed %s is below your organisation's minimum of %s.", Name, formatRate(d.bps), trimMbps(min)),
			Fix:     fixSlow(d.dir, path) + " If it stays below the minimum, tell IT."})
	case v < floor:
		fs = append(fs, checks.Conclusion{Severity: report.Fail,
			Message: fmt.Sprintf("%s speed %s is too slow for video calls: even standard-quality video needs about 1 Mbit/s (Zoom); audio alone may still work.", Name, formatRate(d.bps)),
			Fix:     fixSlow(d.dir, path)})
	case v < hd:
		fs = append(fs, checks.Conclusion{Severity: report.Warn,
			Message: fmt.Sprintf("%s speed %s is below what HD video calls need (%s): calls will work in lower quality.", Name, formatRate(d.bps), hdSource),
			Fix:     fixSlow(d.dir, path)})
	}
	if note := endNote(d); note != "" {
		fs = append(fs, checks.Conclusion{Severity: report.Pass, Message: note})
	}
	if d.failures > 0 && d.problem != nil {
		fs = append(fs, checks.Conclusion{Severity: report.Pass,
			Message: fmt.Sprintf("%d of the %s transfers failed (%s); the figure counts only the bytes that arrived.", d.failures, name, d.problem.msg)})
	}
	return fs
}

// fixSlow words the advice for a slow direction; a cable is suggested only
// to a user on Wi-Fi.
func fixSlow(d direction, path netstate.Path) string {
	cable := ""
	if path.OnWiFi() {
		cable = "; use a cable instead of Wi-Fi if you can"
	}
	if d == upload {
		return "During calls, pause uploads (cloud backup, photo and file sync) and turn off video when you do not need it" + cable + ". If it is always this slow, ask your provider about a faster plan."
	}
	return "During calls, pause downloads and streaming on this computer and others at home" + cable + ". If it is always this slow, ask your provider about a faster plan."
}

// endNote explains a figure that was not settled.
func endNote(d dirResult) string {
	switch d.ended {
	case endBudget:
		if d.ramp {
			return fmt.Sprintf("The data budget let the %s run for only %.1f s, less than TCP needs to reach full speed: the figure includes the start-up and reads low (raise bandwidth.max_data or --max-data for a real figure).",
				d.dir, d.over.Seconds())
		}
		return fmt.Sprintf("The %s stopped when the data budget was used up, before its speed had settled: the figure covers %.1f s and may read a little low (raise bandwidth.max_data or --max-data for a longer test).",
			d.dir, d.over.Seconds())
	case endTime:
		if d.ramp {
			return fmt.Sprintf("The %s speed was still climbing when its time ran out: the figure includes the start-up and may read low.", d.dir)
		}
		return fmt.Sprintf("The %s speed kept changing during the test (a busy or unstable link): the figure is the average over %.1f s.", d.dir, d.over.Seconds())
	}
	return ""
}

func trimMbps(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64) + " Mbit/s"
}

func summary(o outcome, stopped bool) string {
	part := func(d dirResult) string {
		if d.measured {
			return formatRate(d.bps)
		}
		return "not measured"
	}
	s := fmt.Sprintf("Download %s, upload %s", part(o.down), part(o.up))
	if o.latency.note == "" && len(o.latency.samples) > 0 {
		s += fmt.Sprintf(", latency %s", formatMS(o.latency.median))
	}
	if o.target != nil && o.target.host != "" {
		s += " (" + o.target.host + ")"
	}
	if stopped {
		s = "stopped before it finished: " + s
	}
	return s
}

func formatMS(d time.Duration) string {
	v := ms1(d)
	if v < 10 {
		return strconv.FormatFloat(round(v, 1), 'f', -1, 64) + " ms"
	}
	return strconv.FormatFloat(round(v, 0), 'f', -1, 64) + " ms"
}

func directionItem(d dirResult) report.Item {
	it := report.Item{Label: d.dir.String(), Kind: "direction", Status: report.Pass,
		Attributes: map[string]string{"ended_by": string(d.ended), "connections": strconv.Itoa(d.conns)}}
	if d.measured {
		it.Summary = formatRate(d.bps)
		it.Metrics = append(it.Metrics, report.Measured("rate_mbps", round(mbps(d.bps), 2), "Mbit/s"),
			report.Measured("measured_seconds", round(d.over.Seconds(), 2), "s"))
	} else {
		it.Status = report.Error
		it.Summary = "not measured: " + whyNot(d)
		it.Metrics = append(it.Metrics, report.NotMeasured("rate_mbps", "Mbit/s", whyNot(d)))
	}
	if d.warm > 0 {
		it.Metrics = append(it.Metrics, report.Measured("warmup_seconds", round(d.warm.Seconds(), 2), "s"))
	}
	it.Metrics = append(it.Metrics, report.Measured("seconds", round(d.elapsed.Seconds(), 2), "s"),
		report.Measured("bytes", float64(d.bytes), "bytes"),
		report.Measured("requests", float64(d.requests), ""),
		report.Measured("failed_requests", float64(d.failures), ""))
	if d.problem != nil {
		it.Attributes["problem"] = d.problem.kind
	}
	return it
}

func candidateItem(c candidate) report.Item {
	it := report.Item{Label: c.host, Kind: "server", Status: report.Pass}
	if c.name != "" {
		it.Attributes = map[string]string{"name": c.name}
	}
	if c.problem != nil {
		it.Status = report.Fail
		it.Summary = c.problem.msg
		it.Metrics = append(it.Metrics, report.NotMeasured("rtt_ms", "ms", c.problem.kind))
		return it
	}
	it.Metrics = append(it.Metrics, report.Measured("rtt_ms", round(ms1(c.rtt), 1), "ms"))
	return it
}
