package render

import (
	"math"
	"strings"

	"github.com/wfh-cli/wfh/report"
)

// The HTML report's fixtures: a realistic full run with every check the
// card knows (including checks still being built, under the names
// docs/checks.md reserves for them), all failing, empty device lists, very
// long names, and names carrying markup and script.

// rttSamples is a deterministic RTT trace around base with a spike and lost
// probes at the given indexes, so charts have something real to draw.
func rttSamples(n int, base, spread float64, lost ...int) []*float64 {
	out := make([]*float64, n)
	for i := range out {
		v := base + spread*math.Sin(float64(i)*0.7) + spread*0.5*math.Cos(float64(i)*1.9)
		if i == n/2 {
			v += spread * 6
		}
		out[i] = f64(math.Round(v*10) / 10)
	}
	for _, i := range lost {
		if i < n {
			out[i] = nil
		}
	}
	return out
}

func fullReport() report.Report {
	r := baseReport()
	r.Profile = "Acme remote work"
	r.DurationSeconds = 14.6
	r.FinishedAt = r.StartedAt.Add(14600e6)
	r.Results = []report.Result{
		{ID: "network", Title: "Network and internet", Status: report.Pass, DurationSeconds: 0.62,
			Summary: "Online: 3 of 3 test sites reached securely over IPv4",
			Metrics: []report.Metric{report.Measured("gateway_rtt_ms", 2.1, "ms")},
			Facts: map[string]string{"connectivity": "online", "connection_type": "wifi",
				"default_gateway_ipv4": "192.168.1.1 via wlan0"},
			Items: []report.Item{
				{Label: "wlan0", Kind: "interface", Status: report.Pass, Attributes: map[string]string{"type": "wifi", "state": "up", "ipv4": "192.168.1.20/24", "mac_address": "[mac]"}},
				{Label: "192.168.1.1", Kind: "gateway", Status: report.Pass, Metrics: []report.Metric{report.Measured("rtt_ms", 2.1, "ms")}},
				{Label: "www.google.com (IPv4, direct)", Kind: "anchor", Status: report.Pass, Summary: "ok", Metrics: []report.Metric{report.Measured("connect_ms", 38.2, "ms")}},
				{Label: "www.cloudflare.com (IPv4, direct)", Kind: "anchor", Status: report.Pass, Summary: "ok", Metrics: []report.Metric{report.Measured("connect_ms", 31.7, "ms")}},
				{Label: "www.microsoft.com (IPv4, direct)", Kind: "anchor", Status: report.Pass, Summary: "ok", Metrics: []report.Metric{report.Measured("connect_ms", 44.9, "ms")}},
			}},
		{ID: "wifi", Title: "Wi-Fi", Status: report.Pass, DurationSeconds: 0.05,
			Summary: "Wi-Fi 6 on 5 GHz channel 36, signal -58 dBm (good), link 866 Mbit/s",
			Metrics: []report.Metric{report.Measured("signal_dbm", -58, "dBm"), report.Measured("noise_dbm", -92, "dBm"), report.Measured("snr_db", 34, "dB"),
				report.Measured("tx_rate_mbps", 866.7, "Mbit/s"), report.Measured("rx_rate_mbps", 780, "Mbit/s"), report.Measured("channel", 36, "")},
			Facts: map[string]string{"band": "5 GHz", "standard": "Wi-Fi 6", "interface": "wlan0", "ssid": "[redacted]"}},
		{ID: "latency", Title: "Latency, jitter and loss", Status: report.Warn, DurationSeconds: 5.1,
			Summary:  "Calls may stutter: 1.5 % loss starting in your provider's network",
			Metrics:  []report.Metric{report.Measured("rtt_ms", 24.8, "ms"), report.Measured("jitter_ms", 6.3, "ms"), report.Measured("loss_percent", 1.5, "%"), report.Measured("mos", 3.9, "")},
			Facts:    map[string]string{"problems_start": "in your provider's network", "loss_location": "provider", "call_quality": "fair", "method": "icmp"},
			Findings: []report.Finding{{Severity: report.Warn, Message: "Your home network is fine; the loss starts in your provider's network.", Fix: "Contact your internet provider with this report."}},
			Items: []report.Item{
				{Label: "192.168.1.1", Kind: "gateway", Status: report.Pass, Summary: "2.3 ms, no loss", Metrics: []report.Metric{report.Measured("rtt_avg_ms", 2.3, "ms"), report.Measured("loss_percent", 0, "%")}},
				{Label: "100.64.0.1", Kind: "first hop", Status: report.Warn, Summary: "14 ms, 2 % loss", Metrics: []report.Metric{report.Measured("rtt_avg_ms", 14.1, "ms"), report.Measured("loss_percent", 2, "%")}},
				{Label: "1.1.1.1", Kind: "anchor", Status: report.Warn, Summary: "24.8 ms, 1.5 % loss", Metrics: []report.Metric{report.Measured("rtt_avg_ms", 24.8, "ms"), report.Measured("loss_percent", 1.5, "%")}},
			},
			Series: []report.Series{
				{Name: "rtt_ms", Unit: "ms", Item: "192.168.1.1", IntervalSeconds: 0.1, Samples: rttSamples(50, 2.3, 0.4)},
				{Name: "rtt_ms", Unit: "ms", Item: "100.64.0.1", IntervalSeconds: 0.1, Samples: rttSamples(50, 14, 2, 12)},
				{Name: "rtt_ms", Unit: "ms", Item: "1.1.1.1", IntervalSeconds: 0.1, Samples: rttSamples(50, 24, 4, 30)},
			}},
		{ID: "bandwidth", Title: "Speed", Status: report.Warn, DurationSeconds: 13.9,
			Summary: "92.4 Mbit/s down, 18.7 Mbit/s up; latency rises by 219 ms when you upload",
			Metrics: []report.Metric{report.Measured("download_mbps", 92.4, "Mbit/s"), report.Measured("upload_mbps", 18.7, "Mbit/s"),
				report.Measured("idle_latency_ms", 21, "ms"), report.Measured("loaded_latency_download_ms", 48, "ms"), report.Measured("loaded_latency_upload_ms", 240, "ms"),
				report.Measured("latency_increase_ms", 219, "ms"), report.Measured("data_used_bytes", 182e6, "bytes")},
			Facts: map[string]string{"bufferbloat_grade": "D", "server": "speed.example.net"},
			Findings: []report.Finding{{Severity: report.Warn, Message: "Your router's queue fills when you upload: calls stutter while files upload.",
				Fix: "Turn on SQM/Smart Queue/QoS in your router, or pause cloud backups during calls."}},
			Series: []report.Series{{Name: "loaded_rtt_upload_ms", Unit: "ms", IntervalSeconds: 0.2, Samples: rttSamples(60, 230, 40)}}},
		{ID: "dns", Title: "Name lookups (DNS)", Status: report.Pass, DurationSeconds: 0.4,
			Summary: "Your DNS resolvers answer correctly in 18 ms",
			Items: []report.Item{{Label: "192.168.1.1", Kind: "resolver", Status: report.Pass, Summary: "ok, 18 ms"},
				{Label: "1.1.1.1", Kind: "resolver", Status: report.Pass, Summary: "ok, 12 ms (comparison)"}}},
		{ID: "vpn", Title: "VPN", Status: report.Fail, DurationSeconds: 3.0,
			Summary:  "Connected but not passing traffic",
			Metrics:  []report.Metric{report.Measured("targets_answered", 0, ""), report.Measured("targets_tested", 1, "")},
			Facts:    map[string]string{"vpn_state": "connected, not passing traffic", "tunnel_client": "WireGuard", "tunnel_interface": "wg0", "tunnel_mode": "split"},
			Findings: []report.Finding{{Severity: report.Fail, Message: "The VPN tunnel is up but no company service answers through it.", Fix: "Disconnect and reconnect the VPN; if it persists, send this report to IT."}},
			Items:    []report.Item{{Label: "https://intranet.acme.example/", Kind: "company target", Status: report.Fail, Summary: "timeout after 2 s"}}},
		{ID: "system", Title: "System basics", Status: report.Warn, DurationSeconds: 1.1,
			Summary: "Debian GNU/Linux 12 (bookworm), restarted 23 days ago, 80.4 GB free, time zone Europe/Paris (UTC+01:00)",
			Metrics: []report.Metric{report.Measured("uptime_seconds", 23*86400+3600, "s"), report.Measured("disk_free_bytes", 80.4e9, "bytes"),
				report.Measured("clock_offset_seconds", 0.21, "s")},
			Facts: map[string]string{"os_name": "Debian GNU/Linux", "os_version": "12", "os_pretty_name": "Debian GNU/Linux 12 (bookworm)",
				"kernel": "6.1.0-18-amd64", "time_zone": "Europe/Paris", "utc_offset": "+01:00"},
			Findings: []report.Finding{{Severity: report.Warn, Message: "Your computer has not restarted for 23 days.",
				Fix: "Restart your computer (save your work first): pending updates finish installing and slow-downs clear."}}},
		{ID: "audio", Title: "Microphone and speakers", Status: report.Warn, DurationSeconds: 0.2,
			Summary:  "Your microphone 'USB Headset' is muted",
			Metrics:  []report.Metric{report.Measured("microphones", 2, ""), report.Measured("speakers", 2, "")},
			Facts:    map[string]string{"audio_source": "pactl -f json list"},
			Findings: []report.Finding{{Severity: report.Warn, Message: "Your microphone 'USB Headset' is muted.", Fix: "Unmute it in the sound settings or with the mute key on the headset."}},
			Items: []report.Item{
				{Label: "USB Headset", Kind: "microphone", Status: report.Warn, Summary: "default; Your microphone 'USB Headset' is muted",
					Attributes: map[string]string{"default": "yes", "muted": "yes", "volume_percent": "80", "bus": "usb"}},
				{Label: "Built-in Audio Analog Stereo", Kind: "microphone", Status: report.Pass, Attributes: map[string]string{"default": "no", "muted": "no", "volume_percent": "50"}},
				{Label: "USB Headset", Kind: "speaker", Status: report.Pass, Summary: "default", Attributes: map[string]string{"default": "yes", "muted": "no", "volume_percent": "65"}},
				{Label: "HDMI Output", Kind: "speaker", Status: report.Pass, Attributes: map[string]string{"default": "no", "muted": "no", "volume_percent": "100"}},
			}},
		{ID: "camera", Title: "Camera", Status: report.Pass, DurationSeconds: 0.08,
			Summary: "Integrated Camera (built-in)",
			Metrics: []report.Metric{report.Measured("cameras", 1, ""), report.Measured("other_cameras", 1, "")},
			Facts:   map[string]string{"camera_source": "sysfs and VIDIOC_QUERYCAP"},
			Items: []report.Item{{Label: "Integrated Camera", Kind: "camera", Status: report.Pass, Attributes: map[string]string{"connection": "built-in", "device_node": "/dev/video0"}},
				{Label: "Integrated IR Camera", Kind: "camera", Status: report.Pass, Summary: "infrared sign-in camera", Attributes: map[string]string{"infrared": "yes"}}}},
	}
	r.Overall = report.ComputeOverall(r.Results)
	return r
}

