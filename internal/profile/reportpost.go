package profile

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// Report configures where the report goes besides the local copy: a web
// address IT's helpdesk receives it at (docs/fleet.md, "Webhook").
type Report struct {
	// PostURL receives the redacted JSON report of every run (POST), as
	// --post does for one run. https://, or http:// to this computer only.
	PostURL string `yaml:"post_url"`
	// PostAuthorizationEnv names the environment variable whose value is
	// sent as the Authorization header ("Bearer …"). A name, never the
	// secret: a profile is handed out and often published.
	PostAuthorizationEnv string `yaml:"post_authorization_env"`
	// PostSecretEnv names the environment variable holding the shared
	// secret of the HMAC-SHA256 signature the receiver checks.
	PostSecretEnv string `yaml:"post_secret_env"`
}

// maxEnvName bounds an environment variable's name: real ones are short,
// and a long value here is a pasted secret.
const maxEnvName = 64

// validateReport checks the report section.
func validateReport(p *Profile, lines map[string]int, fail func(key, msg, fix string) *Error) *Error {
	r := p.Report
	if _, set := lines["report.post_url"]; set {
		if msg := CheckPostURL(r.PostURL); msg != "" {
			return fail("report.post_url", "report.post_url "+msg,
				"write the helpdesk's https:// address, e.g. post_url: https://helpdesk.acme.example/wfh")
		}
	}
	for _, k := range []struct{ key, name string }{
		{"report.post_authorization_env", r.PostAuthorizationEnv},
		{"report.post_secret_env", r.PostSecretEnv},
	} {
		if _, set := lines[k.key]; set {
			if msg := checkEnvName(k.name); msg != "" {
				return fail(k.key, k.key+" "+msg,
					"write the name of an environment variable, e.g. WFH_POST_TOKEN, and set the secret in that variable on each computer")
			}
		}
	}
	return nil
}

// CheckPostURL returns why s cannot receive reports, or "". Only https://
// is accepted, because the report travels with an Authorization header and
// a signature; http:// is allowed to this computer (a local agent that
// forwards reports), where nothing crosses a network.
func CheckPostURL(s string) string {
	if msg := checkHTTPURL(s); msg != "" {
		return msg
	}
	u, _ := url.Parse(strings.TrimSpace(s))
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return fmt.Sprintf("must be an https:// address (http:// only to this computer): %s", quote(s))
	}
	if u.Fragment != "" {
		return fmt.Sprintf("has a #fragment, which is never sent: %s", quote(s))
	}
	return ""
}

// IsLoopbackHost reports whether host names this computer: localhost or a
// loopback address. Other names are not resolved: what a name points at
// can change between the check and the connection.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.Unmap().IsLoopback()
}

// checkEnvName returns why s is not an environment variable's name, or "".
func checkEnvName(s string) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > maxEnvName:
		return fmt.Sprintf("is %d characters long: it must be the name of an environment variable, not its value", len(s))
	case strings.IndexFunc(s, func(r rune) bool {
		return !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) >= 0 || s[0] >= '0' && s[0] <= '9':
		return fmt.Sprintf("is not the name of an environment variable (letters, digits and _, not starting with a digit): %s", quote(s))
	}
	return ""
}
