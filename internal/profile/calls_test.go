package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/internal/stunprobe"
	"go.yaml.in/yaml/v3"
)

const (
	plantedUser = "planted-user-4b1d"
	plantedPass = "planted-pass-93e7"
)

func TestCallsSection(t *testing.T) {
	p, err := Parse("acme.yaml", []byte(`calls:
  apps: [teams, meet]
  stun_servers:
    - stun:stun.acme.example:3478
    - "198.51.100.7:3478"
    - stuns:stun.acme.example:443
  turn_servers:
    - url: turn:turn.acme.example
      tls_port: 443
      username: `+plantedUser+`
      password: `+plantedPass+`
    - url: turns:relay.acme.example:5349
      username: u
      password: p
  targets:
    teams:
      udp: ["10.200.2.10:3478"]
      fallback: ["tcp:10.200.2.10:443", "tls:[2001:db8::1]:443"]
`), known)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Calls
	if !reflect.DeepEqual(c.Apps, []string{"teams", "meet"}) || len(c.STUNServers) != 3 || len(c.TURNServers) != 2 {
		t.Fatalf("%+v", c)
	}
	if c.TURNServers[0].Username.Reveal() != plantedUser || c.TURNServers[0].Password.Reveal() != plantedPass {
		t.Errorf("credentials not kept: %q", c.TURNServers[0].Username.Reveal())
	}
	tg, err := c.TURNServers[0].TURNTargets()
	want := []stunprobe.Target{{Transport: stunprobe.UDP, Host: "turn.acme.example", Port: 3478},
		{Transport: stunprobe.TCP, Host: "turn.acme.example", Port: 3478}, {Transport: stunprobe.TLS, Host: "turn.acme.example", Port: 443}}
	if err != nil || !reflect.DeepEqual(tg, want) {
		t.Errorf("TURN targets %v, %v", tg, err)
	}
	if tg, _ := c.TURNServers[1].TURNTargets(); len(tg) != 1 || tg[0].Transport != stunprobe.TLS || tg[0].Port != 5349 {
		t.Errorf("turns: targets %v", tg)
	}
	if c.Targets["teams"].Fallback[1] != "tls:[2001:db8::1]:443" {
		t.Errorf("targets %+v", c.Targets)
	}
	// A profile printed, logged or marshalled never shows the credentials.
	j, _ := json.Marshal(p)
	y, _ := yaml.Marshal(p)
	for _, s := range []string{fmt.Sprintf("%v", p), fmt.Sprintf("%+v", p.Calls), fmt.Sprintf("%#v", p.Calls), string(j), string(y),
		fmt.Sprint(c.TURNServers[0].Password), fmt.Sprintf("%s|%q|%x", c.TURNServers[0].Password, c.TURNServers[0].Username, c.TURNServers[0].Password)} {
		if strings.Contains(s, plantedUser) || strings.Contains(s, plantedPass) {
			t.Errorf("a credential is printed: %s", s)
		}
	}
}

func TestParseFallback(t *testing.T) {
	for in, want := range map[string]stunprobe.Target{
		"tcp:relay.acme.example:443": {Transport: stunprobe.TCP, Host: "relay.acme.example", Port: 443},
		"TLS:10.0.0.1:443":           {Transport: stunprobe.TLS, Host: "10.0.0.1", Port: 443},
		"tls:[2001:db8::1]:8443":     {Transport: stunprobe.TLS, Host: "2001:db8::1", Port: 8443},
	} {
		if got, err := ParseFallback(in); err != nil || got != want {
			t.Errorf("%q → %v, %v", in, got, err)
		}
	}
	for in, why := range map[string]string{
		"relay.acme.example:443":         "not tcp:host:port",
		"udp:relay.acme.example:443":     "not tcp:host:port",
		"tcp:relay.acme.example":         "has no port",
		"tls:[2001:db8::1]":              "has no port",
		"tcp:relay.acme.example:99999":   "port",
		"tls:relay.acme.example:443?x=1": "not tcp:host:port",
		"tcp:bad host:443":               "character",
		"":                               "not tcp:host:port",
	} {
		if _, err := ParseFallback(in); err == nil || !strings.Contains(err.Error(), why) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want an error saying %q", in, err, why)
		}
	}
}

func FuzzParseFallback(f *testing.F) {
	for _, s := range []string{"tcp:a.example:443", "tls:[::1]:1", "tls:", "tcp:[", "tcp::443"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseFallback(s)
		if err == nil && (tg.Transport == stunprobe.UDP || tg.Port < 1 || tg.Port > 65535 || tg.Host == "") {
			t.Fatalf("%q → %+v", s, tg)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Fatalf("%q: multi-line error %q", s, err)
		}
	})
}

func TestCallsSectionErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		line int
		want []string
	}{
		{"calls:\n  apps: []\n", 2, []string{"calls.apps is an empty list", "checks.skip"}},
		{"calls:\n  apps: [teams, zom]\n", 2, []string{`calls.apps[1] is not an app wfh tests: "zom"`, `did you mean "zoom"?`}},
		{"calls:\n  apps:\n    - teams\n    - Teams\n", 4, []string{`calls.apps[1] is not an app`, `did you mean "teams"?`}},
		{"calls:\n  apps: [meet, meet]\n", 2, []string{`lists "meet" twice`}},
		{"calls:\n  stun_servers:\n    - stun.acme.example\n", 3, []string{"calls.stun_servers[0]", "no port"}},
		{"calls:\n  stun_servers:\n    - https://stun.acme.example/\n", 3, []string{"calls.stun_servers[0]"}},
		{"calls:\n  turn_servers:\n    - username: u\n      password: p\n", 3, []string{"calls.turn_servers[0].url is missing"}},
		{"calls:\n  turn_servers:\n    - url: turn:turn.acme.example\n      username: " + plantedUser + "\n", 3,
			[]string{"calls.turn_servers[0] needs both username and password"}},
		{"calls:\n  turn_servers:\n    - url: turn:turn.acme.example\n      tls_port: 70000\n      username: u\n      password: " + plantedPass + "\n", 4,
			[]string{"tls_port must be a port from 1 to 65535, got 70000"}},
		{"calls:\n  turn_servers:\n    - url: turns:turn.acme.example?transport=udp\n      username: u\n      password: p\n", 3,
			[]string{"DTLS", "turns:host:port"}},
		{"calls:\n  turn_servers:\n    - url: turn:turn.acme.example\n      user: u\n", 4, []string{`unknown key "user"`, "username"}},
		{"calls:\n  targets:\n    temas:\n      udp: [\"10.0.0.1:3478\"]\n", 3, []string{`calls.targets names an unknown app "temas"`, `did you mean "teams"?`}},
		{"calls:\n  targets:\n    zoom:\n      udp: [\"stuns:10.0.0.1:443\"]\n", 4, []string{"calls.targets.zoom.udp[0]", "not a UDP server"}},
		{"calls:\n  targets:\n    zoom:\n      fallback: [\"10.0.0.1:443\"]\n", 4, []string{"calls.targets.zoom.fallback[0]", "tcp:host:port or tls:host:port"}},
		{"calls:\n  targets:\n    meet:\n      fallback: [\"tcp:a:1\", \"tcp:a:2\", \"tcp:a:3\", \"tcp:a:4\", \"tcp:a:5\"]\n", 4, []string{"more than 4"}},
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
		if strings.Contains(err.Error(), plantedUser) || strings.Contains(err.Error(), plantedPass) {
			t.Errorf("a credential is in the error: %v", err)
		}
	}
}