// allFailReport: every check broken, as on a machine that is offline with
// no devices; the card must still read.
func allFailReport() report.Report {
	r := baseReport()
	r.Results = []report.Result{
		{ID: "network", Title: "Network and internet", Status: report.Fail, DurationSeconds: 0.01,
			Summary: "Offline: no active network connection",
			Facts:   map[string]string{"connectivity": "offline", "connection_type": "unknown"},
			Findings: []report.Finding{{Severity: report.Fail, Message: "No network connection is active.",
				Fix: "Turn Wi-Fi on and join your network, or plug in the network cable."}}},
		{ID: "wifi", Title: "Wi-Fi", Status: report.Error, Summary: "on Wi-Fi (wlan0) but could not read the signal or the link (see the notes)",
			Findings: []report.Finding{{Severity: report.Error, Message: "iw timed out after 1.5 s"}}},
		{ID: "system", Title: "System basics", Status: report.Fail, DurationSeconds: 1.2, Summary: "The clock is 7 min behind",
			Metrics: []report.Metric{report.NotMeasured("uptime_seconds", "s", "read proc/uptime: permission denied"), report.Measured("clock_offset_seconds", 420, "s")},
			Findings: []report.Finding{{Severity: report.Fail, Message: "Your clock is 7 minutes behind.",
				Fix: "Turn on \"Set time automatically\", then sign in again."}}},
		{ID: "audio", Title: "Microphone and speakers", Status: report.Fail, Summary: "No microphone found",
			Metrics:  []report.Metric{report.Measured("microphones", 0, ""), report.Measured("speakers", 0, "")},
			Findings: []report.Finding{{Severity: report.Fail, Message: "No microphone found.", Fix: "Plug in a headset or microphone and check it is on."}}},
		{ID: "camera", Title: "Camera", Status: report.Fail, Summary: "No camera found",
			Metrics:  []report.Metric{report.Measured("cameras", 0, "")},
			Findings: []report.Finding{{Severity: report.Fail, Message: "No camera found.", Fix: "Plug the camera in (or try another USB port) and open its privacy shutter."}}},
		{ID: "latency", Title: "Latency, jitter and loss", Status: report.Error, Summary: "did not finish within 5 s"},
	}
	r.Overall = report.ComputeOverall(r.Results)
	return r
}

