package netstate

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/internal/hostname"
	"github.com/wfh-cli/wfh/internal/textutil"
)

// ipconfigAll is what Windows `ipconfig /all` shows: one parse serves the
// interface kinds and the DNS settings, so the two parts agree on every
// adapter.
type ipconfigAll struct {
	// Search are the names on the global section's DNS lines: the primary
	// DNS suffix and the suffix search list.
	Search []string
	// Adapters are the adapter blocks, in the output's order.
	Adapters []adapterInfo
}

// adapterInfo is one adapter block of `ipconfig /all`.
type adapterInfo struct {
	// Name is the connection name net.Interfaces and GetAdaptersAddresses
	// report ("Wi-Fi", "Ethernet 2", "WLAN"), taken from the block's
	// header after the adapter type's words.
	Name string
	// Header is the whole header without its colon ("Ethernet adapter
	// Ethernet 2"). In a language whose type words are not known the name
	// is the whole header, and matching falls back to its end.
	Header string
	// IfType is the interface type the header's words say (6 "Ethernet
	// adapter", 71 "Wireless LAN adapter"), 0 when they say none.
	IfType uint32
	// Description names the hardware or driver ("Intel(R) Wi-Fi 6 AX201").
	Description string
	// MAC is the physical address in net.HardwareAddr's form
	// ("f8:e4:3b:ad:f2:6d"), "" for adapters without one (Wintun, DCO).
	MAC string
	// Disconnected is true for "Media disconnected" adapters.
	Disconnected bool
	// DNSServers are the adapter's DNS servers as printed, in order.
	DNSServers []string
}

// parseIpconfig reads Windows `ipconfig /all`. Its header words and labels
// are localised ("Ethernet adapter", "Ethernet-Adapter", "Carte Ethernet";
// "Physical Address", "Physikalische Adresse"), so it is parsed by
// structure, as checked on Windows 7, 10 and 11 output and on samples
// written in five other languages:
//
//   - An adapter block starts with a header at column 0 ending in ':' ("
//     :" in French). The name is what follows the adapter type's
//     localised words (ParseIpconfigHeader: "Ethernet adapter Ethernet 2",
//     "Ethernet-Adapter Ethernet", "Carte réseau sans fil Wi-Fi", "以太网适配器
//     以太网"), else the whole header. Lines before the first header are
//     the global section; a line at column 0 that is not a header ends
//     the block ("Windows IP Configuration").
//   - Labelled lines are indented a few columns and split at the colon
//     that ends their dot leaders (IpconfigLabel: values such as IPv6
//     addresses and times hold colons, and so does one Spanish label).
//     Lines indented further continue the previous value (extra DNS
//     servers, search suffixes).
//   - The block opens with [Media State], Connection-specific DNS Suffix,
//     Description, Physical Address, in that order, in every version. The
//     physical address is the first value among those lines written as
//     6, 8 or 20 dash-separated hex bytes, and the Description is the line
//     just before it. Virtual adapters without an address (Wintun, OpenVPN
//     DCO) print it empty; then a Media State line is present exactly when
//     the fourth line is empty (it would be "DHCP Enabled: Yes/No"
//     otherwise), which says whether the Description is the third line or
//     the second.
//   - An adapter is disconnected when its first value says "disconnected"
//     (English), or, in any language, when the block shows no IP address at
//     all: a connected adapter always has one, if only link-local.
//   - Every translation keeps the acronym "DNS" in the labels that matter
//     here: an adapter's DNS servers are the addresses of its labelled
//     line whose label contains "DNS" and whose value is an address, with
//     the addresses on the continuation lines below it; the search domains
//     are the names on the global section's lines whose label contains
//     "DNS" (the primary DNS suffix and the suffix search list).
func parseIpconfig(text string) ipconfigAll {
	var all ipconfigAll
	var cur *adapterInfo
	var values []string // the block's labelled values, in order
	sawAddr := false
	global := true    // before the first header
	inDNS := false    // the current labelled line is a DNS-server line
	inSearch := false // the current labelled line is a global DNS line
	flush := func() {
		if cur != nil && cur.Name != "" {
			cur.Description, cur.MAC = describeAdapter(values)
			first := ""
			if len(values) > 0 {
				first = values[0]
			}
			cur.Disconnected = strings.Contains(strings.ToLower(first), "disconnected") || !sawAddr
			all.Adapters = append(all.Adapters, *cur)
		}
		cur, values, sawAddr, inDNS, inSearch = nil, nil, false, false, false
	}
	for _, raw := range strings.Split(strings.TrimPrefix(text, "\uFEFF"), "\n") {
		raw = strings.TrimRight(raw, "\r \t")
		if strings.TrimSpace(raw) == "" {
			continue
		}
		indent := len(raw) - len(strings.TrimLeft(raw, " \t"))
		if indent == 0 {
			flush()
			if h, ok := strings.CutSuffix(raw, ":"); ok {
				global = false
				h = strings.TrimSpace(h)
				parsed := ParseIpconfigHeader(h)
				cur = &adapterInfo{Name: parsed.Name, Header: h, IfType: ipconfigIfType(parsed.Type)}
			}
			continue
		}
		content := strings.TrimSpace(raw)
		value, labelled, dnsLabel := content, false, false
		// Labels are indented 3 columns (8 on XP); continuation values sit
		// under the value column, far to the right.
		if indent <= 8 {
			if l, v, ok := IpconfigLabel(content); ok {
				value, labelled = v, true
				dnsLabel = strings.Contains(strings.ToUpper(l), "DNS")
			}
		}
		addr, isAddr := ipconfigAddr(value)
		switch {
		case global:
			if labelled {
				inSearch = dnsLabel
			}
			if inSearch && value != "" && hostname.IsName(value) {
				all.Search = append(all.Search, value)
			}
		case cur != nil:
			if labelled {
				values = append(values, value)
				inDNS = dnsLabel && isAddr
			}
			if isAddr {
				sawAddr = true
				if inDNS {
					cur.DNSServers = append(cur.DNSServers, addr)
				}
			}
		}
	}
	flush()
	return all
}

