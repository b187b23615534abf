package netstate

import (
	"sort"
	"strings"
	"unicode"
)

// IpconfigHeader is an adapter block's header of Windows `ipconfig /all`
// ("Wireless LAN adapter Wi-Fi:", "以太网适配器 以太网:", "Carte Ethernet
// Ethernet :"), split into the adapter type's words and the connection's
// name.
type IpconfigHeader struct {
	// Name is the connection's name ("Wi-Fi", "以太网", "Ethernet 2"), as
	// GetAdaptersAddresses' FriendlyName and net.Interfaces give it; the
	// whole header when the type's words were not recognised.
	Name string
	// Type is what the header's words say the adapter is: "ethernet",
	// "wireless", "tunnel", "ppp", "mobile", "unknown" (Windows' own word
	// for adapters of other interface types: Wintun, WireGuard, TAP), or
	// "" when they were not recognised.
	Type string
}

// ipconfigTypes are the words ipconfig writes before an adapter's name,
// per interface type, in the languages Windows ships most (written from
// the real formats: English, German, French, Spanish, Italian, Portuguese,
// Dutch, Polish, Russian, Turkish, Czech, Chinese, Japanese, Korean).
// Japanese keeps "Wireless LAN adapter" in English.
var ipconfigTypes = map[string][]string{
	"ethernet": {
		"Ethernet adapter", "Ethernet-Adapter", "Carte Ethernet", "Adaptador de Ethernet",
		"Scheda Ethernet", "Adaptador Ethernet", "Ethernet-adapter", "Karta Ethernet",
		"Адаптер Ethernet", "Ethernet bağdaştırıcısı", "Adaptér sítě Ethernet",
		"以太网适配器", "乙太網路卡", "イーサネット アダプター", "이더넷 어댑터",
	},
	"wireless": {
		"Wireless LAN adapter", "Drahtlos-LAN-Adapter", "Carte réseau sans fil",
		"Adaptador de LAN inalámbrica", "Scheda LAN wireless", "Adaptador de Rede Sem Fio",
		"Adaptador de LAN Sem Fios", "Draadloze LAN-adapter", "Karta bezprzewodowej sieci LAN",
		"Адаптер беспроводной локальной сети", "Kablosuz LAN bağdaştırıcısı",
		"Adaptér bezdrátové sítě LAN", "无线局域网适配器", "無線區域網路介面卡", "무선 LAN 어댑터",
	},
	"unknown": {
		"Unknown adapter", "Unbekannter Adapter", "Carte inconnue", "Adaptador desconocido",
		"Scheda sconosciuta", "Adaptador desconhecido", "Onbekende adapter", "Nieznana karta",
		"Неизвестный адаптер", "Bilinmeyen bağdaştırıcı", "Neznámý adaptér",
		"未知适配器", "未知的介面卡", "不明なアダプター", "알 수 없는 어댑터",
	},
	"tunnel": {
		"Tunnel adapter", "Tunneladapter", "Carte Tunnel", "Adaptador de túnel", "Scheda Tunnel",
		"Karta tunelowa", "Туннельный адаптер", "Tünel bağdaştırıcısı", "Adaptér tunelového připojení",
		"隧道适配器", "通道介面卡", "トンネル アダプター", "터널 어댑터",
	},
	"ppp": {
		"PPP adapter", "PPP-Adapter", "Carte PPP", "Adaptador PPP", "Scheda PPP", "PPP-adapter",
		"Karta PPP", "Адаптер PPP", "PPP bağdaştırıcısı", "PPP 适配器", "PPP 介面卡", "PPP アダプター", "PPP 어댑터",
	},
	"mobile": {
		"Mobile Broadband adapter", "Mobiler Breitbandadapter", "Carte Haut débit mobile",
		"Adaptador de banda ancha móvil", "移动宽带适配器", "モバイル ブロードバンド アダプター",
	},
}

// ipconfigPhrase is one type phrase, split into words for matching.
type ipconfigPhrase struct {
	words []string
	kind  string
}

var ipconfigPhrases = func() []ipconfigPhrase {
	var ps []ipconfigPhrase
	for kind, phrases := range ipconfigTypes {
		for _, p := range phrases {
			ps = append(ps, ipconfigPhrase{strings.Fields(p), kind})
		}
	}
	// Most words first, so "Adaptador de LAN inalámbrica" wins over a
	// shorter phrase it starts with; then alphabetically, for a stable
	// order.
	sort.Slice(ps, func(i, j int) bool {
		if len(ps[i].words) != len(ps[j].words) {
			return len(ps[i].words) > len(ps[j].words)
		}
		return strings.Join(ps[i].words, " ") < strings.Join(ps[j].words, " ")
	})
	return ps
}()

