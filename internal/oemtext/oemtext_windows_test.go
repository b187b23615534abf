package oemtext

import "testing"

// TestFromCodePage converts headers of localised ipconfig output as the
// console writes them (bytes from Python's codecs for each code page).
func TestFromCodePage(t *testing.T) {
	for _, c := range []struct {
		cp   uint32
		in   string
		want string
	}{
		{850, "Prim\x84res DNS-Suffix", "Primäres DNS-Suffix"},
		{850, "Carte r\x82seau sans fil Wi-Fi", "Carte réseau sans fil Wi-Fi"},
		{936, "\xce\xb4\xd6\xaa\xca\xca\xc5\xe4\xc6\xf7 Clash", "未知适配器 Clash"},
		{932, "\x83C\x81[\x83T\x83l\x83b\x83g \x83A\x83_\x83v\x83^\x81[ \x83C\x81[\x83T\x83l\x83b\x83g", "イーサネット アダプター イーサネット"},
	} {
		got, ok := FromCodePage(c.cp, []byte(c.in))
		if !ok || got != c.want {
			t.Errorf("CP%d %q: %q %v, want %q", c.cp, c.in, got, ok, c.want)
		}
	}
	t.Logf("console code page here: %d", consoleCodePage())
}
