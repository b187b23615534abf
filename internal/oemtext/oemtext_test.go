package oemtext

import (
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeKeepsUTF8(t *testing.T) {
	for _, s := range []string{"", "Ethernet adapter Ethernet:", "未知适配器 Clash:", "Carte réseau sans fil Wi-Fi :"} {
		if got := Decode([]byte(s)); got != s {
			t.Errorf("%q became %q", s, got)
		}
	}
}

func TestDecodeLegacyBytes(t *testing.T) {
	got := Decode([]byte("Prim\x84res DNS-Suffix"))
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "res DNS-Suffix") {
		t.Errorf("%q", got)
	}
	if runtime.GOOS != "windows" && got != "Prim\uFFFDres DNS-Suffix" {
		t.Errorf("off Windows an undecodable byte is U+FFFD: %q", got)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("Prim\x84res"))
	f.Add([]byte("\xce\xb4\xd6\xaa\xca\xca\xc5\xe4\xc6\xf7 Clash"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if s := Decode(b); !utf8.ValidString(s) {
			t.Fatalf("%q gave invalid UTF-8 %q", b, s)
		}
	})
}
