package redact

import (
	"encoding/json"
	"flag"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// redactString runs one string through the free-text rules, as a result summary.
// The goldens live in report/render; `go test ./report/... -update` passes
// the flag to every package's tests, so each must accept it.
var _ = flag.Bool("update", false, "rewrite golden files (report/render)")

func redactString(t *testing.T, s string, k report.Known) string {
	t.Helper()
	r := Redact(report.Report{Results: []report.Result{{Summary: s}}}, k)
	return r.Results[0].Summary
}

type textCase struct {
	in, want string
}

func runRedactCases(t *testing.T, k report.Known, cases []textCase) {
	t.Helper()
	for _, c := range cases {
		if got := redactString(t, c.in, k); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRedactIPv4(t *testing.T) {
	runRedactCases(t, report.Known{}, []textCase{
		{"ping 8.8.8.8 ok", "ping [public-ipv4-1] ok"},
		{"resolver 8.8.8.8:53", "resolver [public-ipv4-1]:53"},
		{"public address (1.2.3.4)", "public address ([public-ipv4-1])"},
		{"route 203.0.113.0/24", "route [public-ipv4-1]/24"},
		{"seen at 203.0.113.7.", "seen at [public-ipv4-1]."},
		{"ip=198.51.100.2,", "ip=[public-ipv4-1],"},
		{"hop pool-71-1-2-3.isp.example", "hop pool-[public-ipv4-1].isp.example"},
		{"71-1-2-3.static.isp.example", "[public-ipv4-1].static.isp.example"},
		// Kept: they identify nobody and an agent needs them.
		{"gateway 192.168.1.1", "gateway 192.168.1.1"},
		{"10.0.0.1 172.16.5.4 127.0.0.1", "10.0.0.1 172.16.5.4 127.0.0.1"},
		{"link-local 169.254.10.1", "link-local 169.254.10.1"},
		{"cgnat 100.64.0.1 100.127.255.254", "cgnat 100.64.0.1 100.127.255.254"},
		{"mdns 224.0.0.251, any 0.0.0.0, bcast 255.255.255.255", "mdns 224.0.0.251, any 0.0.0.0, bcast 255.255.255.255"},
		{"ec2 ip-10-0-0-5.internal", "ec2 ip-10-0-0-5.internal"},
		// Not addresses.
		{"version 1.2.3", "version 1.2.3"},
		{"at 12:30:45", "at 12:30:45"},
		{"app v1.2.3.4", "app v1.2.3.4"},
		{"build 1.2.3.4.5", "build 1.2.3.4.5"},
		{"windows 10.0.19045.1234", "windows 10.0.19045.1234"},
		{"chrome 120.0.6099.109", "chrome 120.0.6099.109"},
		{"bad 256.1.1.1 and 01.2.3.4", "bad 256.1.1.1 and 01.2.3.4"},
		{"phone 12-34-56-78", "phone 12-34-56-78"},
		{"serial 9-71-1-2-3.x", "serial 9-71-1-2-3.x"},
		{"this network 0.1.2.3", "this network 0.1.2.3"},
	})
}

func TestRedactIPv6(t *testing.T) {
	runRedactCases(t, report.Known{}, []textCase{
		{"addr 2001:db8::1", "addr [public-ipv6-1]"},
		{"https://[2606:4700::1111]:443/", "https://[[public-ipv6-1]]:443/"},
		{"ip6:2001:db8::1", "ip6:[public-ipv6-1]"},
		{"unreachable 2001:db8::1.", "unreachable [public-ipv6-1]."},
		{"2001:db8::1: timeout", "[public-ipv6-1]: timeout"},
		{"2001:DB8:0::1 = 2001:db8::1", "[public-ipv6-1] = [public-ipv6-1]"},
		// A mapped IPv4 address is that IPv4 address.
		{"::ffff:8.8.8.8 is 8.8.8.8", "[public-ipv4-1] is [public-ipv4-1]"},
		{"router fe80::1%eth0", "router fe80::1%eth0"},
		{"::1 and :: and fd00::1 and ff02::fb", "::1 and :: and fd00::1 and ff02::fb"},
		{"::ffff:192.168.1.1", "::ffff:192.168.1.1"},
		// Not addresses.
		{"std::cout Foo::Bar x ::Bar", "std::cout Foo::Bar x ::Bar"},
		{"12:30:45 and 00:00:01.5", "12:30:45 and 00:00:01.5"},
	})
}

func TestRedactMAC(t *testing.T) {
	runRedactCases(t, report.Known{}, []textCase{
		{"ether aa:bb:cc:dd:ee:ff up", "ether [mac-1] up"},
		{"Physical Address AA-BB-CC-DD-EE-FF", "Physical Address [mac-1]"},
		{"aa:bb:cc:dd:ee:ff = AA-BB-CC-DD-EE-FF, not 00:11:22:33:44:55", "[mac-1] = [mac-1], not [mac-2]"},
		{"mac:aa:bb:cc:dd:ee:ff", "mac:[mac-1]"},
		{"(00:11:22:33:44:55)", "([mac-1])"},
		// EUI-64 and client IDs contain a MAC: redacted whole.
		{"guid aa:bb:cc:dd:ee:ff:00:11", "guid [mac-1]"},
		{"client-id 01-aa-bb-cc-dd-ee-ff", "client-id [mac-1]"},
		// A link-local address built from the MAC gives it away.
		{"fe80::a8bb:ccff:fedd:eeff%en0 has aa:bb:cc:dd:ee:ff", "fe80::[mac-1]%en0 has [mac-1]"},
		// Not MACs: times, short sequences, an address without one.
		{"12:30:45", "12:30:45"},
		{"aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee"},
		{"fe80::aa:bb:cc:dd:ee:ff", "fe80::aa:bb:cc:dd:ee:ff"},
	})
}

func TestRedactHostname(t *testing.T) {
	k := report.Known{Hostname: "Alice-Laptop.corp.example.com"}
	runRedactCases(t, k, []textCase{
		{"alice-laptop.corp.example.com is up", "[hostname] is up"},
		{"ALICE-LAPTOP answered", "[hostname] answered"},
		{"mdns alice-laptop.local", "mdns [hostname].local"},
		{`\\alice-laptop\share`, `\\[hostname]\share`},
		{"machine account ALICE-LAPTOP$", "machine account [hostname]$"},
		// Other names that contain it.
		{"alice-laptops my-alice-laptop alice-laptop2", "alice-laptops my-alice-laptop alice-laptop2"},
		// The domain is the organisation's, not the machine's.
		{"search corp.example.com", "search corp.example.com"},
	})
	for _, name := range []string{"localhost", "LOCALHOST.localdomain", "ab"} {
		in := "resolved " + name + " fine"
		if got := redactString(t, in, report.Known{Hostname: name}); got != in {
			t.Errorf("hostname %q: %q became %q", name, in, got)
		}
	}
}

func TestRedactUser(t *testing.T) {
	k := report.Known{User: "alice"}
	runRedactCases(t, k, []textCase{
		{"Alice's camera", "[user]'s camera"},
		{"owner alice", "owner [user]"},
		{"mail alice@example.com", "mail [user]@example.com"},
		{"malice alice2 alice_x alice-laptop", "malice alice2 alice_x alice-laptop"},
	})
	runRedactCases(t, report.Known{User: `CORP\bob.smith`}, []textCase{
		{`signed in as CORP\bob.smith`, `signed in as [user]`},
		{`profile CORP\BOB.SMITH`, `profile [user]`},
		{"bob.smith's files", "[user]'s files"},
	})
	// Unix names may be any bytes; they cannot become a regexp.
	runRedactCases(t, report.Known{User: "j\xf6rg", Hostname: "h\xf6st"}, []textCase{
		{"j\xf6rg on h\xf6st.", "[user] on [hostname]."},
	})
	// Shared account names are words too: "root cause" must survive a root
	// login, while the Host.User field is still replaced.
	for _, name := range []string{"root", "Administrator", "user", "admin", "pi"} {
		r := Redact(report.Report{Host: report.Host{User: name}, Results: []report.Result{{Summary: "root cause: user " + name + " is admin"}}}, report.Known{User: name})
		if want := "root cause: user " + name + " is admin"; r.Results[0].Summary != want {
			t.Errorf("user %q: summary %q, want %q", name, r.Results[0].Summary, want)
		}
		if r.Host.User != "[user]" {
			t.Errorf("user %q: Host.User = %q", name, r.Host.User)
		}
	}
}

func TestRedactHomeDir(t *testing.T) {
	runRedactCases(t, report.Known{HomeDir: "/home/alice", User: "alice"}, []textCase{
		{"config /home/alice/.config/wfh/profile.yaml", "config ~/.config/wfh/profile.yaml"},
		{"home is /home/alice.", "home is ~."},
		{"'/home/alice'", "'~'"},
		{"file:///home/alice/x", "file://~/x"},
		{"/home/alice2/x", "/home/alice2/x"},
		{"/home/alice.old/x", "/home/[user].old/x"},
		{"/mnt/home/alice/x", "/mnt/home/[user]/x"},
	})
	runRedactCases(t, report.Known{HomeDir: "/Users/alice/"}, []textCase{
		{"log in /Users/alice/Library/Logs", "log in ~/Library/Logs"},
		// Only Windows paths are case-insensitive.
		{"/users/alice/x", "/users/[user]/x"},
	})
	runRedactCases(t, report.Known{HomeDir: `C:\Users\Alice`}, []textCase{
		{`cache c:\users\alice\AppData\Local`, `cache ~\AppData\Local`},
		{`C:/Users/ALICE/Desktop`, `~/Desktop`},
		{`json "C:\\Users\\Alice\\x"`, `json "~\\x"`},
	})
	runRedactCases(t, report.Known{HomeDir: `\\files\home$\alice`}, []textCase{
		{`roaming \\FILES\home$\alice\Documents`, `roaming ~\Documents`},
	})
	for _, home := range []string{"/", `C:\`, "", "C:"} {
		in := "path /etc/hosts and C:\\Windows"
		if got := redactString(t, in, report.Known{HomeDir: home}); got != in {
			t.Errorf("home %q: %q became %q", home, in, got)
		}
	}
}

func TestRedactKeep(t *testing.T) {
	k := report.Known{
		Hostname: "vpn",
		Keep:     []string{"203.0.113.7", "vpn.example.com", "198.51.100.0/24", "2001:db8::53", "CorpWiFi"},
	}
	runRedactCases(t, k, []textCase{
		{"dns 203.0.113.7 and 203.0.113.8", "dns 203.0.113.7 and [public-ipv4-1]"},
		{"range 198.51.100.9:443", "range 198.51.100.9:443"},
		{"resolver [2001:DB8::53]:53 and 2001:db8::54", "resolver [2001:DB8::53]:53 and [public-ipv6-1]"},
		{"gateway https://vpn.example.com:443 seen from vpn", "gateway https://vpn.example.com:443 seen from [hostname]"},
		{"VPN.EXAMPLE.COM.", "VPN.EXAMPLE.COM."},
		// A kept name inside a longer one does not shield it.
		{"vpn.vpn.example.com", "[hostname].[hostname].example.com"},
		// The 2 of 203.0.113.72 is not a kept address.
		{"203.0.113.72", "[public-ipv4-1]"},
	})
	r := Redact(report.Report{Results: []report.Result{{Facts: map[string]string{"ssid": "CorpWiFi", "bssid": "aa:bb:cc:dd:ee:ff"}}}}, k)
	if got := r.Results[0].Facts; got["ssid"] != "CorpWiFi" || got["bssid"] != "[redacted]" {
		t.Errorf("facts = %v: a sensitive value the profile names stays, others go", got)
	}
}

func TestRedactSensitiveKeys(t *testing.T) {
	in := report.Report{Results: []report.Result{{
		Facts: map[string]string{
			"ssid":       "Smith Family 5G",
			"serial":     "C02XL0GHJGH5",
			"SSID":       "no exact match, ordinary text",
			"user_agent": "wfh/1.0",
			"username":   "",
		},
		Items: []report.Item{{Label: "wlan0", Status: report.Pass, Attributes: map[string]string{
			"bssid": "AABB.CCDD.EEFF", "mac_address": "aabbccddeeff", "channel": "36",
		}}},
	}}}
	out := Redact(in, report.Known{})
	facts, attrs := out.Results[0].Facts, out.Results[0].Items[0].Attributes
	want := map[string]string{
		"ssid": "[redacted]", "serial": "[redacted]", "SSID": "no exact match, ordinary text",
		"user_agent": "wfh/1.0", "username": "",
	}
	if !reflect.DeepEqual(facts, want) {
		t.Errorf("facts = %v, want %v", facts, want)
	}
	wantAttrs := map[string]string{"bssid": "[redacted]", "mac_address": "[redacted]", "channel": "36"}
	if !reflect.DeepEqual(attrs, wantAttrs) {
		t.Errorf("attributes = %v, want %v", attrs, wantAttrs)
	}
	for _, key := range SensitiveKeys() {
		if !IsSensitiveKey(key) || key != strings.ToLower(key) {
			t.Errorf("key %q: listed but not matched, or not snake_case", key)
		}
	}
	for _, key := range []string{"ssid", "bssid", "hostname", "host_name", "user", "username", "serial", "serial_number", "mac", "mac_address"} {
		if !IsSensitiveKey(key) {
			t.Errorf("%q is not sensitive", key)
		}
	}
	keys := SensitiveKeys()
	keys[0] = "changed"
	if SensitiveKeys()[0] == "changed" {
		t.Error("SensitiveKeys exposes its table")
	}
}

func TestRedactHostFields(t *testing.T) {
	// With an empty Known the report's own host fields still drive the
	// free-text rules.
	in := report.Report{
		Host:    report.Host{OS: "linux", Arch: "amd64", Hostname: "alice-laptop", User: "alice", TimeZone: "Europe/Paris", UTCOffset: "+01:00"},
		Results: []report.Result{{Summary: "alice on alice-laptop"}},
	}
	out := Redact(in, report.Known{})
	if out.Host.Hostname != "[hostname]" || out.Host.User != "[user]" {
		t.Errorf("host = %+v", out.Host)
	}
	if out.Host.TimeZone != "Europe/Paris" || out.Host.UTCOffset != "+01:00" || out.Host.OS != "linux" {
		t.Errorf("host facts changed: %+v", out.Host)
	}
	if got := out.Results[0].Summary; got != "[user] on [hostname]" {
		t.Errorf("summary = %q", got)
	}
	if out.Redaction != "on" {
		t.Errorf("Redaction = %q", out.Redaction)
	}
	if got := MarkUnredacted(in); got.Redaction != "off" || got.Host.Hostname != "alice-laptop" {
		t.Errorf("MarkUnredacted = %+v", got)
	}
}

func TestRedactTokensConsistent(t *testing.T) {
	in := report.Report{Results: []report.Result{
		{
			Summary: "8.8.8.8 then 1.1.1.1 then 2001:db8::1",
			Facts:   map[string]string{"b_second": "9.9.9.9", "a_first": "1.1.1.1"},
			Items: []report.Item{
				{Label: "8.8.8.8", Status: report.Pass, Summary: "via 9.9.9.9", Attributes: map[string]string{"addr": "2001:db8::1"}},
				{Label: "dns.google (8.8.4.4)", Status: report.Pass},
			},
			Series: []report.Series{
				{Name: "rtt 8.8.8.8", Unit: "ms", Item: "8.8.8.8", Samples: []*float64{}},
				{Name: "rtt", Unit: "ms", Item: "dns.google (8.8.4.4)"},
			},
		},
		{Summary: "again 1.1.1.1 and 8.8.8.8"},
	}}
	out := Redact(in, report.Known{})
	res := out.Results[0]
	checks := [][2]string{
		{res.Summary, "[public-ipv4-1] then [public-ipv4-2] then [public-ipv6-1]"},
		{res.Facts["a_first"], "[public-ipv4-2]"},
		{res.Facts["b_second"], "[public-ipv4-3]"},
		{res.Items[0].Label, "[public-ipv4-1]"},
		{res.Items[0].Summary, "via [public-ipv4-3]"},
		{res.Items[0].Attributes["addr"], "[public-ipv6-1]"},
		{res.Items[1].Label, "dns.google ([public-ipv4-4])"},
		{res.Series[0].Name, "rtt [public-ipv4-1]"},
		{res.Series[0].Item, res.Items[0].Label},
		{res.Series[1].Item, res.Items[1].Label},
		{out.Results[1].Summary, "again [public-ipv4-2] and [public-ipv4-1]"},
	}
	for i, c := range checks {
		if c[0] != c[1] {
			t.Errorf("check %d: got %q, want %q", i, c[0], c[1])
		}
	}
	// Numbering does not depend on map order.
	for range 20 {
		if again := Redact(in, report.Known{}); !reflect.DeepEqual(again, out) {
			t.Fatal("two runs numbered tokens differently")
		}
	}
}

func TestRedactContinuesExistingTokens(t *testing.T) {
	in := report.Report{Results: []report.Result{{Summary: "old [public-ipv4-1] and [mac-3], new 8.8.8.8 and aa:bb:cc:dd:ee:ff"}}}
	got := Redact(in, report.Known{}).Results[0].Summary
	if want := "old [public-ipv4-1] and [mac-3], new [public-ipv4-2] and [mac-4]"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRedactTokensAreSafeFromNames(t *testing.T) {
	// Names that are words inside tokens must not break them. ("public"
	// itself is an ordinary word, left in free text: see ordinaryWord.)
	k := report.Known{Hostname: "ipv4", User: "hostname", HomeDir: "/home/redacted"}
	in := report.Report{Results: []report.Result{{
		Summary: "ipv4 hostname 8.8.8.8 aa:bb:cc:dd:ee:ff /home/redacted/x",
		Facts:   map[string]string{"ssid": "x"},
	}}}
	once := Redact(in, k)
	if want := "[hostname] [user] [public-ipv4-1] [mac-1] ~/x"; once.Results[0].Summary != want {
		t.Errorf("got %q, want %q", once.Results[0].Summary, want)
	}
	if twice := Redact(once, k); !reflect.DeepEqual(twice, once) {
		t.Errorf("second pass changed %q to %q", once.Results[0].Summary, twice.Results[0].Summary)
	}
}

func f64(v float64) *float64 { return &v }

// sample is a report with private data in the places checks put it.
func sample() (report.Report, report.Known) {
	k := report.Known{
		Hostname: "alice-laptop.corp.example.com",
		User:     "alice",
		HomeDir:  "/home/alice",
		Keep:     []string{"8.8.8.8", "vpn.example.com"},
	}
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	r := report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "wfh", Version: "1.0.0"},
		StartedAt:     start, FinishedAt: start.Add(5 * time.Second), DurationSeconds: 5,
		Host:      report.Host{OS: "linux", Arch: "amd64", Hostname: "alice-laptop", User: "alice", TimeZone: "Europe/Paris", UTCOffset: "+01:00"},
		Profile:   "acme",
		Redaction: "off",
		Overall:   report.Warn,
		Results: []report.Result{
			{
				ID: "network", Title: "Network", Status: report.Warn,
				Summary: "alice-laptop reaches the internet from 203.0.113.7",
				Findings: []report.Finding{{Severity: report.Warn, Message: "Public address 203.0.113.7 changes often",
					Fix: "Ask alice's ISP; see /home/alice/wfh.log"}},
				Metrics: []report.Metric{report.Measured("rtt", 12.5, "ms"), report.NotMeasured("jitter", "ms", "no reply from 2001:db8::7")},
				Facts:   map[string]string{"ssid": "Smith Family", "gateway": "192.168.1.1", "public_ip": "203.0.113.7"},
				Items: []report.Item{{
					Label: "203.0.113.7", Kind: "address", Status: report.Pass, Summary: "ether aa:bb:cc:dd:ee:ff",
					Metrics:    []report.Metric{report.NotMeasured("loss", "%", "host alice-laptop asleep")},
					Attributes: map[string]string{"bssid": "00:11:22:33:44:55", "dns": "8.8.8.8", "via": "vpn.example.com"},
				}},
				Series: []report.Series{{Name: "rtt 203.0.113.7", Unit: "ms", Item: "203.0.113.7", IntervalSeconds: 1,
					Samples: []*float64{f64(10), nil, f64(12)}}},
			},
			{ID: "clock", Title: "Clock", Status: report.Pass, Summary: "in sync"},
		},
	}
	return r, k
}

func TestRedactIdempotent(t *testing.T) {
	r, k := sample()
	once := Redact(r, k)
	if twice := Redact(once, k); !reflect.DeepEqual(twice, once) {
		a, _ := json.MarshalIndent(once, "", " ")
		b, _ := json.MarshalIndent(twice, "", " ")
		t.Errorf("Redact is not idempotent:\n%s\n---\n%s", a, b)
	}
}

func TestRedactDoesNotModifyInput(t *testing.T) {
	r, k := sample()
	r.ProfileSource = &report.ProfileSource{URL: "https://it.acme.example/wfh.yaml"}
	before, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	out := Redact(r, k)
	after, _ := json.Marshal(r)
	if string(before) != string(after) {
		t.Fatalf("input changed:\n%s\n%s", before, after)
	}
	// Nothing is shared: writing through the copy leaves the input alone.
	*out.Results[0].Metrics[0].Value = -1
	*out.Results[0].Series[0].Samples[0] = -1
	out.Results[0].Facts["gateway"] = "x"
	out.Results[0].Items[0].Attributes["dns"] = "x"
	out.Results[0].Findings[0].Message = "x"
	out.Results[0].Items[0].Metrics[0].Note = "x"
	out.ProfileSource.URL = "x"
	if after, _ := json.Marshal(r); string(before) != string(after) {
		t.Fatalf("the copy shares memory with the input:\n%s\n%s", before, after)
	}
}

func TestRedactKeepsNilAndEmpty(t *testing.T) {
	out := Redact(report.Report{}, report.Known{})
	if out.Results != nil {
		t.Error("nil results became non-nil")
	}
	out = Redact(report.Report{Results: []report.Result{{Series: []report.Series{{Samples: []*float64{}}}}}}, report.Known{})
	if s := out.Results[0].Series[0].Samples; s == nil || len(s) != 0 {
		t.Errorf("empty samples became %#v", s)
	}
	if out.Results[0].Facts != nil || out.Results[0].Items != nil {
		t.Error("absent fields appeared")
	}
}

// plantExempt lists the string fields that hold program constants or
// wfh's own data, not anything discovered on the machine. A new string field
// in the model is planted with secrets by TestRedactLeavesNoSecret and fails
// it until Redact covers it or it is listed here.
var plantExempt = map[string]bool{
	"Report.SchemaVersion": true, "Report.Redaction": true,
	"Tool.Name": true, "Tool.Version": true, "Tool.Commit": true,
	"Host.Arch": true, "Host.TimeZone": true, "Host.UTCOffset": true,
	"Result.ID": true, "Metric.Name": true, "Metric.Unit": true,
	"Item.Kind": true, "Series.Unit": true, "ProfileSource.SHA256": true,
}

// The identity fields hold the names themselves, which Redact replaces whole
// and also looks for in free text.
var plantIdentity = map[string]string{"Host.Hostname": "alice-laptop", "Host.User": "alice"}

const secret = "alice on alice-laptop.corp.example.com (ALICE-LAPTOP) at 203.0.113.7 and [2001:db8:42::7]:443, " +
	"ether aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-01, pool-203-0-113-7.isp.example, files in /home/alice/x, " +
	"mail bob.smith@acme.example, proxy https://carol:pw0rd@proxy.example/, https://sso.example/?token=t0ken-leak, " +
	"device {8F2A4F3C-1D5E-4B6A-9C7D-0E1F2A3B4C5D}, usb-Jabra_EVOLVE_30_A08C7D1B2C3D-00, Dave's iPhone, on Smith Family"

var secretParts = []string{"alice", "203.0.113.7", "203-0-113-7", "2001:db8:42::7", "aa:bb:cc:dd:ee", "/home/", "smith family",
	"bob.smith", "carol", "pw0rd", "t0ken-leak", "8f2a4f3c", "a08c7d1b2c3d", "dave"}

func plant(t *testing.T, v reflect.Value, owner string, count *int) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.Type == reflect.TypeFor[report.Status]() {
				continue
			}
			if f.Type.Kind() == reflect.String {
				name := v.Type().Name() + "." + f.Name
				if value, ok := plantIdentity[name]; ok {
					v.Field(i).SetString(value)
				} else if !plantExempt[name] {
					v.Field(i).SetString(secret)
					*count++
				}
				continue
			}
			plant(t, v.Field(i), v.Type().Name(), count)
		}
	case reflect.Slice:
		for i := range v.Len() {
			plant(t, v.Index(i), owner, count)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		for _, key := range v.MapKeys() {
			v.SetMapIndex(key, reflect.ValueOf(secret))
			*count++
		}
		v.SetMapIndex(reflect.ValueOf("ssid"), reflect.ValueOf("Smith Family"))
	case reflect.Pointer:
		if !v.IsNil() && v.Elem().Kind() == reflect.Struct {
			plant(t, v.Elem(), owner, count)
		}
	case reflect.Float64, reflect.Bool:
	default:
		t.Fatalf("%s: unexpected %s field: teach plant about it", owner, v.Kind())
	}
}

func TestRedactLeavesNoSecret(t *testing.T) {
	r, k := sample()
	k.Keep = nil
	r.Results[0].Items = append(r.Results[0].Items, report.Item{Attributes: map[string]string{"x": ""}, Metrics: []report.Metric{{}}})
	r.ProfileSource = &report.ProfileSource{}
	count := 0
	plant(t, reflect.ValueOf(&r).Elem(), "Report", &count)
	if count < 15 {
		t.Fatalf("planted only %d fields", count)
	}
	data, err := json.Marshal(Redact(r, k))
	if err != nil {
		t.Fatal(err)
	}
	out := strings.ToLower(string(data))
	for _, secret := range secretParts {
		if strings.Contains(out, strings.ToLower(secret)) {
			t.Errorf("%q survived redaction:\n%s", secret, data)
		}
	}
	for _, want := range []string{"[hostname]", "[user]", "[public-ipv4-1]", "[public-ipv6-1]", "[mac-1]", "[mac-2]", "~/x", "[redacted]",
		"[id-1]", "[id-2]", "[redacted]@acme.example", "https://[redacted]@proxy.example/", "?token=[redacted]", "[redacted]'s iphone"} {
		if !strings.Contains(out, want) {
			t.Errorf("%s missing from %s", want, data)
		}
	}
}

// FuzzRedact checks that no input panics, loses the planted host name or
// changes on a second pass.
func FuzzRedact(f *testing.F) {
	for _, seed := range []string{
		"", "8.8.8.8", "[2606:4700::1111]:443", "fe80::1%eth0", "aa:bb:cc:dd:ee:ff", "12:30:45",
		"/home/alice/x", `C:\Users\alice`, "[public-ipv4-1]", "[hostname", "pool-1-2-3-4.x", "::ffff:1.2.3.4",
		"\xff\xfe", "0\x880", "alice-laptop.local", "ALICE", "vpn.example.com", "fe80::a8bb:ccff:fedd:eeff",
		"1::0::2", "-0-0-0-1-0-0-0-1", "::010.00:00:00:00:00:00 0",
	} {
		f.Add(seed)
	}
	const host = "alice-laptop"
	anyCase := regexp.MustCompile("(?i)" + regexp.QuoteMeta(host))
	k := report.Known{Hostname: host + ".example.net", User: "alice", HomeDir: "/home/alice", Keep: []string{"8.8.8.8", "vpn.example.com"}}
	f.Fuzz(func(t *testing.T, s string) {
		for anyCase.MatchString(s) {
			s = anyCase.ReplaceAllString(s, "")
		}
		planted := s + " " + host + " " + s
		r := report.Report{
			Host: report.Host{OS: s, Hostname: host, User: s},
			Results: []report.Result{{
				Title: s, Summary: planted,
				Findings: []report.Finding{{Message: planted, Fix: s}},
				Metrics:  []report.Metric{{Note: planted}},
				Facts:    map[string]string{s: planted, "ssid": s},
				Items:    []report.Item{{Label: planted, Summary: s, Attributes: map[string]string{"a": planted}}},
				Series:   []report.Series{{Name: planted, Item: planted}},
			}},
		}
		out := Redact(r, k)
		data, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		if anyCase.Match(data) {
			t.Errorf("host name survived: %s", data)
		}
		if again := Redact(out, k); !reflect.DeepEqual(again, out) {
			t.Errorf("not idempotent: %q became %q", out.Results[0].Summary, again.Results[0].Summary)
		}
	})
}
