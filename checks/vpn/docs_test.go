package vpn

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// TestReportFieldsDocumented keeps docs/checks.md's vpn section in step
// with what the check reports: every fact, metric, item kind, item metric
// and attribute, outcome and state must be named there.
func TestReportFieldsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/checks.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	start := strings.Index(text, "\n## vpn\n")
	if start < 0 {
		t.Fatal("docs/checks.md has no vpn section")
	}
	section := text[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	full := connectedObs()
	full.Tunnels[0].Description = "WireGuard Tunnel"
	full.VPNOnly = []nameLookup{{Name: "intranet.corp.example", Resolved: true}}
	full.Targets[1] = targetProbe{Target: parseTarget("https://intranet.corp.example/", 1), Addr: a4("10.201.0.10"), Interface: "wg0",
		Out: outRedirect, RedirectTo: "https://login.corp.example/", HTTPStatus: 302, Connects: []time.Duration{time.Millisecond}, Tries: 3, Response: time.Millisecond}
	full.Gateway = &gatewayProbe{Config: gatewayConfig{Raw: "vpn.acme.example", Type: gwTLS}, Addrs: full.Gateway.Addrs, Interface: "eth0", Out: outOK, Connect: time.Millisecond}
	noMTU := connectedObs()
	noMTU.MTU = mtuResult{Why: "x"}
	results := []report.Result{verdict(full), verdict(noMTU), verdict(observations{}), verdict(observations{Expected: true})}
	names := map[string]bool{}
	for _, r := range results {
		for _, m := range r.Metrics {
			names[m.Name] = true
		}
		for k, v := range r.Facts {
			names[k] = true
			if k == "vpn_state" {
				names[v] = true
			}
		}
		for _, it := range r.Items {
			names[it.Kind] = true
			for _, m := range it.Metrics {
				names[m.Name] = true
			}
			for k := range it.Attributes {
				names[k] = true
			}
		}
	}
	for _, o := range []outcome{outOK, outRedirect, outHTTPError, outWrongName, outUntrusted, outExpired, outTLSError, outRefused,
		outReset, outTimeout, outStalled, outUnreachable, outDNS, outInvalid, outNotProbed, outNoAddress} {
		names[string(o)] = true
	}
	for _, s := range []string{stateNotInUse, stateNotConnected, stateDirect, stateNoTraffic, stateDegraded, stateConnected} {
		names[s] = true
	}
	if len(names) < 40 {
		t.Fatalf("only %d names collected", len(names))
	}
	for n := range names {
		if !strings.Contains(section, "`"+n+"`") {
			t.Errorf("docs/checks.md's vpn section does not name `%s`", n)
		}
	}
}
