package render

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/report"
)

// The Prometheus form of a report: the key figures as gauges in the text
// exposition format 0.0.4, for node_exporter's textfile collector
// (docs/fleet.md). The rules it keeps, and why:
//
//   - Gauges only, without timestamps: the textfile collector refuses
//     samples that carry one, and every figure is the state at the last run.
//   - Base units in names and values (bytes per second, seconds, ratios), as
//     Prometheus' naming rules ask, so that PromQL never converts.
//   - A figure that was not measured is left out, never written as 0: "no
//     upload" and "upload not measured" must stay apart in alerts.
//   - A small, fixed label set whose values come from wfh's own words
//     (check IDs, statuses, roles, directions), never from the machine:
//     no address, host or user name reaches a label, so the series are the
//     same whether the report was redacted or not, and a fleet of thousands
//     of machines does not multiply them.
//   - Every sample carries mode="quick" or mode="full", so that the hourly
//     --quick run and the daily full run can write two files into the same
//     textfile directory: node_exporter drops a series that two files both
//     hold, keeping only one of them silently.

// Metric family names. docs/fleet.md lists them with their labels, and
// TestPrometheusFamiliesDocumented keeps the two in step.
const (
	promBuildInfo           = "wfh_build_info"
	promSchemaInfo          = "wfh_report_schema_info"
	promFinished            = "wfh_run_finished_timestamp_seconds"
	promDuration            = "wfh_run_duration_seconds"
	promExitCode            = "wfh_exit_code"
	promCheckStatus         = "wfh_check_status"
	promProfileAge          = "wfh_profile_age_seconds"
	promDownload            = "wfh_download_bytes_per_second"
	promUpload              = "wfh_upload_bytes_per_second"
	promIdleLatency         = "wfh_idle_latency_seconds"
	promJitter              = "wfh_jitter_seconds"
	promLoss                = "wfh_packet_loss_ratio"
	promLossLocation        = "wfh_packet_loss_location"
	promMOS                 = "wfh_call_mos"
	promLoadedLatency       = "wfh_loaded_latency_seconds"
	promLoadedIncrease      = "wfh_loaded_latency_increase_seconds"
	promGatewayLatency      = "wfh_gateway_latency_seconds"
	promConnectionType      = "wfh_connection_type"
	promConnectivity        = "wfh_connectivity"
	promDNSMedian           = "wfh_dns_median_latency_seconds"
	promClockOffset         = "wfh_clock_offset_seconds"
	promWiFiSignal          = "wfh_wifi_signal_dbm"
	promUptime              = "wfh_uptime_seconds"
	promVPNTargetsAnswered  = "wfh_vpn_targets_answered"
	promVPNTargetsTested    = "wfh_vpn_targets_tested"
	promModeQuick           = "quick"
	promModeFull            = "full"
	promMaxLabelValue       = 64 // a version string or an unexpected word; wfh's own values are far shorter
	promMaxIndexPerRoleDNS  = 16 // the dns check tests at most eight servers; more is not a report wfh wrote
	promFactValueOtherLabel = "other"
)

// Check IDs the metrics read their figures from. Unlike the summary, the
// metrics never look in another check's result: a series must mean the
// same thing on every machine.
const (
	promCheckSystem    = "system"
	promCheckNetwork   = "network"
	promCheckWiFi      = "wifi"
	promCheckLatency   = "latency"
	promCheckBandwidth = "bandwidth"
	promCheckDNS       = "dns"
	promCheckVPN       = "vpn"
)

// promFigure is one gauge read from a check's metric, converted into base
// units.
type promFigure struct {
	family, help string
	check, name  string
	unit         func(float64) float64
}

// Unit conversions into base units. Speeds are in bytes per second, the
// base unit promtool insists on (it refuses "bits"), and whole.
var (
	fromMbps    = func(v float64) float64 { return math.Round(v * 1e6 / 8) }
	fromMs      = func(v float64) float64 { return v / 1000 }
	fromPercent = func(v float64) float64 { return v / 100 }
	asIs        = func(v float64) float64 { return v }
)

