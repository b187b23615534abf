// Package summary answers a support agent's first questions from a report:
// one row per key figure (KeyFacts), read under the names in report/keys.go,
// and the problems to fix, worst first (Problems). The HTML card and the
// Markdown first screen both show what it returns, so they never disagree.
package summary

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/internal/human"
	"github.com/wfh-cli/wfh/report/internal/look"
)

// figure is one key figure the summary reads: a metric or a fact, under a
// name from report/keys.go, and the check expected to publish it. A figure
// is looked up first in that check's result and then in any other, so that
// checks that are not in the run (--only, --quick) simply give fewer rows;
// the VPN's target counts and the DNS check's company names are read from
// their own check only, as such generic names may mean something else
// elsewhere. docs/checks.md ("Key figures in the report summary") lists them.
type figure struct {
	Check string
	Name  string
	Fact  bool // a fact; otherwise a metric
}

func metricOf(check, name string) figure { return figure{Check: check, Name: name} }
func factOf(check, name string) figure   { return figure{Check: check, Name: name, Fact: true} }

// figures is every name the summary reads: the lookups below take their
// names from here and nowhere else, so that the tests see all of them
// (TestEveryKeyFigureIsPublished, TestEveryFigureShows).
var figures = struct {
	OSPrettyName, OSName, OSVersion, Uptime, ClockOffset figure
	ConnectionType, Connectivity, GatewayRTT             figure
	Signal, Band, Standard                               figure
	Download, Upload, LoadGrade, LoadIncrease            figure
	RTT, Jitter, Loss, ProblemsStart, CallQuality        figure
	VPNState, VPNAnswered, VPNTested                     figure
	ServicesTested, ServicesReachable, ServicesDown      figure
	CompanyNames                                         figure
	TeamsMedia, TeamsVideoUp, TeamsVideoDown             figure
	ZoomMedia, ZoomVideoUp, ZoomVideoDown                figure
	MeetMedia, MeetVideoUp, MeetVideoDown                figure
	WebexMedia, WebexVideoUp, WebexVideoDown             figure
}{
	OSPrettyName: factOf(idSystem, report.KeyOSPrettyName),
	OSName:       factOf(idSystem, report.KeyOSName),
	OSVersion:    factOf(idSystem, report.KeyOSVersion),
	Uptime:       metricOf(idSystem, report.KeyUptimeSeconds),
	ClockOffset:  metricOf(idSystem, report.KeyClockOffsetSeconds),

	ConnectionType: factOf(idNetwork, report.KeyConnectionType),
	Connectivity:   factOf(idNetwork, report.KeyConnectivity),
	GatewayRTT:     metricOf(idNetwork, report.KeyGatewayRTTMs),

	Signal:   metricOf(idWiFi, report.KeySignalDBm),
	Band:     factOf(idWiFi, report.KeyBand),
	Standard: factOf(idWiFi, report.KeyStandard),

	Download: metricOf(idBandwidth, report.KeyDownloadMbps),
	Upload:   metricOf(idBandwidth, report.KeyUploadMbps),
	// responsiveness under load: measured by the speed test
	LoadGrade:    factOf(idBandwidth, report.KeyBufferbloatGrade),
	LoadIncrease: metricOf(idBandwidth, report.KeyLatencyIncreaseMs),

	RTT:           metricOf(idLatency, report.KeyRTTMs),
	Jitter:        metricOf(idLatency, report.KeyJitterMs),
	Loss:          metricOf(idLatency, report.KeyLossPercent),
	ProblemsStart: factOf(idLatency, report.KeyProblemsStart),
	CallQuality:   factOf(idLatency, report.KeyCallQuality),

	VPNState:    factOf(idVPN, report.KeyVPNState),
	VPNAnswered: metricOf(idVPN, report.KeyTargetsAnswered),
	VPNTested:   metricOf(idVPN, report.KeyTargetsTested),

	ServicesTested:    metricOf(idServices, report.KeyServicesTested),
	ServicesReachable: metricOf(idServices, report.KeyServicesReachable),
	ServicesDown:      factOf(idServices, report.KeyServicesUnreachable),

	CompanyNames: factOf(idDNS, report.KeyCompanyNamesResolve),

	// the call verdict per app: the calls check's media path and what
	// the vendor says HD video needs
	TeamsMedia:     factOf(idCalls, report.KeyTeamsMedia),
	TeamsVideoUp:   metricOf(idCalls, report.KeyTeamsVideoNeedUpMbps),
	TeamsVideoDown: metricOf(idCalls, report.KeyTeamsVideoNeedDownMbps),
	ZoomMedia:      factOf(idCalls, report.KeyZoomMedia),
	ZoomVideoUp:    metricOf(idCalls, report.KeyZoomVideoNeedUpMbps),
	ZoomVideoDown:  metricOf(idCalls, report.KeyZoomVideoNeedDownMbps),
	MeetMedia:      factOf(idCalls, report.KeyMeetMedia),
	MeetVideoUp:    metricOf(idCalls, report.KeyMeetVideoNeedUpMbps),
	MeetVideoDown:  metricOf(idCalls, report.KeyMeetVideoNeedDownMbps),
	WebexMedia:     factOf(idCalls, report.KeyWebexMedia),
	WebexVideoUp:   metricOf(idCalls, report.KeyWebexVideoNeedUpMbps),
	WebexVideoDown: metricOf(idCalls, report.KeyWebexVideoNeedDownMbps),
}

