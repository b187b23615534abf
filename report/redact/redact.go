// Package redact makes the copy of a report that may be shared: the private
// data a check found on the machine or along the path (public addresses, MAC
// addresses, device serials, the machine's and user's names, values under
// SensitiveKeys) is replaced by tokens, on a deep copy, before any renderer
// runs.
package redact

import (
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wfh-cli/wfh/report"
)

// The replacement texts are bracketed, and the bracketed forms are never
// rewritten by any rule, so that redacting a redacted report changes nothing.
const (
	hostToken  = report.RedactedHostname
	userToken  = report.RedactedUser
	valueToken = "[redacted]"
	homeToken  = "~"
)

// SensitiveKeys returns the fact and attribute keys whose values are private
// whatever they contain. Keys match exactly: facts and attributes use stable
// snake_case names, and an exact match cannot hit a key like "user_agent" by
// accident. The list is built on each call so that nobody can change it.
func SensitiveKeys() []string {
	return []string{
		// The home Wi-Fi name is often a family name or street address, and
		// public Wi-Fi maps turn it into a location.
		"ssid",
		// The access point's MAC: looked up in Wi-Fi geolocation databases it
		// gives the street address. Its value is not always in a form the MAC
		// rule recognises.
		"bssid",
		// Machine names embed the owner's name ("Alices-MacBook-Pro"), and a
		// name under one of these keys may not be the one in Known.
		"hostname", "host_name", "computer_name", "device_name",
		// Login and account names identify the person.
		"user", "username", "user_name", "login", "account",
		// Real names and mail addresses identify the person directly.
		"full_name", "real_name", "email", "mail", "upn", "user_principal_name",
		// Other names for the Wi-Fi network.
		"essid", "network_name", "wifi_name", "wlan_profile",
		// A device named after its owner ("Alice's AirPods") keeps that
		// name under one of these (probeutil.SplitOwner).
		"owner", "owner_name",
		// Hardware serials and machine and device IDs identify one device
		// for life and link tickets across helpdesks.
		"serial", "serial_number", "serial_no", "device_serial", "hardware_uuid", "machine_id",
		"uuid", "device_id", "instance_id", "unique_id", "hardware_id", "imei", "imsi", "iccid",
		// MACs identify the device; under a key they may be written in forms
		// the text rule does not recognise (aabb.ccdd.eeff, bare hex).
		"mac", "mac_address", "hardware_address",
		// A check must never report a credential, but if one ever dumps a
		// configuration these keys keep the secret out of the ticket.
		"password", "passphrase", "psk", "secret", "token", "private_key", "api_key",
		"client_secret", "cookie", "authorization",
	}
}

// IsSensitiveKey reports whether values under key are always redacted.
func IsSensitiveKey(key string) bool {
	return slices.Contains(SensitiveKeys(), key)
}

// Redact returns a deep copy of r with private data replaced and Redaction set to "on". r is not modified.
//
// What was discovered on the machine or along the path is replaced: public IP
// addresses by per-address tokens that keep the family ("[public-ipv4-1]"),
// MAC addresses by "[mac-N]", UUIDs and USB serial numbers by "[id-N]", the
// host and user names by "[hostname]" and "[user]", the home directory by
// "~", and by "[redacted]": values under SensitiveKeys (a check marks a value
// private by putting it under one of them) and wherever else those values
// appear, mail addresses' local part, credentials in URLs ("user:pass@"),
// secrets in URL queries ("?token=..."), and the owner in "Alice's iPhone".
// Private, loopback, link-local, CGNAT, ULA, multicast and unspecified
// addresses stay, because an agent needs the gateway address and they
// identify nobody; so does anything in k.Keep.
func Redact(r report.Report, k report.Known) report.Report {
	return redactWith(newRedactor(k, r.Host), r)
}

// redactWith is Redact with a redactor that may already have handed out
// tokens (a Session's), so that an address keeps its token.
func redactWith(rd *redactor, r report.Report) report.Report {
	out := clone(r)
	visit(&out, rd.scanTokens, func(_, v string) string { return rd.scanTokens(v) })
	rd.collectPrivate(out)

	if out.Host.Hostname != "" && !rd.keptValue(out.Host.Hostname) {
		out.Host.Hostname = hostToken
	}
	if out.Host.User != "" && !rd.keptValue(out.Host.User) {
		out.Host.User = userToken
	}
	visit(&out, rd.text, rd.keyed)
	out.Redaction = "on"
	return out
}

// MarkUnredacted returns r with Redaction = "off" (for --no-redact). The
// result shares slices and maps with r, as nothing else changes.
func MarkUnredacted(r report.Report) report.Report {
	r.Redaction = "off"
	return r
}

