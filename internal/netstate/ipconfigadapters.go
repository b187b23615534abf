package netstate

import (
	"net/netip"
	"strings"
)

// adapterInfo is one adapter block of Windows `ipconfig /all`.
type adapterInfo struct {
	// Name is the connection name net.Interfaces reports ("Wi-Fi",
	// "Ethernet 2"), taken from the block's header.
	Name string
	// Header is the whole header without its colon ("Ethernet adapter
	// Ethernet 2"). Localised headers put the adapter type words elsewhere
	// ("Carte Ethernet Ethernet 2"), so matching falls back to its suffix.
	Header string
	// Description names the hardware or driver ("Intel(R) Wi-Fi 6 AX201").
	Description string
	// MAC is the physical address in net.HardwareAddr's form
	// ("f8:e4:3b:ad:f2:6d"), "" for adapters without one (Wintun, DCO).
	MAC string
	// Disconnected is true for "Media disconnected" adapters.
	Disconnected bool
}

// parseIpconfigAll reads Windows `ipconfig /all`. Its labels and header
// words are localised ("Physical Address", "Physikalische Adresse";
// "Ethernet adapter", "Ethernet-Adapter", "Carte Ethernet"), so it is
// parsed by structure, as checked on Windows 7, 10 and 11 output:
//
//   - An adapter block starts with a header at column 0 ending in ':' (" :"
//     in French). The name is what follows the adapter type's localised
//     words (ParseIpconfigHeader: "Ethernet adapter Ethernet 2",
//     "Ethernet-Adapter Ethernet", "Carte réseau sans fil Wi-Fi",
//     "以太网适配器 以太网"), else the whole header.
//   - Labelled lines are indented a few columns and split at the colon
//     that ends their dot leaders (IpconfigLabel: values such as
//     IPv6 addresses and times hold colons, and so does one Spanish
//     label). Lines indented further continue the previous value (extra
//     DNS servers, search suffixes).
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
func parseIpconfigAll(out string) []adapterInfo {
	var adapters []adapterInfo
	var cur *adapterInfo
	var values []string // of the labelled lines, in order
	sawAddr := false
	flush := func() {
		if cur != nil && cur.Name != "" {
			cur.Description, cur.MAC = describeAdapter(values)
			first := ""
			if len(values) > 0 {
				first = values[0]
			}
			cur.Disconnected = strings.Contains(strings.ToLower(first), "disconnected") || !sawAddr
			adapters = append(adapters, *cur)
		}
		cur, values, sawAddr = nil, nil, false
	}
	for _, raw := range strings.Split(strings.TrimPrefix(out, "\uFEFF"), "\n") {
		raw = strings.TrimRight(raw, "\r \t")
		if strings.TrimSpace(raw) == "" {
			continue
		}
		indent := len(raw) - len(strings.TrimLeft(raw, " \t"))
		if indent == 0 {
			flush()
			if h, ok := strings.CutSuffix(raw, ":"); ok {
				h = strings.TrimSpace(h)
				cur = &adapterInfo{Name: adapterName(h), Header: h}
			}
			continue
		}
		if cur == nil {
			continue // the global "Windows IP Configuration" section
		}
		text := strings.TrimSpace(raw)
		value := text
		// Labels are indented 3 columns (8 on XP); continuation values sit
		// under the value column, far to the right.
		if indent <= 8 {
			if _, v, ok := IpconfigLabel(text); ok {
				value = strings.TrimSpace(v)
				values = append(values, value)
			}
		}
		if isIPValue(value) {
			sawAddr = true
		}
	}
	flush()
	return adapters
}

// adapterName takes the connection name from a block header: what follows
// the adapter type's localised words.
func adapterName(h string) string {
	return ParseIpconfigHeader(h).Name
}

// describeAdapter finds the Description and physical address of a block
// from the position of its labelled values (see parseIpconfigAll). Only the
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

// isIPValue reports whether an ipconfig value is an address, as printed:
// "10.50.13.132(Preferred)", "fe80::c936:c2db:79ad:e1c6%16(Preferred)".
func isIPValue(v string) bool {
	if i := strings.IndexByte(v, '('); i >= 0 {
		v = v[:i]
	}
	if i := strings.IndexByte(v, '%'); i >= 0 {
		v = v[:i]
	}
	_, err := netip.ParseAddr(strings.TrimSpace(v))
	return err == nil
}

// matchAdapter finds the ipconfig block of a net.Interfaces entry: by name
// (both come from the adapter's friendly name), else by the end of a
// localised header, else by a physical address no other adapter shares.
func matchAdapter(adapters []adapterInfo, name, mac string) (adapterInfo, bool) {
	for _, a := range adapters {
		if strings.EqualFold(a.Name, name) {
			return a, true
		}
	}
	if name != "" {
		if a, ok := unique(adapters, func(a adapterInfo) bool {
			return len(a.Header) > len(name) && strings.EqualFold(a.Header[len(a.Header)-len(name)-1:], " "+name)
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

// adapterKind is the description-based kind of a net.Interfaces entry, or
// "" when ipconfig did not list it or its description is not known.
func adapterKind(adapters []adapterInfo, name, mac string) Kind {
	a, ok := matchAdapter(adapters, name, mac)
	if !ok {
		return ""
	}
	return ClassifyWindows(a.Description)
}