// Check ids the summary prefers for each row.
const (
	idSystem    = "system"
	idNetwork   = "network"
	idWiFi      = "wifi"
	idBandwidth = "bandwidth"
	idLatency   = "latency"
	idVPN       = "vpn"
	idServices  = "services"
	idDNS       = "dns"
	idCalls     = "calls"
	idCamera    = "camera"
	idAudio     = "audio"
)

// Rune budgets of the summary. A row is a few words; the check's own
// section shows the whole value.
const (
	keyMaxValue = 120 // a row's value and each of its details
	keyMaxPart  = 60  // one machine-provided part inside a value
)

// Fact is one row of the summary. Value and Details are one tidy line each
// (human.FlatClip), not yet escaped for any format: each renderer escapes
// them for its own.
type Fact struct {
	Label   string // wfh's own words
	Value   string
	Details []string
	// Result is the index of the result the row links to, -1 for none.
	// Status is the row's verdict, "" for none; it is the result's,
	// except for a device row, which shows the device's own.
	Result int
	Status report.Status
}

// KeyFacts builds the summary's rows in a fixed order: computer,
// connection, Wi-Fi, speed, latency, under load, calls per app, VPN,
// company services, DNS, camera, microphone and speaker, local time.
func KeyFacts(r report.Report) []Fact {
	c := &keyBuilder{r: r}
	c.computer()
	c.connection()
	c.wifi()
	c.speed()
	c.latency()
	c.underLoad()
	c.calls()
	c.vpn()
	c.services()
	c.dns()
	c.fallback("Camera", idCamera)
	c.audio()
	c.localTime()
	return c.facts
}

// keyBuilder holds one summary's lookups.
type keyBuilder struct {
	r     report.Report
	facts []Fact
}

// order lists result indexes with the results of check id first.
func (c *keyBuilder) order(id string) []int {
	var first, rest []int
	for i, res := range c.r.Results {
		if id != "" && res.ID == id {
			first = append(first, i)
		} else {
			rest = append(rest, i)
		}
	}
	return append(first, rest...)
}

// result returns the index of the result of check id, or -1.
func (c *keyBuilder) result(id string) int {
	for i, res := range c.r.Results {
		if res.ID == id {
			return i
		}
	}
	return -1
}

// metric finds metric figure f, preferring the result of its check. A
// metric that was not measured is returned too: "not measured (why)" is a
// true answer.
func (c *keyBuilder) metric(f figure) (report.Metric, int, bool) {
	for _, i := range c.order(f.Check) {
		if m, ok := c.r.Results[i].Metric(f.Name); ok {
			return m, i, true
		}
	}
	return report.Metric{}, -1, false
}

// measured is metric when it has a value.
func (c *keyBuilder) measured(f figure) (report.Metric, int, bool) {
	m, i, ok := c.metric(f)
	if !ok || m.Value == nil {
		return report.Metric{}, -1, false
	}
	return m, i, true
}

