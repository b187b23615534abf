package calls

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/stunprobe"
	"github.com/wfh-cli/wfh/report"
)

const (
	teamsUDP = "udp " + teamsRelay + ":3478"
	teamsTCP = "tcp " + teamsRelay + ":443"
	zoomTLS  = "tls " + zoomHost + ":443"
	meetUDP  = "udp " + googleSTUN + ":19302"
	meetTLS  = "tls " + meetHost + ":443"
	webexTLS = "tls " + webexHost + ":443"
)

func item(t *testing.T, res checks.Result, label string) report.Item {
	t.Helper()
	for _, it := range res.Items {
		if it.Label == label {
			return it
		}
	}
	t.Fatalf("no item %q in %+v", label, res.Items)
	return report.Item{}
}

func finding(res checks.Result, has string) (report.Finding, bool) {
	for _, f := range res.Findings {
		if strings.Contains(f.Message, has) {
			return f, true
		}
	}
	return report.Finding{}, false
}

// TestAppVerdicts walks every branch of one app's verdict with the
// outcomes stunprobe reports.
func TestAppVerdicts(t *testing.T) {
	teamsOnly := &profile.Profile{Calls: profile.Calls{Apps: []string{"teams"}}}
	zoomOnly := &profile.Profile{Calls: profile.Calls{Apps: []string{"zoom"}}}
	for _, tc := range []struct {
		name    string
		p       *profile.Profile
		results map[string]stunprobe.Result
		label   string
		status  report.Status
		path    string
		summary string // of the item
		lead    string // the check's summary
		fix     string // of the finding, when there is one
	}{
		{"UDP answers", teamsOnly, map[string]stunprobe.Result{teamsUDP: ok(21 * time.Millisecond), teamsTCP: ok(19 * time.Millisecond)},
			"Microsoft Teams", report.Pass, pathUDP, "Media over UDP: " + teamsRelay + " answered on UDP 3478 in 21 ms; the TCP 443 fallback works too (19 ms)",
			"Media over UDP for Teams", ""},
		{"UDP answers, the fallback does not", teamsOnly, map[string]stunprobe.Result{teamsUDP: ok(21 * time.Millisecond), teamsTCP: fail(stunprobe.Refused, "refused")},
			"Microsoft Teams", report.Pass, pathUDP, "TCP 443 to " + teamsRelay + " was refused", "Media over UDP for Teams", ""},
		{"UDP dropped, TCP 443 works", teamsOnly, map[string]stunprobe.Result{teamsTCP: ok(19 * time.Millisecond)},
			"Microsoft Teams", report.Warn, pathTCPOnly, "Only over TCP 443 (19 ms): no answer on UDP 3478 to " + teamsRelay + " within 3s",
			"Teams calls only over TCP 443: expect breakups",
			"Calls work but break up more easily: ask IT or the network owner to allow UDP 3478–3481 to Microsoft's Teams media relays"},
		{"UDP rejected", teamsOnly, map[string]stunprobe.Result{teamsUDP: fail(stunprobe.Refused, "refused"), teamsTCP: ok(19 * time.Millisecond)},
			"Microsoft Teams", report.Warn, pathTCPOnly, "UDP 3478 to " + teamsRelay + " was rejected (ICMP port unreachable)",
			"Teams calls only over TCP 443: expect breakups", "allow UDP 3478–3481"},
		{"UDP blocked by this computer", teamsOnly, map[string]stunprobe.Result{teamsUDP: fail(stunprobe.BlockedLocally, "EPERM"), teamsTCP: ok(19 * time.Millisecond)},
			"Microsoft Teams", report.Warn, pathTCPOnly, "a firewall on this computer blocked UDP 3478",
			"Teams calls only over TCP 443: expect breakups", "allow Microsoft Teams through it"},
		{"garbage on UDP", teamsOnly, map[string]stunprobe.Result{teamsUDP: fail(stunprobe.Garbage, "3 replies that were not an answer"), teamsTCP: ok(19 * time.Millisecond)},
			"Microsoft Teams", report.Warn, pathTCPOnly, "something answered UDP 3478 to " + teamsRelay + " with data that is not STUN",
			"Teams calls only over TCP 443: expect breakups", "allow UDP 3478–3481"},
		{"everything dropped", teamsOnly, map[string]stunprobe.Result{teamsTCP: fail(stunprobe.Silent, "TCP connect timed out after 3s")},
			"Microsoft Teams", report.Fail, pathBlocked, "Blocked: no answer on UDP 3478 to " + teamsRelay + " within 3s; TCP 443 to " + teamsRelay + " timed out",
			"Teams calls cannot connect", "allow TCP 443 to " + teamsRelay + " and UDP 3478–3481"},
		{"UDP not testable, 443 works", zoomOnly, map[string]stunprobe.Result{zoomTLS: ok(31 * time.Millisecond)},
			"Zoom", report.Pass, pathUDPUntested, "Reaches its servers on TLS 443 (31 ms); UDP media not testable here",
			"Zoom reaches its servers on 443 (UDP not testable here)", ""},
		{"UDP not testable, TLS intercepted", zoomOnly, map[string]stunprobe.Result{zoomTLS: fail(stunprobe.TLSFailed, "TLS handshake failed: x509: certificate signed by unknown authority")},
			"Zoom", report.Fail, pathBlocked, "the TLS handshake on TLS 443 to zoom.us failed", "Zoom calls cannot connect", "intercepts secure connections"},
		{"names do not resolve", teamsOnly, map[string]stunprobe.Result{teamsUDP: fail(stunprobe.NoAddress, "looking up x failed: no such host"), teamsTCP: fail(stunprobe.NoAddress, "looking up x failed: no such host")},
			"Microsoft Teams", report.Error, pathUnknown, teamsRelay + " could not be looked up", "Teams not tested: its server names do not resolve", "dns check"},
		{"stopped", teamsOnly, map[string]stunprobe.Result{teamsUDP: fail(stunprobe.Stopped, "stopped"), teamsTCP: fail(stunprobe.Stopped, "stopped")},
			"Microsoft Teams", report.Error, pathUnknown, "the test was stopped", "Teams not tested: the test was stopped", "Run wfh again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runWith(&fakeProber{results: tc.results}, tc.p)
			it := item(t, res, tc.label)
			t.Logf("%s: %s | item %s: %s", res.Status, res.Summary, it.Status, it.Summary)
			if it.Status != tc.status || it.Attributes["media_path"] != tc.path || !strings.Contains(it.Summary, tc.summary) {
				t.Errorf("item %s %s %q; want %s %s containing %q", it.Status, it.Attributes["media_path"], it.Summary, tc.status, tc.path, tc.summary)
			}
			if res.Status != tc.status {
				t.Errorf("check status %s, want %s", res.Status, tc.status)
			}
			if tc.lead != "" && !strings.Contains(res.Summary, tc.lead) {
				t.Errorf("summary %q, want %q", res.Summary, tc.lead)
			}
			if tc.fix != "" {
				found := false
				for _, f := range res.Findings {
					found = found || strings.Contains(f.Fix, tc.fix)
				}
				if !found {
					t.Errorf("no finding's fix says %q: %+v", tc.fix, res.Findings)
				}
			}
			for _, f := range res.Findings {
				if strings.ContainsAny(f.Message+f.Fix, "\r\n") {
					t.Errorf("multi-line finding %+v", f)
				}
			}
			if strings.ContainsAny(res.Summary+it.Summary, "\r\n") {
				t.Errorf("multi-line summary")
			}
		})
	}
}

