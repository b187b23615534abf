package profile

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/internal/hostname"
)

// Service is one company service the services check proves reachable the
// way its real client starts: a remote desktop, a gateway, a mail server.
type Service struct {
	// Name labels the service in the report ("Remote desktop").
	Name string `yaml:"name"`
	// Kind says how it is proven: one of ServiceKinds.
	Kind string `yaml:"kind"`
	// Address is where it is: host, host:port or an https:// address,
	// as each kind accepts (docs/profile.md). Empty only for avd, which
	// then tests Microsoft's own endpoints.
	Address string `yaml:"address"`
	// Via says how it should be reached: "vpn" (only through the VPN
	// tunnel), "direct" (never through it) or "any" (the default).
	Via string `yaml:"via"`
}

// Kinds of services.
const (
	KindHTTPS     = "https"
	KindRDP       = "rdp"
	KindRDGateway = "rd_gateway"
	KindAVD       = "avd"
	KindSSH       = "ssh"
	KindSMTP      = "smtp"
	KindIMAP      = "imap"
	KindCitrix    = "citrix"
	KindTCP       = "tcp"
)

// ServiceKinds are the values services[].kind accepts.
var ServiceKinds = []string{KindHTTPS, KindRDP, KindRDGateway, KindAVD, KindSSH, KindSMTP, KindIMAP, KindCitrix, KindTCP}

// Values of services[].via.
const (
	ViaVPN    = "vpn"
	ViaDirect = "direct"
	ViaAny    = "any"
)

// ServiceVias are the values services[].via accepts.
var ServiceVias = []string{ViaVPN, ViaDirect, ViaAny}

// MaxServices bounds services: the check proves them all at once within
// its few seconds, and twenty cover what a job needs (a desktop, a
// gateway, mail, a few web apps and file servers).
const MaxServices = 20

// maxServiceName bounds a name: it is a row label in the report.
const maxServiceName = 60

// DefaultAVDAddress and DefaultAVDPath are the Azure Virtual Desktop feed
// the avd kind tests when no address is given: the URL every Remote
// Desktop client subscribes with (Microsoft's "Connect to Azure Virtual
// Desktop" guides; *.wvd.microsoft.com on TCP 443 in "Required FQDNs and
// endpoints for Azure Virtual Desktop", end-user devices).
const (
	DefaultAVDAddress = "rdweb.wvd.microsoft.com"
	DefaultAVDPath    = "/api/arm/feeddiscovery"
)

// Endpoint is where a service is and how its client starts.
type Endpoint struct {
	// Host is a DNS name or an IP address (no brackets).
	Host string
	// Port is the TCP port.
	Port int
	// Path is the request path of the web kinds (https, citrix, avd),
	// "/" when none was given; empty for the others.
	Path string
	// ImplicitTLS: smtp on 465 and imap on 993 start with TLS; on other
	// ports they start in clear text and upgrade with STARTTLS.
	ImplicitTLS bool
}

// HostPort returns "host:port", IPv6 literals in brackets.
func (e Endpoint) HostPort() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// defaultPorts are the ports each kind's client uses unless told
// otherwise: HTTPS 443, RDP 3389, SSH 22, mail submission 587 (RFC 6409;
// 465 for implicit TLS, RFC 8314), IMAP 143 (993 for implicit TLS).
var defaultPorts = map[string]int{
	KindHTTPS: 443, KindRDP: 3389, KindRDGateway: 443, KindAVD: 443, KindSSH: 22,
	KindSMTP: 587, KindIMAP: 143, KindCitrix: 443,
}

// ViaOrDefault returns s.Via, or "any" when it is not set.
func (s Service) ViaOrDefault() string {
	if v := strings.TrimSpace(s.Via); v != "" {
		return v
	}
	return ViaAny
}

// Endpoint reads s.Address for s.Kind. The error is a phrase that follows
// "services[N].address" ("is not host:port"), with the fix after a
// semicolon-free second string.
func (s Service) Endpoint() (Endpoint, error) {
	kind := strings.TrimSpace(s.Kind)
	addr := strings.TrimSpace(s.Address)
	if addr == "" {
		if kind == KindAVD {
			return Endpoint{Host: DefaultAVDAddress, Port: 443, Path: DefaultAVDPath}, nil
		}
		return Endpoint{}, &addressError{"is empty", exampleFor(kind)}
	}
	switch kind {
	case KindHTTPS, KindCitrix, KindAVD, KindRDGateway:
		return webEndpoint(kind, addr)
	case KindRDP, KindSSH, KindSMTP, KindIMAP, KindTCP:
		if strings.Contains(addr, "://") {
			return Endpoint{}, &addressError{fmt.Sprintf("is a web address; %s takes host or host:port", kind), exampleFor(kind)}
		}
		e, err := hostPort(kind, addr)
		if err != nil {
			return Endpoint{}, err
		}
		e.ImplicitTLS = kind == KindSMTP && e.Port == 465 || kind == KindIMAP && e.Port == 993
		return e, nil
	}
	return Endpoint{}, &addressError{"cannot be read: the kind is not known", "fix kind first"}
}

