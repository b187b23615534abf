package netstate

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/wfh-cli/wfh/internal/hostname"
)

// ParseScutilProxy reads macOS `scutil --proxy`, the merged proxy settings
// of the active network services as configd hands them to CFNetwork. The
// output is a nested dictionary:
//
//	<dictionary> {
//	  ExceptionsList : <array> {
//	    0 : *.local
//	  }
//	  HTTPSEnable : 1
//	  HTTPSPort : 3128
//	  HTTPSProxy : proxy.acme.example
//	  __SCOPED__ : <dictionary> {
//	    en0 : <dictionary> { ... the same keys, per interface ... }
//	  }
//	}
//
// Only the top level is read: it is what applications use, while the
// __SCOPED__ copies are per-interface detail that may disagree with it. A
// protocol's proxy counts only when its *Enable key is 1, because macOS keeps
// the host and port of a proxy the user switched off.
func ParseScutilProxy(out string) Proxy {
	top := map[string]string{}
	var exceptions []string
	depth := 0            // nesting: 1 inside the outer dictionary
	inExceptions := false // inside the top-level ExceptionsList array
	for _, line := range strings.Split(strings.TrimPrefix(out, "\uFEFF"), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			continue
		case t == "}":
			if depth > 0 {
				depth--
			}
			if depth < 2 {
				inExceptions = false
			}
			continue
		}
		key, val, ok := strings.Cut(t, " : ")
		if !ok {
			if strings.HasSuffix(t, "{") { // the outer "<dictionary> {"
				depth++
			}
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if strings.HasSuffix(val, "{") { // a nested <array> or <dictionary>
			if depth <= 1 && key == "ExceptionsList" && strings.HasPrefix(val, "<array>") {
				inExceptions = true
			}
			depth++
			continue
		}
		switch {
		case depth <= 1: // bare "Key : value" lines, without the outer braces, read the same
			top[key] = val
		case depth == 2 && inExceptions && val != "":
			exceptions = append(exceptions, val)
		}
	}

	on := func(k string) bool {
		n, err := strconv.Atoi(top[k])
		return err == nil && n != 0
	}
	var p Proxy
	if on("HTTPSEnable") {
		p.HTTPS = proxyURL("http", top["HTTPSProxy"], top["HTTPSPort"])
	}
	if on("HTTPEnable") {
		p.HTTP = proxyURL("http", top["HTTPProxy"], top["HTTPPort"])
	}
	if u := strings.TrimSpace(top["ProxyAutoConfigURLString"]); on("ProxyAutoConfigEnable") && u != "" {
		p.PAC = pacURL(u)
	} else if on("ProxyAutoDiscoveryEnable") {
		p.PAC = wpadDiscovery
	}
	return finishSystemProxy(p, exceptions)
}

// ParseRegInternetSettings reads `reg query "HKCU\Software\Microsoft\Windows
// \CurrentVersion\Internet Settings"`, the per-user WinINet settings that
// Edge, Chrome and most Windows applications follow. Each value is a line
//
//	ProxyServer    REG_SZ    proxy.acme.example:8080
//
// indented, with name, type and data separated by runs of spaces. Value
// names are never localised, but may contain spaces ("User Agent"), so a
// line is split at its REG_* type column, not on every space. Subkeys are
// listed as unindented key paths and skipped.
//
// ProxyServer applies only while ProxyEnable is non-zero: Windows keeps it
// when the user switches the proxy off. AutoConfigURL is a PAC script in use
// whenever it is set. "Automatically detect settings" (WPAD) lives in the
// binary DefaultConnectionSettings of a subkey and is not read.
func ParseRegInternetSettings(out string) Proxy {
	values := map[string]string{} // by lower-case name
	for _, line := range strings.Split(strings.TrimPrefix(out, "\uFEFF"), "\n") {
		name, _, data, ok := splitRegLine(line)
		if ok {
			values[strings.ToLower(name)] = data
		}
	}
	var p Proxy
	if enable, err := strconv.ParseUint(values["proxyenable"], 0, 32); err == nil && enable != 0 {
		p.HTTPS, p.HTTP = parseWinProxyServer(values["proxyserver"])
	}
	p.PAC = pacURL(values["autoconfigurl"])
	var bypass []string
	for _, b := range strings.Split(values["proxyoverride"], ";") {
		if b = strings.TrimSpace(b); b != "" {
			bypass = append(bypass, b)
		}
	}
	return finishSystemProxy(p, bypass)
}