// adapterWords are the word for "adapter" in the languages above: in a
// header of a language the table lacks, the name follows the first of
// them when it ends the type's words (English-like word order).
var adapterWords = []string{"adapter", "adaptador", "bağdaştırıcısı", "адаптер", "适配器", "介面卡", "アダプター", "어댑터"}

// ParseIpconfigHeader splits an adapter block's header, with or without
// its colon ("Carte Ethernet Ethernet :"): the type's words are one of
// the known localised phrases at the start, compared word by word; the
// name is what follows them. Words are compared as text in the console's
// code page would survive being read as UTF-8 too ("Carte r�seau sans
// fil", CP850 read as UTF-8), so the name is found where the output could
// not be decoded. A header of another language falls back to what follows
// its first "adapter" word, and else stays whole.
func ParseIpconfigHeader(h string) IpconfigHeader {
	h = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(h), ":"))
	words, ends := fieldsAt(h)
	same := strings.EqualFold
	// Text read in another code page is compared lossily, and only then:
	// every CJK phrase is one U+FFFD that way.
	sameLossy := func(a, b string) bool { return strings.EqualFold(lossy(a), lossy(b)) }
	for _, eq := range []func(a, b string) bool{same, sameLossy} {
		for _, p := range ipconfigPhrases {
			n := len(p.words)
			if len(words) <= n {
				continue
			}
			match := true
			for i, w := range p.words {
				if !eq(words[i], w) {
					match = false
					break
				}
			}
			if match {
				return IpconfigHeader{Name: strings.TrimSpace(h[ends[n-1]:]), Type: p.kind}
			}
		}
		if !strings.ContainsRune(h, unicode.ReplacementChar) {
			break // decoded text: no lossy pass
		}
	}
	lower := strings.ToLower(h)
	for _, w := range adapterWords {
		if i := strings.Index(lower, w+" "); i >= 0 && len(lower) == len(h) {
			if name := strings.TrimSpace(h[i+len(w)+1:]); name != "" {
				return IpconfigHeader{Name: name}
			}
		}
	}
	return IpconfigHeader{Name: h}
}

// fieldsAt splits s at white space like strings.Fields, and gives the
// byte offset where each word ends.
func fieldsAt(s string) (words []string, ends []int) {
	start := -1
	for i, r := range s {
		if unicode.IsSpace(r) {
			if start >= 0 {
				words, ends = append(words, s[start:i]), append(ends, i)
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		words, ends = append(words, s[start:]), append(ends, len(s))
	}
	return words, ends
}

// lossy is what a word becomes when it is written in a legacy code page
// and read as UTF-8: every run of non-ASCII characters one U+FFFD.
func lossy(w string) string {
	var b strings.Builder
	in := false
	for _, r := range w {
		if r < 0x80 {
			b.WriteRune(r)
			in = false
		} else if !in {
			b.WriteRune(unicode.ReplacementChar)
			in = true
		}
	}
	return b.String()
}

// MatchIpconfigName picks, among names another source gives (the
// FriendlyName of GetAdaptersAddresses, net.Interfaces), the one an
// ipconfig header ends with, after a space: the longest, so "Ethernet 2"
// wins over "2". ok is false when none does.
func MatchIpconfigName(header string, names []string) (name string, ok bool) {
	h := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(header), ":"))
	for _, n := range names {
		if n == "" || len(n) >= len(h) || len(n) <= len(name) {
			continue
		}
		if tail := h[len(h)-len(n):]; strings.EqualFold(tail, n) && strings.HasSuffix(h[:len(h)-len(n)], " ") {
			name, ok = n, true
		}
	}
	if !ok && h != "" {
		for _, n := range names {
			if strings.EqualFold(n, h) {
				return n, true
			}
		}
	}
	return name, ok
}

// IpconfigLabel splits a labelled line of ipconfig /all ("   DNS Servers .
// . . . : 10.0.0.1") into its label and value. The separator is the first
// colon that ends the label's dot leaders, because some translations put
// a colon inside the label (Spanish "Vínculo: dirección IPv6 local. . .
// :"); a label too long for leaders (German "Verbindungsspezifisches
// DNS-Suffix: fritz.box") ends at the first colon. Values never hold a
// colon right after a dot (addresses, times, dates). ok is false when the
// line has no colon.
func IpconfigLabel(line string) (label, value string, ok bool) {
	line = strings.TrimSpace(line)
	first := strings.IndexByte(line, ':')
	if first < 0 {
		return "", "", false
	}
	sep := first
	for i := first; i >= 0; {
		if before := strings.TrimRight(line[:i], " "); strings.HasSuffix(before, ".") {
			sep = i
			break
		}
		next := strings.IndexByte(line[i+1:], ':')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return strings.TrimSpace(strings.TrimRight(line[:sep], ". ")), strings.TrimSpace(line[sep+1:]), true
}
