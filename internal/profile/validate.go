package profile

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/internal/hostname"
)

const (
	// MinTimeout is the shortest overall limit a profile may set: under 5 s
	// nothing meaningful can be measured (a DNS lookup, a TLS handshake and a
	// throughput sample each take seconds on a poor home link).
	MinTimeout = 5 * time.Second
	// MaxTimeout is the longest: past 10 minutes a person watching thinks wfh
	// has hung and kills it, losing the report.
	MaxTimeout = 10 * time.Minute

	// The uptime limit is in days: 0 would warn on every machine and is
	// reserved for "default"; beyond a year the warning would never fire.
	minUptimeDays = 1
	maxUptimeDays = 365
)

// validate checks the decoded values against the rules the types cannot
// express. lines holds the line of every key the file sets; a key it does not
// set keeps its default and is not checked.
func validate(p *Profile, lines map[string]int, file string, o Options) *Error {
	fail := func(key, msg, fix string) *Error {
		return &Error{File: file, Line: lines[key], Msg: msg, Fix: fix}
	}
	if _, set := lines["company_ca"]; set {
		check := func(p *Profile) *readError { return checkCompanyCA(p, file) }
		if o.remoteCA != nil {
			check = o.remoteCA
		}
		if err := check(p); err != nil {
			return fail("company_ca", err.msg, err.fix)
		}
	}
	if _, set := lines["timeout"]; set {
		if t := p.Timeout.Std(); t < MinTimeout || t > MaxTimeout {
			fix := "under 5s no check can measure anything: use at least 5s, e.g. timeout: 2m"
			if t > MaxTimeout {
				fix = "a longer run looks hung to the person waiting: use at most 10m"
			}
			return fail("timeout", fmt.Sprintf("timeout must be between 5s and 10m, got %s", shortDuration(t)), fix)
		}
	}
	if _, set := lines["fail_on"]; set && p.FailOn != "warn" && p.FailOn != "fail" {
		fix := "write fail_on: fail to exit with 1 only when a check fails, or fail_on: warn to exit with 1 on warnings too"
		if s := closest(p.FailOn, []string{"warn", "fail"}); s != "" {
			fix = fmt.Sprintf("did you mean %q? %s", s, fix)
		}
		return fail("fail_on", fmt.Sprintf(`fail_on must be "warn" or "fail", got %s`, quote(p.FailOn)), fix)
	}
	for _, sel := range []struct {
		key   string
		names []string
	}{{"checks.only", p.Checks.Only}, {"checks.skip", p.Checks.Skip}} {
		for i, name := range sel.names {
			key := fmt.Sprintf("%s[%d]", sel.key, i)
			// Matched like --only and --skip, which ignore case and spaces.
			id := strings.ToLower(strings.TrimSpace(name))
			if id == "" {
				return fail(key, sel.key+" has an empty check name", "remove the empty item or write a check name")
			}
			if len(o.KnownChecks) > 0 && !containsFold(o.KnownChecks, id) {
				fix := "valid checks: " + strings.Join(o.KnownChecks, ", ")
				if s := closest(id, o.KnownChecks); s != "" {
					fix = fmt.Sprintf("did you mean %q? %s", s, fix)
				}
				return fail(key, fmt.Sprintf("%s names an unknown check %s", sel.key, quote(name)), fix)
			}
		}
	}
	if _, set := lines["system.max_uptime_days"]; set {
		if d := p.System.MaxUptimeDays; d < minUptimeDays || d > maxUptimeDays {
			return fail("system.max_uptime_days",
				fmt.Sprintf("system.max_uptime_days must be between %d and %d, got %d", minUptimeDays, maxUptimeDays, d),
				"write a number of days in that range, or leave the key out for the default of 14")
		}
	}
	if _, set := lines["system.ntp_server"]; set {
		if msg := checkHostPort(p.System.NTPServer); msg != "" {
			return fail("system.ntp_server", "system.ntp_server "+msg,
				`write a host name or address, optionally with a port: ntp_server: time.acme.example or ntp_server: "10.0.0.1:123"`)
		}
	}
	if _, set := lines["system.time_url"]; set {
		if msg := checkHTTPURL(p.System.TimeURL); msg != "" {
			return fail("system.time_url", "system.time_url "+msg,
				"write a full web address, e.g. time_url: https://intranet.acme.example/")
		}
	}
	for i, a := range p.Network.Anchors {
		key := fmt.Sprintf("network.anchors[%d]", i)
		msg := checkHTTPURL(a)
		if msg == "" && !strings.HasPrefix(strings.TrimSpace(a), "https://") {
			msg = "must be an https:// address: only a TLS handshake proves the site is really reached"
		}
		if msg != "" {
			if _, ok := lines[key]; !ok {
				key = "network.anchors"
			}
			return fail(key, key+" "+msg, "write a full https:// address, e.g. - https://intranet.acme.example/")
		}
	}
	if _, set := lines["network.portal_url"]; set {
		if msg := checkHTTPURL(p.Network.PortalURL); msg != "" {
			return fail("network.portal_url", "network.portal_url "+msg,
				"write an http:// address that answers 204 No Content, e.g. portal_url: http://connectivity.acme.example/generate_204")
		}
	}
	if err := validateDNS(p, lines, fail); err != nil {
		return err
	}
	if err := validateLatency(p, lines, fail); err != nil {
		return err
	}
	if err := validateBandwidth(p, lines, fail); err != nil {
		return err
	}
	if err := validateVPN(p, lines, fail); err != nil {
		return err
	}
	if err := validateReport(p, lines, fail); err != nil {
		return err
	}
	if err := validateCalls(p, lines, fail); err != nil {
		return err
	}
	return validateServices(p, lines, fail)
}

