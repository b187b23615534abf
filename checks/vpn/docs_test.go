package vpn

import (
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// TestReportFieldsDocumented keeps docs/checks.md's vpn section in step
// with what the check reports: every fact, metric, item kind, item metric
// and attribute, outcome and state must be named there.
func TestReportFieldsDocumented(t *testing.T) {
	full := connectedObs()
	full.Tunnels[0].Description = "WireGuard Tunnel"
	full.VPNOnly = []nameLookup{{Name: "intranet.corp.example", Resolved: true}}
	full.Targets[1] = targetProbe{Target: parseTarget("https://intranet.corp.example/", 1), Addr: a4("10.201.0.10"), Interface: "wg0",
		Out: outRedirect, RedirectTo: "https://login.corp.example/", HTTPStatus: 302, Connects: []time.Duration{time.Millisecond}, Tries: 3, Response: time.Millisecond}
	full.Gateway = &gatewayProbe{Config: gatewayConfig{Raw: "vpn.acme.example", Type: gwTLS}, Addrs: full.Gateway.Addrs, Interface: "eth0", Out: outOK, Connect: time.Millisecond}
	noMTU := connectedObs()
	noMTU.MTU = mtuResult{Why: "x"}
	results := []report.Result{verdict(full), verdict(noMTU), verdict(observations{}), verdict(observations{Expected: true})}
	names := reportschema.FieldNames(results...)
	for _, r := range results {
		if st := r.Facts["vpn_state"]; st != "" {
			names[st] = true
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
	reportschema.AssertDocumented(t, "vpn", names)
}