// TestAllFourApps: the defaults probe each app's documented targets at
// once, with the right probe kind (Teams' relays get the knock), and
// publish every app's path and needs for the report's call verdict.
func TestAllFourApps(t *testing.T) {
	f := &fakeProber{results: map[string]stunprobe.Result{
		teamsUDP: okMapped(21*time.Millisecond, "203.0.113.77:50123"), teamsTCP: ok(19 * time.Millisecond),
		zoomTLS: ok(30 * time.Millisecond), meetTLS: ok(25 * time.Millisecond), webexTLS: fail(stunprobe.Silent, "timed out"),
	}}
	res := runWith(f, nil)
	calls := strings.Join(f.called(), "\n")
	for _, want := range []string{"knock " + teamsUDP, "connect " + teamsTCP, "connect " + zoomTLS, "binding " + meetUDP,
		"connect " + meetTLS, "connect " + webexTLS, "nat udp " + googleSTUN + ":19302"} {
		if !strings.Contains(calls, want) {
			t.Errorf("probes %q do not include %q", calls, want)
		}
	}
	want := map[string]string{report.KeyTeamsMedia: pathUDP, report.KeyZoomMedia: pathUDPUntested,
		report.KeyMeetMedia: pathTCPOnly, report.KeyWebexMedia: pathBlocked}
	for k, v := range want {
		if res.Facts[k] != v {
			t.Errorf("fact %s = %q, want %q", k, res.Facts[k], v)
		}
	}
	for _, k := range []string{report.KeyTeamsVideoNeedUpMbps, report.KeyTeamsVideoNeedDownMbps, report.KeyZoomVideoNeedUpMbps,
		report.KeyZoomVideoNeedDownMbps, report.KeyMeetVideoNeedUpMbps, report.KeyMeetVideoNeedDownMbps} {
		if m, ok := res.Metric(k); !ok || m.Value == nil || *m.Value <= 0 || m.Unit != "Mbit/s" {
			t.Errorf("metric %s = %+v", k, m)
		}
	}
	if m, ok := res.Metric(report.KeyWebexVideoNeedUpMbps); !ok || m.Value != nil || m.Note == "" {
		t.Errorf("Webex's need is not a vendor figure, so not measured: %+v", m)
	}
	if res.Status != report.Fail || !strings.Contains(res.Summary, "Webex calls cannot connect") {
		t.Errorf("%s %q", res.Status, res.Summary)
	}
	// The worst first: Webex's failure before Meet's warning.
	if len(res.Findings) < 2 || res.Findings[0].Severity != report.Fail || res.Findings[1].Severity != report.Warn {
		t.Errorf("findings %+v", res.Findings)
	}
	if res.Facts["public_address"] != "203.0.113.77" || item(t, res, "Microsoft Teams").Attributes["public_address"] != "203.0.113.77" {
		t.Errorf("public address: %v", res.Facts)
	}
	if len(res.Items) != 5 { // four apps and the NAT
		t.Errorf("%d items", len(res.Items))
	}
	for _, it := range res.Items {
		if it.Kind == "app" {
			if _, ok := it.Attributes["fallback_target"]; !ok {
				t.Errorf("%s: no fallback target", it.Label)
			}
		}
	}
}

