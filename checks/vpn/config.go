package vpn

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/hostname"
	"github.com/wfh-cli/wfh/internal/profile"
)

// Gateway types of the profile's vpn.gateway_type.
const (
	gwTLS    = "tls"        // connect and verify the TLS certificate (AnyConnect, GlobalProtect, FortiClient SSL VPN, OpenVPN over TCP with TLS)
	gwTCP    = "tcp"        // connect only
	gwSilent = "udp-silent" // WireGuard, IPsec: no answer to unauthenticated probes
)

// maxTargets bounds the company targets probed: each is tried three times,
// and a handful already tell a broken tunnel from one broken server.
const maxTargets = 10

// target is one company target from the profile.
type target struct {
	// Raw is the entry as written, cleaned for display.
	Raw string
	// Key names it in the profile ("vpn.targets[2]"), for fixes.
	Key string
	// URL is set for http:// and https:// targets.
	URL *url.URL
	// Host and Port are where to connect.
	Host, Port string
	// Problem says why the entry cannot be used; the rest is then empty.
	Problem string
}

// isHTTP reports whether the target is a web address.
func (t target) isHTTP() bool { return t.URL != nil }

// parseTarget reads one vpn.targets entry: an http(s):// address, or
// host:port (an IPv6 address in brackets).
func parseTarget(raw string, i int) target {
	t := target{Raw: probeutil.CleanText(raw, 200), Key: fmt.Sprintf("vpn.targets[%d]", i)}
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		t.Problem = "is empty"
	case strings.Contains(s, "://"):
		u, err := url.Parse(s)
		switch {
		case err != nil:
			t.Problem = "is not a valid web address"
		case u.Scheme != "http" && u.Scheme != "https":
			t.Problem = fmt.Sprintf("uses %s://; only http:// and https:// addresses, or host:port, can be tested", probeutil.CleanText(u.Scheme, 20))
		case !hostname.IsHost(u.Hostname()):
			t.Problem = "has no valid host name"
		case u.Port() != "" && !validPort(u.Port()):
			t.Problem = "has a bad port (ports are 1 to 65535)"
		default:
			t.URL, t.Host, t.Port = u, u.Hostname(), u.Port()
			if t.Port == "" {
				t.Port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
			}
		}
	default:
		host, port, err := net.SplitHostPort(s)
		switch {
		case err != nil:
			t.Problem = "is neither a web address (https://…) nor host:port"
		case strings.Trim(port, "0123456789") != "" || port == "":
			t.Problem = "is neither a web address (https://…) nor host:port"
		case !hostname.IsHost(host):
			t.Problem = "has no valid host name"
		case !validPort(port):
			t.Problem = "has a bad port (ports are 1 to 65535)"
		default:
			t.Host, t.Port = host, port
		}
	}
	return t
}

// targets returns the profile's targets, at most maxTargets, and how many
// were left out.
func targets(env *checks.Env) ([]target, int) {
	if env.Profile == nil {
		return nil, 0
	}
	raw := env.Profile.VPN.Targets
	var out []target
	for i, r := range raw {
		if i >= maxTargets {
			return out, len(raw) - maxTargets
		}
		out = append(out, parseTarget(r, i))
	}
	return out, 0
}

// gatewayConfig is the profile's VPN gateway.
type gatewayConfig struct {
	Raw, Type  string
	Host, Port string
	Problem    string
}

// gateway reads vpn.gateway and vpn.gateway_type: host, host:port or an
// https:// address. The port defaults to 443 for tls and tcp (the SSL VPNs'
// port) and stays empty for udp-silent, where it only narrows matching.
func gateway(env *checks.Env) (gatewayConfig, bool) {
	if env.Profile == nil || strings.TrimSpace(env.Profile.VPN.Gateway) == "" {
		return gatewayConfig{}, false
	}
	g := gatewayConfig{Raw: probeutil.CleanText(env.Profile.VPN.Gateway, 200), Type: strings.TrimSpace(env.Profile.VPN.GatewayType)}
	if g.Type == "" {
		g.Type = gwTLS
	}
	s := strings.TrimSpace(env.Profile.VPN.Gateway)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || !hostname.IsHost(u.Hostname()) || u.Port() != "" && !validPort(u.Port()) {
			g.Problem = "is not a host, host:port or https:// address"
			return g, true
		}
		g.Host, g.Port = u.Hostname(), u.Port()
	} else if host, port, err := net.SplitHostPort(s); err == nil {
		if !hostname.IsHost(host) || !validPort(port) {
			g.Problem = "is not a host, host:port or https:// address"
			return g, true
		}
		g.Host, g.Port = host, port
	} else {
		h := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
		if !hostname.IsHost(h) {
			g.Problem = "is not a host, host:port or https:// address"
			return g, true
		}
		g.Host = h
	}
	switch g.Type {
	case gwTLS, gwTCP:
		if g.Port == "" {
			g.Port = "443"
		}
	case gwSilent:
	default:
		g.Problem = fmt.Sprintf("has the type %q; write tls, tcp or udp-silent in vpn.gateway_type", probeutil.CleanText(g.Type, 30))
	}
	return g, true
}

// vpnOnlyNames returns the company names the profile's dns section marks
// as resolving only on the VPN.
func vpnOnlyNames(env *checks.Env) []string {
	if env.Profile == nil {
		return nil
	}
	var out []string
	for _, c := range env.Profile.DNS.CompanyNames {
		if c.VPNOnly && hostname.IsHost(c.Name) {
			out = append(out, c.Name)
		}
	}
	return out
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && p == strconv.Itoa(n)
}

// NamedHosts implements checks.HostNamer: the hosts the profile's vpn
// section names (the gateway and the company targets), which the report
// keeps unredacted: IT named them, and the agent needs them verbatim.
func (*check) NamedHosts(p *profile.Profile) []string {
	if p == nil {
		return nil
	}
	env := &checks.Env{Profile: p}
	var out []string
	if g, ok := gateway(env); ok && g.Host != "" {
		out = append(out, g.Host)
	}
	ts, _ := targets(env)
	for _, t := range ts {
		if t.Host != "" {
			out = append(out, t.Host)
		}
	}
	return out
}
