package services

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/wfh-cli/wfh/internal/profile"
)

// Citrix: the user reaches the gateway (NetScaler Gateway or StoreFront)
// over HTTPS; the session then runs ICA on TCP 1494, or CGP (session
// reliability) on 2598, which reach a server only through a VPN, so those
// ports are tried only for via: vpn.
const (
	icaPort = 1494
	cgpPort = 2598
)

// icaDetect reports whether b is ICA's detection string: the server sends
// two equal bytes and "ICA\x00" on connect. 0x7f 0x7f is what nmap's
// service probes and Wireshark show; nDPI's citrix.c matches 0x07 0x07.
func icaDetect(b []byte) bool {
	return len(b) >= 6 && b[0] == b[1] && (b[0] == 0x7f || b[0] == 0x07) && string(b[2:6]) == "ICA\x00"
}

// cgpMagic starts every CGP message of both sides ("\x1aCGP/01" in
// libprotoident's and nDPI's classifiers).
var cgpMagic = []byte("\x1aCGP")

// cgpHello is what the probe sends when the server stays silent.
var cgpHello = []byte("\x1aCGP/01")

// probeCitrix proves the gateway's HTTPS and, through a VPN, the session
// ports.
func (p *prober) probeCitrix(ctx context.Context, r *result) {
	var wg sync.WaitGroup
	var ica, cgp sub
	ports := r.Svc.Via == profile.ViaVPN
	if ports {
		wg.Add(2)
		go func() { defer wg.Done(); ica = p.subPort(ctx, r, "ica_1494", "ICA (port 1494)", icaPort) }()
		go func() {
			defer wg.Done()
			cgp = p.subPort(ctx, r, "cgp_2598", "session reliability (CGP, port 2598)", cgpPort)
		}()
	}
	a, ok := p.webPage(ctx, r, "web server")
	if ok && r.Out == outOK {
		if citrixSigns(a) {
			r.Answer = strings.Replace(r.Answer, "web server", "Citrix gateway", 1)
			r.attr("citrix_recognised", "yes")
		} else {
			r.attr("citrix_recognised", "no")
			r.Answer += "; nothing in its answer names Citrix"
		}
	}
	wg.Wait()
	if ports {
		r.Subs = append(r.Subs, ica, cgp)
	}
}

// citrixSigns reports whether a web answer looks like a Citrix gateway or
// StoreFront: NetScaler's NSC_ cookies, its /vpn/ and /logon/LogonPoint/
// pages, StoreFront's /Citrix/ paths.
func citrixSigns(a webAnswer) bool {
	for _, c := range a.Cookies {
		if strings.HasPrefix(c, "NSC_") || strings.HasPrefix(c, "CtxsAuthId") {
			return true
		}
	}
	loc := strings.ToLower(a.Location)
	for _, s := range []string{"/vpn/index.html", "/logon/logonpoint/", "/citrix/", "/cgi/"} {
		if strings.Contains(loc, s) {
			return true
		}
	}
	return strings.Contains(strings.ToLower(a.Server), "citrix") || strings.Contains(strings.ToLower(a.Server), "netscaler")
}

// subPort tries a Citrix session port on the service's address.
func (p *prober) subPort(ctx context.Context, r *result, key, label string, port int) sub {
	s := sub{Key: key, Label: label}
	d, out, detail := p.dial(ctx, r.Addr, port)
	if out != "" {
		s.Out, s.Detail = out, detail
		s.Route = p.egress(ctx, r.Addr)
		return s
	}
	defer d.conn.Close()
	defer closeOnDone(ctx, d.conn)()
	s.RTT, s.Route = d.connect, d.route
	buf := make([]byte, 16)
	wait := answerTimeout
	if port == cgpPort {
		// CGP may wait for the client to speak first: half the wait for
		// the server, half for its answer to the probe's hello.
		wait = answerTimeout / 2
	}
	_ = d.conn.SetDeadline(soonest(ctx, wait))
	n, _ := io.ReadAtLeast(d.conn, buf, 6)
	got := buf[:n]
	switch {
	case port == icaPort && icaDetect(got):
		s.Out, s.Answer = outOK, "ICA server"
		return s
	case port == cgpPort && bytes.HasPrefix(got, cgpMagic):
		s.Out, s.Answer = outOK, "session reliability (CGP) server"
		return s
	case port == cgpPort && n == 0 && ctx.Err() == nil:
		_ = d.conn.SetDeadline(soonest(ctx, wait))
		if _, err := d.conn.Write(cgpHello); err == nil {
			if m, _ := io.ReadAtLeast(d.conn, buf, len(cgpMagic)); bytes.HasPrefix(buf[:m], cgpMagic) {
				s.Out, s.Answer = outOK, "session reliability (CGP) server"
				return s
			}
		}
	case n > 0:
		s.Out, s.Detail = outNotService, "something answers on port "+strconv.Itoa(port)+", but not as Citrix"
		if w := sniff(got); w != "" {
			s.Detail += " (it answered like " + w + ")"
		}
		return s
	}
	s.Out, s.Answer = outOpen, "the port accepts connections, but sent no Citrix greeting (weak evidence)"
	return s
}