// promFigures are the single-value key figures, in the order they are
// written.
var promFigures = []promFigure{
	{promDownload, "Download speed measured by the speed test (bandwidth check), in bytes per second (times 8 for bit/s).", promCheckBandwidth, report.KeyDownloadMbps, fromMbps},
	{promUpload, "Upload speed measured by the speed test (bandwidth check), in bytes per second (times 8 for bit/s).", promCheckBandwidth, report.KeyUploadMbps, fromMbps},
	{promIdleLatency, "Round trip to the internet test sites on an idle line (latency check), in seconds.", promCheckLatency, report.KeyRTTMs, fromMs},
	{promJitter, "Jitter to the internet test sites: mean difference between consecutive round trips (latency check), in seconds.", promCheckLatency, report.KeyJitterMs, fromMs},
	{promLoss, "Packet loss to the internet test sites (latency check), as a ratio from 0 to 1.", promCheckLatency, report.KeyLossPercent, fromPercent},
	{promMOS, "Estimated call quality: mean opinion score from 1 (bad) to 4.5 (best), ITU-T G.107 E-model (latency check).", promCheckLatency, report.KeyMOS, asIs},
	{promLoadedIncrease, "How much the round trip to the speed-test server rises while the line is loaded, the worse direction's (bufferbloat), in seconds.", promCheckBandwidth, report.KeyLatencyIncreaseMs, fromMs},
	{promGatewayLatency, "Round trip to the home router (network check), in seconds.", promCheckNetwork, report.KeyGatewayRTTMs, fromMs},
	{promClockOffset, "Offset of the computer's clock from the time server (system check), in seconds; positive when the clock is behind.", promCheckSystem, report.KeyClockOffsetSeconds, asIs},
	{promWiFiSignal, "Wi-Fi signal strength (wifi check), in dBm.", promCheckWiFi, report.KeySignalDBm, asIs},
	{promUptime, "Time since the computer last restarted (system check), in seconds.", promCheckSystem, report.KeyUptimeSeconds, asIs},
	{promVPNTargetsAnswered, "Company services that answered through the VPN (vpn check).", promCheckVPN, report.KeyTargetsAnswered, asIs},
	{promVPNTargetsTested, "Company services the vpn check tested.", promCheckVPN, report.KeyTargetsTested, asIs},
}

// promDirections are the loaded-latency figures, labelled by direction.
var promDirections = []struct{ direction, name string }{
	{"download", report.KeyLoadedLatencyDownloadMs},
	{"upload", report.KeyLoadedLatencyUploadMs},
}

// promOneHot is a fact with a fixed set of values, written as one series
// per value: 1 for the value the run found, 0 for the others, so that an
// alert reads `wfh_packet_loss_location{location="home"} == 1`.
type promOneHot struct {
	family, help, label string
	check, fact         string
	values              []string
}

var promOneHots = []promOneHot{
	{promLossLocation, "Where packet loss on the way to the internet starts (latency check): 1 for the place found, 0 for the others; home means between the computer and its router. Absent when the run measured no loss to locate.",
		"location", promCheckLatency, report.KeyLossLocation,
		[]string{"none", "home", "provider", "beyond", "past_router", "uncertain"}},
	{promConnectionType, "Kind of connection the default route uses (network check): 1 for this run's, 0 for the others.",
		"type", promCheckNetwork, report.KeyConnectionType,
		[]string{"wired", "wifi", "tunnel", "other", "unknown"}},
	{promConnectivity, "Whether the computer reached the internet (network check): 1 for this run's state, 0 for the others.",
		"state", promCheckNetwork, report.KeyConnectivity,
		[]string{"online", "online_via_proxy", "offline", "captive_portal", "intercepted"}},
}

