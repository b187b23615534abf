package calls

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v3"
	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/stunprobe"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/redact"
	"github.com/wfh-cli/wfh/report/render"
)

// renderAll redacts a report holding res, as wfh doctor does, and renders
// it in every format.
func renderAll(t *testing.T, res checks.Result, keep []string) map[render.Format]string {
	t.Helper()
	res.ID, res.Title = "calls", "Calls"
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	rep := report.Report{SchemaVersion: report.SchemaVersion, Tool: report.Tool{Name: "wfh", Version: "test"},
		StartedAt: start, FinishedAt: start.Add(4 * time.Second), Host: report.Host{OS: "linux", Arch: "amd64"},
		Results: []report.Result{res}}
	rep.Overall = report.ComputeOverall(rep.Results)
	rep = redact.Redact(rep, report.Known{Keep: keep})
	out := map[render.Format]string{}
	for _, f := range render.Formats() {
		var b bytes.Buffer
		if err := render.Render(&b, rep, f, render.Options{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = b.String()
	}
	return out
}

// TestReportKeepsSecretsOut: TURN credentials planted in the profile reach
// the probe and no renderer, and the public address STUN saw is redacted
// like every public address, in every format.
func TestReportKeepsSecretsOut(t *testing.T) {
	const user, pass = "planted-turn-user-5c1e", "planted-turn-pass-a7d2"
	p := &profile.Profile{Calls: profile.Calls{Apps: []string{"teams", "meet"},
		TURNServers: []profile.TURNServer{{URL: "turn:turn.acme.example:3478", Username: user, Password: pass}}}}
	f := &fakeProber{results: map[string]stunprobe.Result{
		teamsUDP: okMapped(20*time.Millisecond, "203.0.113.77:50123"), teamsTCP: ok(20 * time.Millisecond),
		meetUDP: okMapped(15*time.Millisecond, "203.0.113.77:50124"), meetTLS: ok(20 * time.Millisecond)},
		turn: map[string]stunprobe.TURNResult{"udp turn.acme.example:3478": {Outcome: stunprobe.WrongCredentials, ErrorCode: 401,
			Reason: "turn.acme.example refused the TURN user name or password (STUN error 401): check the credentials configured for it"}}}
	res := runWith(f, p)
	if len(f.creds) != 3 {
		t.Fatalf("credentials reached %d probes", len(f.creds))
	}
	out := renderAll(t, res, namedHosts(p))
	for format, s := range out {
		for _, secret := range []string{user, pass, "203.0.113.77"} {
			if strings.Contains(s, secret) {
				t.Errorf("%s report shows %q", format, secret)
			}
		}
		// The forms that show items' attributes show the token.
		if (format == render.FormatJSON || format == render.FormatHTML) && !strings.Contains(s, "[public-ipv4-1]") {
			t.Errorf("%s report has no redacted public address", format)
		}
		if !strings.Contains(s, "refused the TURN user name or password") {
			t.Errorf("%s report does not say the credentials were refused", format)
		}
	}
}

// stunAnswer is a loopback STUN server's answer to one request.
type stunAnswer func(req *stun.Message) []byte

// loopbackSTUN serves UDP on loopback until the test ends.
func loopbackSTUN(t *testing.T, answer stunAnswer) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			m := new(stun.Message)
			if stun.Decode(append([]byte(nil), buf[:n]...), m) != nil {
				continue
			}
			if b := answer(m); b != nil {
				_, _ = pc.WriteTo(b, from)
			}
		}
	}()
	t.Cleanup(func() { _ = pc.Close(); <-done })
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

// loopbackTCP accepts connections on loopback and holds them briefly.
func loopbackTCP(t *testing.T) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); <-done })
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

// TestRealProbesOnLoopback runs the check with the real probes against
// the test's own servers on loopback: one that answers STUN, one that
// answers garbage (a clean verdict: UDP not usable, the fallback named,
// no error), and the NAT test on the answering one.
func TestRealProbesOnLoopback(t *testing.T) {
	good := loopbackSTUN(t, func(req *stun.Message) []byte {
		m, _ := stun.Build(stun.NewTransactionIDSetter(req.TransactionID), stun.BindingSuccess,
			&stun.XORMappedAddress{IP: net.IPv4(127, 0, 0, 1), Port: 40000})
		return m.Raw
	})
	garbage := loopbackSTUN(t, func(req *stun.Message) []byte {
		return append([]byte{0x01, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42}, req.TransactionID[:4]...)
	})
	fallback := loopbackTCP(t)
	p := &profile.Profile{Calls: profile.Calls{Apps: []string{"teams", "meet"},
		STUNServers: []string{good.String()},
		Targets: map[string]profile.CallTargets{
			"teams": {UDP: []string{garbage.String()}, Fallback: []string{"tcp:" + fallback.String()}},
			"meet":  {UDP: []string{good.String()}, Fallback: []string{"tcp:" + fallback.String()}},
		}}}
	e := &checks.Env{Profile: p, Now: time.Now, Dialer: &net.Dialer{},
		ListenPacket: (&net.ListenConfig{}).ListenPacket}
	start := time.Now()
	res := New().Run(context.Background(), e)
	took := time.Since(start)
	for _, it := range res.Items {
		t.Logf("%s (%s): %s: %s", it.Label, it.Kind, it.Status, it.Summary)
	}
	t.Logf("%s: %q in %v; findings %+v", res.Status, res.Summary, took.Round(time.Millisecond), res.Findings)
	teams := item(t, res, "Microsoft Teams")
	fb := "TCP " + strconv.Itoa(int(fallback.Port()))
	if teams.Status != report.Warn || teams.Attributes["udp"] != "garbage" || !strings.Contains(teams.Summary, "not STUN") ||
		!strings.Contains(teams.Summary, "Only over "+fb) {
		t.Errorf("garbage-answering server: %+v", teams)
	}
	if meet := item(t, res, "Google Meet"); meet.Status != report.Pass || meet.Attributes["media_path"] != pathUDP {
		t.Errorf("answering server: %+v", meet)
	}
	if res.Status != report.Warn || res.Summary != "Teams calls only over "+fb+": expect breakups" {
		t.Errorf("%s %q", res.Status, res.Summary)
	}
	// The NAT test ran on the company's server (one, without a second
	// address: unknown, said so).
	if n := item(t, res, "NAT"); n.Attributes["servers"] != "udp "+good.String() {
		t.Errorf("NAT item %+v", n)
	}
	if took > budget {
		t.Errorf("took %v, over the budget %v", took, budget)
	}
}