// addressError is why an address cannot be used, and an example.
type addressError struct{ msg, fix string }

func (e *addressError) Error() string { return e.msg }

// AddressFix returns the example that goes with an error of Endpoint, or
// "" for another error.
func AddressFix(err error) string {
	if ae, ok := err.(*addressError); ok {
		return ae.fix
	}
	return ""
}

// exampleFor shows a good address for kind, as a fix.
func exampleFor(kind string) string {
	switch kind {
	case KindHTTPS:
		return "write a web address, e.g. address: https://intranet.acme.example/"
	case KindRDP:
		return `write the computer's name, e.g. address: desktop42.corp.acme.example or "10.1.2.3:3389"`
	case KindRDGateway:
		return "write the gateway's name, e.g. address: rdgw.acme.example"
	case KindAVD:
		return "leave address out for Microsoft's endpoints, or write e.g. address: https://rdweb.wvd.microsoft.com/"
	case KindSSH:
		return `write host or host:port, e.g. address: git.acme.example or "bastion.acme.example:2222"`
	case KindSMTP:
		return `write host:port, e.g. address: "smtp.acme.example:587" (STARTTLS) or "smtp.acme.example:465" (TLS)`
	case KindIMAP:
		return `write host:port, e.g. address: "imap.acme.example:993" (TLS) or "imap.acme.example:143" (STARTTLS)`
	case KindCitrix:
		return "write the gateway's web address, e.g. address: https://citrix.acme.example/"
	case KindTCP:
		return `write host:port, e.g. address: "files.acme.example:445"`
	}
	return "see docs/profile.md"
}

// webEndpoint reads an https:// address or a bare host[:port] for the
// web kinds.
func webEndpoint(kind, addr string) (Endpoint, error) {
	if !strings.Contains(addr, "://") {
		if strings.ContainsAny(addr, "/?#") {
			return Endpoint{}, &addressError{"is not a host name or an https:// address", exampleFor(kind)}
		}
		e, err := hostPort(kind, addr)
		if err != nil {
			return Endpoint{}, err
		}
		e.Path = "/"
		return e, nil
	}
	u, err := url.Parse(addr)
	switch {
	case err != nil:
		return Endpoint{}, &addressError{"is not a web address", exampleFor(kind)}
	case u.Scheme != "https":
		return Endpoint{}, &addressError{fmt.Sprintf("must be an https:// address, got %s://: only TLS proves the server is the company's", clipScheme(u.Scheme)), exampleFor(kind)}
	case u.User != nil:
		return Endpoint{}, &addressError{"carries a user name or password: a profile is sent to everyone", exampleFor(kind)}
	case u.Hostname() == "" || !hostname.IsHost(u.Hostname()) || hostname.IsAddr(u.Hostname(), true) && !hostname.IsAddr(u.Hostname(), false):
		return Endpoint{}, &addressError{"has no valid host name", exampleFor(kind)}
	}
	e := Endpoint{Host: u.Hostname(), Port: defaultPorts[kind], Path: u.EscapedPath()}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Endpoint{}, &addressError{"has a bad port (ports are 1 to 65535)", exampleFor(kind)}
		}
		e.Port = n
	}
	if e.Path == "" {
		e.Path = "/"
	}
	if u.RawQuery != "" {
		e.Path += "?" + u.RawQuery
	}
	if kind == KindRDGateway && !strings.EqualFold(strings.TrimSuffix(u.Path, "/"), "") && !strings.EqualFold(strings.Trim(u.Path, "/"), "remoteDesktopGateway") {
		return Endpoint{}, &addressError{"has a path: the gateway's own path (/remoteDesktopGateway/) is always used", exampleFor(kind)}
	}
	return e, nil
}

func clipScheme(s string) string {
	if len(s) > 10 {
		return s[:10] + "…"
	}
	return s
}

