package profile

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/wfh-cli/wfh/internal/stunprobe"
)

// Calls configures the calls check: which calling apps it tests, and the
// organisation's own STUN and TURN servers.
type Calls struct {
	// Apps are the calling apps to test (CallApps); empty means all.
	Apps []string `yaml:"apps"`
	// STUNServers are the organisation's STUN servers ("stun:host:port",
	// "stuns:host:port", "host:port"): each gets a Binding, and the UDP
	// ones replace wfh's defaults for the NAT test.
	STUNServers []string `yaml:"stun_servers"`
	// TURNServers are the organisation's TURN servers, each tried with an
	// allocation over UDP, TCP and TLS.
	TURNServers []TURNServer `yaml:"turn_servers"`
	// Targets replace an app's default probe targets, by app name: for a
	// company that runs its own relays, and for tests.
	Targets map[string]CallTargets `yaml:"targets"`
}

// TURNServer is one TURN server and the long-term credentials it takes.
type TURNServer struct {
	// URL is "turn:host[:port]" (UDP and TCP on the port, default 3478),
	// or one transport only: "turn:host:port?transport=udp|tcp",
	// "turns:host[:port]" (TLS).
	URL string `yaml:"url"`
	// TLSPort is where the server takes TURN over TLS when URL names no
	// single transport; 0 means 5349.
	TLSPort int `yaml:"tls_port"`
	// Username and Password are the long-term credentials; the report
	// never shows them.
	Username Secret `yaml:"username"`
	Password Secret `yaml:"password"`
}

// CallTargets are one app's probe targets.
type CallTargets struct {
	// UDP are STUN servers for the UDP probe ("host:port",
	// "stun:host:port"); empty keeps the app's default.
	UDP []string `yaml:"udp"`
	// Fallback are "tcp:host:port" (a TCP connect) and "tls:host:port" (a
	// TLS handshake), the app's fallback when UDP is blocked; empty keeps
	// the app's default.
	Fallback []string `yaml:"fallback"`
}

// Secret is a value that must never be printed: it formats, prints and
// marshals as "[redacted]", so a profile dumped into a log or a report
// keeps it out. Reveal gives the value to the code that needs it.
type Secret string

const redactedSecret = "[redacted]"

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

func (Secret) String() string               { return redactedSecret }
func (Secret) GoString() string             { return redactedSecret }
func (Secret) Format(f fmt.State, _ rune)   { _, _ = io.WriteString(f, redactedSecret) }
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redactedSecret + `"`), nil }
func (Secret) MarshalYAML() (any, error)    { return redactedSecret, nil }
func (Secret) MarshalText() ([]byte, error) { return []byte(redactedSecret), nil }

// CallApps are the values calls.apps accepts, in the order the report
// shows them.
var CallApps = []string{"teams", "zoom", "meet", "webex"}

// Limits of the calls lists: every server is probed at once within the
// check's 4 s, each probe holding a socket; a few servers already show
// whether the company's relays are reachable.
const (
	maxSTUNServers = 8
	maxTURNServers = 4
	maxCallTargets = 4 // per app and list
)

// ParseFallback reads an app fallback target: "tcp:host:port" or
// "tls:host:port" (IPv6 in brackets).
func ParseFallback(s string) (stunprobe.Target, error) {
	t := strings.TrimSpace(s)
	scheme, rest, ok := strings.Cut(t, ":")
	var uri string
	switch strings.ToLower(scheme) {
	case "tcp":
		uri = "stun:" + rest + "?transport=tcp"
	case "tls":
		uri = "stuns:" + rest
	}
	if !ok || uri == "" || strings.ContainsAny(rest, "?/") {
		return stunprobe.Target{}, fmt.Errorf("%s is not tcp:host:port or tls:host:port", quote(s))
	}
	if !hasPort(rest) {
		return stunprobe.Target{}, fmt.Errorf("%s has no port: write %s:host:443", quote(s), strings.ToLower(scheme))
	}
	target, err := stunprobe.ParseTarget(uri)
	if err != nil {
		return stunprobe.Target{}, fmt.Errorf("%s: %s", quote(s), strings.TrimPrefix(err.Error(), fmt.Sprintf("server %q: ", uri)))
	}
	return target, nil
}

// hasPort tells whether "host:port" or "[v6]:port" carries a port.
func hasPort(hostPort string) bool {
	if strings.HasPrefix(hostPort, "[") {
		end := strings.IndexByte(hostPort, ']')
		return end >= 0 && strings.HasPrefix(hostPort[end+1:], ":")
	}
	return strings.Contains(hostPort, ":")
}

// ParseUDPTarget reads an app's UDP probe target: "host:port" or
// "stun:host[:port]", over UDP.
func ParseUDPTarget(s string) (stunprobe.Target, error) {
	t, err := stunprobe.ParseTarget(s)
	if err != nil {
		return t, err
	}
	if t.Transport != stunprobe.UDP {
		return stunprobe.Target{}, fmt.Errorf("%s is not a UDP server: write host:port or stun:host:port", quote(s))
	}
	return t, nil
}

// TURNTargets are the transports a TURN server is tried on: UDP and TCP on
// its port and TLS on TLSPort, or the one transport its URL names.
func (s TURNServer) TURNTargets() ([]stunprobe.Target, error) {
	t, err := stunprobe.ParseTarget(s.URL)
	if err != nil {
		return nil, err
	}
	u := strings.ToLower(strings.TrimSpace(s.URL))
	if strings.HasPrefix(u, "turns:") || strings.Contains(u, "?transport=") {
		return []stunprobe.Target{t}, nil
	}
	tlsPort := s.TLSPort
	if tlsPort == 0 {
		tlsPort = stunprobe.DefaultTLSPort
	}
	return []stunprobe.Target{
		t,
		{Transport: stunprobe.TCP, Host: t.Host, Port: t.Port},
		{Transport: stunprobe.TLS, Host: t.Host, Port: tlsPort},
	}, nil
}