// visit calls text on every free-text field of r and keyed on every fact
// and attribute value, storing what they return. Maps are visited in key order
// so that tokens are numbered the same way on every run.
//
// Left alone on purpose: IDs, kinds, metric names and units are program
// constants that consumers key on; Tool, statuses and times are wfh's own; the
// time zone and UTC offset are needed to diagnose the clock and name a region,
// not a person.
func visit(r *report.Report, text func(string) string, keyed func(key, value string) string) {
	r.Host.OS = text(r.Host.OS)
	r.Profile = text(r.Profile)
	if w := r.Watch; w != nil {
		w.Connection = text(w.Connection)
		for i := range w.Notes {
			w.Notes[i] = text(w.Notes[i])
		}
		for i := range w.Rungs {
			w.Rungs[i].Label = text(w.Rungs[i].Label)
			w.Rungs[i].Address = text(w.Rungs[i].Address)
		}
		for i := range w.Events {
			visitEvent(&w.Events[i], text)
		}
	}
	if r.ProfileSource != nil {
		r.ProfileSource.URL = text(r.ProfileSource.URL)
	}
	metrics := func(ms []report.Metric) {
		for i := range ms {
			ms[i].Note = text(ms[i].Note)
		}
	}
	kv := func(m map[string]string) {
		keys := slices.Sorted(maps.Keys(m))
		for _, key := range keys {
			m[key] = keyed(key, m[key])
		}
	}
	for i := range r.Results {
		res := &r.Results[i]
		res.Title = text(res.Title)
		res.Summary = text(res.Summary)
		for j := range res.Findings {
			res.Findings[j].Message = text(res.Findings[j].Message)
			res.Findings[j].Fix = text(res.Findings[j].Fix)
		}
		metrics(res.Metrics)
		kv(res.Facts)
		for j := range res.Items {
			it := &res.Items[j]
			it.Label = text(it.Label)
			it.Summary = text(it.Summary)
			metrics(it.Metrics)
			kv(it.Attributes)
		}
		for j := range res.Series {
			res.Series[j].Name = text(res.Series[j].Name)
			res.Series[j].Item = text(res.Series[j].Item)
		}
	}
}

// visitEvent redacts the free text of one watch event. From and To of a
// roam are access points' MACs (BSSIDs), which the MAC rule numbers, so a
// reader still sees that two roams went to the same access point.
func visitEvent(e *report.WatchEvent, text func(string) string) {
	e.Summary = text(e.Summary)
	e.From = text(e.From)
	e.To = text(e.To)
}

// clone copies everything r points to, so that redacting the copy
// cannot reach the caller's report. Nil stays nil and empty stays empty,
// because encoding/json writes them differently.
func clone(r report.Report) report.Report {
	if r.ProfileSource != nil {
		src := *r.ProfileSource
		r.ProfileSource = &src
	}
	r.Results = cloneEach(r.Results, func(res report.Result) report.Result {
		res.Findings = slices.Clone(res.Findings)
		res.Metrics = cloneEach(res.Metrics, cloneMetric)
		res.Facts = maps.Clone(res.Facts)
		res.Items = cloneEach(res.Items, func(it report.Item) report.Item {
			it.Metrics = cloneEach(it.Metrics, cloneMetric)
			it.Attributes = maps.Clone(it.Attributes)
			return it
		})
		res.Series = cloneEach(res.Series, func(s report.Series) report.Series {
			s.Samples = cloneEach(s.Samples, cloneFloat)
			return s
		})
		return res
	})
	if r.Watch != nil {
		w := *r.Watch
		w.Notes = slices.Clone(w.Notes)
		w.Rungs = cloneEach(w.Rungs, func(g report.WatchRung) report.WatchRung {
			g.LossPercent, g.P50Ms, g.P95Ms, g.MaxMs = cloneFloat(g.LossPercent), cloneFloat(g.P50Ms), cloneFloat(g.P95Ms), cloneFloat(g.MaxMs)
			return g
		})
		w.Events = cloneEach(w.Events, cloneEvent)
		w.Counts = maps.Clone(w.Counts)
		w.Minutes = cloneEach(w.Minutes, func(m report.WatchMinute) report.WatchMinute {
			m.Sent, m.Lost = slices.Clone(m.Sent), slices.Clone(m.Lost)
			m.P50Ms, m.P95Ms, m.MaxMs = cloneEach(m.P50Ms, cloneFloat), cloneEach(m.P95Ms, cloneFloat), cloneEach(m.MaxMs, cloneFloat)
			return m
		})
		r.Watch = &w
	}
	return r
}

func cloneEvent(e report.WatchEvent) report.WatchEvent {
	e.LossPercent, e.RTTIncreaseMs, e.SignalDBm = cloneFloat(e.LossPercent), cloneFloat(e.RTTIncreaseMs), cloneFloat(e.SignalDBm)
	return e
}

func cloneEach[T any](s []T, f func(T) T) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

func cloneMetric(m report.Metric) report.Metric {
	m.Value = cloneFloat(m.Value)
	return m
}

