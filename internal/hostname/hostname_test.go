package hostname

import (
	"net/netip"
	"strings"
	"testing"
)

func TestIsName(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	name253 := strings.Repeat(label63+".", 3) + strings.Repeat("b", 61) // 3*64 + 61 = 253
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"example.com", true},
		{"example.com.", true},
		{"localhost", true},
		{"intranet", true},
		{"EXAMPLE.Com", true},
		{"a-b.c-d.example", true},
		{"xn--bcher-kva.example", true},
		{"_sip._tcp.example.com", true},
		{"dc_01.corp.example", true},
		{"3com.com", true},
		{"1.example", true},
		{"example.c0m", true},
		{label63 + ".example", true},
		{name253, true},
		{name253 + ".", true},

		{"", false},
		{".", false},
		{"..", false},
		{".example.com", false},
		{"example..com", false},
		{"example.com..", false},
		{"-example.com", false},
		{"example-.com", false},
		{"a." + "-b", false},
		{label63 + "a.example", false},
		{name253 + "b", false},
		{"exa mple.com", false},
		{" example.com", false},
		{"https://example.com", false},
		{"example.com/path", false},
		{"example.com:443", false},
		{"user@example.com", false},
		{"bücher.example", false},
		{"10.0.0.1", false},
		{"10.0.0.300", false},
		{"9.9.9.9.9", false},
		{"123", false},
		{"example.123", false},
		{"::1", false},
		{"fe80::1%eth0", false},
		{"exam\x00ple.com", false},
	} {
		if got := IsName(tc.s); got != tc.want {
			t.Errorf("IsName(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestIsAddrAndIsHost(t *testing.T) {
	for _, tc := range []struct {
		s                       string
		addr, addrZoned, isHost bool
	}{
		{"192.0.2.1", true, true, true},
		{"2001:db8::1", true, true, true},
		{"::ffff:192.0.2.1", true, true, true},
		{"fe80::1%eth0", false, true, false},
		{"[2001:db8::1]", false, false, false},
		{"192.0.2.1:53", false, false, false},
		{"192.0.2.256", false, false, false},
		{"010.0.0.1", false, false, false}, // octal-looking: ambiguous, refused by netip
		{"example.com", false, false, true},
		{"_sip._tcp.example.com", false, false, true},
		{"", false, false, false},
	} {
		if got := IsAddr(tc.s, false); got != tc.addr {
			t.Errorf("IsAddr(%q, false) = %v, want %v", tc.s, got, tc.addr)
		}
		if got := IsAddr(tc.s, true); got != tc.addrZoned {
			t.Errorf("IsAddr(%q, true) = %v, want %v", tc.s, got, tc.addrZoned)
		}
		if got := IsHost(tc.s); got != tc.isHost {
			t.Errorf("IsHost(%q) = %v, want %v", tc.s, got, tc.isHost)
		}
	}
}

// FuzzIsName holds the rule's promises for any input: no panic, a name is
// never an address, never longer than 253 characters without its final
// dot, made of the allowed bytes in labels of 1-63, and the answer does not
// depend on the final dot or on letter case.
func FuzzIsName(f *testing.F) {
	for _, s := range []string{"example.com", "_sip._tcp.example.com.", "10.0.0.1", "a..b", "-a", "::1", strings.Repeat("a.", 130)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := IsName(s)
		if isASCII(s) && got != IsName(strings.ToUpper(s)) {
			t.Fatalf("IsName(%q) depends on letter case", s)
		}
		if !strings.HasSuffix(s, ".") && got != IsName(s+".") {
			t.Fatalf("IsName(%q) = %v, but with a final dot %v", s, got, !got)
		}
		if IsHost(s) != (got || IsAddr(s, false)) {
			t.Fatalf("IsHost(%q) is not IsName or IsAddr", s)
		}
		if !got {
			return
		}
		if _, err := netip.ParseAddr(s); err == nil {
			t.Fatalf("address %q accepted as a name", s)
		}
		name := strings.TrimSuffix(s, ".")
		if len(name) > maxName {
			t.Fatalf("%d characters accepted", len(name))
		}
		for _, l := range strings.Split(name, ".") {
			if l == "" || len(l) > maxLabel || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
				t.Fatalf("label %q of %q accepted", l, s)
			}
			if strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
				t.Fatalf("label %q of %q has other characters", l, s)
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
