// Package wifi implements the "wifi" check: how good is the radio link
// between this computer and its Wi-Fi access point? It reports the signal
// and noise in dBm, the link rates, the band, channel and width, and the
// Wi-Fi generation, and warns when the signal or the link rate is too low
// for calls.
//
// It is a check of its own rather than part of "network" because it answers
// a different question with a different verdict: network asks whether the
// internet can be reached at all, wifi asks whether the radio is good enough
// for calls, and a machine can be fully online on a Wi-Fi link that makes
// every call stutter. Being separate also gives it its own time budget
// (system_profiler alone takes seconds on a Mac), lets a support agent run
// `wfh --only wifi` while the user walks around the house, and lets it say
// "skipped: not on Wi-Fi" on a wired machine instead of adding a line of
// nothing to the network result.
//
// The verdict is OS-independent (this file); each OS answers the small probe
// interface of probe.go, chosen by newProbe in a per-OS file.
package wifi

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/report"
)

const (
	// budget: system_profiler SPAirPortDataType takes 1–3 s on a Mac;
	// iw and netsh answer in milliseconds. 4 s covers the slowest with room.
	budget = 4 * time.Second

	// goodSignalDBM: -67 dBm is the signal Wi-Fi design guides for voice
	// and video plan for at every spot (Cisco Enterprise Mobility 4.1
	// Design Guide, "VoWLAN Design Recommendations", cell edge -67 dBm;
	// Cisco's 792x wireless phone deployment guides; the Aruba and Apple
	// enterprise Wi-Fi guidance use the same figure).
	goodSignalDBM = -67

	// weakSignalDBM: a few dB below that design minimum, around -70 dBm,
	// rate control falls back, retries and jitter grow and calls begin to
	// break up; below it the check warns.
	weakSignalDBM = -70

	// minRateMbps: an HD call needs about 4 Mbit/s each way (Zoom: 3.8 up,
	// 3.0 down for 1080p), Wi-Fi delivers roughly half its link rate as
	// throughput after contention, acknowledgements and retries, and the
	// link is shared with every other app and device. 24 Mbit/s is also
	// the fastest of the mandatory 802.11a/g OFDM rates (6, 12, 24): a link
	// below it has fallen back to the slowest, most robust modulations,
	// which rate control does only when frames keep failing.
	minRateMbps = 24
)

// Fix texts, in one place so that docs/checks.md can quote them.
const (
	fixMove = "Move closer to the router, or use a cable for calls."
	fix5GHz = " If your router has a 5 GHz network, switch to it: it is usually less crowded."
)

type check struct {
	probe probe
}

// New returns the wifi check for the OS wfh was built for.
func New() checks.Check { return &check{probe: newProbe()} }

func (*check) ID() string            { return "wifi" }
func (*check) Title() string         { return "Wi-Fi signal" }
func (*check) Budget() time.Duration { return budget }
func (*check) Needs() checks.Needs {
	return checks.Needs{Uses: []checks.Resource{checks.LocalNetwork}}
}

func (c *check) Run(ctx context.Context, env *checks.Env) checks.Result {
	if env == nil {
		env = &checks.Env{}
	}
	r := c.probe.read(ctx, env)
	if r.state == stateOn {
		env.Debugf("wifi: %s via %s", r.link.Interface, r.link.Source)
		if r.link.TrafficVia == "" {
			path, _ := env.Net.Path(ctx)
			r.link.TrafficVia = cableVia(path, r.link.Interface)
		}
	}
	return evaluate(r, env.OS)
}

// cableVia names the wired interface the run's default path leaves by
// when it is not the Wi-Fi interface wifi: then the Wi-Fi is connected but
// idle. A tunnel in front does not count: the connection beneath it does.
func cableVia(path netstate.Path, wifi string) string {
	if path.LinkKind == netstate.KindWired && path.Link != "" && !strings.EqualFold(path.Link, wifi) {
		return path.Link
	}
	return ""
}

