package profile

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/internal/hostname"
)

func TestServicesSection(t *testing.T) {
	p, err := Parse("acme.yaml", []byte(`services:
  - name: Remote desktop
    kind: rdp
    address: desktop42.corp.acme.example
    via: vpn
  - name: Gateway
    kind: rd_gateway
    address: https://rdgw.acme.example/
  - name: Cloud desktop
    kind: avd
    via: direct
  - name: Mail
    kind: smtp
    address: "smtp.acme.example:465"
  - name: Files
    kind: tcp
    address: "[2001:db8::7]:445"
`), known)
	if err != nil {
		t.Fatal(err)
	}
	want := []Service{
		{Name: "Remote desktop", Kind: "rdp", Address: "desktop42.corp.acme.example", Via: "vpn"},
		{Name: "Gateway", Kind: "rd_gateway", Address: "https://rdgw.acme.example/"},
		{Name: "Cloud desktop", Kind: "avd", Via: "direct"},
		{Name: "Mail", Kind: "smtp", Address: "smtp.acme.example:465"},
		{Name: "Files", Kind: "tcp", Address: "[2001:db8::7]:445"},
	}
	if !reflect.DeepEqual(p.Services, want) {
		t.Fatalf("got  %+v\nwant %+v", p.Services, want)
	}
	if v := p.Services[1].ViaOrDefault(); v != ViaAny {
		t.Errorf("default via = %q", v)
	}
}

func TestServiceEndpoint(t *testing.T) {
	for _, tc := range []struct {
		kind, addr string
		want       Endpoint
	}{
		{"https", "https://intranet.acme.example/health?x=1", Endpoint{Host: "intranet.acme.example", Port: 443, Path: "/health?x=1"}},
		{"https", "intranet.acme.example:8443", Endpoint{Host: "intranet.acme.example", Port: 8443, Path: "/"}},
		{"https", "https://[2001:db8::1]:8443", Endpoint{Host: "2001:db8::1", Port: 8443, Path: "/"}},
		{"rdp", "desktop42.corp.acme.example", Endpoint{Host: "desktop42.corp.acme.example", Port: 3389}},
		{"rdp", "10.1.2.3:3390", Endpoint{Host: "10.1.2.3", Port: 3390}},
		{"rdp", "2001:db8::5", Endpoint{Host: "2001:db8::5", Port: 3389}},
		{"rd_gateway", "rdgw.acme.example", Endpoint{Host: "rdgw.acme.example", Port: 443, Path: "/"}},
		{"rd_gateway", "https://rdgw.acme.example/remoteDesktopGateway/", Endpoint{Host: "rdgw.acme.example", Port: 443, Path: "/remoteDesktopGateway/"}},
		{"avd", "", Endpoint{Host: DefaultAVDAddress, Port: 443, Path: DefaultAVDPath}},
		{"ssh", "bastion.acme.example:2222", Endpoint{Host: "bastion.acme.example", Port: 2222}},
		{"ssh", "git.acme.example", Endpoint{Host: "git.acme.example", Port: 22}},
		{"smtp", "smtp.acme.example", Endpoint{Host: "smtp.acme.example", Port: 587}},
		{"smtp", "smtp.acme.example:465", Endpoint{Host: "smtp.acme.example", Port: 465, ImplicitTLS: true}},
		{"imap", "imap.acme.example", Endpoint{Host: "imap.acme.example", Port: 143}},
		{"imap", "imap.acme.example:993", Endpoint{Host: "imap.acme.example", Port: 993, ImplicitTLS: true}},
		{"citrix", "https://citrix.acme.example/Citrix/StoreWeb/", Endpoint{Host: "citrix.acme.example", Port: 443, Path: "/Citrix/StoreWeb/"}},
		{"tcp", "files.acme.example:445", Endpoint{Host: "files.acme.example", Port: 445}},
	} {
		got, err := Service{Kind: tc.kind, Address: tc.addr}.Endpoint()
		if err != nil || got != tc.want {
			t.Errorf("%s %q = %+v, %v; want %+v", tc.kind, tc.addr, got, err, tc.want)
		}
	}
}

