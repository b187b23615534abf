package netstate

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/internal/textutil"
)

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