// fact finds the non-empty fact figure f, preferring the result of its
// check.
func (c *keyBuilder) fact(f figure) (string, int, bool) {
	for _, i := range c.order(f.Check) {
		if v := strings.TrimSpace(c.r.Results[i].Facts[f.Name]); v != "" {
			return v, i, true
		}
	}
	return "", -1, false
}

// factIn is fact figure f of result i only.
func (c *keyBuilder) factIn(i int, f figure) string {
	return strings.TrimSpace(c.r.Results[i].Facts[f.Name])
}

// add appends a row; idx is the result that gives the row its verdict, or -1.
func (c *keyBuilder) add(label string, idx int, value string, details ...string) {
	f := Fact{Label: label, Value: human.FlatClip(value, keyMaxValue), Result: idx}
	for _, d := range details {
		if d != "" {
			f.Details = append(f.Details, human.FlatClip(d, keyMaxValue))
		}
	}
	if idx >= 0 {
		f.Status = c.r.Results[idx].Status
	}
	c.facts = append(c.facts, f)
}

// fallback shows a check's own summary when there is no figure for it,
// and reports whether the check is in the report at all.
func (c *keyBuilder) fallback(label, id string, details ...string) bool {
	i := c.result(id)
	if i < 0 {
		return false
	}
	s := c.r.Results[i].Summary
	if strings.TrimSpace(s) == "" {
		s = look.Of(c.r.Results[i].Status).Word
	}
	c.add(label, i, s, details...)
	return true
}

// stopped is true for a check that did not measure (skipped or error): its
// summary says why, which is better than a row of "not measured".
func (c *keyBuilder) stopped(id string) bool {
	i := c.result(id)
	return i >= 0 && (c.r.Results[i].Status == report.Skipped || c.r.Results[i].Status == report.Error)
}

// part clips one machine-provided value inside a row, so that a runaway
// value cannot push the rest of the row out.
func part(s string) string { return human.FlatClip(s, keyMaxPart) }

func val(m report.Metric) string { return part(m.FormatValue()) }

func (c *keyBuilder) computer() {
	osName, idx, ok := c.fact(figures.OSPrettyName)
	if !ok {
		if name, i, ok := c.fact(figures.OSName); ok {
			osName, idx = name, i
			if v := c.factIn(i, figures.OSVersion); v != "" {
				osName += " " + v
			}
		}
	}
	if osName == "" {
		osName = look.OSArch(c.r.Host)
		idx = c.result(idSystem)
	}
	var restart string
	if m, _, ok := c.measured(figures.Uptime); ok && m.Unit == "s" && *m.Value >= 0 {
		restart = "Last restart " + human.Seconds(*m.Value) + " ago"
	}
	if osName == "" && restart == "" {
		return
	}
	if osName == "" {
		osName = "unknown system"
	}
	c.add("Computer", idx, part(osName), restart)
}

var connTypeWords = map[string]string{
	"wired": "Wired (cable)", "wifi": "Wi-Fi", "tunnel": "VPN tunnel", "other": "Other connection", "unknown": "Unknown connection type",
}

var connectivityWords = map[string]string{
	"online":           "online",
	"online_via_proxy": "online through a proxy",
	"offline":          "offline",
	"captive_portal":   "a sign-in page blocks the internet",
	"intercepted":      "something intercepts secure connections",
}

// words maps a well-known value to plain words and shows anything else as
// it is, clipped.
func words(table map[string]string, v string) string {
	if w, ok := table[v]; ok {
		return w
	}
	return part(v)
}

func (c *keyBuilder) connection() {
	ct, ci, okT := c.fact(figures.ConnectionType)
	conn, cj, okC := c.fact(figures.Connectivity)
	if !okT && !okC {
		c.fallback("Connection", idNetwork)
		return
	}
	var parts []string
	idx := ci
	// an unknown type says nothing next to "offline"
	if okT && (ct != "unknown" || !okC) {
		parts = append(parts, words(connTypeWords, ct))
	}
	if okC {
		parts = append(parts, words(connectivityWords, conn))
		idx = cj
	}
	value := strings.Join(parts, ", ")
	if r, size := utf8.DecodeRuneInString(value); r != utf8.RuneError {
		value = string(unicode.ToUpper(r)) + value[size:]
	}
	var router string
	if m, _, ok := c.measured(figures.GatewayRTT); ok {
		router = "Router answers in " + val(m)
	}
	c.add("Connection", idx, value, router)
}