const (
	// maxDNSNames and maxCompanyNames bound the dns check's lists: each
	// name is one query to every DNS server the machine has (wfh tests up
	// to eight) and to the public one, and a few names already show
	// whether DNS works.
	maxDNSNames     = 10
	maxCompanyNames = 20
)

// validateDNS checks the dns section.
func validateDNS(p *Profile, lines map[string]int, fail func(key, msg, fix string) *Error) *Error {
	if _, set := lines["dns.public_resolver"]; set {
		if msg := checkResolverAddr(p.DNS.PublicResolver); msg != "" {
			return fail("dns.public_resolver", "dns.public_resolver "+msg,
				`write an IP address, optionally with a port: public_resolver: 9.9.9.9 or public_resolver: "192.0.2.53:53"`)
		}
	}
	if n := len(p.DNS.Names); n > maxDNSNames {
		return fail("dns.names", fmt.Sprintf("dns.names lists %d names, more than %d", n, maxDNSNames),
			"each name is looked up at every DNS server: keep the few that matter")
	}
	for i, name := range p.DNS.Names {
		key := fmt.Sprintf("dns.names[%d]", i)
		if msg := checkDNSName(name); msg != "" {
			return fail(key, key+" "+msg, "write a host name such as www.acme.example, without https:// or a path")
		}
	}
	if n := len(p.DNS.CompanyNames); n > maxCompanyNames {
		return fail("dns.company_names", fmt.Sprintf("dns.company_names lists %d names, more than %d", n, maxCompanyNames),
			"keep the names people use every day: the sign-in page, the intranet, the mail server")
	}
	for i, c := range p.DNS.CompanyNames {
		key := fmt.Sprintf("dns.company_names[%d]", i)
		if msg := checkDNSName(c.Name); msg != "" {
			at := key + ".name"
			if _, ok := lines[at]; !ok {
				at = key
			}
			return fail(at, key+".name "+msg,
				"give each item a name, e.g. - name: intranet.acme.example, and vpn_only: true if it resolves only on the VPN")
		}
	}
	return nil
}

// checkDNSName returns why s is not a DNS host name, or "".
func checkDNSName(s string) string {
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return "is empty"
	case strings.Contains(t, "://") || strings.Contains(t, "/"):
		return fmt.Sprintf("is a web address, not a name: %s", quote(s))
	case hostname.IsAddr(strings.Trim(t, "[]"), true):
		return fmt.Sprintf("is an IP address, not a name: %s", quote(s))
	case !hostname.IsName(t):
		return fmt.Sprintf("is not a valid DNS name: %s", quote(s))
	}
	return ""
}

// checkResolverAddr returns why s is not "address" or "address:port", or "".
// A name is refused: finding its address would need the DNS being tested.
func checkResolverAddr(s string) string {
	t := strings.TrimSpace(s)
	if t == "" {
		return "is empty"
	}
	if strings.Contains(t, "%") {
		// A zone names an interface of one computer, not of every
		// teleworker's.
		return fmt.Sprintf("names a network interface (%%): %s; give an address without it", quote(s))
	}
	if ap, err := netip.ParseAddrPort(t); err == nil {
		if ap.Port() == 0 {
			return fmt.Sprintf("has a bad port: %s", quote(s))
		}
		return ""
	}
	if hostname.IsAddr(strings.TrimSuffix(strings.TrimPrefix(t, "["), "]"), true) {
		return ""
	}
	host := t
	if h, _, err := net.SplitHostPort(t); err == nil {
		host = h
	}
	// hostname.IsName refuses an all-digit top-level domain, so "9.9.9.9.9"
	// is a mistyped address, not a name.
	if hostname.IsName(host) {
		return fmt.Sprintf("must be an IP address, not a name: %s (finding a name's address would need the DNS being tested)", quote(s))
	}
	return fmt.Sprintf("is not an IP address: %s", quote(s))
}