// TestNAT names a symmetric NAT with its consequence, and says why the
// NAT was not tested when it was not.
func TestNAT(t *testing.T) {
	teams := &profile.Profile{Calls: profile.Calls{Apps: []string{"teams"}}}
	base := map[string]stunprobe.Result{teamsUDP: ok(20 * time.Millisecond), teamsTCP: ok(20 * time.Millisecond)}
	f := &fakeProber{results: base, nat: &stunprobe.NATReport{Mapping: stunprobe.AddressAndPortDependent, Symmetric: true,
		Method: stunprobe.RFC5780, Reason: "symmetric NAT: the public port changes with each destination address and port"}}
	res := runWith(f, teams)
	if fd, ok := finding(res, "symmetric"); !ok || !strings.Contains(fd.Message, "RDP Shortpath") || !strings.Contains(fd.Message, "TURN relay or over TCP") {
		t.Errorf("symmetric NAT not named with its consequence: %+v", res.Findings)
	}
	if it := item(t, res, "NAT"); it.Status != report.Warn || it.Attributes["mapping"] != "address_and_port_dependent" || it.Attributes["method"] != "rfc5780" {
		t.Errorf("NAT item %+v", it)
	}
	if res.Facts["nat_symmetric"] != "yes" || res.Status != report.Pass {
		t.Errorf("%s %v", res.Status, res.Facts)
	}

	f.nat = &stunprobe.NATReport{Mapping: stunprobe.EndpointIndependent, Method: stunprobe.TwoServers, Reason: "endpoint-independent"}
	res = runWith(f, teams)
	if res.Facts["nat_symmetric"] != "no" || item(t, res, "NAT").Status != report.Pass {
		t.Errorf("%v", res.Facts)
	}

	// The company's UDP STUN servers replace Google's for the NAT test.
	f2 := &fakeProber{results: base}
	runWith(f2, &profile.Profile{Calls: profile.Calls{Apps: []string{"teams"}, STUNServers: []string{"stuns:stun.acme.example:443", "stun:stun.acme.example:3478"}}})
	if c := strings.Join(f2.called(), "\n"); !strings.Contains(c, "nat udp stun.acme.example:3478") || !strings.Contains(c, "binding tls stun.acme.example:443") {
		t.Errorf("calls %s", c)
	}

	// No socket seam: no NAT test, said so.
	c := &check{newProber: func(*checks.Env) prober { return f2 }}
	e := env(teams)
	e.ListenPacket = nil
	res = c.Run(context.Background(), e)
	if _, ok := finding(res, "NAT not tested"); !ok {
		t.Errorf("%+v", res.Findings)
	}
}