// promSample is one line: the family's labels after mode, and the value.
type promSample struct {
	labels []string // name, value, name, value, ...
	value  float64
}

type promFamily struct {
	name, help string
	samples    []promSample
}

// renderPrometheus writes the families that have at least one sample.
func renderPrometheus(b *bytes.Buffer, r report.Report, o Options) {
	mode := promModeFull
	if r.Quick {
		mode = promModeQuick
	}
	var fams []promFamily
	add := func(name, help string, samples ...promSample) {
		if len(samples) > 0 {
			fams = append(fams, promFamily{name, help, samples})
		}
	}
	one := func(v float64, labels ...string) []promSample {
		if !isFinite(v) {
			return nil
		}
		return []promSample{{labels: labels, value: v}}
	}

	tool := r.Tool
	add(promBuildInfo, "The wfh build that wrote these metrics (always 1).",
		promSample{labels: []string{"version", promLabelValue(tool.Version), "revision", promLabelValue(tool.Commit)}, value: 1})
	add(promSchemaInfo, "Version of wfh's report format these metrics were made from (always 1).",
		promSample{labels: []string{"schema_version", promLabelValue(r.SchemaVersion)}, value: 1})
	if !r.FinishedAt.IsZero() {
		add(promFinished, "When the run finished, in seconds since 1970 (UTC): time() minus this is the age of the figures.",
			one(float64(r.FinishedAt.UnixMilli())/1000)...)
	}
	if r.DurationSeconds > 0 {
		add(promDuration, "How long the run took, in seconds.", one(r.DurationSeconds)...)
	}
	if o.ExitCode != nil {
		add(promExitCode, "Exit status of the run: 0 no check at the --fail-on level, 1 at least one, 130 interrupted (docs/exit-codes.md).",
			one(float64(*o.ExitCode))...)
	}
	add(promCheckStatus, "Verdict of each check in the run: 1 for its status, 0 for the other four (pass, warn, fail, skipped, error).",
		checkStatusSamples(r)...)
	if src := r.ProfileSource; src != nil {
		add(promProfileAge, "Age of the copy of the profile fetched from IT's address when the run started, in seconds; large when the address could not be reached and a saved copy was used.",
			one(src.AgeSeconds)...)
	}

	for _, f := range promFigures {
		if v, ok := promMetric(r, f.check, f.name); ok {
			add(f.family, f.help, one(f.unit(v))...)
		}
	}
	var loaded []promSample
	for _, d := range promDirections {
		if v, ok := promMetric(r, promCheckBandwidth, d.name); ok {
			loaded = append(loaded, one(fromMs(v), "direction", d.direction)...)
		}
	}
	add(promLoadedLatency, "Median round trip to the speed-test server while the line downloads or uploads at full speed (bandwidth check), in seconds.", loaded...)
	for _, h := range promOneHots {
		add(h.family, h.help, oneHotSamples(r, h)...)
	}
	add(promDNSMedian, "Median answer time of each DNS server the dns check tested, in seconds, by the server's role and its position among the servers of that role (never by address).",
		dnsSamples(r)...)

	// Families in name order, as Prometheus exposes them; the order of the
	// lines inside one family is the order above.
	slices.SortStableFunc(fams, func(a, b promFamily) int { return strings.Compare(a.name, b.name) })
	for _, f := range fams {
		b.WriteString("# HELP " + f.name + " " + promEscapeHelp(f.help) + "\n")
		b.WriteString("# TYPE " + f.name + " gauge\n")
		for _, s := range f.samples {
			b.WriteString(f.name + "{mode=\"" + mode + "\"")
			for i := 0; i+1 < len(s.labels); i += 2 {
				b.WriteString("," + s.labels[i] + "=\"" + promEscapeLabel(s.labels[i+1]) + "\"")
			}
			b.WriteString("} " + promValue(s.value) + "\n")
		}
	}
}