func (c *keyBuilder) wifi() {
	if c.stopped(idWiFi) {
		c.fallback("Wi-Fi", idWiFi)
		return
	}
	m, idx, ok := c.metric(figures.Signal)
	if !ok {
		c.fallback("Wi-Fi", idWiFi)
		return
	}
	parts := []string{"signal " + val(m)}
	for _, f := range []figure{figures.Band, figures.Standard} {
		if v := c.factIn(idx, f); v != "" {
			parts = append(parts, part(v))
		}
	}
	c.add("Wi-Fi", idx, strings.Join(parts, ", "))
}

func (c *keyBuilder) speed() {
	if c.stopped(idBandwidth) {
		c.fallback("Speed", idBandwidth)
		return
	}
	down, di, okD := c.metric(figures.Download)
	up, ui, okU := c.metric(figures.Upload)
	if !okD && !okU {
		c.fallback("Speed", idBandwidth)
		return
	}
	var parts []string
	idx := ui
	if okD {
		parts = append(parts, val(down)+" down")
		idx = di
	}
	if okU {
		parts = append(parts, val(up)+" up")
	}
	c.add("Speed", idx, strings.Join(parts, ", "))
}

func (c *keyBuilder) latency() {
	if c.stopped(idLatency) {
		c.fallback("Latency", idLatency)
		return
	}
	lat, idx, ok := c.metric(figures.RTT)
	if !ok {
		c.fallback("Latency", idLatency)
		return
	}
	parts := []string{val(lat)}
	res := c.r.Results[idx]
	// jitter and loss from the same result, so the three figures describe
	// the same measurement
	for _, g := range []struct {
		f    figure
		word string
	}{{figures.Jitter, "jitter "}, {figures.Loss, "loss "}} {
		if m, ok := res.Metric(g.f.Name); ok {
			parts = append(parts, g.word+val(m))
		}
	}
	var where, calls string
	// the latency check says where loss starts only when there is loss
	if v, _, ok := c.fact(figures.ProblemsStart); ok {
		where = "Problems start: " + part(v)
	}
	if v, _, ok := c.fact(figures.CallQuality); ok && v != "not_measured" {
		calls = "Calls: " + part(strings.ReplaceAll(v, "_", " "))
	}
	c.add("Latency", idx, strings.Join(parts, ", "), where, calls)
}

func (c *keyBuilder) underLoad() {
	grade, gi, okG := c.fact(figures.LoadGrade)
	inc, ii, okI := c.measured(figures.LoadIncrease)
	if !okG && !okI {
		return
	}
	var parts []string
	idx := ii
	if okG {
		parts = append(parts, "grade "+part(grade))
		idx = gi
	}
	if okI {
		parts = append(parts, "+"+val(inc)+" when the line is busy")
	}
	c.add("Under load", idx, strings.Join(parts, ", "))
}

// callApps are the calling apps of the call verdict, in report order.
var callApps = []struct {
	label           string
	media, up, down figure
}{
	{"Teams calls", figures.TeamsMedia, figures.TeamsVideoUp, figures.TeamsVideoDown},
	{"Zoom calls", figures.ZoomMedia, figures.ZoomVideoUp, figures.ZoomVideoDown},
	{"Meet calls", figures.MeetMedia, figures.MeetVideoUp, figures.MeetVideoDown},
	{"Webex calls", figures.WebexMedia, figures.WebexVideoUp, figures.WebexVideoDown},
}