func cloneFloat(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

var (
	// tokenRE matches every text redaction writes; rules never look
	// inside a match, which keeps tokens intact and Redact idempotent.
	tokenRE = regexp.MustCompile(`\[(?:(public-ipv4|public-ipv6|mac|id)-([0-9]+)|hostname|user|redacted)\]`)

	// Candidates only: every match is confirmed by net/netip or by the
	// boundary checks in the rules.
	ipv4RE       = regexp.MustCompile(`[0-9]{1,3}(?:\.[0-9]{1,3}){3}`)
	ipv4DashedRE = regexp.MustCompile(`[0-9]{1,3}(?:-[0-9]{1,3}){3}`)
	ipv6RE       = regexp.MustCompile(`[0-9A-Fa-f.:]{3,}`)
	// Six or more two-digit groups with one separator: MACs, and the longer
	// EUI-64 and DHCP client IDs that contain one.
	macRE = regexp.MustCompile(`[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5,}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5,}`)

	// A UUID (a hardware UUID, a Windows device or endpoint GUID) names one
	// device or machine.
	uuidRE = regexp.MustCompile(`[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}`)
	// A udev USB name, as PulseAudio, PipeWire and /dev/v4l/by-id use it:
	// "usb-Vendor_Model_SERIAL-00". The serial is the last "_" field before
	// the dash; rule usbSerial decides whether it is one.
	usbRE = regexp.MustCompile(`usb-(?:[A-Za-z0-9.:+]+_)+([A-Za-z0-9]{8,})-`)
	// Credentials in a URL: "scheme://user:password@host".
	userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)([^/?#\s@\[\]]+)@`)
	// Query parameters that carry a secret or a person: sign-in redirects
	// (code, state, login_hint, SAML), signed links, API keys.
	queryRE = regexp.MustCompile(`(?i)([?&;](?:access_token|id_token|refresh_token|token|code|state|session|session_?id|sid|sig|signature|key|api_?key|password|passwd|pwd|pass|secret|client_secret|auth|login_hint|username|user|email|samlrequest|samlresponse|relaystate|x-amz-signature|x-amz-credential|x-amz-security-token)=)([^&#\s"'<>]+)`)
	// A mail address identifies its owner; the domain (the company) stays.
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	// A device named after its owner: "Alice's iPhone", "Bob’s AirPods".
	// Only before a device word, as "Zoom's servers" names nobody.
	ownerRE = regexp.MustCompile(`(\p{Lu}[\p{L}.\-]{0,30})(['’]s\s+(?:iPhone|iPad|iPod|iMac|Mac|MacBook|AirPods|Apple Watch|Watch|Galaxy|Pixel|Phone|Buds|Earbuds|Headphones|Headset|Laptop|PC|Surface|ThinkPad|Beats|Echo|Kindle)\b)`)

	cgnat       = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
)

// ordinaryWord reports whether w (in lower case) is a host or user name
// that is also a word reports are made of: an operating system, an
// architecture, a device model, a vendor, or a generic name installers,
// images and IT give out (Debian's default host name is "debian", Raspberry
// Pi OS's user "pi", cloud images log in as "admin", "ubuntu" or
// "fedora"). Such a name identifies nobody, since thousands of machines
// share it, while replacing it in free text would garble "Debian GNU/Linux
// 12", "linux/amd64" or "run as administrator" everywhere. It is still
// replaced in the fields that carry it (Host.Hostname, Host.User, values
// under SensitiveKeys) and in paths (hostPathRE, userPathRE), never inside
// ordinary text. TestRedactWordSafeNames runs real default names through
// every renderer.
func ordinaryWord(w string) bool {
	switch w {
	// every machine's own name (loopbackName)
	case "localhost", "localhost.localdomain", "localdomain", "ip6-localhost", "ip6-loopback":
		return true
	// operating systems and distributions, several of them the
	// installer's default host or user name
	case "linux", "gnu", "debian", "ubuntu", "kubuntu", "xubuntu", "lubuntu", "fedora", "centos",
		"rhel", "redhat", "rocky", "alma", "almalinux", "arch", "archlinux", "manjaro", "mint",
		"linuxmint", "opensuse", "suse", "gentoo", "alpine", "kali", "raspbian", "raspberrypi", "popos",
		"pop-os", "elementary", "nixos", "void", "zorin", "deepin", "penguin", "windows", "win", "win10",
		"win11", "macos", "osx", "darwin", "ios", "ipados", "android", "chromeos", "freebsd", "openbsd",
		"netbsd", "unix", "wsl":
		return true
	// architectures, as in "linux/amd64" and kernel names
	case "amd64", "x86_64", "x86", "x64", "i386", "i686", "386", "arm", "arm64", "aarch64", "armv7l",
		"armhf", "riscv64", "ppc64le", "s390x":
		return true
	// device models and product words
	case "mac", "macbook", "macbookpro", "macbookair", "imac", "macmini", "mini", "pro", "air",
		"studio", "surface", "thinkpad", "ideapad", "latitude", "xps", "inspiron", "optiplex",
		"precision", "pavilion", "elitebook", "probook", "envy", "spectre", "zenbook", "vivobook",
		"chromebook", "raspberry", "pi", "nuc", "jetson":
		return true
	// vendors, as in device and adapter names
	case "apple", "microsoft", "dell", "lenovo", "hp", "asus", "acer", "intel", "amd", "nvidia",
		"realtek", "broadcom", "qualcomm", "mediatek", "samsung", "google", "logitech", "jabra",
		"plantronics", "poly", "sony", "bose", "cisco", "zoom", "teams", "webex":
		return true
	// generic machine and account names, which are also words of
	// wfh's own advice ("run as administrator", "root cause")
	case "desktop", "laptop", "pc", "computer", "workstation", "server", "host", "machine", "home",
		"office", "work", "admin", "administrator", "root", "user", "users", "guest", "test", "default",
		"owner", "public", "system", "nobody", "vagrant", "docker", "kiosk", "student", "dev", "wfh":
		return true
	}
	return false
}

// loopbackName reports whether a host name is every machine's own, which
// names nobody even in \\localhost\share or localhost.localdomain.
func loopbackName(name string) bool {
	switch strings.ToLower(name) {
	case "localhost", "localhost.localdomain", "localdomain", "ip6-localhost", "ip6-loopback":
		return true
	}
	return false
}

// ordinaryName reports whether a host or user name is left in free text:
// an ordinaryWord, or a name of one or two letters ("pi", "a"), which
// would otherwise be found inside a great many words.
func ordinaryName(name string) bool {
	return utf8.RuneCountInString(name) < 3 || ordinaryWord(strings.ToLower(name))
}

// redactor holds what one Redact call knows: the patterns built from Known,
// and the tokens handed out so far so that an address always gets the same
// token within one report.
type redactor struct {
	keepAddrs    []netip.Addr
	keepPrefixes []netip.Prefix
	keepNames    []matcher
	keepValues   []string
	home         matcher
	hostNames    []matcher
	userNames    []matcher
	// hostPaths and userPaths find every name, ordinary ones included,
	// where it can only be the machine's or the user's: \\host\share,
	// host.local, /home/user, C:\Users\user.
	hostPaths []matcher
	userPaths []matcher
	// private holds the values checks put under SensitiveKeys, to find
	// them wherever else they appear.
	private []matcher
	tokens  map[string]string
	last    map[string]int
}

func newRedactor(k report.Known, h report.Host) *redactor {
	rd := &redactor{tokens: map[string]string{}, last: map[string]int{}}
	for _, e := range k.Keep {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		rd.keepValues = append(rd.keepValues, e)
		if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(e, "["), "]")); err == nil {
			rd.keepAddrs = append(rd.keepAddrs, a.WithZone("").Unmap())
		} else if p, err := netip.ParsePrefix(e); err == nil {
			rd.keepPrefixes = append(rd.keepPrefixes, p.Masked())
		} else {
			rd.keepNames = append(rd.keepNames, literal(e))
		}
	}
	rd.home = homeMatcher(k.HomeDir)

	// The report's own host fields count too, so that a caller passing an
	// empty Known still gets the names out of free text.
	var hosts []string
	for _, n := range []string{k.Hostname, h.Hostname} {
		n = strings.TrimSuffix(strings.TrimSpace(n), ".")
		hosts = append(hosts, n)
		if short, _, ok := strings.Cut(n, "."); ok {
			hosts = append(hosts, short)
		}
	}
	rd.hostNames = nameMatchers(hosts, ordinaryName)
	rd.hostPaths = pathMatchers(slices.DeleteFunc(slices.Clone(hosts), loopbackName), hostPathRE)

	var users []string
	for _, n := range []string{k.User, h.User, lastPathElem(k.HomeDir)} {
		n = strings.TrimSpace(n)
		users = append(users, n)
		// DOMAIN\alice and alice@corp.example: the bare name appears alone too.
		if i := strings.LastIndexByte(n, '\\'); i >= 0 {
			users = append(users, n[i+1:])
		}
		if before, _, ok := strings.Cut(n, "@"); ok {
			users = append(users, before)
		}
	}
	rd.userNames = nameMatchers(users, ordinaryName)
	rd.userPaths = pathMatchers(users, userPathRE)
	return rd
}

