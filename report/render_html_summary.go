package report

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The summary card of the HTML report answers a support agent's first
// questions from the figures the checks publish. It looks them up by these
// well-known names, first in the check named beside each and then in any
// other result, and leaves out whatever is absent: checks that are not built
// yet, or a run with --only, simply show fewer rows. A check that wants its
// figure on the card publishes it under one of these names;
// docs/checks.md ("Key figures in the report summary") lists them.
var (
	// system
	sumOSFacts     = []string{"os_pretty_name"}
	sumOSName      = []string{"os_name"}
	sumOSVersion   = []string{"os_version"}
	sumUptime      = []string{"uptime_seconds"}
	sumClockOffset = []string{"clock_offset_seconds"}
	// network
	sumConnType     = []string{"connection_type"}
	sumConnectivity = []string{"connectivity"}
	sumGatewayRTT   = []string{"gateway_rtt_ms"}
	// wifi
	sumSignal   = []string{"signal_dbm"}
	sumBand     = []string{"band"}
	sumStandard = []string{"standard"}
	// bandwidth
	sumDownload = []string{"download_mbps"}
	sumUpload   = []string{"upload_mbps"}
	// latency
	sumLatency       = []string{"latency_ms", "rtt_ms", "rtt_avg_ms"}
	sumJitter        = []string{"jitter_ms"}
	sumLoss          = []string{"loss_percent", "packet_loss_percent"}
	sumProblemsStart = []string{"problems_start", "loss_location"}
	sumCallQuality   = []string{"call_quality"}
	// responsiveness under load (wherever it is measured)
	sumLoadGrade    = []string{"bufferbloat_grade", "responsiveness_grade"}
	sumLoadIncrease = []string{"latency_increase_ms", "loaded_latency_increase_ms"}
	// vpn
	sumVPNState = []string{"vpn_state", "vpn_status"}
)

// Check ids the card prefers for each row.
const (
	idSystem    = "system"
	idNetwork   = "network"
	idWiFi      = "wifi"
	idBandwidth = "bandwidth"
	idLatency   = "latency"
	idVPN       = "vpn"
	idDNS       = "dns"
	idCamera    = "camera"
	idAudio     = "audio"
)

// cardBuilder holds one card's lookups.
type cardBuilder struct {
	r       Report
	anchors []string
	facts   []htmlFact
}