// TestCompanyServers: the profile's STUN and TURN servers get their rows,
// TURN on every transport with the credentials passed to the probe only.
func TestCompanyServers(t *testing.T) {
	p := &profile.Profile{Calls: profile.Calls{Apps: []string{"teams"},
		STUNServers: []string{"stun:stun.acme.example:3478"},
		TURNServers: []profile.TURNServer{{URL: "turn:turn.acme.example:3478", TLSPort: 443, Username: "planted-user-77", Password: "planted-pass-88"}}}}
	base := map[string]stunprobe.Result{teamsUDP: ok(20 * time.Millisecond), teamsTCP: ok(20 * time.Millisecond),
		"udp stun.acme.example:3478": okMapped(8*time.Millisecond, "198.51.100.20:40000")}
	allocated := stunprobe.TURNResult{Outcome: stunprobe.Allocated, Path: stunprobe.Answered, Took: 30 * time.Millisecond, Reason: "gave a relay"}
	for _, tc := range []struct {
		name    string
		turn    map[string]stunprobe.TURNResult
		status  report.Status
		summary string
		lead    string
	}{
		{"allocated everywhere", map[string]stunprobe.TURNResult{"udp turn.acme.example:3478": allocated, "tcp turn.acme.example:3478": allocated, "tls turn.acme.example:443": allocated},
			report.Pass, "Relay allocated over UDP, TCP and TLS", ""},
		{"only TCP and TLS", map[string]stunprobe.TURNResult{"tcp turn.acme.example:3478": allocated, "tls turn.acme.example:443": allocated},
			report.Warn, "Relay only over TCP and TLS", "The company TURN relay works only over TCP"},
		{"wrong credentials", map[string]stunprobe.TURNResult{
			"udp turn.acme.example:3478": {Outcome: stunprobe.WrongCredentials, ErrorCode: 401, Reason: "refused the TURN user name or password (STUN error 401)"},
			"tcp turn.acme.example:3478": {Outcome: stunprobe.WrongCredentials, ErrorCode: 401, Reason: "refused"},
			"tls turn.acme.example:443":  {Outcome: stunprobe.WrongCredentials, ErrorCode: 401, Reason: "refused"}},
			report.Fail, "Refused the user name or password (STUN error 401)", "The company TURN server refused the credentials"},
		{"quota", map[string]stunprobe.TURNResult{"udp turn.acme.example:3478": {Outcome: stunprobe.QuotaReached, ErrorCode: 486, Reason: "quota"}},
			report.Warn, "as many as allowed", ""},
		{"unreachable", nil, report.Fail, "No relay: UDP: no answer over udp", "The company TURN relay cannot be reached"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeProber{results: base, turn: tc.turn}
			res := runWith(f, p)
			it := item(t, res, "turn:turn.acme.example:3478")
			t.Logf("%s %q; TURN item %s %q", res.Status, res.Summary, it.Status, it.Summary)
			if it.Status != tc.status || !strings.Contains(it.Summary, tc.summary) || res.Status != tc.status {
				t.Errorf("TURN %s %q (check %s); want %s %q", it.Status, it.Summary, res.Status, tc.status, tc.summary)
			}
			if tc.lead != "" && res.Summary != tc.lead {
				t.Errorf("summary %q, want %q", res.Summary, tc.lead)
			}
			if tc.status == report.Fail && tc.name == "wrong credentials" {
				n := 0
				for _, f := range res.Findings {
					if strings.Contains(f.Message, "refused the TURN user name or password") {
						n++
					}
				}
				if n != 1 {
					t.Errorf("want one clear line about the credentials, got %d: %+v", n, res.Findings)
				}
			}
			if len(f.creds) != 3 || f.creds[0].String() != "[redacted]" {
				t.Errorf("credentials given to the probes: %v", f.creds)
			}
			if st := item(t, res, "stun:stun.acme.example:3478"); st.Status != report.Pass || st.Attributes["public_address"] != "198.51.100.20" {
				t.Errorf("STUN item %+v", st)
			}
		})
	}
	// A company STUN server that does not answer.
	res := runWith(&fakeProber{results: map[string]stunprobe.Result{teamsUDP: ok(20 * time.Millisecond), teamsTCP: ok(20 * time.Millisecond),
		"udp stun.acme.example:3478": fail(stunprobe.Refused, "refused")}}, &profile.Profile{Calls: profile.Calls{Apps: []string{"teams"}, STUNServers: []string{"stun:stun.acme.example:3478"}}})
	if res.Status != report.Warn || !strings.Contains(res.Summary, "company STUN server") {
		t.Errorf("%s %q", res.Status, res.Summary)
	}
}

