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

// maxNameservers is how many nameserver lines the C library (MAXNS in
// resolv.h) and Go's resolver use; later ones are ignored by both.
const maxNameservers = 3

// noteNoNameserver is the Notes line of a file without nameservers.
const noteNoNameserver = "has no nameserver line: programs ask 127.0.0.1"

// errNotText marks input that is not a text file at all (a binary file or
// another format where a configuration was expected).
var errNotText = errors.New("is not a text file")

// asText refuses binary input (NUL bytes never occur in these text
// formats) and makes the rest valid UTF-8: a comment in Latin-1, or
// ipconfig's labels in the console's OEM code page ("Primäres
// DNS-Suffix"), must not make a whole configuration unreadable.
func asText(s string) (string, error) {
	if strings.ContainsRune(s, 0) {
		return "", errNotText
	}
	return strings.ToValidUTF8(s, "\uFFFD"), nil
}

// ParseResolvConf reads a resolv.conf(5) file: nameserver, search and
// domain lines; comments start with '#' or ';'. Only the first three
// nameservers count, as in the C library. Malformed nameserver lines are
// reported in Problems and skipped, as the C library skips them. A file
// without nameservers is valid: programs then ask 127.0.0.1, which is what
// the returned DNSConfig says (with a note). The error is for input that is not text.
func ParseResolvConf(text string) (DNSConfig, error) {
	cfg := DNSConfig{Via: "resolv.conf"}
	text, err := asText(text)
	if err != nil {
		return cfg, err
	}
	text = strings.TrimPrefix(text, "\uFEFF")
	extra := 0
	seen := 0
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		fields := strings.Fields(line)
		switch fields[0] {
		case "nameserver":
			if len(fields) < 2 {
				cfg.Problems = append(cfg.Problems, fmt.Sprintf("line %d: a nameserver line without an address", i+1))
				continue
			}
			// The C library reads the address only: no port, no brackets.
			a, err := netip.ParseAddr(fields[1])
			if err != nil {
				cfg.Problems = append(cfg.Problems, fmt.Sprintf("line %d: nameserver %s is not an IP address",
					i+1, strconv.Quote(textutil.CleanText(fields[1], 60))))
				continue
			}
			if seen == maxNameservers {
				extra++
				continue
			}
			seen++
			ap := netip.AddrPortFrom(a.Unmap(), 53)
			cfg.add(DNSServer{Addr: ap, Source: DNSSourceResolvConf, Stub: IsDNSStub(ap.Addr())})
		case "search", "domain":
			// The last search or domain line wins (resolv.conf(5)); "."
			// means no search domain (systemd-resolved writes it).
			cfg.Search = nil
			for _, d := range fields[1:] {
				if d != "." && hostname.IsName(d) {
					cfg.addSearch(d)
				}
			}
		}
	}
	if extra > 0 {
		cfg.Notes = append(cfg.Notes, fmt.Sprintf("has %s beyond the first %d, which programs ignore",
			plural(extra, "nameserver line"), maxNameservers))
	}
	if seen == 0 {
		// resolv.conf(5): "If there are no nameserver lines, the name
		// server on the local machine is used"; Go does the same.
		cfg.add(DNSServer{Addr: LocalDNS, Source: DNSSourceResolvConf})
		cfg.Notes = append(cfg.Notes, noteNoNameserver)
	}
	return cfg, nil
}