// noDevicesReport: audio and camera ran and found nothing: empty item lists,
// counts of zero.
func noDevicesReport() report.Report {
	r := baseReport()
	r.Results = []report.Result{
		{ID: "audio", Title: "Microphone and speakers", Status: report.Warn, Summary: "no audio devices found",
			Metrics:  []report.Metric{report.Measured("microphones", 0, ""), report.Measured("speakers", 0, "")},
			Items:    []report.Item{},
			Findings: []report.Finding{{Severity: report.Warn, Message: "No audio devices found.", Fix: "Plug in a headset, or connect a Bluetooth headset."}}},
		{ID: "camera", Title: "Camera", Status: report.Warn, Summary: "No camera found",
			Metrics:  []report.Metric{report.Measured("cameras", 0, ""), report.Measured("other_cameras", 0, "")},
			Items:    []report.Item{},
			Findings: []report.Finding{{Severity: report.Warn, Message: "No camera found.", Fix: "Plug the camera in (or try another USB port)."}}},
	}
	r.Overall = report.ComputeOverall(r.Results)
	return r
}

// longNamesReport: names far longer than any screen, with and without spaces.
func longNamesReport() report.Report {
	word := strings.Repeat("Supercalifragilistic", 40)
	spaced := strings.Repeat("Very Long Device Name ", 60)
	r := baseReport()
	r.Host.Hostname = strings.Repeat("host", 100)
	r.Results = []report.Result{
		{ID: "audio", Title: "Microphone and speakers " + spaced, Status: report.Warn, Summary: "muted: " + word,
			Items: []report.Item{
				{Label: word, Kind: "microphone", Status: report.Warn, Summary: "default; muted",
					Attributes: map[string]string{"default": "yes", "muted": "yes", "volume_percent": "40", "name": "alsa_input." + word}},
				{Label: spaced, Kind: "speaker", Status: report.Pass, Attributes: map[string]string{"default": "yes", "muted": "no"}},
			},
			Findings: []report.Finding{{Severity: report.Warn, Message: "Your microphone '" + word + "' is muted.", Fix: "Unmute it. " + spaced}}},
		{ID: "wifi", Title: "Wi-Fi", Status: report.Pass, Summary: "signal -60 dBm",
			Metrics: []report.Metric{report.Measured("signal_dbm", -60, "dBm")},
			Facts:   map[string]string{"ssid": word, "band": spaced},
			Series:  []report.Series{{Name: "signal_" + word, Unit: "dBm", Item: spaced, Samples: rttSamples(8, -60, 2)}}},
	}
	r.Overall = report.ComputeOverall(r.Results)
	return r
}