// calls gives the call verdict of each app the calls check tested: its
// media path, with the latency check's call quality when media goes over
// UDP ("good, over UDP"), and whether the measured speed carries the HD
// video the vendor sizes for. The check publishes the path and the needs;
// the quality and the speed come from their own checks, so the row says
// what each check in the run found.
func (c *keyBuilder) calls() {
	i := c.result(idCalls)
	if i < 0 {
		return
	}
	if c.stopped(idCalls) {
		c.fallback("Calls", idCalls)
		return
	}
	quality, _, _ := c.fact(figures.CallQuality)
	down, _, okD := c.measured(figures.Download)
	up, _, okU := c.measured(figures.Upload)
	for _, a := range callApps {
		path := c.factIn(i, a.media)
		if path == "" {
			continue
		}
		value, status := callWords(path, quality)
		if status == "" {
			status = c.r.Results[i].Status
		}
		var detail string
		needUp, okNU := c.r.Results[i].Metric(a.up.Name)
		needDown, okND := c.r.Results[i].Metric(a.down.Name)
		if okNU && okND && needUp.Value != nil && needDown.Value != nil {
			need := val(needUp) + " up, " + val(needDown) + " down"
			switch {
			case okD && okU && (*up.Value < *needUp.Value || *down.Value < *needDown.Value):
				detail = "Too slow for HD video (needs " + need + "; this line has " + val(up) + " up, " + val(down) + " down)"
				status = report.Worst(status, report.Warn)
			case okD && okU:
				detail = "Fast enough for HD video (needs " + need + ")"
			default:
				detail = "HD video needs " + need
			}
		}
		f := Fact{Label: a.label, Value: human.FlatClip(value, keyMaxValue), Result: i, Status: status}
		if detail != "" {
			f.Details = []string{human.FlatClip(detail, keyMaxValue)}
		}
		c.facts = append(c.facts, f)
	}
}

// callWords is an app's call verdict in words and the status it carries
// ("" when the path is not one wfh knows: the check's status applies).
// Over UDP the latency check's quality (good, fair, poor) leads; over TCP
// alone the fallback is the news, whatever the line.
func callWords(path, quality string) (string, report.Status) {
	q := ""
	st := report.Pass
	switch quality {
	case "good":
		q = "good, "
	case "fair":
		q, st = "fair, ", report.Warn
	case "poor":
		q, st = "poor, ", report.Fail
	}
	switch path {
	case "udp":
		return q + "over UDP", st
	case "udp_untested":
		// the line's quality says little of a path that was not tested
		return "servers reached on 443; UDP not testable here", report.Pass
	case "tcp_only":
		return "only over TCP 443 — expect breakups", report.Warn
	case "blocked":
		return "cannot reach its servers", report.Fail
	case "unknown":
		return "not tested (see the calls check)", report.Error
	}
	return part(path), ""
}

// vpn says whether the VPN is connected and whether the company services
// the profile names answer through it.
func (c *keyBuilder) vpn() {
	var services string
	if i := c.result(idVPN); i >= 0 {
		res := c.r.Results[i]
		answered, okA := res.Metric(figures.VPNAnswered.Name)
		tested, okT := res.Metric(figures.VPNTested.Name)
		if okA && okT && answered.Value != nil && tested.Value != nil && *tested.Value > 0 {
			services = "Company services: " + human.TrimFloat(*answered.Value, 0) + " of " + human.TrimFloat(*tested.Value, 0) + " answer"
		}
	}
	if v, i, ok := c.fact(figures.VPNState); ok {
		c.add("VPN", i, part(v), services)
		return
	}
	c.fallback("VPN", idVPN, services)
}

// services answers "are the company services reachable?" from the
// services check, when the profile lists services: how many of them
// answered, and which did not. A run whose profile lists none (the check
// publishes zero tested) has no row; a check that did not run (offline)
// shows why.
func (c *keyBuilder) services() {
	i := c.result(idServices)
	if i < 0 {
		return
	}
	res := c.r.Results[i]
	tested, okT := res.Metric(figures.ServicesTested.Name)
	reachable, okR := res.Metric(figures.ServicesReachable.Name)
	if okT && tested.Value != nil && *tested.Value == 0 {
		return
	}
	if !okT || !okR || tested.Value == nil || reachable.Value == nil {
		c.fallback("Company services", idServices)
		return
	}
	value := human.TrimFloat(*reachable.Value, 0) + " of " + human.TrimFloat(*tested.Value, 0) + " reachable"
	if *reachable.Value == *tested.Value {
		value = "all " + human.TrimFloat(*tested.Value, 0) + " reachable"
	}
	var down string
	if v := c.factIn(i, figures.ServicesDown); v != "" {
		down = "Not reachable: " + part(v)
	}
	c.add("Company services", i, value, down)
}