// finishSystemProxy attaches the bypass list and source to what an OS parser
// found. The bypass list alone is no configuration: macOS lists "*.local"
// and Windows "<local>" on machines that use no proxy at all.
func finishSystemProxy(p Proxy, bypass []string) Proxy {
	if !p.Set() && p.PAC == "" {
		return Proxy{}
	}
	if p.Set() {
		p.NoProxy = strings.Join(bypass, ",")
	}
	p.Source = sourceSystem
	return p
}

// pacURL returns a PAC address as the OS names it, minus any user name and
// password in it: it goes into reports people share.
func pacURL(s string) string {
	s = strings.TrimSpace(s)
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = nil
		return u.String()
	}
	return s
}

// splitRegLine splits one value line of `reg query` output into its name,
// REG_* type and data. Lines that are not indented value lines (the key
// header, subkey paths, blank lines, error messages) report !ok.
func splitRegLine(line string) (name, typ, data string, ok bool) {
	line = strings.TrimRight(line, "\r")
	if line == "" || (line[0] != ' ' && line[0] != '\t') {
		return "", "", "", false
	}
	for i := 0; i < len(line); {
		j := strings.Index(line[i:], "REG_")
		if j < 0 {
			break
		}
		j += i
		// The type column stands alone: whitespace before, whitespace or the
		// end of the line after.
		end := j + len("REG_")
		for end < len(line) && (line[end] == '_' || line[end] >= 'A' && line[end] <= 'Z' || line[end] >= '0' && line[end] <= '9') {
			end++
		}
		if (line[j-1] == ' ' || line[j-1] == '\t') && (end == len(line) || line[end] == ' ' || line[end] == '\t') {
			name = strings.TrimSpace(line[:j])
			if name == "" {
				return "", "", "", false
			}
			return name, line[j:end], strings.TrimSpace(line[end:]), true
		}
		i = j + 1
	}
	return "", "", "", false
}

// parseWinProxyServer reads a WinINet ProxyServer value: either one
// "host:port" for every protocol, or per-protocol entries
// "http=host:port;https=host:port;ftp=...;socks=..." (WinINet also accepts
// spaces between entries). A protocol without an entry goes direct, so an
// entry for http does not imply one for https. SOCKS entries are not
// reported: wfh's probe speaks HTTP CONNECT to a proxy.
func parseWinProxyServer(v string) (https, http string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", ""
	}
	if !strings.Contains(v, "=") {
		u := proxyURLFromAddr(v)
		return u, u
	}
	for _, e := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || unicode.IsSpace(r) }) {
		proto, addr, ok := strings.Cut(e, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(proto)) {
		case "https":
			https = proxyURLFromAddr(addr)
		case "http":
			http = proxyURLFromAddr(addr)
		}
	}
	return https, http
}

// proxyURLFromAddr turns "host:port", "host" or "http://host:port" into a
// proxy URL, or "" when it names no usable host.
func proxyURLFromAddr(addr string) string {
	addr = strings.TrimSpace(addr)
	if strings.Contains(addr, "://") {
		u, err := url.Parse(addr)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return ""
		}
		return proxyURL(u.Scheme, u.Hostname(), u.Port())
	}
	if host, port, err := net.SplitHostPort(addr); err == nil {
		return proxyURL("http", host, port)
	}
	return proxyURL("http", addr, "")
}

// proxyURL builds scheme://host[:port] from settings fields, or "" when the
// host is no plausible host name or address. A port that is not a number in
// 1..65535 is left out rather than guessed at.
func proxyURL(scheme, host, port string) string {
	host = strings.TrimSpace(host)
	if h, ok := strings.CutPrefix(host, "["); ok {
		host, _ = strings.CutSuffix(h, "]")
	}
	if strings.Contains(host, "://") { // a scheme typed into the host field
		u, err := url.Parse(host)
		if err != nil {
			return ""
		}
		if port == "" {
			port = u.Port()
		}
		host = u.Hostname()
	}
	if !hostname.IsHost(host) {
		return ""
	}
	hostport := host
	if n, err := strconv.Atoi(strings.TrimSpace(port)); err == nil && n > 0 && n <= 65535 {
		hostport = net.JoinHostPort(host, strconv.Itoa(n))
	} else if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	u := scheme + "://" + hostport
	if pu, err := url.Parse(u); err != nil || pu.Host == "" {
		return ""
	}
	return u
}