// TestRunBound is the check's deadline contract: whatever the probes do,
// Run returns within its budget; a probe that ignores its deadline is
// reported as unfinished, not waited for.
func TestRunBound(t *testing.T) {
	p := &profile.Profile{Calls: profile.Calls{STUNServers: []string{"stun:stun.acme.example:3478"},
		TURNServers: []profile.TURNServer{{URL: "turn:turn.acme.example", Username: "u", Password: "p"}}}}
	for _, f := range []*fakeProber{{hang: true}, {ignoreCtx: 20 * time.Second}} {
		c := &check{newProber: func(*checks.Env) prober { return f }}
		start := time.Now()
		res := c.Run(context.Background(), env(p))
		took := time.Since(start)
		t.Logf("hang=%v ignore=%v: %v, %s %q", f.hang, f.ignoreCtx, took.Round(time.Millisecond), res.Status, res.Summary)
		if took > c.Budget() {
			t.Errorf("Run took %v, over its budget %v", took, c.Budget())
		}
		if res.Status == "" || res.Status == report.Pass {
			t.Errorf("status %s with nothing answering", res.Status)
		}
		if f.ignoreCtx > 0 {
			if it := item(t, res, "Microsoft Teams"); !strings.Contains(it.Attributes["udp_detail"], "did not finish") {
				t.Errorf("unfinished probe: %+v", it)
			}
		}
	}
	// The caller's deadline is honoured too.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	(&check{newProber: func(*checks.Env) prober { return &fakeProber{hang: true} }}).Run(ctx, env(p))
	if took := time.Since(start); took > time.Second {
		t.Errorf("Run took %v after its context ended at 200ms", took)
	}
	if budget > 10*time.Second || probeBudget+lateGrace >= budget {
		t.Errorf("budget %v must leave room after probes (%v) and grace (%v)", budget, probeBudget, lateGrace)
	}
}

func TestNeedsAndIdentity(t *testing.T) {
	c := New()
	if c.ID() != "calls" || c.Title() == "" || c.Budget() != budget {
		t.Errorf("%s %q %v", c.ID(), c.Title(), c.Budget())
	}
	if n := c.Needs(); len(n.Requires) != 1 || n.Requires[0] != checks.NeedInternet {
		t.Errorf("needs %+v", n)
	}
	// No app and no server: nothing to judge.
	res := runWith(&fakeProber{}, &profile.Profile{Calls: profile.Calls{Apps: []string{}}})
	if len(res.Items) == 0 && res.Status == "" {
		t.Errorf("%+v", res)
	}
}