// evaluate turns a probe's reading into the check's result.
func evaluate(r reading, goos string) checks.Result {
	var res checks.Result
	var v checks.Verdict
	switch r.state {
	case stateUnsupported:
		v.Default(report.Skipped, fmt.Sprintf("Wi-Fi details are not available on %s yet", checks.DisplayOS(goos)))
	case stateOff:
		v.Default(report.Skipped, "not on Wi-Fi (wired or no wireless adapter)")
	case stateUnknown:
		v.Default(report.Skipped, "could not tell whether this computer is on Wi-Fi (see the notes)")
	}
	if r.state != stateOn {
		addNotes(&v, r.notes)
		v.Apply(&res)
		return res
	}

	l := r.link
	res.Facts = facts(l)
	res.Metrics = metrics(l)
	if l.empty() {
		v.Default(report.Error, fmt.Sprintf("on Wi-Fi (%s) but could not read the signal or the link (see the notes)", orUnknown(l.Interface)))
		addNotes(&v, r.notes)
		v.Apply(&res)
		return res
	}

	sig, rate := l.Signal, bestRate(l)
	weak := sig != nil && *sig < weakSignalDBM
	slow := rate != nil && *rate < minRateMbps
	fix := fixMove
	if l.Band == band24 {
		fix += fix5GHz
	}
	desc := describe(l)
	var problems []checks.Conclusion
	if weak {
		summary := "weak Wi-Fi signal: " + desc
		if slow {
			summary = "weak Wi-Fi signal and slow link: " + desc
		}
		problems = append(problems, checks.Conclusion{
			Severity: report.Warn,
			Summary:  summary,
			Message: fmt.Sprintf("The Wi-Fi signal is weak: %s. Calls need %d dBm or better and start to break up below %d dBm.",
				signalText(l), goodSignalDBM, weakSignalDBM),
			Fix: fix,
		})
	}
	if slow {
		problems = append(problems, checks.Conclusion{
			Severity: report.Warn,
			Summary:  "slow Wi-Fi link: " + desc,
			Message: fmt.Sprintf("The Wi-Fi link runs at only %s Mbit/s. Wi-Fi delivers about half of that, shared by every app and device, "+
				"and a link under %d Mbit/s has fallen back to its slowest, most robust modulation.", rateText(*rate), minRateMbps),
			Fix: fix,
		})
	}
	v.Default(report.Pass, desc)
	if l.TrafficVia != "" {
		// A weak Wi-Fi that carries no traffic cannot make calls stutter:
		// say so, but do not ask the user to fix it.
		for _, p := range problems {
			v.Note(p.Message + fmt.Sprintf(" Your traffic goes through %s (a cable) instead, so this does not affect calls.", l.TrafficVia))
		}
		v.Default(report.Pass, fmt.Sprintf("%s; your traffic uses the cable (%s), not Wi-Fi", desc, l.TrafficVia))
	} else {
		v.Add(problems...)
	}
	addNotes(&v, r.notes)
	if sig != nil && !weak && *sig < goodSignalDBM {
		v.Note(fmt.Sprintf("The signal (%s) is just below the %d dBm that Wi-Fi design guides plan for calls; if calls stutter, move closer to the router.",
			signalText(l), goodSignalDBM))
	}
	v.Apply(&res)
	return res
}

// addNotes adds the probe's notes on what it could not read.
func addNotes(v *checks.Verdict, notes []string) {
	for _, n := range notes {
		v.Note(n)
	}
}

// bestRate is the faster of the two link rates. Either direction drops to a
// basic rate while the link is idle (beacons, acknowledgements), so one slow
// figure next to a fast one says nothing; a link is slow when both are.
func bestRate(l link) *float64 {
	switch {
	case l.TxRate == nil:
		return l.RxRate
	case l.RxRate == nil || *l.TxRate >= *l.RxRate:
		return l.TxRate
	}
	return l.RxRate
}

