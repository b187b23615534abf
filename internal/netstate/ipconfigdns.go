package netstate

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/internal/hostname"
	"github.com/wfh-cli/wfh/internal/textutil"
)

// ParseIpconfigAll reads Windows `ipconfig /all`. Its labels are
// translated ("DNS Servers", "DNS-DNSServer", "Serveurs DNS"), so the lines
// are found by structure, as in the network check's parser: an adapter
// block starts with a header at column 0 ending in ':' (" :" in French),
// whose name follows the adapter type's localised words
// (ParseIpconfigHeader); labelled lines are indented a few columns
// and split at the colon that ends their dot leaders
// (IpconfigLabel); lines indented further continue the previous
// value. Every translation keeps the acronym "DNS" in the label, so:
//
//   - an adapter's DNS servers are the values of its labelled line whose
//     label contains "DNS" and whose value is an IP address, with the
//     addresses on the continuation lines below it;
//   - the search domains are the names on the global section's lines
//     whose label contains "DNS" (the primary DNS suffix and the suffix
//     search list).
//
// Disconnected adapters are skipped (their first value says
// "disconnected", or, in any language, the block has no IP address), and
// so are the fec0:0:0:ffff::1-3 placeholders Windows shows on adapters
// without IPv6 DNS.
func ParseIpconfigAll(text string) (DNSConfig, error) {
	cfg := DNSConfig{Via: "ipconfig /all"}
	text, err := asText(text)
	if err != nil {
		return cfg, err
	}
	type block struct {
		name    string
		first   string // the first labelled value ("Media disconnected")
		labels  int
		hasAddr bool
		servers []string
	}
	var adapters []*block
	var cur *block
	global := true
	inDNS := false    // the current labelled line is a DNS-server line
	inSearch := false // the current labelled line is a global DNS line
	for _, raw := range strings.Split(strings.TrimPrefix(text, "\uFEFF"), "\n") {
		line := strings.TrimRight(raw, "\r \t")
		if strings.TrimSpace(line) == "" {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		if indent == 0 {
			inDNS, inSearch = false, false
			h, ok := strings.CutSuffix(line, ":")
			if !ok {
				continue // "Windows IP Configuration"
			}
			global = false
			cur = &block{name: textutil.CleanText(adapterName(strings.TrimSpace(h)), 64)}
			adapters = append(adapters, cur)
			continue
		}
		content := strings.TrimSpace(line)
		value, labelled := content, false
		var label string
		// Labels are indented 3 columns (8 on XP); continuation values sit
		// under the value column, far to the right.
		if indent <= 8 {
			if l, v, ok := IpconfigLabel(content); ok {
				label, value, labelled = l, strings.TrimSpace(v), true
			}
		}
		isDNSLabel := labelled && strings.Contains(strings.ToUpper(label), "DNS")
		addr, isAddr := ipconfigAddr(value)
		if global {
			if labelled {
				inSearch = isDNSLabel
			}
			if inSearch && value != "" && hostname.IsName(value) {
				cfg.addSearch(value)
			}
			continue
		}
		if cur == nil {
			continue
		}
		if labelled {
			if cur.labels == 0 {
				cur.first = value
			}
			cur.labels++
			inDNS = isDNSLabel && isAddr
		}
		if isAddr {
			cur.hasAddr = true
		}
		if inDNS && isAddr {
			cur.servers = append(cur.servers, addr)
		}
	}
	if len(adapters) == 0 {
		return cfg, errors.New("no adapter section in the output")
	}
	for _, a := range adapters {
		if strings.Contains(strings.ToLower(a.first), "disconnected") || !a.hasAddr {
			continue
		}
		for _, s := range a.servers {
			ap, ok := ParseDNSServerAddr(s)
			if !ok {
				cfg.Problems = append(cfg.Problems, fmt.Sprintf("adapter %s lists the DNS server %s, which is not an IP address",
					a.name, strconv.Quote(textutil.CleanText(s, 60))))
				continue
			}
			if siteLocalDefault(ap.Addr()) {
				continue
			}
			cfg.add(DNSServer{Addr: ap, Source: DNSSourceAdapter, Interface: a.name})
		}
	}
	return cfg, nil
}

// ipconfigAddr returns the address of an ipconfig value as printed
// ("10.50.13.1", "fec0:0:0:ffff::1%1", "10.50.13.132(Preferred)").
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

// dnsClientRow matches a row of Get-DnsClientServerAddress's default table:
// alias, interface index, address family, and the server list in braces,
// whatever the column widths.
var dnsClientRow = regexp.MustCompile(`^(.*?\S)\s+(\d+)\s+(IPv4|IPv6)\s+\{(.*)\}\s*$`)

// ParseDnsClientServerAddress reads the default table PowerShell prints for
// Get-DnsClientServerAddress (InterfaceAlias, Interface Index, Address
// Family, ServerAddresses). Rows are read from their right end, which
// holds the structure (a number, IPv4 or IPv6, a {list}), because aliases
// contain spaces and PowerShell sizes the columns to their content. A list
// cut short with "..." (PowerShell's $FormatEnumerationLimit, or a narrow
// console) is reported in Problems; the addresses before the cut are kept.
// The loopback pseudo-interface's fec0 placeholders are skipped. The table
// does not say whether an adapter is connected.
func ParseDnsClientServerAddress(text string) (DNSConfig, error) {
	cfg := DNSConfig{Via: "Get-DnsClientServerAddress"}
	text, err := asText(text)
	if err != nil {
		return cfg, err
	}
	rows := 0
	for _, raw := range strings.Split(strings.TrimPrefix(text, "\uFEFF"), "\n") {
		m := dnsClientRow.FindStringSubmatch(strings.TrimRight(raw, "\r \t"))
		if m == nil {
			continue
		}
		rows++
		alias := textutil.CleanText(m[1], 64)
		for _, item := range strings.Split(m[4], ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if strings.HasSuffix(item, "...") || strings.HasSuffix(item, "…") {
				cfg.Problems = append(cfg.Problems, fmt.Sprintf("the DNS server list of %s was cut short by PowerShell", alias))
				break
			}
			ap, ok := ParseDNSServerAddr(item)
			if !ok {
				cfg.Problems = append(cfg.Problems, fmt.Sprintf("adapter %s lists the DNS server %s, which is not an IP address",
					alias, strconv.Quote(textutil.CleanText(item, 60))))
				continue
			}
			if siteLocalDefault(ap.Addr()) {
				continue
			}
			cfg.add(DNSServer{Addr: ap, Source: DNSSourceAdapter, Interface: alias})
		}
	}
	if rows == 0 {
		return cfg, errors.New("no interface rows in the output")
	}
	return cfg, nil
}