var companyNamesWords = map[string]string{"yes": "all resolve", "no": "none resolves", "partly": "some do not resolve"}

// dns shows the check's own summary, which says whether names resolve and
// which server is at fault, and whether the company's names resolve.
func (c *keyBuilder) dns() {
	var company string
	if i := c.result(idDNS); i >= 0 {
		if v := c.factIn(i, figures.CompanyNames); v != "" {
			company = "Company names: " + words(companyNamesWords, v)
		}
	}
	c.fallback("DNS", idDNS, company)
}

// audio shows the default microphone and speaker: the devices calls use.
func (c *keyBuilder) audio() {
	i := c.result(idAudio)
	if i < 0 {
		return
	}
	res := c.r.Results[i]
	found := false
	if res.Status != report.Skipped && res.Status != report.Error {
		for _, kind := range []struct{ kind, label string }{{"microphone", "Microphone"}, {"speaker", "Speaker"}} {
			for _, it := range res.Items {
				if it.Kind != kind.kind || it.Attributes["default"] != "yes" {
					continue
				}
				var state []string
				if it.Attributes["muted"] == "yes" {
					state = append(state, "muted")
				}
				if v := it.Attributes["volume_percent"]; v != "" && v != "not available" {
					state = append(state, "volume "+part(v)+" %")
				}
				f := Fact{Label: kind.label, Value: human.FlatClip(look.ItemLabel(it), keyMaxValue), Result: i, Status: it.Status}
				if s := human.FlatClip(strings.Join(state, ", "), keyMaxValue); s != "" {
					f.Details = []string{s}
				}
				c.facts = append(c.facts, f)
				found = true
				break
			}
		}
	}
	if !found {
		c.fallback("Sound", idAudio)
	}
}

// localTime is when the run started on the user's clock, which is what they
// will tell the agent ("it broke at nine").
func (c *keyBuilder) localTime() {
	parts := look.When(c.r)
	if len(parts) == 0 {
		return
	}
	var clock string
	if m, _, ok := c.measured(figures.ClockOffset); ok && m.Unit == "s" {
		// positive: the computer's clock is behind (docs/checks.md, system)
		v := *m.Value
		switch {
		case math.Abs(v) < 0.0005:
			clock = "Clock is exact"
		case v > 0:
			clock = "Clock " + human.Seconds(v) + " behind"
		default:
			clock = "Clock " + human.Seconds(-v) + " ahead"
		}
	}
	c.add("Local time of the run", -1, human.FlatClip(strings.Join(parts, " "), keyMaxPart), clock)
}

// Problem is one line of "what to fix" (or of "not run"): raw strings,
// escaped by each renderer. Result is the index of its check's result.
type Problem struct {
	Result       int
	Status       report.Status
	Message, Fix string
}

// Problems lists what to fix, worst first and otherwise in report order,
// and apart from it the checks that did not run. A check that is not
// passing but gives no problem finding (one that ran out of time) is
// listed with its summary.
func Problems(r report.Report) (fix, notRun []Problem) {
	for i, res := range r.Results {
		if res.Status == report.Skipped {
			notRun = append(notRun, Problem{Result: i, Status: report.Skipped, Message: res.Summary})
			continue
		}
		if res.Status == report.Pass {
			continue
		}
		found := false
		for _, f := range res.Findings {
			if !look.IsProblem(f) {
				continue
			}
			found = true
			fix = append(fix, Problem{Result: i, Status: f.Severity, Message: f.Message, Fix: f.Fix})
		}
		if !found {
			fix = append(fix, Problem{Result: i, Status: res.Status, Message: res.Summary})
		}
	}
	slices.SortStableFunc(fix, func(a, b Problem) int { return cmp.Compare(b.Status.Rank(), a.Status.Rank()) })
	return fix, notRun
}