func TestAppsOfAndTargets(t *testing.T) {
	p := &profile.Profile{Calls: profile.Calls{Apps: []string{"webex", "zoom"}, Targets: map[string]profile.CallTargets{
		"zoom": {UDP: []string{"stun:10.200.2.10:3478"}, Fallback: []string{"tls:10.200.2.10:443"}},
	}, STUNServers: []string{"stun:stun.acme.example"}, TURNServers: []profile.TURNServer{{URL: "turns:turn.acme.example"}}}}
	apps, problems := appsOf(p)
	if len(problems) != 0 || len(apps) != 2 || apps[0].id != "zoom" || apps[1].id != "webex" {
		t.Fatalf("%+v %v", apps, problems)
	}
	if z := apps[0]; len(z.udp) != 1 || z.udp[0].Host != "10.200.2.10" || z.untestable != "" || z.fallback[0].Transport != stunprobe.TLS {
		t.Errorf("zoom %+v", z)
	}
	got := strings.Join(namedHosts(p), ",")
	for _, want := range []string{"10.200.2.10", webexHost, googleSTUN, googleSTUN2, "stun.acme.example", "turn.acme.example"} {
		if !strings.Contains(got, want) {
			t.Errorf("Targets %s lack %s", got, want)
		}
	}
	if strings.Contains(got, zoomHost) {
		t.Errorf("an overridden default is still named: %s", got)
	}
	all := strings.Join(namedHosts(nil), ",")
	for _, want := range []string{teamsRelay, zoomHost, googleSTUN, meetHost, webexHost} {
		if !strings.Contains(all, want) {
			t.Errorf("default Targets %s lack %s", all, want)
		}
	}
}

// offlineProvider stands for the network check finding the machine offline.
type offlineProvider struct{}

func (offlineProvider) ID() string            { return "network" }
func (offlineProvider) Title() string         { return "Network" }
func (offlineProvider) Budget() time.Duration { return time.Second }
func (offlineProvider) Needs() checks.Needs   { return checks.Needs{} }
func (offlineProvider) Provides() checks.Need { return checks.NeedInternet }
func (offlineProvider) Unmet(r checks.Result) (string, bool) {
	return "offline (see network)", r.Status == report.Fail
}
func (offlineProvider) Run(context.Context, *checks.Env) checks.Result {
	return checks.Result{Status: report.Fail, Summary: "No internet connection"}
}

// TestOfflineSkips: offline, the runner skips the check with the network
// check's reason, and no probe is sent.
func TestOfflineSkips(t *testing.T) {
	f := &fakeProber{}
	c := &check{newProber: func(*checks.Env) prober { return f }}
	r := &checks.Runner{Env: *env(nil), Timeout: 10 * time.Second}
	out := r.Run(context.Background(), []checks.Check{offlineProvider{}, c})
	var res checks.Result
	for _, x := range out.Results {
		if x.ID == "calls" {
			res = x
		}
	}
	if res.Status != report.Skipped || !strings.Contains(res.Summary, "offline") {
		t.Errorf("calls offline: %s %q", res.Status, res.Summary)
	}
	if len(f.called()) != 0 {
		t.Errorf("probes sent offline: %v", f.called())
	}
}

// TestNamesDoNotResolve: when no app's server name resolves, one line
// says so and points at the dns check, instead of one per app.
func TestNamesDoNotResolve(t *testing.T) {
	noName := func(host string) stunprobe.Result {
		return fail(stunprobe.NoAddress, "looking up "+host+" failed: no such host")
	}
	f := &fakeProber{results: map[string]stunprobe.Result{teamsUDP: noName(teamsRelay), teamsTCP: noName(teamsRelay),
		zoomTLS: noName(zoomHost), meetUDP: noName(googleSTUN), meetTLS: noName(meetHost), webexTLS: noName(webexHost)},
		nat: &stunprobe.NATReport{Mapping: stunprobe.MappingUnknown, First: stunprobe.NoAddress, Reason: "looking up x failed"}}
	res := runWith(f, nil)
	if res.Status != report.Error || res.Summary != "Calls not tested: the call services' names do not resolve" {
		t.Errorf("%s %q", res.Status, res.Summary)
	}
	n := 0
	for _, fd := range res.Findings {
		if fd.Severity == report.Error {
			n++
			if !strings.Contains(fd.Message, "Microsoft Teams, Zoom, Google Meet and Cisco Webex could not be tested") || !strings.Contains(fd.Fix, "dns check") {
				t.Errorf("%+v", fd)
			}
		}
	}
	if _, ok := finding(res, "STUN servers' names could not be looked up"); n != 1 || !ok {
		t.Errorf("findings %+v", res.Findings)
	}
}