// order lists result indexes with the results of check id first.
func (c *cardBuilder) order(id string) []int {
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
func (c *cardBuilder) result(id string) int {
	for i, res := range c.r.Results {
		if res.ID == id {
			return i
		}
	}
	return -1
}

// metric finds the first metric with one of names, preferring check id. A
// metric that was not measured is returned too: "not measured (why)" is a
// true answer.
func (c *cardBuilder) metric(id string, names []string) (Metric, int, bool) {
	for _, i := range c.order(id) {
		for _, n := range names {
			if m, ok := c.r.Results[i].Metric(n); ok {
				return m, i, true
			}
		}
	}
	return Metric{}, -1, false
}

// measured is metric when it has a value.
func (c *cardBuilder) measured(id string, names []string) (Metric, int, bool) {
	m, i, ok := c.metric(id, names)
	if !ok || m.Value == nil {
		return Metric{}, -1, false
	}
	return m, i, true
}

// fact finds the first non-empty fact with one of names, preferring check id.
func (c *cardBuilder) fact(id string, names []string) (string, int, bool) {
	for _, i := range c.order(id) {
		for _, n := range names {
			if v := strings.TrimSpace(c.r.Results[i].Facts[n]); v != "" {
				return v, i, true
			}
		}
	}
	return "", -1, false
}

// htmlMaxCard keeps a row of the card to a few lines; the check's section
// below shows the whole value.
const htmlMaxCard = 120

// add appends a row; idx is the result that gives the row its verdict, or -1.
func (c *cardBuilder) add(label string, idx int, value string, details ...string) {
	f := htmlFact{Label: label, Value: htmlClean(value, htmlMaxCard)}
	for _, d := range details {
		if d != "" {
			f.Details = append(f.Details, htmlClean(d, htmlMaxCard))
		}
	}
	if idx >= 0 {
		st := htmlStatusOf(c.r.Results[idx].Status)
		f.Status, f.Anchor = &st, c.anchors[idx]
	}
	c.facts = append(c.facts, f)
}

// fallback shows a check's own summary when the card has no figure for it,
// and reports whether the check is in the report at all.
func (c *cardBuilder) fallback(label, id string) bool {
	i := c.result(id)
	if i < 0 {
		return false
	}
	s := c.r.Results[i].Summary
	if strings.TrimSpace(s) == "" {
		s = lookOf(c.r.Results[i].Status).word
	}
	c.add(label, i, htmlClean(s, htmlMaxText))
	return true
}

// stopped is true for a check that did not measure (skipped or error): its
// summary says why, which is better than a row of "not measured".
func (c *cardBuilder) stopped(id string) bool {
	i := c.result(id)
	return i >= 0 && (c.r.Results[i].Status == Skipped || c.r.Results[i].Status == Error)
}

func val(m Metric) string { return htmlClean(m.FormatValue(), htmlMaxValue) }

func summaryFacts(r Report, anchors []string) []htmlFact {
	c := &cardBuilder{r: r, anchors: anchors}
	c.computer()
	c.connection()
	c.wifi()
	c.speed()
	c.latency()
	c.underLoad()
	if v, i, ok := c.fact(idVPN, sumVPNState); ok {
		c.add("VPN", i, htmlClean(v, htmlMaxValue))
	} else {
		c.fallback("VPN", idVPN)
	}
	c.fallback("DNS", idDNS)
	c.fallback("Camera", idCamera)
	c.audio()
	c.localTime()
	return c.facts
}

func (c *cardBuilder) computer() {
	osName, idx, ok := c.fact(idSystem, sumOSFacts)
	if !ok {
		if name, i, ok := c.fact(idSystem, sumOSName); ok {
			osName, idx = name, i
			if v := strings.TrimSpace(c.r.Results[i].Facts[sumOSVersion[0]]); v != "" {
				osName += " " + v
			}
		}
	}
	if osName == "" {
		osName = osArch(c.r.Host)
		idx = c.result(idSystem)
	}
	var restart string
	if m, _, ok := c.measured(idSystem, sumUptime); ok && m.Unit == "s" && *m.Value >= 0 {
		restart = "Last restart " + humanSeconds(*m.Value) + " ago"
	}
	if osName == "" && restart == "" {
		return
	}
	if osName == "" {
		osName = "unknown system"
	}
	c.add("Computer", idx, htmlClean(osName, htmlMaxValue), restart)
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
// it is, cleaned.
func words(table map[string]string, v string) string {
	if w, ok := table[v]; ok {
		return w
	}
	return htmlClean(v, htmlMaxValue)
}

func (c *cardBuilder) connection() {
	ct, ci, okT := c.fact(idNetwork, sumConnType)
	conn, cj, okC := c.fact(idNetwork, sumConnectivity)
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
	if m, _, ok := c.measured(idNetwork, sumGatewayRTT); ok {
		router = "Router answers in " + val(m)
	}
	c.add("Connection", idx, value, router)
}

func (c *cardBuilder) wifi() {
	if c.stopped(idWiFi) {
		c.fallback("Wi-Fi", idWiFi)
		return
	}
	m, idx, ok := c.metric(idWiFi, sumSignal)
	if !ok {
		c.fallback("Wi-Fi", idWiFi)
		return
	}
	parts := []string{"signal " + val(m)}
	for _, names := range [][]string{sumBand, sumStandard} {
		if v := strings.TrimSpace(c.r.Results[idx].Facts[names[0]]); v != "" {
			parts = append(parts, htmlClean(v, htmlMaxLabel))
		}
	}
	c.add("Wi-Fi", idx, strings.Join(parts, ", "))
}

func (c *cardBuilder) speed() {
	if c.stopped(idBandwidth) {
		c.fallback("Speed", idBandwidth)
		return
	}
	down, di, okD := c.metric(idBandwidth, sumDownload)
	up, ui, okU := c.metric(idBandwidth, sumUpload)
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

func (c *cardBuilder) latency() {
	if c.stopped(idLatency) {
		c.fallback("Latency", idLatency)
		return
	}
	lat, idx, ok := c.metric(idLatency, sumLatency)
	if !ok {
		c.fallback("Latency", idLatency)
		return
	}
	parts := []string{val(lat)}
	res := c.r.Results[idx]
	// jitter and loss from the same result, so the three figures describe
	// the same measurement
	for _, g := range []struct {
		names []string
		word  string
	}{{sumJitter, "jitter "}, {sumLoss, "loss "}} {
		for _, n := range g.names {
			if m, ok := res.Metric(n); ok {
				parts = append(parts, g.word+val(m))
				break
			}
		}
	}
	var where, calls string
	if v, _, ok := c.fact(idLatency, sumProblemsStart); ok {
		where = "Problems start: " + htmlClean(v, htmlMaxValue)
	}
	if v, _, ok := c.fact(idLatency, sumCallQuality); ok && v != "not_measured" {
		calls = "Calls: " + htmlClean(strings.ReplaceAll(v, "_", " "), htmlMaxValue)
	}
	c.add("Latency", idx, strings.Join(parts, ", "), where, calls)
}

func (c *cardBuilder) underLoad() {
	grade, gi, okG := c.fact(idBandwidth, sumLoadGrade)
	inc, ii, okI := c.measured(idBandwidth, sumLoadIncrease)
	if !okG && !okI {
		return
	}
	var parts []string
	idx := ii
	if okG {
		parts = append(parts, "grade "+htmlClean(grade, htmlMaxLabel))
		idx = gi
	}
	if okI {
		parts = append(parts, "+"+val(inc)+" when the line is busy")
	}
	c.add("Under load", idx, strings.Join(parts, ", "))
}

// audio shows the default microphone and speaker: the devices calls use.
func (c *cardBuilder) audio() {
	i := c.result(idAudio)
	if i < 0 {
		return
	}
	res := c.r.Results[i]
	found := false
	if res.Status != Skipped && res.Status != Error {
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
					state = append(state, "volume "+htmlClean(v, htmlMaxLabel)+" %")
				}
				st := htmlStatusOf(it.Status)
				c.facts = append(c.facts, htmlFact{Label: kind.label, Value: htmlClean(itemLabel(it), htmlMaxCard),
					Details: nonEmpty(htmlClean(strings.Join(state, ", "), htmlMaxCard)), Status: &st, Anchor: c.anchors[i]})
				found = true
				break
			}
		}
	}
	if !found {
		c.fallback("Sound", idAudio)
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// localTime is when the run started on the user's clock, which is what they
// will tell the agent ("it broke at nine").
func (c *cardBuilder) localTime() {
	parts := whenPhrase(c.r)
	if len(parts) == 0 {
		return
	}
	var clock string
	if m, _, ok := c.measured(idSystem, sumClockOffset); ok && m.Unit == "s" {
		// positive: the computer's clock is behind (docs/checks.md, system)
		v := *m.Value
		switch {
		case math.Abs(v) < 0.0005:
			clock = "Clock is exact"
		case v > 0:
			clock = "Clock " + humanSeconds(v) + " behind"
		default:
			clock = "Clock " + humanSeconds(-v) + " ahead"
		}
	}
	c.add("Local time of the run", -1, htmlClean(strings.Join(parts, " "), htmlMaxTitle), clock)
}