// hostPort reads host or host:port ([v6]:port); tcp needs the port.
func hostPort(kind, addr string) (Endpoint, error) {
	host, port := addr, ""
	if h, p, err := net.SplitHostPort(addr); err == nil {
		host, port = h, p
		if port == "" {
			return Endpoint{}, &addressError{"has an empty port", exampleFor(kind)}
		}
	} else if strings.Count(addr, ":") == 1 {
		// "host:x y" and the like: the port is checked below.
		host, port, _ = strings.Cut(addr, ":")
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	}
	if hostname.IsAddr(host, true) && !hostname.IsAddr(host, false) {
		return Endpoint{}, &addressError{"names a network interface (%): give an address without it", exampleFor(kind)}
	}
	if !hostname.IsHost(host) {
		return Endpoint{}, &addressError{"is not a host name or address", exampleFor(kind)}
	}
	e := Endpoint{Host: host, Port: defaultPorts[kind]}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port != strconv.Itoa(n) {
			return Endpoint{}, &addressError{"has a bad port (ports are 1 to 65535)", exampleFor(kind)}
		}
		e.Port = n
	}
	if e.Port == 0 {
		return Endpoint{}, &addressError{"has no port: a plain connection needs one", exampleFor(kind)}
	}
	return e, nil
}

// validateServices checks the services list.
func validateServices(p *Profile, lines map[string]int, fail func(key, msg, fix string) *Error) *Error {
	if n := len(p.Services); n > MaxServices {
		return fail("services", fmt.Sprintf("services lists %d services, more than %d", n, MaxServices),
			"keep the services people need every day: the remote desktop, the gateway, mail, the main web apps")
	}
	at := func(i int, key string) string {
		k := fmt.Sprintf("services[%d].%s", i, key)
		if _, ok := lines[k]; ok {
			return k
		}
		return fmt.Sprintf("services[%d]", i)
	}
	names := map[string]int{}
	for i, s := range p.Services {
		item := fmt.Sprintf("services[%d]", i)
		name := strings.TrimSpace(s.Name)
		switch {
		case name == "":
			return fail(at(i, "name"), item+".name is missing",
				"give each service a name people recognise, e.g. name: Remote desktop")
		case len([]rune(name)) > maxServiceName:
			return fail(at(i, "name"), fmt.Sprintf("%s.name is longer than %d characters", item, maxServiceName),
				"a short name reads better in the report, e.g. name: Remote desktop")
		}
		if first, dup := names[strings.ToLower(name)]; dup {
			return fail(at(i, "name"), fmt.Sprintf("%s.name %s is also the name of services[%d]", item, quote(name), first),
				"give each service its own name, so that the report tells them apart")
		}
		names[strings.ToLower(name)] = i
		kind := strings.TrimSpace(s.Kind)
		if kind == "" {
			return fail(at(i, "kind"), item+".kind is missing", "write one of: "+strings.Join(ServiceKinds, ", "))
		}
		if !contains(ServiceKinds, kind) {
			fix := "write one of: " + strings.Join(ServiceKinds, ", ")
			if c := closest(strings.ToLower(kind), ServiceKinds); c != "" {
				fix = fmt.Sprintf("did you mean %q? %s", c, fix)
			}
			return fail(at(i, "kind"), fmt.Sprintf("%s.kind must be one of the kinds wfh proves, got %s", item, quote(s.Kind)), fix)
		}
		if _, set := lines[fmt.Sprintf("services[%d].via", i)]; set {
			via := strings.TrimSpace(s.Via)
			if !contains(ServiceVias, via) {
				fix := "write vpn (reached only through the VPN), direct (never through it) or any"
				if c := closest(strings.ToLower(via), ServiceVias); c != "" {
					fix = fmt.Sprintf("did you mean %q? %s", c, fix)
				}
				return fail(at(i, "via"), fmt.Sprintf("%s.via must be vpn, direct or any, got %s", item, quote(s.Via)), fix)
			}
		}
		if _, err := s.Endpoint(); err != nil {
			if strings.TrimSpace(s.Address) == "" {
				return fail(at(i, "address"), item+".address is missing", AddressFix(err))
			}
			return fail(at(i, "address"), fmt.Sprintf("%s.address %s %s", item, quote(s.Address), err.Error()), AddressFix(err))
		}
	}
	return nil
}

// contains reports whether list holds s exactly: kinds and vias are
// written in lower case, as the docs show them.
func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