// describe is the summary's description of the link, never with the SSID
// (redaction finds it only under its fact key): "Wi-Fi 6 on 5 GHz channel
// 36, signal -52 dBm (good), link 866 Mbit/s".
func describe(l link) string {
	head := l.Standard
	if head == "" {
		head = "Wi-Fi"
	}
	switch {
	case l.Band != "" && l.Channel > 0:
		head += fmt.Sprintf(" on %s channel %d", l.Band, l.Channel)
	case l.Band != "":
		head += " on " + l.Band
	case l.Channel > 0:
		head += fmt.Sprintf(" on channel %d", l.Channel)
	}
	if l.MLOLinks > 1 {
		head += fmt.Sprintf(" (+%d more %s)", l.MLOLinks-1, plural(l.MLOLinks-1, "link", "links"))
	}
	parts := []string{head}
	var unmeasured []string
	if l.Signal != nil {
		parts = append(parts, fmt.Sprintf("signal %s (%s)", signalText(l), signalWord(*l.Signal)))
	} else {
		unmeasured = append(unmeasured, "signal")
	}
	if r := bestRate(l); r != nil {
		parts = append(parts, fmt.Sprintf("link %s Mbit/s", rateText(*r)))
	} else {
		unmeasured = append(unmeasured, "link rate")
	}
	if len(unmeasured) > 0 {
		parts = append(parts, strings.Join(unmeasured, " and ")+" not measured")
	}
	return strings.Join(parts, ", ")
}

func signalWord(dbm float64) string {
	switch {
	case dbm >= goodSignalDBM:
		return "good"
	case dbm >= weakSignalDBM:
		return "fair"
	}
	return "weak"
}

// signalText is "-52 dBm", or "about -57 dBm" when estimated from Windows's
// percentage.
func signalText(l link) string {
	if l.Signal == nil {
		return "not measured"
	}
	if l.SignalEstimate != nil {
		// Half a dB of an estimate is noise: whole dB only.
		return fmt.Sprintf("about %.0f dBm", math.Round(*l.Signal))
	}
	return trimFloat(*l.Signal) + " dBm"
}

// rateText rounds a rate to what matters for a verdict: whole Mbit/s from
// 100 up, one decimal below.
func rateText(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", math.Round(v))
	}
	return trimFloat(math.Round(v*10) / 10)
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}

func facts(l link) map[string]string {
	f := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			f[k] = v
		}
	}
	set("interface", l.Interface)
	set("adapter", l.Adapter)
	// "ssid" and "bssid" are redact.SensitiveKeys: redaction replaces them
	// by key, whatever they contain, so they are reported as they are.
	set("ssid", l.SSID)
	set("bssid", l.BSSID)
	set(report.KeyBand, l.Band)
	set(report.KeyStandard, l.Standard)
	set("mlo_bands", strings.Join(l.MLOBands, " + "))
	set("source", l.Source)
	set("traffic_via", l.TrafficVia)
	return f
}

func metrics(l link) []report.Metric {
	why := func(name string) string {
		if w := l.Missing[name]; w != "" {
			return w
		}
		if l.Source == "" {
			return "could not be read"
		}
		return "not reported by " + l.Source
	}
	num := func(name string, v *float64, unit string) report.Metric {
		if v == nil {
			return report.NotMeasured(name, unit, why(name))
		}
		return report.Measured(name, *v, unit)
	}
	whole := func(name string, v int, unit string) report.Metric {
		if v <= 0 {
			return report.NotMeasured(name, unit, why(name))
		}
		return report.Measured(name, float64(v), unit)
	}
	sig := num(report.KeySignalDBm, l.Signal, "dBm")
	if l.SignalEstimate != nil {
		sig.Note = fmt.Sprintf("estimated from Windows's signal quality of %s %%", trimFloat(*l.SignalEstimate))
	}
	var snr report.Metric
	switch {
	case l.Signal != nil && l.Noise != nil && l.SignalEstimate == nil:
		snr = report.Measured("snr_db", *l.Signal-*l.Noise, "dB")
	default:
		snr = report.NotMeasured("snr_db", "dB", "needs both the signal and the noise in dBm")
	}
	ms := []report.Metric{
		sig,
		num("noise_dbm", l.Noise, "dBm"),
		snr,
		num("tx_rate_mbps", l.TxRate, "Mbit/s"),
		num("rx_rate_mbps", l.RxRate, "Mbit/s"),
		num("frequency_mhz", l.Freq, "MHz"),
		whole("channel", l.Channel, ""),
		whole("channel_width_mhz", l.Width, "MHz"),
	}
	if l.SignalPercent != nil {
		ms = append(ms, report.Measured("signal_quality_percent", *l.SignalPercent, "%"))
	}
	if l.MLOLinks > 0 {
		ms = append(ms, report.Measured("mlo_links", float64(l.MLOLinks), ""))
	}
	return ms
}

func orUnknown(s string) string {
	if s == "" {
		return "interface unknown"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
