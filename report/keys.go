package report

// Key figures: the names of the metrics and facts that report/summary reads
// to answer a support agent's first questions (the HTML card and the
// Markdown first screen). The check named beside each block publishes them
// through these constants and the summary reads them through the same
// ones, so a rename is one edit; docs/checks.md ("Key figures in the report
// summary") lists them. TestEveryKeyFigureIsPublished in report/summary
// fails when the summary reads a name that its check does not publish.
const (
	// system
	KeyOSPrettyName       = "os_pretty_name"       // fact: "Debian GNU/Linux 12 (bookworm)"
	KeyOSName             = "os_name"              // fact, shown with os_version when there is no pretty name
	KeyOSVersion          = "os_version"           // fact
	KeyUptimeSeconds      = "uptime_seconds"       // metric, s: time since the last restart
	KeyClockOffsetSeconds = "clock_offset_seconds" // metric, s: positive when the computer's clock is behind

	// network
	KeyConnectionType = "connection_type" // fact: wired, wifi, tunnel, other, unknown
	KeyConnectivity   = "connectivity"    // fact: online, online_via_proxy, offline, captive_portal, intercepted
	KeyGatewayRTTMs   = "gateway_rtt_ms"  // metric, ms: the router's answer to ping

	// wifi
	KeySignalDBm = "signal_dbm" // metric, dBm
	KeyBand      = "band"       // fact: "5 GHz"
	KeyStandard  = "standard"   // fact: "Wi-Fi 6"

	// bandwidth, with the line's responsiveness under load
	KeyDownloadMbps      = "download_mbps"       // metric, Mbit/s
	KeyUploadMbps        = "upload_mbps"         // metric, Mbit/s
	KeyBufferbloatGrade  = "bufferbloat_grade"   // fact: A+ to F, the worse direction's
	KeyLatencyIncreaseMs = "latency_increase_ms" // metric, ms: round trip under load minus idle, the worse direction's

	// latency: one measurement of the path to the internet
	KeyRTTMs         = "rtt_ms"         // metric, ms: round trip to the internet test sites
	KeyJitterMs      = "jitter_ms"      // metric, ms
	KeyLossPercent   = "loss_percent"   // metric, %
	KeyProblemsStart = "problems_start" // fact: where loss starts, in words
	KeyCallQuality   = "call_quality"   // fact: good, fair, poor, not_measured

	// vpn
	KeyVPNState        = "vpn_state"        // fact, in words: "connected", "not connected", ...
	KeyTargetsAnswered = "targets_answered" // metric: company services that answered through the tunnel
	KeyTargetsTested   = "targets_tested"   // metric: company services tested

	// dns
	KeyCompanyNamesResolve = "company_names_resolve" // fact: yes, no, partly

	// calls: per app, the media path (fact: udp, tcp_only, udp_untested,
	// blocked, unknown) and what the vendor says HD video needs (metrics,
	// Mbit/s; not measured where the vendor publishes no figure)
	KeyTeamsMedia             = "teams_media"
	KeyTeamsVideoNeedUpMbps   = "teams_video_need_up_mbps"
	KeyTeamsVideoNeedDownMbps = "teams_video_need_down_mbps"
	KeyZoomMedia              = "zoom_media"
	KeyZoomVideoNeedUpMbps    = "zoom_video_need_up_mbps"
	KeyZoomVideoNeedDownMbps  = "zoom_video_need_down_mbps"
	KeyMeetMedia              = "meet_media"
	KeyMeetVideoNeedUpMbps    = "meet_video_need_up_mbps"
	KeyMeetVideoNeedDownMbps  = "meet_video_need_down_mbps"
	KeyWebexMedia             = "webex_media"
	KeyWebexVideoNeedUpMbps   = "webex_video_need_up_mbps"
	KeyWebexVideoNeedDownMbps = "webex_video_need_down_mbps"

	// services
	KeyServicesTested      = "services_tested"      // metric: company services the profile lists and the check tested (0: none listed)
	KeyServicesReachable   = "services_reachable"   // metric: those that answered as their kind
	KeyServicesUnreachable = "services_unreachable" // fact: the names of those that did not, comma-separated
)