// matcher finds the spans of s to look at; *regexp.Regexp is one.
type matcher interface {
	FindAllStringIndex(s string, n int) [][]int
}

// literal matches name in any case. A name that is not valid UTF-8 (a
// Unix host or user name may be any bytes) cannot be a regexp, so it matches
// byte for byte instead.
func literal(name string) matcher {
	if !utf8.ValidString(name) {
		return literalBytes(name)
	}
	return regexp.MustCompile("(?i)" + regexp.QuoteMeta(name))
}

// literalBytes matches its text byte for byte.
type literalBytes string

func (b literalBytes) FindAllStringIndex(s string, _ int) [][]int {
	var out [][]int
	for i := 0; b != "" && i <= len(s); {
		k := strings.Index(s[i:], string(b))
		if k < 0 {
			break
		}
		out = append(out, []int{i + k, i + k + len(b)})
		i += k + len(b)
	}
	return out
}

// nameMatchers turns names into case-insensitive matchers, longest
// first so that "alice-laptop.local" is replaced whole before "alice-laptop".
func nameMatchers(names []string, shared func(string) bool) []matcher {
	var keep []string
	for _, n := range names {
		if n == "" || shared(n) || tokenRE.MatchString(n) {
			continue
		}
		if _, err := netip.ParseAddr(n); err == nil {
			continue // the address rules decide about addresses
		}
		if !slices.ContainsFunc(keep, func(k string) bool { return strings.EqualFold(k, n) }) {
			keep = append(keep, n)
		}
	}
	sort.SliceStable(keep, func(i, j int) bool { return len(keep[i]) > len(keep[j]) })
	out := make([]matcher, len(keep))
	for i, n := range keep {
		out[i] = literal(n)
	}
	return out
}

// Where a name can only be the machine's or the user's. NAME stands for the
// quoted name; replaceName checks what follows it.
const (
	// \\host\share, smb://host/share, and host.local and the other names
	// home networks give a machine.
	hostPathRE = `(?i)(?:(?:\\\\|//)(NAME)|(?:^|[^\p{L}\p{N}_.-])(NAME)\.(?:local|lan|home|localdomain|internal|home\.arpa|fritz\.box)(?:$|[^\p{L}\p{N}_-]))`
	// A user's folder: /home/user, /Users/user, C:\Users\user (with JSON's
	// doubled backslashes too), C:\Documents and Settings\user.
	userPathRE = `(?i)[/\\]+(?:home|users|documents and settings)[/\\]+(NAME)`
)

// pathMatcher finds a name in one of the places where it can only be the
// machine's or the user's; only the name's own span is returned.
type pathMatcher struct{ re *regexp.Regexp }