// Strings that would run script, load something or restyle the page if any
// renderer let them through as markup.
const (
	scriptTitle  = "<script>document.title='PWNED'</script>"
	scriptImg    = `<img src="http://canary.invalid/leak.png" onerror="document.title='PWNED'">`
	scriptStyle  = `</style><style>body{display:none}</style>`
	scriptSVG    = `<svg onload="document.title='PWNED'"><a href="javascript:alert(1)">x</a></svg>`
	scriptAttr   = `" onmouseover="document.title='PWNED'" x="`
	scriptURL    = "javascript:document.title='PWNED'"
	scriptIframe = `<iframe src="http://canary.invalid/frame"></iframe>`
)

// scriptReport puts markup in every string the page shows: device names,
// the SSID, summaries, fixes, metric names and units, series, host facts.
func scriptReport() report.Report {
	r := baseReport()
	r.Redaction = "off"
	r.Profile = scriptStyle
	r.Host.Hostname = scriptImg
	r.Host.User = scriptAttr
	r.Host.TimeZone = scriptTitle
	r.Tool.Version = scriptIframe
	r.Results = []report.Result{
		{ID: scriptAttr, Title: "Camera " + scriptTitle, Status: report.Warn, Summary: scriptImg,
			Metrics: []report.Metric{report.Measured("cameras", 1, ""), report.NotMeasured(scriptSVG, scriptAttr, scriptStyle)},
			Facts:   map[string]string{"camera_source": scriptURL, scriptTitle: scriptIframe},
			Findings: []report.Finding{{Severity: report.Warn, Message: "Camera " + scriptTitle + " is in use.", Fix: scriptSVG},
				{Severity: report.Pass, Message: scriptIframe, Fix: scriptURL}},
			Items: []report.Item{{Label: scriptTitle, Kind: scriptImg, Status: report.Warn, Summary: scriptSVG,
				Metrics: []report.Metric{report.Measured(scriptAttr, 1, scriptAttr)}, Attributes: map[string]string{"held_by": scriptImg, scriptURL: scriptStyle}}},
			Series: []report.Series{{Name: scriptTitle, Unit: scriptAttr, Item: scriptImg, Samples: []*float64{f64(1), nil, f64(2)}}}},
		{ID: "audio", Title: "Microphone and speakers", Status: report.Pass, Summary: scriptStyle,
			Items: []report.Item{{Label: scriptTitle, Kind: "microphone", Status: report.Pass, Attributes: map[string]string{"default": "yes", "muted": "no", "volume_percent": scriptImg}},
				{Label: scriptImg, Kind: "speaker", Status: report.Pass, Attributes: map[string]string{"default": "yes", "muted": "yes"}}}},
		{ID: "wifi", Title: "Wi-Fi", Status: report.Pass, Summary: "ok",
			Metrics: []report.Metric{report.Measured("signal_dbm", -50, "dBm")},
			Facts:   map[string]string{"ssid": scriptTitle, "band": scriptSVG, "standard": scriptAttr}},
		{ID: "network", Title: "Network", Status: report.Fail, Summary: scriptIframe,
			Facts:    map[string]string{"connection_type": scriptTitle, "connectivity": scriptImg},
			Findings: []report.Finding{{Severity: report.Fail, Message: scriptURL, Fix: scriptImg}}},
		{ID: "vpn", Title: "VPN", Status: report.Pass, Facts: map[string]string{"vpn_state": scriptSVG}},
	}
	r.Overall = report.ComputeOverall(r.Results)
	return r
}

var htmlSampleReports = append(append([]struct {
	name   string
	report func() report.Report
}{}, sampleReports...),
	[]struct {
		name   string
		report func() report.Report
	}{
		{"full", fullReport},
		{"allfail", allFailReport},
		{"nodevices", noDevicesReport},
		{"longnames", longNamesReport},
		{"script", scriptReport},
	}...)
