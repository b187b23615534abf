package report

import (
	"fmt"
	"time"
)

// Watch is the record of one `wfh watch`: what was probed, how often, what
// happened and when. It is nil in a report of wfh doctor. A watch report
// also carries one result (id "watch") with the verdict, the summary
// sentence and the fixes, so that everything reading results (the overall
// verdict, What to fix, the Prometheus metrics) works on it unchanged.
// Added in schema 1.2.
type Watch struct {
	// IntervalSeconds is the time between ticks (--every), in seconds.
	IntervalSeconds float64 `json:"interval_seconds"`
	// PlannedSeconds is how long the watch was asked to run (--for).
	PlannedSeconds float64 `json:"planned_seconds"`
	// WatchedSeconds is how long it ran, less the time the computer slept.
	WatchedSeconds float64 `json:"watched_seconds"`
	// AsleepSeconds is how long the computer slept during the watch (not
	// counted as outages).
	AsleepSeconds float64 `json:"asleep_seconds,omitempty"`
	// Ended says why the watch stopped: WatchEndedTimeUp, ...
	Ended string `json:"ended"`
	// DataBudgetBytes is the most the watch's probes were allowed to send
	// and receive; DataUsedBytes what they did, counted as whole IP packets
	// (a VPN's own headers estimated).
	DataBudgetBytes int64 `json:"data_budget_bytes"`
	DataUsedBytes   int64 `json:"data_used_bytes"`
	// Method is how round trips were measured: icmp (ping sockets),
	// icmp_raw (raw sockets) or tcp (TCP connect times, without ICMP).
	Method string `json:"method"`
	// Connection is the default path when the watch started, in words
	// ("Wi-Fi (wlan0) via 192.168.1.1"); empty when there was none.
	Connection string `json:"connection,omitempty"`
	// Rungs are what was probed, nearest first, with their statistics over
	// the whole watch.
	Rungs []WatchRung `json:"rungs"`
	// Events are what happened, in order of their start. At most
	// MaxWatchEvents are listed; EventsNotListed counts the rest, which
	// Counts include.
	Events          []WatchEvent `json:"events"`
	EventsNotListed int          `json:"events_not_listed,omitempty"`
	// Counts is the number of events of each kind (WatchKind* names).
	Counts map[string]int `json:"counts"`
	// Minutes are per-minute aggregates of every rung, oldest first: the
	// timeline of the whole watch at a bounded size.
	Minutes []WatchMinute `json:"minutes"`
	// Notes say what could not be watched and why ("no router past yours
	// answered"), in plain words.
	Notes []string `json:"notes,omitempty"`
}

// MaxWatchEvents bounds the events a report lists: a line that drops every
// minute for 8 hours makes 480 outages, and a page of them is enough to
// show the pattern; the counts keep the true number.
const MaxWatchEvents = 1000

// Why a watch ended.
const (
	WatchEndedTimeUp       = "time_up"       // --for ran out
	WatchEndedInterrupted  = "interrupted"   // Ctrl-C or SIGTERM
	WatchEndedDataBudget   = "data_budget"   // the data budget was used up
	WatchEndedOutputFailed = "output_failed" // standard output was closed or full
)

// Event kinds.
const (
	WatchKindOutage      = "outage"       // every rung past some point silent
	WatchKindLoss        = "loss"         // a loss burst
	WatchKindLatency     = "latency"      // a latency spike above the running baseline
	WatchKindDNS         = "dns"          // the DNS server did not answer lookups
	WatchKindVPN         = "vpn"          // the company's VPN target stopped answering, until it reconnected
	WatchKindRoute       = "route"        // the default route or interface changed, or was gone
	WatchKindWiFiRoam    = "wifi_roam"    // the Wi-Fi moved to another access point (BSSID)
	WatchKindWiFiChannel = "wifi_channel" // the Wi-Fi changed channel or band
	WatchKindWiFiSignal  = "wifi_signal"  // the Wi-Fi signal dropped
	WatchKindAsleep      = "asleep"       // the computer slept: not watched, not an outage
)

// WatchKinds lists the event kinds, worst-first as a summary names them.
func WatchKinds() []string {
	return []string{WatchKindOutage, WatchKindVPN, WatchKindDNS, WatchKindRoute, WatchKindLoss, WatchKindLatency,
		WatchKindWiFiSignal, WatchKindWiFiRoam, WatchKindWiFiChannel, WatchKindAsleep}
}

// Where an event starts: the segment of the path nearest the computer that
// shows it, as the latency check locates loss.
const (
	WhereHome     = "home"     // this computer, its Wi-Fi or cable, and the router
	WhereProvider = "provider" // between the router and the provider's first router
	WhereBeyond   = "beyond"   // past the provider's first router
)

