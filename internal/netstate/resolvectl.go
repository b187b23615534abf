package netstate

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/internal/hostname"
	"github.com/wfh-cli/wfh/internal/textutil"
)

// resolvectlKey matches a "Key: value" line of resolvectl status. Keys are
// words (right-aligned, so indented); a continuation line of a wrapped list
// never matches, because no IPv6 address or domain has a colon followed by
// a space.
var resolvectlKey = regexp.MustCompile(`^\s*([A-Za-z][A-Za-z .]*?):(?:\s+(.*))?$`)

// resolvectlLinkHeader matches "Link 3 (eno1)".
var resolvectlLinkHeader = regexp.MustCompile(`^Link\s+\d+\s+\((.*)\)\s*$`)

// resolvectlSection is the Global section or one Link of resolvectl status.
type resolvectlSection struct {
	link         string // "" for Global
	servers      []string
	fallback     []string
	domains      []string
	scopes       string // "Current Scopes"; "" when the line is absent
	defaultRoute string // "yes", "no", or "" when not printed
}

// ParseResolvectl reads `resolvectl status` (systemd 239 and later; the
// layout of systemd 246+ and the older "DefaultRoute setting" lines). It
// returns the servers systemd-resolved forwards to: the Global ones, then
// each link's in link order. A link whose Current Scopes do not include
// DNS is not asked and is left out. A link that is not a default route
// for DNS answers only for its domains, which become the servers' Domains
// (a VPN's split DNS). Fallback servers are returned, marked Fallback,
// only when no other server is configured, because only then are they
// used. DNSServer names after '#' (DNS over TLS) are dropped.
func ParseResolvectl(text string) (DNSConfig, error) {
	cfg := DNSConfig{Via: "resolvectl status"}
	text, err := asText(text)
	if err != nil {
		return cfg, err
	}
	var sections []*resolvectlSection
	var cur *resolvectlSection
	var list *[]string // the list a continuation line extends
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimRight(raw, "\r \t")
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			list = nil
			continue
		case line == "Global":
			cur = &resolvectlSection{}
			sections = append(sections, cur)
			list = nil
			continue
		}
		if m := resolvectlLinkHeader.FindStringSubmatch(line); m != nil {
			cur = &resolvectlSection{link: textutil.CleanText(m[1], 64)}
			sections = append(sections, cur)
			list = nil
			continue
		}
		if cur == nil {
			continue // text before the first section: not ours
		}
		m := resolvectlKey.FindStringSubmatch(line)
		if m == nil {
			if list != nil {
				*list = append(*list, strings.Fields(trimmed)...)
			}
			continue
		}
		key, value := strings.ToLower(m[1]), m[2]
		list = nil
		switch key {
		case "dns servers", "dns server":
			cur.servers = append(cur.servers, strings.Fields(value)...)
			list = &cur.servers
		case "fallback dns servers":
			cur.fallback = append(cur.fallback, strings.Fields(value)...)
			list = &cur.fallback
		case "dns domain":
			cur.domains = append(cur.domains, strings.Fields(value)...)
			list = &cur.domains
		case "current scopes":
			cur.scopes = value
		case "default route", "defaultroute setting":
			cur.defaultRoute = strings.ToLower(strings.TrimSpace(value))
		case "protocols":
			for _, p := range strings.Fields(value) {
				switch p {
				case "+DefaultRoute":
					cur.defaultRoute = "yes"
				case "-DefaultRoute":
					cur.defaultRoute = "no"
				}
			}
		}
	}
	if len(sections) == 0 {
		return cfg, fmt.Errorf("no Global or Link section in the output")
	}

	var fallback []string
	for _, s := range sections {
		fallback = append(fallback, s.fallback...)
		if s.link != "" && !strings.Contains(strings.ToUpper(s.scopes), "DNS") {
			continue // not asked: the link is down or has no DNS scope
		}
		var domains []string
		routeOnly := true
		for _, d := range s.domains {
			name := strings.TrimPrefix(d, "~")
			if name == "." || name == "" {
				continue // "~." makes the link a default route, below
			}
			if !strings.HasPrefix(d, "~") {
				routeOnly = false
				cfg.addSearch(name)
			}
			if hostname.IsName(name) {
				domains = append(domains, strings.ToLower(strings.TrimSuffix(name, ".")))
			}
		}
		general := true
		switch {
		case s.link == "":
		case s.defaultRoute == "no":
			general = false
		case s.defaultRoute == "yes", slices.Contains(s.domains, "~."):
		default:
			// Unset: systemd-resolved makes a link a default route unless
			// all its domains are routing-only (systemd-resolved.service(8)).
			general = !(routeOnly && len(domains) > 0)
		}
		if !general && len(domains) == 0 {
			continue // answers for nothing
		}
		for _, tok := range s.servers {
			ap, ok := resolvedServer(tok)
			if !ok {
				cfg.Problems = append(cfg.Problems, fmt.Sprintf("resolvectl lists %s, which is not a server address",
					strconv.Quote(textutil.CleanText(tok, 60))))
				continue
			}
			srv := DNSServer{Addr: ap, Source: DNSSourceSystemdResolved, Interface: s.link}
			if !general {
				srv.Domains = domains
			}
			cfg.add(srv)
		}
	}
	if len(cfg.Servers) == 0 {
		for _, tok := range fallback {
			if ap, ok := resolvedServer(tok); ok {
				cfg.add(DNSServer{Addr: ap, Source: DNSSourceSystemdResolved, Fallback: true})
			}
		}
	}
	return cfg, nil
}

// resolvedServer parses a server as systemd prints it: "10.0.0.1",
// "fd64::fffe", "1.1.1.1#cloudflare-dns.com", "1.2.3.4:9953",
// "[2001:db8::1]:53#name", "fe80::1%2".
func resolvedServer(tok string) (netip.AddrPort, bool) {
	if i := strings.IndexByte(tok, '#'); i >= 0 {
		tok = tok[:i]
	}
	return ParseDNSServerAddr(tok)
}