func TestServicesSectionErrors(t *testing.T) {
	var many strings.Builder
	many.WriteString("services:\n")
	for i := range 21 {
		fmt.Fprintf(&many, "  - {name: s%d, kind: tcp, address: \"s%d.acme.example:1\"}\n", i, i)
	}
	for _, tc := range []struct {
		in   string
		line int
		want []string
	}{
		{many.String(), 2, []string{"services lists 21 services, more than 20"}},
		{"services:\n  - kind: rdp\n    address: pc.acme.example\n", 2, []string{"services[0].name is missing"}},
		{"services:\n  - name: A\n    kind: rdp\n    address: a.acme.example\n  - name: a\n    kind: ssh\n    address: b.acme.example\n", 5,
			[]string{`services[1].name "a" is also the name of services[0]`}},
		{"services:\n  - name: A\n    address: a.acme.example\n", 2, []string{"services[0].kind is missing", "rd_gateway"}},
		{"services:\n  - name: A\n    kind: rpd\n    address: a.acme.example\n", 3, []string{`services[0].kind must be one of the kinds wfh proves, got "rpd"`, `did you mean "rdp"?`}},
		{"services:\n  - name: A\n    kind: RDP\n    address: a.acme.example\n", 3, []string{`did you mean "rdp"?`}},
		{"services:\n  - name: A\n    kind: rdp\n    address: a.acme.example\n    via: tunnel\n", 5, []string{`services[0].via must be vpn, direct or any, got "tunnel"`}},
		{"services:\n  - name: A\n    kind: rdp\n    address: a.acme.example\n    via: VPN\n", 5, []string{`did you mean "vpn"?`}},
		{"services:\n  - name: A\n    kind: rdp\n", 2, []string{"services[0].address is missing", "desktop42"}},
		{"services:\n  - name: A\n    kind: tcp\n    address: files.acme.example\n", 4, []string{`services[0].address "files.acme.example" has no port`}},
		{"services:\n  - name: A\n    kind: https\n    address: http://intranet.acme.example/\n", 4, []string{"must be an https:// address, got http://"}},
		{"services:\n  - name: A\n    kind: https\n    address: https://bob:pw@intranet.acme.example/\n", 4, []string{"carries a user name or password"}},
		{"services:\n  - name: A\n    kind: rdp\n    address: https://pc.acme.example/\n", 4, []string{"is a web address; rdp takes host or host:port"}},
		{"services:\n  - name: A\n    kind: ssh\n    address: \"git.acme.example:99999\"\n", 4, []string{"has a bad port"}},
		{"services:\n  - name: A\n    kind: ssh\n    address: \"git.acme.example:\"\n", 4, []string{"has an empty port"}},
		{"services:\n  - name: A\n    kind: ssh\n    address: \"fe80::1%eth0\"\n", 4, []string{"names a network interface"}},
		{"services:\n  - name: A\n    kind: ssh\n    address: not a host\n", 4, []string{"is not a host name or address"}},
		{"services:\n  - name: A\n    kind: rd_gateway\n    address: https://rdgw.acme.example/rpc/\n", 4, []string{"has a path"}},
		{"services:\n  - name: " + strings.Repeat("x", 61) + "\n    kind: ssh\n    address: a.acme.example\n", 2, []string{"longer than 60"}},
		{"services:\n  - name: A\n    kind: ssh\n    adress: a.acme.example\n", 4, []string{`unknown key "adress"`, `did you mean "address"?`}},
		{"services:\n  name: A\n", 2, []string{"services must be a list"}},
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

// FuzzServiceEndpoint: any address gives an endpoint with a usable host
// and port, or an error with an example, never a panic.
func FuzzServiceEndpoint(f *testing.F) {
	for _, s := range []string{"https://intranet.acme.example/x?y=1", "pc:3389", "[2001:db8::1]:22", "a:", "http://x", "https://[::1", "h%", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		for _, kind := range ServiceKinds {
			e, err := Service{Kind: kind, Address: addr}.Endpoint()
			if err != nil {
				if AddressFix(err) == "" {
					t.Fatalf("%s %q: error without an example: %v", kind, addr, err)
				}
				continue
			}
			if !hostname.IsHost(e.Host) || e.Port < 1 || e.Port > 65535 {
				t.Fatalf("%s %q: %+v", kind, addr, e)
			}
		}
	})
}

// TestServicesDocExample parses docs/profile.md's example of each kind, so
// that the example IT copies is a valid profile naming every kind.
func TestServicesDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/profile.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "One example of each kind:\n\n```yaml\n")
	block, _, ok2 := strings.Cut(rest, "```\n")
	if !ok || !ok2 {
		t.Fatal("docs/profile.md has no example of each kind")
	}
	p, err := Parse("docs.yaml", []byte(block), known)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, s := range p.Services {
		kinds[s.Kind] = true
	}
	for _, k := range ServiceKinds {
		if !kinds[k] {
			t.Errorf("the example has no %s service", k)
		}
	}
}
