package stunprobe

import (
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Target
	}{
		{"stun:stun.example.com", Target{UDP, "stun.example.com", 3478}},
		{"stun:stun.example.com:19302", Target{UDP, "stun.example.com", 19302}},
		{"STUN:10.0.0.1:3478?transport=TCP", Target{TCP, "10.0.0.1", 3478}},
		{"stuns:relay.example.com", Target{TLS, "relay.example.com", 5349}},
		{"turn:turn.example.com?transport=udp", Target{UDP, "turn.example.com", 3478}},
		{"turn:turn.example.com:443?transport=tcp", Target{TCP, "turn.example.com", 443}},
		{"turns:turn.example.com:443?transport=tcp", Target{TLS, "turn.example.com", 443}},
		{"turns:[2001:db8::1]", Target{TLS, "2001:db8::1", 5349}},
		{"stun:[2001:db8::1]:3478", Target{UDP, "2001:db8::1", 3478}},
		{"10.200.2.1:3478", Target{UDP, "10.200.2.1", 3478}},
		{"[fd00::1]:3478", Target{UDP, "fd00::1", 3478}},
		{"  stun:a.b  ", Target{UDP, "a.b", 3478}},
	} {
		got, err := ParseTarget(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, says string }{
		{"", "empty"},
		{"stun.example.com", "no port"},
		{"stun://stun.example.com", "no //"},
		{"stun:host:0", "port"},
		{"stun:host:65536", "port"},
		{"stun:host:+5", "port"},
		{"stun:host:http", "port"},
		{"turns:host?transport=udp", "DTLS"},
		{"turn:host?transport=sctp", "transport must be udp or tcp"},
		{"turn:host?foo=bar", "only option"},
		{"turn:host?transport=udp&x=1", "only option"},
		{"stun:2001:db8::1", "brackets"},
		{"stun:[2001:db8::1", "closing ]"},
		{"stun:[10.0.0.1]:3478", "not an IPv6"},
		{"stun:[fd00::1]x", "unexpected"},
		{"stun:bad host", "character"},
		{"stun:a..b", "label"},
		{"stun:" + strings.Repeat("a", 600), "longer than"},
		{"stun::3478", "no host"},
	} {
		_, err := ParseTarget(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.says) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseTarget(%q): %v; want one line saying %q", tc.in, err, tc.says)
		}
	}
}

func TestTargetString(t *testing.T) {
	if s := (Target{TLS, "fd00::1", 443}).String(); s != "tls [fd00::1]:443" {
		t.Error(s)
	}
}

// FuzzParseTarget: a profile line never panics the parser, and what it
// accepts is a usable target that reads back the same.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"stun:a.b:1", "turns:[::1]?transport=tcp", "1.2.3.4:5", "stun:[", "turn:h?transport=", "\xff:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		if tg.Port < 1 || tg.Port > 65535 || tg.Host == "" || (tg.Transport != UDP && tg.Transport != TCP && tg.Transport != TLS) {
			t.Fatalf("accepted %q as %+v", s, tg)
		}
		// The address form parses back to the same host and port.
		back, err := ParseTarget(tg.Address())
		if err != nil || back.Host != tg.Host || back.Port != tg.Port {
			t.Errorf("%q -> %+v -> %q -> %+v, %v", s, tg, tg.Address(), back, err)
		}
	})
}
