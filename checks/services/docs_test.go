package services

import (
	"net/netip"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/internal/stunprobe"
)

// TestReportFieldsDocumented keeps docs/checks.md's services section in
// step with what the check reports: every fact, metric, item kind,
// attribute and item metric, every outcome and every value of the
// attributes scripts read.
func TestReportFieldsDocumented(t *testing.T) {
	ip := netip.MustParseAddr("10.0.0.5")
	rt := route{Local: netip.MustParseAddr("10.0.0.2"), Interface: "wg0", Tunnel: true, Known: true}
	sv := func(kind string) service {
		return service{Key: "services[0]", Name: kind, Kind: kind, Via: profile.ViaVPN, Raw: "x.example", End: profile.Endpoint{Host: "x.example", Port: 1}}
	}
	full := []result{
		{Svc: sv("rdp"), Addr: ip, Route: rt, Out: outOK, Answer: "RDP server", Connect: time.Millisecond, Took: time.Millisecond,
			Expires: time.Now(), Attrs: map[string]string{"rdp_security": "hybrid_ex", "nla": "required", "rdp_failure": "hybrid_required_by_server"}},
		{Svc: sv("ssh"), Addr: ip, Route: rt, Out: outOK, Attrs: map[string]string{"server": "OpenSSH_9", "ssh_protocol": "2.0"}},
		{Svc: sv("smtp"), Addr: ip, Route: rt, Out: outOK, Attrs: map[string]string{"banner": "x", "tls_version": "TLS 1.3"}},
		{Svc: sv("rd_gateway"), Addr: ip, Route: rt, Out: outOK, Attrs: map[string]string{"http_status": "401", "gateway_auth": "NTLM", "redirect_to": "https://x/"}},
		{Svc: sv("avd"), Addr: ip, Route: rt, Out: outOK, Subs: []sub{
			{Key: "login", Out: outOK, RTT: time.Millisecond},
			{Key: "udp_3478", Out: outOK, STUN: stunprobe.Answered, RTT: time.Millisecond}}},
		{Svc: sv("citrix"), Addr: ip, Out: outNotService, Attrs: map[string]string{"citrix_recognised": "yes"}, Subs: []sub{
			{Key: "ica_1494", Out: outOK, RTT: time.Millisecond}, {Key: "cgp_2598", Out: outOpen, RTT: time.Millisecond}}},
		{Svc: sv("tcp"), Addr: ip, Out: outTimeout},
		{Svc: service{Key: "services[7]", Name: "bad", Problem: "x"}, Out: outInvalid},
	}
	names := reportschema.FieldNames(verdict(full, 1), skipped())
	for _, o := range outcomes {
		names[string(o)] = true
	}
	for _, o := range []stunprobe.Outcome{stunprobe.Answered, stunprobe.Silent, stunprobe.Refused, stunprobe.Unreachable,
		stunprobe.BlockedLocally, stunprobe.Garbage, stunprobe.NoAddress, stunprobe.Stopped, stunprobe.Failed} {
		names[string(o)] = true
	}
	for _, v := range []string{"tunnel", "direct", "unknown", "required", "supported", "offered", "not_offered"} {
		names[v] = true
	}
	for p := uint32(0); p <= protoRDSAAD; p++ {
		if k := protocolKey(p); k != "unknown" {
			names[k] = true
		}
	}
	for code := uint32(1); code <= failSSLWithUserAuthRequire; code++ {
		names[failureKey(code)] = true
	}
	for _, k := range profile.ServiceKinds {
		names[k] = true
	}
	if len(names) < 60 {
		t.Fatalf("only %d names collected: %v", len(names), names)
	}
	reportschema.AssertDocumented(t, "services", names)
}
