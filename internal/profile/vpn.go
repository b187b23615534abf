package profile

import (
	"fmt"
	"strings"
)

// VPN configures the vpn check: the company's VPN gateway and the
// services that should answer through the tunnel. With neither set, the
// check only reports a VPN it finds.
type VPN struct {
	// Gateway is the VPN server the client connects to: host, host:port
	// or an https:// address.
	Gateway string `yaml:"gateway"`
	// GatewayType says how to probe it: "tls" (the default: connect and
	// verify its certificate), "tcp" (connect), or "udp-silent" (WireGuard,
	// IPsec: nothing answers an unauthenticated probe).
	GatewayType string `yaml:"gateway_type"`
	// Targets are company services reachable only through the tunnel:
	// http:// or https:// addresses, or host:port. An entry the check
	// cannot read is reported in its result, naming the entry, so one typo
	// does not stop the rest of the report.
	Targets []string `yaml:"targets"`
}

// VPNGatewayTypes are the values vpn.gateway_type accepts.
var VPNGatewayTypes = []string{"tls", "tcp", "udp-silent"}

// maxVPNTargets bounds vpn.targets: each is tried three times, and a
// handful already tell a broken tunnel from one broken server.
const maxVPNTargets = 10

// validateVPN checks the vpn section's values that can be checked
// without the network.
func validateVPN(p *Profile, lines map[string]int, fail func(key, msg, fix string) *Error) *Error {
	v := p.VPN
	if _, set := lines["vpn.gateway_type"]; set {
		t := strings.TrimSpace(v.GatewayType)
		if !containsFold(VPNGatewayTypes, t) || t != strings.ToLower(t) {
			fix := "write tls (SSL VPNs: AnyConnect, GlobalProtect, FortiClient), tcp, or udp-silent (WireGuard, IPsec)"
			if s := closest(strings.ToLower(t), VPNGatewayTypes); s != "" {
				fix = fmt.Sprintf("did you mean %q? %s", s, fix)
			}
			return fail("vpn.gateway_type", fmt.Sprintf("vpn.gateway_type must be tls, tcp or udp-silent, got %s", quote(v.GatewayType)), fix)
		}
		if strings.TrimSpace(v.Gateway) == "" {
			return fail("vpn.gateway_type", "vpn.gateway_type is set but vpn.gateway is not",
				"add the gateway's address, e.g. gateway: vpn.acme.example, or remove gateway_type")
		}
	}
	if n := len(v.Targets); n > maxVPNTargets {
		return fail("vpn.targets", fmt.Sprintf("vpn.targets lists %d targets, more than %d", n, maxVPNTargets),
			"keep a few services people use every day: the intranet, the mail server, a file share")
	}
	return nil
}