func (p pathMatcher) FindAllStringIndex(s string, _ int) [][]int {
	var out [][]int
	for _, m := range p.re.FindAllStringSubmatchIndex(s, -1) {
		for g := 2; g+1 < len(m); g += 2 {
			if m[g] >= 0 {
				out = append(out, []int{m[g], m[g+1]})
				break
			}
		}
	}
	return out
}

// pathMatchers builds a pathMatcher for each name (ordinary or not: these
// places name the machine or the user whatever the word), longest first.
func pathMatchers(names []string, pattern string) []matcher {
	var keep []string
	for _, n := range names {
		if n == "" || tokenRE.MatchString(n) || !utf8.ValidString(n) || strings.ContainsAny(n, `/\`) {
			continue
		}
		if !slices.ContainsFunc(keep, func(k string) bool { return strings.EqualFold(k, n) }) {
			keep = append(keep, n)
		}
	}
	sort.SliceStable(keep, func(i, j int) bool { return len(keep[i]) > len(keep[j]) })
	out := make([]matcher, len(keep))
	for i, n := range keep {
		out[i] = pathMatcher{regexp.MustCompile(strings.ReplaceAll(pattern, "NAME", regexp.QuoteMeta(n)))}
	}
	return out
}

func lastPathElem(p string) string {
	p = strings.TrimRight(p, `/\`)
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return "" // a bare word is not a home directory
}

// homeMatcher matches the home directory written with either slash, as
// tools and JSON escaping on Windows double or flip them. Windows paths match
// case-insensitively because the file system does.
func homeMatcher(home string) matcher {
	home = strings.TrimSpace(home)
	parts := strings.FieldsFunc(home, func(r rune) bool { return r == '/' || r == '\\' })
	windows := strings.Contains(home, `\`) || isDrive(home)
	if len(parts) == 0 || (len(parts) == 1 && isDrive(parts[0])) {
		return nil // a root would turn every path into "~"
	}
	var b strings.Builder
	if windows {
		b.WriteString("(?i)")
	}
	// One leading separator, so that "file:///home/alice" keeps its scheme;
	// a UNC home (\\server\users\alice) starts with two or, escaped, four.
	switch {
	case strings.HasPrefix(home, `\\`) || strings.HasPrefix(home, "//"):
		b.WriteString(`[/\\]{2,4}`)
	case strings.HasPrefix(home, "/") || strings.HasPrefix(home, `\`):
		b.WriteString(`[/\\]`)
	}
	for i, p := range parts {
		if i > 0 {
			b.WriteString(`[/\\]+`)
		}
		b.WriteString(regexp.QuoteMeta(p))
	}
	if !utf8.ValidString(home) {
		return literalBytes(home) // see literal
	}
	return regexp.MustCompile(b.String())
}

func isDrive(s string) bool {
	return len(s) >= 2 && s[1] == ':' && (s[0]|0x20) >= 'a' && (s[0]|0x20) <= 'z'
}

// scanTokens notes the highest token numbers already in s, so that redacting
// a partly redacted report never gives a new address an old address's token.
func (rd *redactor) scanTokens(s string) string {
	for _, m := range tokenRE.FindAllStringSubmatch(s, -1) {
		if m[1] == "" {
			continue
		}
		if n, err := strconv.Atoi(m[2]); err == nil && n < 1<<30 && n > rd.last[m[1]] {
			rd.last[m[1]] = n
		}
	}
	return s
}

func (rd *redactor) token(kind, key string) string {
	if t, ok := rd.tokens[kind+" "+key]; ok {
		return t
	}
	rd.last[kind]++
	t := "[" + kind + "-" + strconv.Itoa(rd.last[kind]) + "]"
	rd.tokens[kind+" "+key] = t
	return t
}

// keptValue reports whether a whole value is one the profile names.
func (rd *redactor) keptValue(v string) bool {
	v = strings.TrimSpace(v)
	return slices.ContainsFunc(rd.keepValues, func(k string) bool { return strings.EqualFold(k, v) })
}

func (rd *redactor) keptAddr(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	return slices.Contains(rd.keepAddrs, a) ||
		slices.ContainsFunc(rd.keepPrefixes, func(p netip.Prefix) bool { return p.Contains(a) })
}

// keyed redacts one fact or attribute value. An empty value stays empty: it
// says "not connected" and hides nothing. A value the profile names stays, as
// the corporate SSID tells the agent the user is on the office network.
func (rd *redactor) keyed(key, v string) string {
	if IsSensitiveKey(key) {
		if v == "" || rd.keptValue(v) {
			return v
		}
		return valueToken
	}
	return rd.text(v)
}

// text applies every rule to free text. The home directory goes first so that
// "/home/alice/x" becomes "~/x" and not "/home/[user]/x"; IPv6 before MAC and
// IPv4 because an IPv6 address may contain both shapes.
func (rd *redactor) text(s string) string {
	if s == "" {
		return s
	}
	s = rd.outsideProtected(s, rd.homeDir)
	s = rd.outsideProtected(s, rd.userinfo)
	s = rd.outsideProtected(s, rd.query)
	s = rd.outsideProtected(s, rd.uuid)
	s = rd.outsideProtected(s, rd.usbSerial)
	s = rd.outsideProtected(s, rd.ipv6)
	s = rd.outsideProtected(s, rd.mac)
	s = rd.outsideProtected(s, rd.ipv4)
	s = rd.outsideProtected(s, rd.ipv4Dashed)
	for _, re := range rd.hostNames {
		s = rd.outsideProtected(s, func(g string) string { return replaceWord(g, re, hostToken) })
	}
	for _, re := range rd.userNames {
		s = rd.outsideProtected(s, func(g string) string { return replaceWord(g, re, userToken) })
	}
	for _, re := range rd.hostPaths {
		s = rd.outsideProtected(s, func(g string) string { return replaceName(g, re, hostToken) })
	}
	for _, re := range rd.userPaths {
		s = rd.outsideProtected(s, func(g string) string { return replaceName(g, re, userToken) })
	}
	// After the user rule, so that the user's own address reads
	// "[user]@corp.example"
	s = rd.outsideProtected(s, rd.email)
	s = rd.outsideProtected(s, rd.owner)
	// Last, so that a MAC or an address a check also put under a
	// sensitive key keeps its numbered token in free text.
	for _, re := range rd.private {
		s = rd.outsideProtected(s, func(g string) string { return replaceWord(g, re, valueToken) })
	}
	return s
}

// outsideProtected applies rule to the parts of s that are neither a token
// nor a name from Keep. The ends of each part count as word boundaries.
func (rd *redactor) outsideProtected(s string, rule func(string) string) string {
	spans := tokenRE.FindAllStringIndex(s, -1)
	for _, re := range rd.keepNames {
		for _, m := range re.FindAllStringIndex(s, -1) {
			if nameBoundary(s, m[0], m[1]) && !afterDotWord(s, m[0]) {
				spans = append(spans, m)
			}
		}
	}
	if len(spans) == 0 {
		return rule(s)
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp[1] <= last {
			continue
		}
		start := max(sp[0], last)
		b.WriteString(rule(s[last:start]))
		b.WriteString(s[start:sp[1]])
		last = sp[1]
	}
	b.WriteString(rule(s[last:]))
	return b.String()
}

// replaceAll replaces the matches of re that f accepts; f may narrow a
// match to the part that passes its checks.
func replaceAll(s string, re matcher, f func(s string, i, j int) (ni, nj int, repl string, ok bool)) string {
	locs := re.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		i, j, repl, ok := f(s, l[0], l[1])
		if !ok {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		last = j
	}
	b.WriteString(s[last:])
	return b.String()
}

// wordRune is a rune that continues a name: "alice" is not a whole
// word in "alice-laptop" or "alice2".
func wordRune(r rune) bool {
	return r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func runeBefore(s string, i int) rune {
	if i <= 0 {
		return -1
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r
}

func runeAfter(s string, j int) rune {
	if j >= len(s) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(s[j:])
	return r
}

func nameBoundary(s string, i, j int) bool {
	return !wordRune(runeBefore(s, i)) && !wordRune(runeAfter(s, j))
}

// afterDotWord reports whether s[i:] continues a dotted name, as
// "example.com" does in "evil.example.com".
func afterDotWord(s string, i int) bool {
	return runeBefore(s, i) == '.' && wordRune(runeBefore(s, i-1))
}

// replaceName replaces a name found by a pathMatcher when nothing after it
// continues it ("/home/pi2" is another folder; "/home/pi/x", "/home/pi" and
// "\\pc:445" are the name).
func replaceName(s string, re matcher, token string) string {
	return replaceAll(s, re, func(s string, i, j int) (int, int, string, bool) {
		after := runeAfter(s, j)
		return i, j, token, !wordRune(after) && !(after == '.' && wordRune(runeAfter(s, j+1)) && !hostSuffixAt(s, j))
	})
}

// hostSuffixAt reports whether s[j:] starts with one of the home-network
// domains of hostPathRE (".local", ".lan", ...).
func hostSuffixAt(s string, j int) bool {
	rest := strings.ToLower(s[j:])
	for _, suf := range []string{".local", ".lan", ".home", ".localdomain", ".internal", ".home.arpa", ".fritz.box"} {
		if strings.HasPrefix(rest, suf) && !wordRune(runeAfter(rest, len(suf))) {
			return true
		}
	}
	return false
}

func replaceWord(s string, re matcher, token string) string {
	return replaceAll(s, re, func(s string, i, j int) (int, int, string, bool) {
		return i, j, token, nameBoundary(s, i, j)
	})
}

func (rd *redactor) homeDir(s string) string {
	if rd.home == nil {
		return s
	}
	return replaceAll(s, rd.home, func(s string, i, j int) (int, int, string, bool) {
		before, after := runeBefore(s, i), runeAfter(s, j)
		// "/mnt/home/alice" and "/home/alice2" are other directories.
		if wordRune(before) || before == '.' || before == '~' || wordRune(after) {
			return 0, 0, "", false
		}
		if after == '.' && wordRune(runeAfter(s, j+1)) {
			return 0, 0, "", false // "/home/alice.old"
		}
		return i, j, homeToken, true
	})
}

// isPublic reports whether an address can point at a person: a global
// unicast address outside the private ranges, CGNAT and 0.0.0.0/8 (which,
// like 0.0.0.0, means "this host" and is no one's address).
func isPublic(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	return a.IsGlobalUnicast() && !a.IsPrivate() &&
		!(a.Is4() && (cgnat.Contains(a) || thisNetwork.Contains(a)))
}

func (rd *redactor) addrToken(a netip.Addr) string {
	a = a.WithZone("").Unmap()
	if a.Is4() {
		return rd.token("public-ipv4", a.String())
	}
	return rd.token("public-ipv6", a.String())
}

func (rd *redactor) ipv4(s string) string {
	return replaceAll(s, ipv4RE, func(s string, i, j int) (int, int, string, bool) {
		// "v1.2.3.4", "1.2.3.4.5" and "1.2.3.4567" are versions and numbers.
		before, after := runeBefore(s, i), runeAfter(s, j)
		if before == '.' || (wordRune(before) && before != '-') ||
			(wordRune(after) && after != '-') ||
			(after == '.' && unicode.IsDigit(runeAfter(s, j+1))) {
			return 0, 0, "", false
		}
		if !noStump(s, i, j) {
			return 0, 0, "", false
		}
		a, err := netip.ParseAddr(s[i:j])
		if err != nil || !isPublic(a) || rd.keptAddr(a) {
			return 0, 0, "", false
		}
		return i, j, rd.addrToken(a), true
	})
}

// noStump reports whether replacing s[i:j] leaves no piece of an IPv6
// address beside it. A part taken out of "1::2:3:4:5:6:7:8.8.8.8" would leave
// "1::2:3:4:5:6:7", which the next pass reads as an address of its own; the
// IPv6 rule has already decided about every real address in the text.
func noStump(s string, i, j int) bool {
	colons := 0
	for k := i - 1; k >= 0 && hexRun(s[k]); k-- {
		if s[k] == ':' {
			colons++
		}
	}
	if colons >= 2 {
		return false
	}
	colons = 0
	for k := j; k < len(s) && hexRun(s[k]); k++ {
		if s[k] == ':' {
			colons++
		}
	}
	return colons < 2
}

func hexRun(c byte) bool {
	return c == ':' || c == '.' || ('0' <= c && c <= '9') || ('a' <= c|0x20 && c|0x20 <= 'f')
}

// ipv4Dashed finds public addresses inside reverse-DNS names such as
// "pool-71-1-2-3.isp.example", which give the user's address and town away.
// It requires the name context (a dash before or a dot after) so that a
// free-standing "12-34-56-78" is left alone.
func (rd *redactor) ipv4Dashed(s string) string {
	return replaceAll(s, ipv4DashedRE, func(s string, i, j int) (int, int, string, bool) {
		before, after := runeBefore(s, i), runeAfter(s, j)
		if unicode.IsDigit(before) || unicode.IsDigit(after) ||
			(before == '-' && unicode.IsDigit(runeBefore(s, i-1))) ||
			(after == '-' && unicode.IsDigit(runeAfter(s, j+1))) ||
			(before != '-' && after != '.') {
			return 0, 0, "", false
		}
		a, err := netip.ParseAddr(strings.ReplaceAll(s[i:j], "-", "."))
		if err != nil || !isPublic(a) || rd.keptAddr(a) {
			return 0, 0, "", false
		}
		return i, j, rd.addrToken(a), true
	})
}

// findIPv6 narrows a run of hex digits, colons and dots to the IPv6
// address in it, if any. Leading groups are dropped only where the run starts
// inside a word ("ip6:2001:db8::1" holds "2001:db8::1") or with a stray
// colon: taking any valid tail of an invalid run ("0::2" of "1::0::2") would
// leave a stump that the next pass reads as another address.
func findIPv6(s string, i, j int) (int, int, netip.Addr, bool) {
	for j > i && s[j-1] == '.' {
		j-- // end of a sentence
	}
	if j-i >= 2 && s[j-1] == ':' && s[j-2] != ':' {
		j-- // "2001:db8::1: unreachable"
	}
	for strings.Count(s[i:j], ":") >= 2 {
		cand := s[i:j]
		if !wordRune(runeBefore(s, i)) {
			if a, err := netip.ParseAddr(cand); err == nil && !hardwareShape(cand) {
				if wordRune(runeAfter(s, j)) {
					return 0, 0, netip.Addr{}, false // "::Ba" in "x ::Bar"
				}
				return i, j, a, true
			}
			if cand[0] != ':' || strings.HasPrefix(cand, "::") {
				return 0, 0, netip.Addr{}, false
			}
		}
		i += strings.IndexByte(cand, ':') + 1
	}
	return 0, 0, netip.Addr{}, false
}

// hardwareShape reports whether text that parses as IPv6 is really a
// hardware address: eight two-digit groups ("aa:bb:cc:dd:ee:ff:00:11") is an
// EUI-64, and no allocated IPv6 address is written that way.
func hardwareShape(s string) bool {
	groups := strings.Split(s, ":")
	for _, g := range groups {
		if len(g) != 2 {
			return false
		}
	}
	return true
}

func (rd *redactor) ipv6(s string) string {
	return replaceAll(s, ipv6RE, func(s string, i, j int) (int, int, string, bool) {
		i, j, a, ok := findIPv6(s, i, j)
		if !ok || rd.keptAddr(a) {
			return 0, 0, "", false
		}
		if isPublic(a) {
			return i, j, rd.addrToken(a), true
		}
		// A link-local or ULA address built from the MAC (EUI-64, still the
		// default on many Linux systems) would give the MAC away: keep the
		// prefix the agent needs and redact the interface ID as that MAC.
		if mac, ok := eui64MAC(a); ok {
			prefix := netip.PrefixFrom(a.WithZone(""), 64).Masked().Addr().String()
			return i, j, prefix + rd.token("mac", mac), true
		}
		return 0, 0, "", false
	})
}

func eui64MAC(a netip.Addr) (string, bool) {
	if !a.Is6() || a.Is4In6() {
		return "", false
	}
	b := a.As16()
	if b[11] != 0xff || b[12] != 0xfe {
		return "", false
	}
	mac := []byte{b[8] ^ 0x02, b[9], b[10], b[13], b[14], b[15]}
	return formatMAC(mac), true
}

func formatMAC(b []byte) string {
	const hex = "0123456789abcdef"
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteByte(hex[c>>4])
		sb.WriteByte(hex[c&0xf])
	}
	return sb.String()
}

func (rd *redactor) mac(s string) string {
	// Kept IPv6 addresses can contain a MAC's shape ("fe80::aa:bb:cc:dd:ee:ff");
	// the address rule has already decided about them.
	var v6 [][2]int
	for _, m := range ipv6RE.FindAllStringIndex(s, -1) {
		if i, j, _, ok := findIPv6(s, m[0], m[1]); ok {
			v6 = append(v6, [2]int{i, j})
		}
	}
	return replaceAll(s, macRE, func(s string, i, j int) (int, int, string, bool) {
		for _, sp := range v6 {
			if i < sp[1] && sp[0] < j {
				return 0, 0, "", false
			}
		}
		// "mac:aa:bb:..." matches from the "ac" of "mac": drop whole groups
		// until the match starts at a word boundary.
		for wordRune(runeBefore(s, i)) && j-i > 17 {
			i += 3
		}
		if wordRune(runeBefore(s, i)) || wordRune(runeAfter(s, j)) || !noStump(s, i, j) {
			return 0, 0, "", false
		}
		key := strings.ToLower(strings.ReplaceAll(s[i:j], "-", ":"))
		return i, j, rd.token("mac", key), true
	})
}

// collectPrivate notes the values r's checks put under SensitiveKeys, so
// that the same value is found in free text too: an SSID in an interface's
// description, an owner's device name in a summary. Values that are
// addresses are left to the address rules, and values shorter than five
// characters ("Home", "lan") are common words that would garble wfh's own
// sentences, while naming nobody. Matching is exact, case included: the
// values are machine strings, copied, not retyped.
func (rd *redactor) collectPrivate(r report.Report) {
	var vals []string
	add := func(m map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !IsSensitiveKey(k) {
				continue
			}
			v := strings.TrimSpace(m[k])
			if utf8.RuneCountInString(v) < 5 || ordinaryName(v) || rd.keptValue(v) || tokenRE.MatchString(v) || !utf8.ValidString(v) {
				continue
			}
			if _, err := netip.ParseAddr(v); err == nil || macRE.MatchString(v) && len(v) <= 23 {
				continue
			}
			if !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
	}
	for _, res := range r.Results {
		add(res.Facts)
		for _, it := range res.Items {
			add(it.Attributes)
		}
	}
	sort.SliceStable(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	for _, v := range vals {
		rd.private = append(rd.private, regexp.MustCompile(regexp.QuoteMeta(v)))
	}
}

// userinfo replaces the credentials in a URL ("https://alice:pw@proxy")
// and keeps its scheme and host.
func (rd *redactor) userinfo(s string) string {
	return userinfoRE.ReplaceAllString(s, "${1}"+valueToken+"@")
}

// query replaces the values of URL query parameters that carry secrets or
// people, and keeps the parameter names, which say what it was.
func (rd *redactor) query(s string) string {
	return queryRE.ReplaceAllString(s, "${1}"+valueToken)
}

// email replaces the local part of a mail address and keeps the domain,
// which tells the agent whose account it is (the company's or a private
// one).
func (rd *redactor) email(s string) string {
	return replaceAll(s, emailRE, func(s string, i, j int) (int, int, string, bool) {
		at := strings.LastIndexByte(s[i:j], '@')
		// "x.alice@" inside a longer word is not an address's start
		if wordRune(runeBefore(s, i)) || at <= 0 {
			return 0, 0, "", false
		}
		return i, i + at, valueToken, true
	})
}

// uuid numbers UUIDs like MACs, so that the agent can still tell two
// devices apart.
func (rd *redactor) uuid(s string) string {
	return replaceAll(s, uuidRE, func(s string, i, j int) (int, int, string, bool) {
		if hexWord(runeBefore(s, i)) || hexWord(runeAfter(s, j)) {
			return 0, 0, "", false
		}
		return i, j, rd.token("id", strings.ToLower(s[i:j])), true
	})
}

// hexWord is a rune that would make a UUID part of a longer word.
func hexWord(r rune) bool {
	return r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// usbSerial replaces the serial number in a udev USB name. A model name
// can end in a long word too ("_Microphone-00"), so the last field counts
// as a serial only with at least two digits in it.
func (rd *redactor) usbSerial(s string) string {
	locs := usbRE.FindAllStringSubmatchIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		i, j := l[2], l[3]
		serial := s[i:j]
		digits := strings.IndexFunc(serial, unicode.IsDigit) >= 0 &&
			strings.IndexFunc(serial[strings.IndexFunc(serial, unicode.IsDigit)+1:], unicode.IsDigit) >= 0
		if !digits || wordRune(runeBefore(s, l[0])) {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rd.token("id", strings.ToLower(serial)))
		last = j
	}
	b.WriteString(s[last:])
	return b.String()
}

// owner replaces the owner's name in "Alice's iPhone".
func (rd *redactor) owner(s string) string {
	return replaceAll(s, ownerRE, func(s string, i, j int) (int, int, string, bool) {
		if wordRune(runeBefore(s, i)) {
			return 0, 0, "", false
		}
		name := ownerRE.FindStringSubmatchIndex(s[i:j])
		return i, i + name[3], valueToken, true
	})
}