// checkHostPort returns why s is not a usable "host" or "host:port", or "".
func checkHostPort(s string) string {
	if strings.TrimSpace(s) == "" {
		return "is empty"
	}
	if strings.Contains(s, "/") {
		return fmt.Sprintf("is not a host name: %s (a web address was given)", quote(s))
	}
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("has a bad port %s", quote(port))
		}
		host = h
	}
	if hostname.IsAddr(host, true) && !hostname.IsAddr(host, false) {
		return fmt.Sprintf("names a network interface (%%): %s; give an address without it", quote(s))
	}
	if !hostname.IsHost(host) {
		return fmt.Sprintf("is not a host name: %s", quote(s))
	}
	return ""
}

// checkHTTPURL returns why s is not an absolute http(s) URL with a host, or "".
func checkHTTPURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	switch {
	case strings.TrimSpace(s) == "":
		return "is empty"
	case err != nil:
		return fmt.Sprintf("is not a web address: %s", quote(s))
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Sprintf("must start with https:// or http://, got %s", quote(s))
	case u.Host == "" || !hostname.IsHost(u.Hostname()):
		return fmt.Sprintf("has no valid host name: %s", quote(s))
	}
	return ""
}

// shortDuration drops the zero tails of time.Duration's form: "30m", not
// "30m0s", as the user would have written it.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// checkCompanyCA resolves a relative company_ca against the profile's
// directory, because the profile and its CA travel together: IT ships both in
// one folder and the user runs wfh from anywhere. It stores the absolute
// path back so that the checks need not know where the profile was.
func checkCompanyCA(p *Profile, file string) *readError {
	raw := p.CompanyCA
	if strings.TrimSpace(raw) == "" {
		return &readError{msg: "company_ca is empty", fix: "give the path of the company CA file, or remove the key"}
	}
	dir := filepath.Dir(file)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	path := filepath.Clean(raw)
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	p.CompanyCA = path

	info, err := statFile(path)
	if err != nil {
		fix := err.fix
		switch {
		case fix != "":
		case strings.HasPrefix(raw, "~"):
			fix = "wfh does not expand ~: write the full path, or a path relative to the profile"
		case !filepath.IsAbs(raw):
			fix = "check the path: a relative company_ca is relative to the profile's folder, " + dir
		default:
			fix = "check the path"
		}
		return &readError{msg: fmt.Sprintf("company_ca: %s %s", path, err.msg), fix: fix, err: err.err}
	}
	if info.IsDir() {
		return &readError{msg: fmt.Sprintf("company_ca: %s is a folder, not a file", path),
			fix: "give the path of the CA's .pem file inside it"}
	}
	if !info.Mode().IsRegular() {
		// A pipe or device could block or never end; a CA is a plain file.
		return &readError{msg: fmt.Sprintf("company_ca: %s is not a regular file", path),
			fix: "give the path of the CA's .pem file"}
	}
	data, rerr := readLimited(path)
	if rerr != nil {
		fix := rerr.fix
		if fix == "" {
			fix = "check the company_ca path and the file"
		}
		return &readError{msg: fmt.Sprintf("company_ca: %s: %s", path, rerr.msg), fix: fix, err: rerr.err}
	}
	return checkPEM(path, data)
}

// statFile describes why path cannot be used, in words that follow the path.
func statFile(path string) (fs.FileInfo, *readError) {
	info, err := os.Stat(path)
	switch {
	case err == nil:
		return info, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, &readError{msg: "does not exist", err: err}
	default:
		p := ioProblem(err)
		return nil, &readError{msg: "cannot be read (" + strings.TrimPrefix(p.msg, "cannot read: ") + ")", fix: p.fix, err: err}
	}
}

// checkPEM requires at least one certificate that x509 accepts: that is what
// the TLS checks will add to their roots, and a file without one would make
// them fail later with a far less helpful error.
func checkPEM(path string, data []byte) *readError {
	var parseErr error
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			parseErr = err
			continue
		}
		return nil
	}
	if parseErr != nil {
		return &readError{msg: fmt.Sprintf("company_ca: %s has a certificate x509 cannot parse (%v)", path, parseErr),
			fix: "export the CA again as PEM (Base-64) and try again", err: parseErr}
	}
	if _, err := x509.ParseCertificate(data); err == nil {
		// The usual mistake: Windows' export wizard defaults to DER.
		return &readError{msg: fmt.Sprintf("company_ca: %s is a binary (DER) certificate, not PEM", path),
			fix: "convert it with: openssl x509 -inform der -in ca.cer -out ca.pem, or export it as Base-64"}
	}
	return &readError{msg: fmt.Sprintf("company_ca: %s has no PEM certificate", path),
		fix: "export the CA as PEM (Base-64) and try again"}
}
