package calls

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/stunprobe"
)

// app is one calling app as the check tests it: the vendor's published
// network requirements, reduced to what can be probed from a computer
// without an account. docs/checks.md ("calls") cites each document with
// the date it was read, and says which defaults could not be verified.
type app struct {
	id    string // as calls.apps names it
	name  string // "Microsoft Teams"
	short string // "Teams", for lines that name several apps
	// udp are STUN targets that answer an unauthenticated request; empty
	// means UDP cannot be tested for this app (untestable says why), and
	// is then never called blocked.
	udp        []stunprobe.Target
	knock      bool // the UDP probe also sends an unauthenticated TURN Allocate
	untestable string
	// fallback is where the app goes when UDP is blocked: TCP connects or
	// TLS handshakes, since its servers speak their own protocol there.
	fallback []stunprobe.Target
	// udpRule is what IT must allow for media over UDP, for the fix.
	udpRule string
	// video is what the vendor says HD group video needs, in Mbit/s; zero
	// where no vendor figure was found.
	videoUp, videoDown float64
	videoWhat          string
}

// The vendors' hosts. Each is named by its vendor's documents or its own
// tools; docs/checks.md gives the source of each.
const (
	// teamsRelay is Microsoft's named endpoint of the Teams Transport
	// Relays (anycast, in the "Optimize" ranges).
	teamsRelay = "worldaz.tr.teams.microsoft.com"
	// googleSTUN is Google's public STUN server; its port 19302 is in
	// Meet's documented media range.
	googleSTUN  = "stun.l.google.com"
	googleSTUN2 = "stun1.l.google.com"
	meetHost    = "meet.google.com"
	zoomHost    = "zoom.us"
	webexHost   = "www.webex.com"
)

func udp(host string, port int) stunprobe.Target {
	return stunprobe.Target{Transport: stunprobe.UDP, Host: host, Port: port}
}
func tcp(host string, port int) stunprobe.Target {
	return stunprobe.Target{Transport: stunprobe.TCP, Host: host, Port: port}
}
func tlsTo(host string, port int) stunprobe.Target {
	return stunprobe.Target{Transport: stunprobe.TLS, Host: host, Port: port}
}

// defaultApps returns the four apps with their defaults, in report order
// (profile.CallApps).
func defaultApps() []app {
	return []app{
		{
			id: "teams", name: "Microsoft Teams", short: "Teams",
			// The relays are TURN servers: the knock's unauthenticated
			// Allocate is answered (401) even if a bare Binding is not.
			udp: []stunprobe.Target{udp(teamsRelay, 3478)}, knock: true,
			// Microsoft's 443 fallback is TURN-style relaying, not
			// verified to complete a standard TLS handshake: connect only.
			fallback: []stunprobe.Target{tcp(teamsRelay, 443)},
			udpRule:  "UDP 3478–3481 to Microsoft's Teams media relays (13.107.64.0/18, 52.112.0.0/14, 52.122.0.0/15)",
			videoUp:  1, videoDown: 2, videoWhat: "HD group video",
		},
		{
			id: "zoom", name: "Zoom", short: "Zoom",
			untestable: "Zoom's media ports carry Zoom's own protocol and Zoom names no public STUN server, so UDP cannot be tested without a meeting",
			fallback:   []stunprobe.Target{tlsTo(zoomHost, 443)},
			udpRule:    "UDP 8801–8810 and 3478–3479 to Zoom's servers",
			videoUp:    1.5, videoDown: 1.5, videoWhat: "HD group video (gallery view, 720p)",
		},
		{
			id: "meet", name: "Google Meet", short: "Meet",
			udp:      []stunprobe.Target{udp(googleSTUN, 19302)},
			fallback: []stunprobe.Target{tlsTo(meetHost, 443)},
			udpRule:  "UDP 3478 and 19302–19309 to Google",
			videoUp:  3.2, videoDown: 3.2, videoWhat: "HD video with five people",
		},
		{
			id: "webex", name: "Cisco Webex", short: "Webex",
			untestable: "Webex's media servers are assigned per organisation and no stable public one is known, so UDP cannot be tested without a meeting",
			fallback:   []stunprobe.Target{tlsTo(webexHost, 443)},
			udpRule:    "UDP 5004 to Webex's media servers",
		},
	}
}

// appsOf returns the apps the profile selects, in report order, with its
// target overrides applied. The profile was validated when loaded; an
// entry that still does not parse is skipped (and said in the result).
func appsOf(p *profile.Profile) (out []app, problems []string) {
	var c profile.Calls
	if p != nil {
		c = p.Calls
	}
	for _, a := range defaultApps() {
		if len(c.Apps) > 0 && !contains(c.Apps, a.id) {
			continue
		}
		if tg, ok := c.Targets[a.id]; ok {
			if len(tg.UDP) > 0 {
				a.udp, a.untestable = nil, ""
				for _, s := range tg.UDP {
					t, err := profile.ParseUDPTarget(s)
					if err != nil {
						problems = append(problems, fmt.Sprintf("calls.targets.%s.udp: %v", a.id, err))
						continue
					}
					a.udp = append(a.udp, t)
				}
			}
			if len(tg.Fallback) > 0 {
				a.fallback = nil
				for _, s := range tg.Fallback {
					t, err := profile.ParseFallback(s)
					if err != nil {
						problems = append(problems, fmt.Sprintf("calls.targets.%s.fallback: %v", a.id, err))
						continue
					}
					a.fallback = append(a.fallback, t)
				}
			}
		}
		out = append(out, a)
	}
	return out, problems
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// defaultNATServers are two of Google's public STUN servers, on different
// addresses: neither offers RFC 5780's second address, so the NAT test
// compares the mappings they give one socket.
func defaultNATServers() []stunprobe.Target {
	return []stunprobe.Target{udp(googleSTUN, 19302), udp(googleSTUN2, 19302)}
}

// NamedHosts implements checks.HostNamer: the hosts this check contacts
// with p, so that redaction keeps them and docs can name them.
func (*check) NamedHosts(p *profile.Profile) []string { return namedHosts(p) }

func namedHosts(p *profile.Profile) []string {
	seen := map[string]bool{}
	var out []string
	add := func(h string) {
		if h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	apps, _ := appsOf(p)
	for _, a := range apps {
		for _, t := range append(append([]stunprobe.Target(nil), a.udp...), a.fallback...) {
			add(t.Host)
		}
	}
	for _, t := range defaultNATServers() {
		add(t.Host)
	}
	if p != nil {
		for _, s := range p.Calls.STUNServers {
			if t, err := stunprobe.ParseTarget(s); err == nil {
				add(t.Host)
			}
		}
		for _, s := range p.Calls.TURNServers {
			if ts, err := s.TURNTargets(); err == nil {
				add(ts[0].Host)
			}
		}
	}
	return out
}

// words names a target for people: "UDP 3478 to worldaz.tr.teams.microsoft.com".
func words(t stunprobe.Target) string {
	return strings.ToUpper(string(t.Transport)) + " " + strconv.Itoa(t.Port) + " to " + t.Host
}

// portWords names the fallback's transports and ports: "TCP 443",
// "TLS 443".
func portWords(ts []stunprobe.Target) string {
	var parts []string
	for _, t := range ts {
		w := strings.ToUpper(string(t.Transport)) + " " + strconv.Itoa(t.Port)
		if !contains(parts, w) {
			parts = append(parts, w)
		}
	}
	return strings.Join(parts, " and ")
}
