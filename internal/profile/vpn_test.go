package profile

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestVPNSection(t *testing.T) {
	p, err := Parse("acme.yaml", []byte(`vpn:
  gateway: "203.0.113.7:51820"
  gateway_type: udp-silent
  targets:
    - https://intranet.acme.example/health
    - "10.1.2.3:445"
    - not checked here
`), known)
	if err != nil {
		t.Fatal(err)
	}
	want := VPN{Gateway: "203.0.113.7:51820", GatewayType: "udp-silent",
		Targets: []string{"https://intranet.acme.example/health", "10.1.2.3:445", "not checked here"}}
	if !reflect.DeepEqual(p.VPN, want) {
		t.Errorf("got  %+v\nwant %+v", p.VPN, want)
	}
}

func TestVPNSectionErrors(t *testing.T) {
	var many strings.Builder
	many.WriteString("vpn:\n  targets:\n")
	for i := range 11 {
		fmt.Fprintf(&many, "    - t%d.acme.example:443\n", i)
	}
	for _, tc := range []struct {
		in   string
		line int
		want []string
	}{
		{"vpn:\n  gateway: vpn.acme.example\n  gateway_type: wireguard\n", 3,
			[]string{`vpn.gateway_type must be tls, tcp or udp-silent, got "wireguard"`, "udp-silent (WireGuard, IPsec)"}},
		{"vpn:\n  gateway: vpn.acme.example\n  gateway_type: udp_silent\n", 3, []string{`did you mean "udp-silent"?`}},
		{"vpn:\n  gateway: vpn.acme.example\n  gateway_type: TLS\n", 3, []string{`got "TLS"`, `did you mean "tls"?`}},
		{"vpn:\n  gateway_type: tls\n", 2, []string{"vpn.gateway_type is set but vpn.gateway is not"}},
		{many.String(), 3, []string{"vpn.targets lists 11 targets, more than 10"}},
		{"vpn:\n  target: [a:1]\n", 2, []string{`unknown key "target"`, `did you mean "targets"?`}},
		{"vpn:\n  targets: intranet.acme.example:443\n", 2, []string{"must be a list"}},
	} {
		_, err := Parse("acme.yaml", []byte(tc.in), known)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if pe.Line != tc.line {
			t.Errorf("%q: line %d, want %d: %v", tc.in, pe.Line, tc.line, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: %v\nwant %q", tc.in, err, w)
			}
		}
	}
}