// promMetric returns a measured, finite metric of the first result of check.
func promMetric(r report.Report, check, name string) (float64, bool) {
	for _, res := range r.Results {
		if res.ID != check {
			continue
		}
		m, ok := res.Metric(name)
		if !ok || m.Value == nil || !isFinite(*m.Value) {
			return 0, false
		}
		return *m.Value, true
	}
	return 0, false
}

// checkStatusSamples writes five series per check. A check whose ID is not
// a plain word (a report edited by hand, read back with wfh report) is left
// out rather than put in a label.
func checkStatusSamples(r report.Report) []promSample {
	var out []promSample
	seen := map[string]bool{}
	for _, res := range r.Results {
		id := res.ID
		if !promWord(id) || seen[id] {
			continue
		}
		seen[id] = true
		status := res.Status
		if !status.Valid() {
			status = report.Error // as Rank does: an unknown status never reads as good
		}
		for _, s := range []report.Status{report.Pass, report.Warn, report.Fail, report.Skipped, report.Error} {
			v := 0.0
			if s == status {
				v = 1
			}
			out = append(out, promSample{labels: []string{"check", id, "status", string(s)}, value: v})
		}
	}
	return out
}

// oneHotSamples writes h's series when its check published the fact. A
// value wfh does not know (from a newer wfh, or a hand-edited report) is
// written as "other", so the family keeps its fixed set of series.
func oneHotSamples(r report.Report, h promOneHot) []promSample {
	var value string
	var found bool
	for _, res := range r.Results {
		if res.ID == h.check {
			value, found = res.Facts[h.fact]
			break
		}
	}
	if !found || value == "" {
		return nil
	}
	values := h.values
	if !slices.Contains(values, value) {
		values = append(slices.Clip(values), promFactValueOtherLabel)
		value = promFactValueOtherLabel
	}
	out := make([]promSample, 0, len(values))
	for _, v := range values {
		x := 0.0
		if v == value {
			x = 1
		}
		out = append(out, promSample{labels: []string{h.label, v}, value: x})
	}
	return out
}

// dnsSamples writes one series per resolver item with a measured median,
// labelled by role and by index among the items of that role in report
// order. The address is the item's label and is never used: redaction
// turns public addresses into tokens, which would give a machine new
// series whenever --no-redact was given.
func dnsSamples(r report.Report) []promSample {
	var out []promSample
	for _, res := range r.Results {
		if res.ID != promCheckDNS {
			continue
		}
		index := map[string]int{}
		for _, it := range res.Items {
			if it.Kind != report.ItemKindResolver {
				continue
			}
			role := it.Attributes[report.AttrResolverRole]
			if !promWord(role) {
				role = promFactValueOtherLabel
			}
			i := index[role]
			index[role]++
			if i >= promMaxIndexPerRoleDNS {
				continue
			}
			for _, m := range it.Metrics {
				if m.Name == report.KeyResolverMedianMs && m.Value != nil && isFinite(*m.Value) {
					out = append(out, promSample{labels: []string{"role", role, "index", strconv.Itoa(i)}, value: fromMs(*m.Value)})
					break
				}
			}
		}
		break
	}
	return out
}

// promWord reports whether s is one of wfh's own snake_case words, safe
// and stable as a label value.
func promWord(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// promLabelValue bounds a free value (a version) for a label: cut short and
// without control characters, which the format could carry escaped but
// which nothing downstream wants.
func promLabelValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if r := []rune(s); len(r) > promMaxLabelValue {
		s = string(r[:promMaxLabelValue])
	}
	return s
}

// promEscapeLabel escapes a label value as the text format requires.
func promEscapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// promEscapeHelp escapes HELP text as the text format requires.
func promEscapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

// promValue writes a float with at most 15 significant digits, which
// drops the binary noise of a unit conversion (2.1 ms is 0.0021 s, not
// 0.0021000000000000003) and keeps every digit a check measures.
func promValue(v float64) string {
	return strconv.FormatFloat(v, 'g', 15, 64)
}