// validateCalls checks the calls section.
func validateCalls(p *Profile, lines map[string]int, fail func(key, msg, fix string) *Error) *Error {
	c := p.Calls
	appList := strings.Join(CallApps, ", ")
	at := func(key, fallback string) string {
		if _, ok := lines[key]; ok {
			return key
		}
		return fallback
	}
	if _, set := lines["calls.apps"]; set && len(c.Apps) == 0 {
		return fail("calls.apps", "calls.apps is an empty list",
			"list the apps to test ("+appList+"), leave the key out for all of them, or skip the check with checks.skip: [calls]")
	}
	for i, a := range c.Apps {
		key := fmt.Sprintf("calls.apps[%d]", i)
		if !slices.Contains(CallApps, a) {
			fix := "write one of " + appList
			if s := closest(strings.ToLower(strings.TrimSpace(a)), CallApps); s != "" {
				fix = fmt.Sprintf("did you mean %q? %s", s, fix)
			}
			return fail(at(key, "calls.apps"), fmt.Sprintf("%s is not an app wfh tests: %s", key, quote(a)), fix)
		}
		if slices.Index(c.Apps, a) < i {
			return fail(at(key, "calls.apps"), fmt.Sprintf("%s lists %s twice", "calls.apps", quote(a)), "keep one of them")
		}
	}
	if n := len(c.STUNServers); n > maxSTUNServers {
		return fail("calls.stun_servers", fmt.Sprintf("calls.stun_servers lists %d servers, more than %d", n, maxSTUNServers),
			"keep the servers calls really use; one per site is enough")
	}
	for i, s := range c.STUNServers {
		key := fmt.Sprintf("calls.stun_servers[%d]", i)
		if _, err := stunprobe.ParseTarget(s); err != nil {
			return fail(at(key, "calls.stun_servers"), key+": "+err.Error(),
				`write stun:host:port (UDP), stun:host:port?transport=tcp, stuns:host:port (TLS) or host:port, e.g. - "stun:stun.acme.example:3478"`)
		}
	}
	if n := len(c.TURNServers); n > maxTURNServers {
		return fail("calls.turn_servers", fmt.Sprintf("calls.turn_servers lists %d servers, more than %d", n, maxTURNServers),
			"keep the relays calls really use; one per site is enough")
	}
	for i, s := range c.TURNServers {
		key := fmt.Sprintf("calls.turn_servers[%d]", i)
		if strings.TrimSpace(s.URL) == "" {
			return fail(at(key+".url", key), key+".url is missing", "give each TURN server its address, e.g. url: turn:turn.acme.example:3478")
		}
		if _, err := s.TURNTargets(); err != nil {
			return fail(at(key+".url", key), key+".url: "+err.Error(),
				"write turn:host:port (UDP and TCP), turn:host:port?transport=tcp, or turns:host:port (TLS)")
		}
		if _, set := lines[key+".tls_port"]; set && (s.TLSPort < 1 || s.TLSPort > 65535) {
			return fail(key+".tls_port", fmt.Sprintf("%s.tls_port must be a port from 1 to 65535, got %d", key, s.TLSPort),
				"write the port the server takes TURN over TLS on, e.g. 443 or 5349, or leave it out for 5349")
		}
		// The values are secrets: an error names the key, never the value.
		if s.Username.Reveal() == "" || s.Password.Reveal() == "" {
			return fail(at(key, "calls.turn_servers"), key+" needs both username and password",
				"add the long-term credentials IT issued for testing the relay (they never appear in a report)")
		}
	}
	names := make([]string, 0, len(c.Targets))
	for name := range c.Targets {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		key := "calls.targets." + name
		if !slices.Contains(CallApps, name) {
			fix := "the keys under calls.targets are app names: " + appList
			if s := closest(name, CallApps); s != "" {
				fix = fmt.Sprintf("did you mean %q? %s", s, fix)
			}
			// The line of calls.targets' value is the first app's key; the
			// key's own line is not recorded, its value's is the next.
			return fail("calls.targets", fmt.Sprintf("calls.targets names an unknown app %s", quote(name)), fix)
		}
		tg := c.Targets[name]
		for _, l := range []struct {
			sub   string
			list  []string
			parse func(string) (stunprobe.Target, error)
			fix   string
		}{
			{"udp", tg.UDP, ParseUDPTarget, `write host:port or stun:host:port, e.g. - "stun:relay.acme.example:3478"`},
			{"fallback", tg.Fallback, ParseFallback, `write tcp:host:port or tls:host:port, e.g. - "tls:relay.acme.example:443"`},
		} {
			if len(l.list) > maxCallTargets {
				return fail(at(key+"."+l.sub, key), fmt.Sprintf("%s.%s lists %d targets, more than %d", key, l.sub, len(l.list), maxCallTargets), "keep one or two")
			}
			for i, s := range l.list {
				k := fmt.Sprintf("%s.%s[%d]", key, l.sub, i)
				if _, err := l.parse(s); err != nil {
					return fail(at(k, key), k+": "+err.Error(), l.fix)
				}
			}
		}
	}
	return nil
}
