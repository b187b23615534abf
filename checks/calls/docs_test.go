package calls

import (
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/internal/stunprobe"
	"github.com/wfh-cli/wfh/report/render"
)

// fullResults are results that use every field the check publishes.
func fullResults(t *testing.T) []checks.Result {
	t.Helper()
	p := &profile.Profile{Calls: profile.Calls{STUNServers: []string{"stun:stun.acme.example:3478"},
		TURNServers: []profile.TURNServer{{URL: "turn:turn.acme.example", Username: "u", Password: "p"}}}}
	allocated := stunprobe.TURNResult{Outcome: stunprobe.Allocated, Took: time.Millisecond}
	f := &fakeProber{results: map[string]stunprobe.Result{teamsUDP: okMapped(time.Millisecond, "203.0.113.7:1"), teamsTCP: ok(time.Millisecond),
		zoomTLS: ok(time.Millisecond), "udp stun.acme.example:3478": okMapped(time.Millisecond, "203.0.113.7:2")},
		turn: map[string]stunprobe.TURNResult{"udp turn.acme.example:3478": allocated, "tcp turn.acme.example:3478": allocated, "tls turn.acme.example:5349": allocated},
		nat:  &stunprobe.NATReport{Mapping: stunprobe.EndpointIndependent, Method: stunprobe.RFC5780, Reason: "x"}}
	return []checks.Result{runWith(f, p), runWith(&fakeProber{}, p)}
}

// TestReportFieldsDocumented keeps docs/checks.md's calls section in step
// with what the check reports: every fact, metric, item kind, item metric
// and attribute, and every value of media_path, must be named there.
func TestReportFieldsDocumented(t *testing.T) {
	results := fullResults(t)
	names := reportschema.FieldNames(results...)
	for _, p := range []string{pathUDP, pathTCPOnly, pathUDPUntested, pathBlocked, pathUnknown} {
		names[p] = true
	}
	for _, m := range []stunprobe.Mapping{stunprobe.NoNAT, stunprobe.EndpointIndependent, stunprobe.AddressDependent,
		stunprobe.AddressAndPortDependent, stunprobe.DestinationDependent, stunprobe.MappingUnknown} {
		names[string(m)] = true
	}
	for _, o := range []stunprobe.Outcome{stunprobe.Answered, stunprobe.Silent, stunprobe.Refused, stunprobe.Unreachable,
		stunprobe.BlockedLocally, stunprobe.Garbage, stunprobe.Closed, stunprobe.TLSFailed, stunprobe.NoAddress, stunprobe.Stopped, stunprobe.Failed} {
		names[string(o)] = true
	}
	for _, o := range []stunprobe.TURNOutcome{stunprobe.Allocated, stunprobe.WrongCredentials, stunprobe.QuotaReached, stunprobe.TURNRejected,
		stunprobe.TURNUnreachable, stunprobe.TURNTimeout, stunprobe.TURNStopped, stunprobe.TURNFailed} {
		names[string(o)] = true
	}
	if len(names) < 40 {
		t.Fatalf("only %d names collected", len(names))
	}
	reportschema.AssertDocumented(t, "calls", names)
}

// TestReportMatchesSchema: the check's results, in a JSON report, are
// valid against docs/report.schema.json.
func TestReportMatchesSchema(t *testing.T) {
	for _, res := range fullResults(t) {
		out := renderAll(t, res, nil)
		if err := reportschema.Validate([]byte(out[render.FormatJSON])); err != nil {
			t.Errorf("%v", err)
		}
	}
}
