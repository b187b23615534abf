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

// scutilLine matches "  key : value" inside a resolver block; keys may
// carry an index ("nameserver[0]", "search domain[1]").
var scutilLine = regexp.MustCompile(`^\s+([a-z_][a-z_ ]*?)(?:\[\d+\])?\s*:\s*(.*?)\s*$`)

// scutilIfIndex matches the interface of "if_index : 6 (ppp0)".
var scutilIfIndex = regexp.MustCompile(`\(([^)]+)\)`)

// scutilResolver is one "resolver #N" block.
type scutilResolver struct {
	nameservers []string
	domain      string
	search      []string
	iface       string
	port        string
	mdns        bool
}

// ParseScutilDNS reads macOS `scutil --dns`. Only the first section
// ("DNS configuration", which some captures start without its header)
// counts: the "for scoped queries" section repeats the same servers per
// interface for apps that bind to one. A resolver block with a "domain"
// line answers only for that domain (a VPN's split DNS, or
// "local"/"*.arpa" for multicast DNS); blocks for multicast DNS
// ("options : mdns") have no unicast server and are skipped. Search
// domains come from "search domain[N]" lines.
func ParseScutilDNS(text string) (DNSConfig, error) {
	cfg := DNSConfig{Via: "scutil --dns"}
	text, err := asText(text)
	if err != nil {
		return cfg, err
	}
	var blocks []*scutilResolver
	var cur *scutilResolver
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimRight(raw, "\r \t")
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "DNS configuration (") {
			break // the scoped copy
		}
		if strings.HasPrefix(trimmed, "resolver #") && line == trimmed {
			cur = &scutilResolver{}
			blocks = append(blocks, cur)
			continue
		}
		if cur == nil {
			continue
		}
		m := scutilLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		switch key, value := m[1], m[2]; key {
		case "nameserver":
			cur.nameservers = append(cur.nameservers, value)
		case "domain":
			cur.domain = value
		case "search domain":
			cur.search = append(cur.search, value)
		case "if_index":
			if mm := scutilIfIndex.FindStringSubmatch(value); mm != nil {
				cur.iface = textutil.CleanText(mm[1], 32)
			}
		case "port":
			cur.port = value
		case "options":
			cur.mdns = cur.mdns || strings.Contains(value, "mdns")
		}
	}
	if len(blocks) == 0 {
		return cfg, errors.New(`no "resolver #" block in the output`)
	}
	for _, b := range blocks {
		cfg.addSearch(b.search...)
		if b.mdns {
			continue
		}
		var domains []string
		if b.domain != "" {
			if !hostname.IsName(b.domain) {
				cfg.Problems = append(cfg.Problems, fmt.Sprintf("scutil lists a resolver for %s, which is not a domain name",
					strconv.Quote(textutil.CleanText(b.domain, 60))))
				continue
			}
			domains = []string{strings.ToLower(strings.TrimSuffix(b.domain, "."))}
		}
		port := uint16(53)
		if b.port != "" {
			p, err := strconv.ParseUint(b.port, 10, 16)
			if err != nil || p == 0 {
				cfg.Problems = append(cfg.Problems, fmt.Sprintf("scutil lists the port %s, which is not a port number",
					strconv.Quote(textutil.CleanText(b.port, 20))))
				continue
			}
			port = uint16(p)
		}
		for _, ns := range b.nameservers {
			a, err := netip.ParseAddr(ns)
			if err != nil {
				cfg.Problems = append(cfg.Problems, fmt.Sprintf("scutil lists the nameserver %s, which is not an IP address",
					strconv.Quote(textutil.CleanText(ns, 60))))
				continue
			}
			cfg.add(DNSServer{Addr: netip.AddrPortFrom(a.Unmap(), port), Source: DNSSourceScutil, Interface: b.iface, Domains: domains})
		}
	}
	return cfg, nil
}