// describeAdapter finds the Description and physical address of a block
// from the position of its labelled values (see parseIpconfig). Only the
// first five lines are searched: the DHCPv6 client DUID further down is
// dash-separated hex too.
func describeAdapter(v []string) (desc, mac string) {
	for k := 1; k < len(v) && k <= 4; k++ {
		if m, ok := dashedMAC(v[k]); ok {
			return v[k-1], m
		}
	}
	switch {
	case len(v) > 3 && v[3] == "" && v[2] != "":
		return v[2], ""
	case len(v) > 2 && v[2] == "" && v[1] != "":
		return v[1], ""
	}
	return "", ""
}

// dashedMAC converts ipconfig's "F8-E4-3B-AD-F2-6D" (or the 8- and 20-byte
// forms of tunnel adapters) into net.HardwareAddr's "f8:e4:3b:ad:f2:6d".
func dashedMAC(s string) (string, bool) {
	parts := strings.Split(s, "-")
	if n := len(parts); n != 6 && n != 8 && n != 20 {
		return "", false
	}
	for _, p := range parts {
		if len(p) != 2 || !isHex(p[0]) || !isHex(p[1]) {
			return "", false
		}
	}
	return strings.ToLower(strings.Join(parts, ":")), true
}

// ipconfigAddr returns the address of an ipconfig value as printed
// ("10.50.13.1", "fec0:0:0:ffff::1%1", "10.50.13.132(Preferred)"), with a
// link-local address's zone.
func ipconfigAddr(v string) (string, bool) {
	if i := strings.IndexByte(v, '('); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimSpace(v)
	if _, err := netip.ParseAddr(v); err != nil {
		return "", false
	}
	return v, true
}

// matchAdapter finds the ipconfig block of an interface another source
// lists (net.Interfaces): by name (both come from the adapter's friendly
// name), else by the end of a header in a language whose type words are
// not known (MatchIpconfigName), else by a physical address no other
// adapter shares.
func matchAdapter(adapters []adapterInfo, name, mac string) (adapterInfo, bool) {
	for _, a := range adapters {
		if strings.EqualFold(a.Name, name) {
			return a, true
		}
	}
	if name != "" {
		if a, ok := unique(adapters, func(a adapterInfo) bool {
			_, ok := MatchIpconfigName(a.Header, []string{name})
			return ok && !strings.EqualFold(a.Header, name)
		}); ok {
			return a, true
		}
	}
	if mac != "" {
		return unique(adapters, func(a adapterInfo) bool { return a.MAC == mac })
	}
	return adapterInfo{}, false
}

func unique(adapters []adapterInfo, match func(adapterInfo) bool) (adapterInfo, bool) {
	var found adapterInfo
	n := 0
	for _, a := range adapters {
		if match(a) {
			found = a
			n++
		}
	}
	return found, n == 1
}

// kind is the adapter's kind from its header type and description (see
// windowsKind), "" when they say nothing known.
func (a adapterInfo) kind() Kind {
	return windowsKind(winAdapter{IfType: a.IfType, Description: a.Description, Name: a.Name})
}

// ParseIpconfigAll reads the DNS settings of Windows `ipconfig /all` (see
// parseIpconfig for how): each connected adapter's DNS servers, and the
// global section's search domains. Disconnected adapters are skipped, and
// so are the fec0:0:0:ffff::1-3 placeholders Windows shows on adapters
// without IPv6 DNS. The error is for output with no adapter at all.
func ParseIpconfigAll(text string) (DNSConfig, error) {
	cfg := DNSConfig{Via: "ipconfig /all"}
	text, err := asText(text)
	if err != nil {
		return cfg, err
	}
	all := parseIpconfig(text)
	if len(all.Adapters) == 0 {
		return cfg, errors.New("no adapter section in the output")
	}
	return all.dnsConfig(nil), nil
}

// dnsConfig is the DNS part of what ipconfig showed. names are the
// interface names another source lists (nil when none): an adapter whose
// header ends with one of them, in a language whose type words are not
// known, is named so, for its servers to carry the name every other part
// of the snapshot uses.
func (all ipconfigAll) dnsConfig(names []string) DNSConfig {
	cfg := DNSConfig{Via: "ipconfig /all"}
	cfg.addSearch(all.Search...)
	for _, a := range all.Adapters {
		if a.Disconnected {
			continue
		}
		name := a.Name
		if a.Name == a.Header && len(names) > 0 {
			if n, ok := MatchIpconfigName(a.Header, names); ok {
				name = n
			}
		}
		name = textutil.CleanText(name, 64)
		for _, s := range a.DNSServers {
			ap, ok := ParseDNSServerAddr(s)
			if !ok {
				cfg.Problems = append(cfg.Problems, fmt.Sprintf("adapter %s lists the DNS server %s, which is not an IP address",
					name, strconv.Quote(textutil.CleanText(s, 60))))
				continue
			}
			if siteLocalDefault(ap.Addr()) {
				continue
			}
			cfg.add(DNSServer{Addr: ap, Source: DNSSourceAdapter, Interface: name})
		}
	}
	return cfg
}