// WatchRung is one target of the watch with its figures over the whole
// watch. Times are in milliseconds; a nil figure was not measured.
type WatchRung struct {
	// Label names the rung for people ("router", "internet 1.1.1.1").
	Label string `json:"label"`
	// Role is gateway, first_hop, anchor, dns_server, dns_lookup or vpn.
	Role    string `json:"role"`
	Address string `json:"address,omitempty"`
	// Where is the segment the rung sits behind: home, provider, beyond.
	Where string `json:"where,omitempty"`
	// Method is icmp, icmp_raw, tcp or dns.
	Method string `json:"method"`
	// ProbesPerMinute is the planned pace (the data budget sets it).
	ProbesPerMinute float64  `json:"probes_per_minute"`
	Sent            int64    `json:"sent"`
	Lost            int64    `json:"lost"`
	LossPercent     *float64 `json:"loss_percent"`
	P50Ms           *float64 `json:"p50_ms"`
	P95Ms           *float64 `json:"p95_ms"`
	MaxMs           *float64 `json:"max_ms"`
}

// WatchEvent is one thing that happened during a watch.
type WatchEvent struct {
	Kind  string    `json:"kind"`
	Start time.Time `json:"start"`
	// End equals Start for a change at one moment (a roam, a new route).
	End             time.Time `json:"end"`
	DurationSeconds float64   `json:"duration_seconds"`
	// Where the event starts: home, provider or beyond; empty when it has
	// no place on the path (the computer slept).
	Where string `json:"where,omitempty"`
	// Severity is pass for a note (a roam, a sleep), warn for what a call
	// notices (loss, spikes), fail for what breaks it (outages, VPN drops).
	Severity Status `json:"severity"`
	// Summary says what happened in one plain line.
	Summary string `json:"summary"`
	// Open is true when the event was still going on when the watch ended.
	Open bool `json:"open,omitempty"`
	// LossPercent is the round-trip loss during a loss burst, at the
	// rungs past where it starts.
	LossPercent *float64 `json:"loss_percent,omitempty"`
	// RTTIncreaseMs is how far the round trip rose above its baseline
	// during a latency spike (the median rise).
	RTTIncreaseMs *float64 `json:"rtt_increase_ms,omitempty"`
	// SignalDBm is the lowest Wi-Fi signal during a signal drop.
	SignalDBm *float64 `json:"signal_dbm,omitempty"`
	// From and To describe a change: access points, channels, routes.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// WatchMinute aggregates one minute of the watch. The lists hold one entry
// per rung, in the order of Watch.Rungs; a nil figure means the rung had
// no answer that minute (or was not probed).
type WatchMinute struct {
	Start time.Time  `json:"start"`
	Sent  []int      `json:"sent"`
	Lost  []int      `json:"lost"`
	P50Ms []*float64 `json:"p50_ms"`
	P95Ms []*float64 `json:"p95_ms"`
	MaxMs []*float64 `json:"max_ms"`
	// AsleepSeconds is how much of the minute the computer slept.
	AsleepSeconds float64 `json:"asleep_seconds,omitempty"`
}

// implausibleWatch adds the watch's durations that no watch can have.
func implausibleWatch(w *Watch, add func(path string, v float64)) {
	if w == nil {
		return
	}
	add("watch.interval_seconds", w.IntervalSeconds)
	add("watch.planned_seconds", w.PlannedSeconds)
	add("watch.watched_seconds", w.WatchedSeconds)
	for i, e := range w.Events {
		add(fmt.Sprintf("watch.events[%d].duration_seconds", i), e.DurationSeconds)
	}
}

// WatchKindWord names an event kind for people, singular or plural
// ("outage", "loss bursts"); an unknown kind is shown as it is.
func WatchKindWord(kind string, n int) string {
	one, many := kind, kind
	switch kind {
	case WatchKindOutage:
		one, many = "outage", "outages"
	case WatchKindLoss:
		one, many = "loss burst", "loss bursts"
	case WatchKindLatency:
		one, many = "latency spike", "latency spikes"
	case WatchKindDNS:
		one, many = "DNS failure", "DNS failures"
	case WatchKindVPN:
		one, many = "VPN drop", "VPN drops"
	case WatchKindRoute:
		one, many = "connection change", "connection changes"
	case WatchKindWiFiRoam:
		one, many = "Wi-Fi roam", "Wi-Fi roams"
	case WatchKindWiFiChannel:
		one, many = "Wi-Fi channel change", "Wi-Fi channel changes"
	case WatchKindWiFiSignal:
		one, many = "weak Wi-Fi signal", "weak Wi-Fi signal spells"
	case WatchKindAsleep:
		one, many = "sleep", "sleeps"
	}
	if n == 1 {
		return one
	}
	return many
}

// WhereWords says where an event starts, for a table cell: "home
// network", "internet provider", "beyond the provider".
func WhereWords(where string) string {
	switch where {
	case WhereHome:
		return "home network"
	case WhereProvider:
		return "internet provider"
	case WhereBeyond:
		return "beyond the provider"
	}
	return where
}
