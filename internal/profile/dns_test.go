package profile

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestDNSSection(t *testing.T) {
	p, err := Parse("acme.yaml", []byte(`dns:
  public_resolver: "[2001:db8::53]:5353"
  names: [www.acme.example, login.acme.example.]
  company_names:
    - name: sso.acme.example
    - name: intranet
      vpn_only: true
`), known)
	if err != nil {
		t.Fatal(err)
	}
	want := DNS{PublicResolver: "[2001:db8::53]:5353", Names: []string{"www.acme.example", "login.acme.example."},
		CompanyNames: []CompanyName{{Name: "sso.acme.example"}, {Name: "intranet", VPNOnly: true}}}
	if !reflect.DeepEqual(p.DNS, want) {
		t.Errorf("got  %+v\nwant %+v", p.DNS, want)
	}
	// Names a resolver accepts, underscores included (SRV owners, Windows
	// hosts), are accepted.
	for _, ok := range []string{"_ldap._tcp.acme.example", "dc_01.acme.example"} {
		if _, err := Parse("acme.yaml", []byte("dns:\n  company_names:\n    - name: "+ok+"\n"), known); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, ok := range []string{"9.9.9.9", "9.9.9.9:53", "2001:db8::53", "[2001:db8::53]"} {
		if _, err := Parse("acme.yaml", []byte("dns:\n  public_resolver: \""+ok+"\"\n"), known); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

func TestDNSSectionErrors(t *testing.T) {
	many := func(key string, n int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "dns:\n  %s:\n", key)
		for i := range n {
			if key == "company_names" {
				fmt.Fprintf(&b, "    - name: n%d.acme.example\n", i)
			} else {
				fmt.Fprintf(&b, "    - n%d.acme.example\n", i)
			}
		}
		return b.String()
	}
	for _, tc := range []struct {
		in   string
		line int
		want []string
	}{
		{"dns:\n  public_resolver: dns.google\n", 2, []string{`dns.public_resolver must be an IP address, not a name: "dns.google"`, "write an IP address"}},
		{"dns:\n  public_resolver: \"9.9.9.9:0\"\n", 2, []string{`dns.public_resolver has a bad port: "9.9.9.9:0"`}},
		{"dns:\n  public_resolver: 9.9.9.9.9\n", 2, []string{`dns.public_resolver is not an IP address: "9.9.9.9.9"`}},
		{"dns:\n  public_resolver: \"fe80::1%eth0\"\n", 2, []string{`dns.public_resolver names a network interface (%): "fe80::1%eth0"`}},
		{"dns:\n  names:\n    - www.acme.example\n    - https://login.acme.example/\n", 4,
			[]string{`dns.names[1] is a web address, not a name: "https://login.acme.example/"`, "without https://"}},
		{"dns:\n  names: [10.0.0.1]\n", 2, []string{`dns.names[0] is an IP address, not a name: "10.0.0.1"`}},
		{"dns:\n  names: [\"bad name\"]\n", 2, []string{`dns.names[0] is not a valid DNS name: "bad name"`}},
		{"dns:\n  names: [9.9.9.9.9]\n", 2, []string{`dns.names[0] is not a valid DNS name: "9.9.9.9.9"`}},
		{many("names", 11), 3, []string{"dns.names lists 11 names, more than 10"}},
		{many("company_names", 21), 3, []string{"dns.company_names lists 21 names, more than 20"}},
		{"dns:\n  company_names:\n    - vpn_only: true\n", 3, []string{"dns.company_names[0].name is empty", "give each item a name"}},
		{"dns:\n  company_names:\n    - name: intra net\n", 3, []string{`dns.company_names[0].name is not a valid DNS name: "intra net"`}},
		{"dns:\n  company_names:\n    - name: a.example\n      vpnonly: true\n", 4, []string{`unknown key "vpnonly"`, `did you mean "vpn_only"?`}},
		{"dns:\n  company_names: [intranet.acme.example]\n", 2, []string{"must be a section of keys"}},
		{"dns:\n  company_names:\n    - name: a.example\n      vpn_only: yes\n", 4, []string{"must be true or false"}},
	} {
		_, err := Parse("acme.yaml", []byte(tc.in), known)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("%q: got %v, want a profile error", tc.in, err)
			continue
		}
		if pe.Line != tc.line || pe.Fix == "" {
			t.Errorf("%q: line %d (want %d), fix %q: %v", tc.in, pe.Line, tc.line, pe.Fix, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q:\n  %v\n  does not contain %q", tc.in, err, w)
			}
		}
	}
}
