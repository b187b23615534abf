package netstate

import "strings"

// Proxy is the proxy configuration programs on this machine follow.
type Proxy struct {
	HTTPS   string // proxy URL for HTTPS, "" when none
	HTTP    string
	NoProxy string
	PAC     string // a PAC/WPAD URL the OS names, reported as configured
	// Source says where it was read: "environment" or "system settings".
	Source string
}

// Set reports whether a proxy is configured for HTTP or HTTPS.
func (p Proxy) Set() bool { return p.HTTPS != "" || p.HTTP != "" }

// sourceSystem names proxy settings read from the OS rather than from the
// environment.
const sourceSystem = "system settings"

// wpadDiscovery is what we report when the OS looks for a PAC file by WPAD
// (DHCP option 252, then http://wpad.<domain>/wpad.dat) without naming one.
const wpadDiscovery = "WPAD (automatic discovery)"

// ProxyFromEnv reads the conventional variables, upper case first as curl
// and Go do.
func ProxyFromEnv(getenv func(string) string) Proxy {
	if getenv == nil {
		return Proxy{}
	}
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := strings.TrimSpace(getenv(k)); v != "" {
				return v
			}
		}
		return ""
	}
	p := Proxy{
		HTTPS:   first("HTTPS_PROXY", "https_proxy"),
		HTTP:    first("HTTP_PROXY", "http_proxy"),
		NoProxy: first("NO_PROXY", "no_proxy"),
	}
	if p.HTTPS == "" {
		p.HTTPS = first("ALL_PROXY", "all_proxy")
	}
	for _, v := range []*string{&p.HTTPS, &p.HTTP} {
		if *v != "" && !strings.Contains(*v, "://") {
			*v = "http://" + *v
		}
	}
	if p.Set() {
		p.Source = "environment"
	}
	return p
}

// mergeProxy puts the environment first: it is what command-line tools and
// wfh's own HTTP client use, so a proxy set there is the one wfh probes
// through. The OS settings (what browsers use) fill in when the environment
// sets none. A PAC/WPAD configuration of the OS is reported either way,
// because it may route the user's browser elsewhere than the environment
// routes the terminal.
func mergeProxy(fromEnv, fromOS Proxy) Proxy {
	if !fromEnv.Set() {
		return fromOS
	}
	if fromEnv.PAC == "" {
		fromEnv.PAC = fromOS.PAC
	}
	return fromEnv
}
