package profile

import (
	"reflect"

	"go.yaml.in/yaml/v3"
)

// Key describes one key of the profile for people: what it does and its
// default. `wfh profile init` writes the commented profile from this table
// (Template), and docs/profile.schema.json follows it; TestKeysCoverTheLoader
// fails when a key the loader reads is missing here or the reverse, so the
// template and the schema cannot drift from what Parse accepts.
type Key struct {
	// Path is the key's place, "system.max_uptime_days"; a key of every
	// item of a list is written "dns.company_names[].name".
	Path string
	// Doc says what the key does, in a sentence or two.
	Doc string
	// Default is the default as a YAML value ("14", "60s", "[]"), which
	// the template writes commented out; empty when the default is not a
	// value one could write (none, or discovered on the computer), and
	// then DefaultWords says what it is.
	Default      string
	DefaultWords string
	// Example is a value to show for a key without a writable default.
	Example string
}

// Section reports whether the key holds other keys.
func (k Key) Section() bool { return k.Default == "" && k.DefaultWords == "" }

// Keys lists every key of the profile in the order of the file.
func Keys() []Key { return append([]Key(nil), keys...) }

var keys = []Key{
	{Path: "name", Doc: "Shown at the top of every report, so that a report says which profile it was made with.",
		DefaultWords: "none", Example: "Acme onboarding"},
	{Path: "company_ca", Doc: "A file of extra root certificates (PEM) for the TLS checks: the company proxy's or internal servers' CA. " +
		"A relative path is relative to this file; in a profile fetched from a web address, an address relative to it that ends in its own #sha256= pin.",
		DefaultWords: "none, the system's roots only", Example: "acme-root-ca.pem"},
	{Path: "timeout", Doc: "Overall time limit of one run, from 5s to 10m.", Default: "60s"},
	{Path: "fail_on", Doc: `The lowest verdict that makes the exit code 1: "fail", or "warn" to count warnings too.`, Default: "fail"},

	{Path: "checks", Doc: "Which checks run; names as listed by wfh checks."},
	{Path: "checks.only", Doc: "Run only these checks; every check when empty.", Default: "[]"},
	{Path: "checks.skip", Doc: "Leave these checks out.", Default: "[]"},

	{Path: "system", Doc: "Settings of the system check."},
	{Path: "system.max_uptime_days", Doc: "Warn when the computer has not restarted for this many days, 1 to 365.", Default: "14"},
	{Path: "system.ntp_server", Doc: "The time server the clock is compared with: host or host:port.", Default: "pool.ntp.org"},
	{Path: "system.time_url", Doc: "Where NTP is blocked, the clock is read from this web server's Date header.", Default: "https://www.google.com/"},

	{Path: "network", Doc: "Settings of the network check."},
	{Path: "network.anchors", Doc: "https:// sites whose TLS handshake proves the internet is reachable; give at least two run by different parties.",
		Default: "[https://www.google.com/, https://www.cloudflare.com/, https://www.microsoft.com/]"},
	{Path: "network.portal_url", Doc: "An http:// address that answers 204 No Content on a clear path; captive portals and filters answer otherwise.",
		Default: "http://connectivitycheck.gstatic.com/generate_204"},

	{Path: "camera", Doc: "Settings of the camera check."},
	{Path: "camera.required", Doc: "Fail, not just warn, when no camera is found.", Default: "false"},

	{Path: "audio", Doc: "Settings of the audio check."},
	{Path: "audio.microphone_required", Doc: "Fail, not just warn, when no microphone is found.", Default: "false"},
	{Path: "audio.speaker_required", Doc: "Fail, not just warn, when no speaker or headphones are found.", Default: "false"},

	{Path: "latency", Doc: "Settings of the latency check: its targets and the limits of its verdict on calls."},
	{Path: "latency.anchors", Doc: "Hosts pinged as the internet end of the ladder, at most 8; when left out, the hosts of network.anchors if set, else these.",
		Default: "[1.1.1.1, 8.8.8.8, 9.9.9.9]"},
	{Path: "latency.gateway", Doc: "An IP address to ping instead of the discovered default gateway, or off to leave it out.",
		DefaultWords: "the default gateway", Example: "192.168.1.1"},
	{Path: "latency.first_hop", Doc: "An IP address instead of the discovered first router past the gateway, or off.",
		DefaultWords: "the first router past the gateway that answers", Example: "off"},
	{Path: "latency.resolver", Doc: "An IP address instead of the computer's first DNS server, or off.",
		DefaultWords: "the first DNS server that is not on the computer", Example: "off"},
	{Path: "latency.rtt_warn_ms", Doc: "Round trip to the internet anchors, in ms, above which the check warns.", Default: "100"},
	{Path: "latency.rtt_fail_ms", Doc: "Round trip, in ms, at or above which the check fails.", Default: "300"},
	{Path: "latency.jitter_warn_ms", Doc: "Jitter, in ms, above which the check warns.", Default: "30"},
	{Path: "latency.jitter_fail_ms", Doc: "Jitter, in ms, at or above which the check fails.", Default: "50"},
	{Path: "latency.loss_warn_percent", Doc: "Packet loss, in percent, above which the check warns.", Default: "1"},
	{Path: "latency.loss_fail_percent", Doc: "Packet loss, in percent, at or above which the check fails.", Default: "5"},

	{Path: "dns", Doc: "Settings of the dns check."},
	{Path: "dns.public_resolver", Doc: "The public DNS server the computer's own are compared with: an IP address, optionally with a port.", Default: "8.8.8.8"},
	{Path: "dns.names", Doc: "Public names every DNS server must resolve, at most 10.", Default: "[www.google.com, www.cloudflare.com, www.microsoft.com]"},
	{Path: "dns.company_names", Doc: "The organisation's own names, looked up the way apps do, at most 20; mark a name that resolves only on the VPN with vpn_only.",
		Default: "[]", Example: "[{name: sso.acme.example}, {name: intranet.acme.example, vpn_only: true}]"},
	{Path: "dns.company_names[].name", Doc: "A company DNS name.", DefaultWords: "none", Example: "sso.acme.example"},
	{Path: "dns.company_names[].vpn_only", Doc: "The name resolves only while the VPN is connected.", Default: "false"},

	{Path: "bandwidth", Doc: "Settings of the bandwidth check, the speed test; --quick leaves it out."},
	{Path: "bandwidth.server", Doc: "The speed-test server: a wfh serve instance or a speedtest.net server's address.",
		DefaultWords: "the nearest public speed-test servers", Example: "http://speedtest.acme.example:8080/"},
	{Path: "bandwidth.min_download_mbps", Doc: "The organisation's minimum download speed in Mbit/s; below it the check fails.",
		DefaultWords: "none", Example: "20"},
	{Path: "bandwidth.min_upload_mbps", Doc: "The organisation's minimum upload speed in Mbit/s.", DefaultWords: "none", Example: "5"},
	{Path: "bandwidth.max_data", Doc: "The most data one run may move for the speed test, 5MB to 10GB.", Default: "250MB"},

	{Path: "vpn", Doc: "Settings of the vpn check; with none of them no VPN is expected."},
	{Path: "vpn.gateway", Doc: "The VPN server the VPN app connects to: host, host:port or https:// address.",
		DefaultWords: "none, no VPN expected", Example: "vpn.acme.example"},
	{Path: "vpn.gateway_type", Doc: "How the gateway is probed, only with a gateway: tls, tcp or udp-silent (WireGuard, IPsec).", Default: "tls"},
	{Path: "vpn.targets", Doc: "Company services that answer only through the VPN: web addresses or host:port, at most 10.", Default: "[]",
		Example: "[https://intranet.acme.example/health, files.acme.example:445]"},

	{Path: "report", Doc: "Where the report goes besides the local copy (docs/fleet.md)."},
	{Path: "report.post_url", Doc: "The redacted JSON report of every run is posted here: https://, or http:// to this computer only.",
		DefaultWords: "none, nothing is sent", Example: "https://helpdesk.acme.example/wfh"},
	{Path: "report.post_authorization_env", Doc: "The environment variable whose value is sent as the Authorization header (the name, never the token).",
		DefaultWords: "none, no Authorization header", Example: "WFH_POST_TOKEN"},
	{Path: "report.post_secret_env", Doc: "The environment variable holding the shared secret of the X-WFH-Signature header.",
		DefaultWords: "none, the report is not signed", Example: "WFH_POST_SECRET"},

	{Path: "calls", Doc: "Settings of the calls check: which calling apps it tests, and the organisation's own STUN and TURN servers."},
	{Path: "calls.apps", Doc: "The calling apps to test, of teams, zoom, meet and webex; all four when the key is left out.",
		DefaultWords: "all four: teams, zoom, meet, webex", Example: "[teams, zoom]"},
	{Path: "calls.stun_servers", Doc: "The organisation's STUN servers (stun:host[:port], stuns:host[:port] or host:port), at most 8; the UDP ones also tell the NAT's behaviour.",
		Default: "[]", Example: "[stun:stun.acme.example:3478]"},
	{Path: "calls.turn_servers", Doc: "The organisation's TURN servers, each tried with an allocation over UDP, TCP and TLS, at most 4; the credentials never appear in a report.",
		Default: "[]"},
	{Path: "calls.turn_servers[].url", Doc: "turn:host[:port] (UDP and TCP), turn:host:port?transport=udp|tcp, or turns:host[:port] (TLS).",
		DefaultWords: "none, required", Example: "turn:turn.acme.example:3478"},
	{Path: "calls.turn_servers[].tls_port", Doc: "Where the server takes TURN over TLS when url names no single transport, 1 to 65535.", Default: "5349"},
	{Path: "calls.turn_servers[].username", Doc: "The TURN user name (long-term credentials).", DefaultWords: "none, required", Example: "wfh-test"},
	{Path: "calls.turn_servers[].password", Doc: "The TURN password.", DefaultWords: "none, required", Example: "change-me"},
	{Path: "calls.targets", Doc: "Replaces an app's default probe targets, by app name (teams, zoom, meet, webex): udp, up to 4 host:port or stun:host[:port]; fallback, up to 4 tcp:host:port or tls:host:port.",
		DefaultWords: "the app's defaults (docs/checks.md, calls)", Example: "{teams: {udp: [stun.acme.example:3478], fallback: [tls:relay.acme.example:443]}}"},

	{Path: "services", Doc: "Company services the job needs, each proven the way its real client starts (docs/checks.md, services), at most 20; the services check is skipped when none are listed.",
		Default: "[]"},
	{Path: "services[].name", Doc: "What people call the service; shown in the report, unique.", DefaultWords: "none, required", Example: "Remote desktop"},
	{Path: "services[].kind", Doc: "How it is proven: https, rdp, rd_gateway, avd, ssh, smtp, imap, citrix or tcp (a plain connect, weak evidence).",
		DefaultWords: "none, required", Example: "rdp"},
	{Path: "services[].address", Doc: "Where it answers: host, host:port or, for https, rd_gateway, avd and citrix, a web address; the kind's usual port when left out.",
		DefaultWords: "none, required", Example: "desktop42.corp.acme.example"},
	{Path: "services[].via", Doc: "Whether it must be reached through the VPN's tunnel (vpn), outside it (direct), or either (any).", Default: "any"},
}

// loaderKeyPaths lists every key Parse accepts, keys of list items
// included ("dns.company_names[].name"), from the Profile type itself.
func loaderKeyPaths() []string {
	var out []string
	var visit func(t reflect.Type, prefix string, depth int)
	visit = func(t reflect.Type, prefix string, depth int) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() == reflect.Slice {
			visit(t.Elem(), prefix+"[]", depth+1)
			return
		}
		if t.Kind() != reflect.Struct || depth > 8 || reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
			return
		}
		for _, f := range structFields(t) {
			p := join(prefix, f.key)
			out = append(out, p)
			visit(f.typ, p, depth+1)
		}
	}
	visit(reflect.TypeFor[Profile](), "", 0)
	return out
}

// KeyByPath returns the key at path, "" keys included.
func KeyByPath(path string) (Key, bool) {
	for _, k := range keys {
		if k.Path == path {
			return k, true
		}
	}
	return Key{}, false
}
