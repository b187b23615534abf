package services

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/report"
)

func svc(name, kind, addr, via string) profile.Service {
	return profile.Service{Name: name, Kind: kind, Address: addr, Via: via}
}

func hasFinding(t *testing.T, res report.Result, sev report.Status, msg, fix string) {
	t.Helper()
	for _, f := range res.Findings {
		if f.Severity == sev && strings.Contains(f.Message, msg) && strings.Contains(f.Fix, fix) {
			return
		}
	}
	t.Errorf("no %s finding with %q / %q in\n%s", sev, msg, fix, dump(res))
}

func TestSkippedWithoutServices(t *testing.T) {
	l := newLab(t)
	res := l.run()
	if res.Status != report.Skipped || res.Summary != "The profile lists no company services" {
		t.Errorf("%s", dump(res))
	}
	if m, ok := res.Metric(report.KeyServicesTested); !ok || m.Value == nil || *m.Value != 0 {
		t.Errorf("tested: %+v", m)
	}
}

func TestRDP(t *testing.T) {
	ca := netlab.NewCA(t)
	cert := ca.Issue("desktop.corp.test")
	for _, tc := range []struct {
		name, answer string
		srv          *rdpServer
		status       report.Status
		out          outcome
		attrs        map[string]string
		asked        []uint32
	}{
		{"NLA required", "RDP server, requires NLA", &rdpServer{mode: rdpNLARequired, cert: cert}, report.Pass, outOK,
			map[string]string{"rdp_security": "hybrid_ex", "nla": "required"}, []uint32{clientProtocols, protoSSL}},
		{"NLA optional", "RDP server, NLA (Network Level Authentication) offered, not required", &rdpServer{mode: rdpNLAOptional, cert: cert}, report.Pass, outOK,
			map[string]string{"rdp_security": "hybrid", "nla": "supported"}, []uint32{clientProtocols, protoSSL}},
		{"TLS only", "RDP server, TLS (no NLA)", &rdpServer{mode: rdpTLSOnly, cert: cert}, report.Pass, outOK,
			map[string]string{"rdp_security": "tls", "nla": "not_offered"}, []uint32{clientProtocols}},
		{"legacy", "standard RDP security only", &rdpServer{mode: rdpLegacy}, report.Pass, outOK,
			map[string]string{"rdp_security": "rdp", "nla": "not_offered"}, nil},
		{"TLS not allowed", "the server allows only standard RDP security", &rdpServer{mode: rdpFailure, code: failSSLNotAllowed}, report.Pass, outOK,
			map[string]string{"rdp_failure": "ssl_not_allowed_by_server"}, nil},
		{"client certificate", "requires TLS with a client certificate", &rdpServer{mode: rdpFailure, code: failSSLWithUserAuthRequire}, report.Fail, outRejected,
			map[string]string{"rdp_failure": "ssl_with_user_auth_required_by_server"}, nil},
		{"disconnect", "disconnected at once", &rdpServer{mode: rdpDisconnect}, report.Fail, outRejected, nil, nil},
		{"TLS never completes", "RDP server (it selected TLS)", &rdpServer{mode: rdpNoTLS, cert: cert}, report.Fail, outTLSError,
			map[string]string{"rdp_security": "tls"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t)
			addr := serve(t, listen(t), tc.srv.handle)
			l.hosts["desktop.corp.test"] = []string{"127.0.0.1"}
			l.own("127.0.0.1", "wg0", true)
			res := l.run(svc("Remote desktop", "rdp", "desktop.corp.test:"+portOf(addr), "vpn"))
			it := itemOf(t, res, "Remote desktop")
			if it.Status != tc.status || it.Attributes["outcome"] != string(tc.out) || !strings.Contains(it.Summary, tc.answer) {
				t.Fatalf("%s", dump(res))
			}
			for k, v := range tc.attrs {
				if it.Attributes[k] != v {
					t.Errorf("%s = %q, want %q", k, it.Attributes[k], v)
				}
			}
			if it.Attributes["interface"] != "wg0" || it.Attributes["route"] != "tunnel" || !strings.Contains(it.Summary, "through the VPN tunnel wg0") {
				t.Errorf("route: %+v", it)
			}
			if tc.asked != nil && fmt.Sprint(tc.srv.asked()) != fmt.Sprint(tc.asked) {
				t.Errorf("requests %x, want %x", tc.srv.asked(), tc.asked)
			}
			if tc.status == report.Pass && !strings.HasPrefix(res.Summary, "Remote desktop answers: RDP server") {
				t.Errorf("summary %q", res.Summary)
			}
		})
	}
}

// TestNotRDP: something that is not an RDP server answers on the port.
func TestNotRDP(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    func(net.Conn)
		want string
	}{
		{"plain listener", silent, "(it accepted the connection and sent no RDP answer)"},
		{"web server", lineServer("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"), "(it answered like a web server)"},
		{"closes", func(net.Conn) {}, "(it closed the connection without an RDP answer)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t)
			addr := serve(t, listen(t), tc.h)
			l.own("127.0.0.1", "eth0", false)
			start := time.Now()
			res := l.run(svc("Remote desktop", "rdp", addr, "any"))
			it := itemOf(t, res, "Remote desktop")
			want := "something answers on port " + portOf(addr) + ", but it is not an RDP server " + tc.want
			if it.Status != report.Fail || it.Attributes["outcome"] != "not_the_service" || !strings.Contains(it.Summary, want) {
				t.Fatalf("%s", dump(res))
			}
			hasFinding(t, res, report.Fail, want, "Check that the profile names the right address and port")
			if took := time.Since(start); took > itemTimeout+time.Second {
				t.Errorf("took %s", took)
			}
		})
	}
}

func TestSSH(t *testing.T) {
	for _, tc := range []struct {
		name   string
		h      func(net.Conn)
		status report.Status
		want   string
	}{
		{"openssh", lineServer("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"), report.Pass, "SSH server (OpenSSH_9.2p1)"},
		{"banner lines first", lineServer("Authorized use only\r\n", "SSH-2.0-OpenSSH_8.0\r\n"), report.Pass, "SSH server (OpenSSH_8.0)"},
		{"SSH 1 only", lineServer("SSH-1.5-ancient\r\n"), report.Fail, "speaks only SSH 1.5"},
		{"web server", lineServer("HTTP/1.1 400 Bad Request\r\n\r\n"), report.Fail, "but it is not an SSH server (it answered like a web server)"},
		{"silent", silent, report.Fail, "but it is not an SSH server (it accepted the connection and sent no SSH identification)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t)
			addr := serve(t, listen(t), tc.h)
			res := l.run(svc("Bastion", "ssh", addr, ""))
			it := itemOf(t, res, "Bastion")
			if it.Status != tc.status || !strings.Contains(it.Summary, tc.want) {
				t.Fatalf("%s", dump(res))
			}
			if it.Attributes["route"] != "unknown" || it.Attributes["interface"] != "" {
				t.Errorf("an address no interface owns: %+v", it.Attributes)
			}
		})
	}
}

// listenPort listens on a loopback address of its own on a fixed port
// (465 and 993 decide implicit TLS), skipping when the port cannot be had.
func listenPort(t *testing.T, port int) (net.Listener, string) {
	t.Helper()
	n, _ := rand.Int(rand.Reader, big.NewInt(200))
	ip := fmt.Sprintf("127.0.%d.%d", 10+n.Int64(), 2+n.Int64())
	l, err := net.Listen("tcp", net.JoinHostPort(ip, fmt.Sprint(port)))
	if err != nil {
		t.Skipf("cannot listen on %s port %d (needs root): %v", ip, port, err)
	}
	return l, ip
}

func TestMail(t *testing.T) {
	ca := netlab.NewCA(t)
	good := ca.Issue("mail.corp.test")
	for _, tc := range []struct {
		name   string
		kind   string
		srv    *mailServer
		port   int // 0: any
		now    time.Duration
		status report.Status
		out    outcome
		want   string
		fix    string
		tls    int
	}{
		{"smtp starttls", "smtp", &mailServer{cert: good}, 0, 0, report.Pass, outOK, "mail server (SMTP), STARTTLS works: mail.corp.test ESMTP wfh-test ready", "", 1},
		{"smtp 465", "smtp", &mailServer{cert: good, implicitTLS: true}, 465, 0, report.Pass, outOK, "mail server (SMTP), TLS works", "", 1},
		{"smtp no starttls", "smtp", &mailServer{cert: good, noSTARTTLS: true}, 0, 0, report.Fail, outNoSTARTTLS, "does not offer STARTTLS", "STARTTLS on port", 0},
		{"smtp 554", "smtp", &mailServer{banner: "554 5.7.1 no service for you"}, 0, 0, report.Fail, outRejected, "not accepting connections", "refuses to go on", 0},
		{"smtp expired", "smtp", &mailServer{cert: good}, 0, 48 * time.Hour, report.Fail, outExpired, "its certificate expired on", "certificate expired: tell IT", 1},
		{"smtp wrong name", "smtp", &mailServer{cert: ca.Issue("other.corp.test")}, 0, 0, report.Fail, outWrongName, "its certificate is for other.corp.test, not mail.corp.test", "intercept", 1},
		{"imap starttls", "imap", &mailServer{imap: true, cert: good}, 0, 0, report.Pass, outOK, "mail server (IMAP), STARTTLS works: wfh-test ready.", "", 1},
		{"imap capability command", "imap", &mailServer{imap: true, cert: good, banner: "* OK plain greeting"}, 0, 0, report.Pass, outOK, "STARTTLS works", "", 1},
		{"imap 993", "imap", &mailServer{imap: true, cert: good, implicitTLS: true}, 993, 0, report.Pass, outOK, "mail server (IMAP), TLS works", "", 1},
		{"imap no starttls", "imap", &mailServer{imap: true, cert: good, noSTARTTLS: true}, 0, 0, report.Fail, outNoSTARTTLS, "does not offer STARTTLS", "TLS on port 993", 0},
		{"imap bye", "imap", &mailServer{imap: true, banner: "* BYE too many connections"}, 0, 0, report.Fail, outRejected, "said goodbye", "", 0},
		{"smtp kind, imap server", "smtp", &mailServer{imap: true, cert: good}, 0, 0, report.Fail, outNotService, "it is not an SMTP server (it answered like a mail (IMAP) server)", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t)
			l.roots.AddCert(ca.Certificate())
			l.now = time.Now().Add(tc.now)
			ln, ip := listen(t), "127.0.0.1"
			if tc.port != 0 {
				ln, ip = listenPort(t, tc.port)
			}
			addr := serve(t, ln, tc.srv.handle)
			l.hosts["mail.corp.test"] = []string{ip}
			res := l.run(svc("Mail", tc.kind, "mail.corp.test:"+portOf(addr), ""))
			it := itemOf(t, res, "Mail")
			if it.Status != tc.status || it.Attributes["outcome"] != string(tc.out) || !strings.Contains(it.Summary, tc.want) {
				t.Fatalf("%s", dump(res))
			}
			if tc.fix != "" {
				hasFinding(t, res, tc.status, "Mail", tc.fix)
			}
			// The server counts a session once its side of the handshake
			// returns, which may be after the client is done.
			for end := time.Now().Add(2 * time.Second); tc.srv.tlsSessions() < tc.tls && time.Now().Before(end); {
				time.Sleep(10 * time.Millisecond)
			}
			if n := tc.srv.tlsSessions(); n != tc.tls {
				t.Errorf("TLS sessions %d, want %d", n, tc.tls)
			}
			if tc.out == outOK && (it.Attributes["certificate_expires"] == "" || it.Attributes["tls_version"] != "TLS 1.3") {
				t.Errorf("no certificate date: %+v", it.Attributes)
			}
		})
	}
}

func TestGatewayAndHTTPS(t *testing.T) {
	ca := netlab.NewCA(t)
	other := netlab.NewCA(t)
	past := time.Now().Add(-48 * time.Hour)
	page := func(status int, header ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(status)
		}
	}
	for _, tc := range []struct {
		name, kind string
		cert       func() tls.Certificate
		h          http.HandlerFunc
		status     report.Status
		out        outcome
		want, fix  string
	}{
		{"gateway", "rd_gateway", nil, gatewayHandler, report.Pass, outOK, "Remote Desktop Gateway, asks for sign-in (Negotiate, NTLM)", ""},
		{"gateway expired", "rd_gateway", func() tls.Certificate { return ca.IssueValid(past.Add(-24*time.Hour), past, "gw.corp.test") }, gatewayHandler,
			report.Fail, outExpired, "its certificate expired on " + past.UTC().Format("2006-01-02"), "The Remote Desktop Gateway's certificate expired: tell IT"},
		{"gateway not yet valid", "rd_gateway", func() tls.Certificate {
			return ca.IssueValid(time.Now().Add(24*time.Hour), time.Now().Add(48*time.Hour), "gw.corp.test")
		}, gatewayHandler, report.Fail, outExpired, "its certificate is valid only from", "correct its date and time"},
		{"gateway wrong name", "rd_gateway", func() tls.Certificate { return ca.Issue("www.corp.test") }, gatewayHandler,
			report.Fail, outWrongName, "its certificate is for www.corp.test, not gw.corp.test", "intercept"},
		{"gateway untrusted", "rd_gateway", func() tls.Certificate { return other.Issue("gw.corp.test") }, gatewayHandler,
			report.Fail, outUntrusted, "issued by wfh netlab test CA, which this computer does not trust", "company_ca"},
		{"plain web server", "rd_gateway", nil, page(http.StatusNotFound), report.Fail, outNotService,
			"a web server answers, but not as a Remote Desktop Gateway (404 Not Found for the gateway's request)", "right address"},
		{"redirect", "rd_gateway", nil, page(http.StatusFound, "Location", "https://login.corp.test/sso?token=secret"), report.Fail, outNotService,
			"redirects the gateway's request (302 Found) to https://login.corp.test/sso", ""},
		{"https ok", "https", nil, page(http.StatusOK), report.Pass, outOK, "web service, answers 200 OK", ""},
		{"https redirect", "https", nil, page(http.StatusFound, "Location", "/login?state=x"), report.Pass, outOK, "redirecting to https://gw.corp.test/login", ""},
		{"https 503", "https", nil, page(http.StatusServiceUnavailable), report.Warn, outHTTPError, "answers with an error (503 Service Unavailable)", "try again later"},
		{"citrix", "citrix", nil, page(http.StatusFound, "Location", "/logon/LogonPoint/tmindex.html", "Set-Cookie", "NSC_TMAS=x"), report.Pass, outOK,
			"Citrix gateway, answers 302 Found", ""},
		{"citrix not recognised", "citrix", nil, page(http.StatusOK), report.Pass, outOK, "nothing in its answer names Citrix", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t)
			l.roots.AddCert(ca.Certificate())
			cert := ca.Issue("gw.corp.test")
			if tc.cert != nil {
				cert = tc.cert()
			}
			addr := serveHTTPS(t, listen(t), cert, tc.h)
			l.hosts["gw.corp.test"] = []string{"127.0.0.1"}
			res := l.run(svc("Gateway", tc.kind, "gw.corp.test:"+portOf(addr), "direct"))
			it := itemOf(t, res, "Gateway")
			if it.Status != tc.status || it.Attributes["outcome"] != string(tc.out) || !strings.Contains(it.Summary, tc.want) {
				t.Fatalf("%s", dump(res))
			}
			if tc.fix != "" {
				hasFinding(t, res, tc.status, "Gateway", tc.fix)
			}
			if strings.Contains(dump(res), "secret") {
				t.Errorf("a redirect's query is in the report")
			}
		})
	}
}

// TestOldTLS: a server that offers only TLS 1.1 is named, since current
// apps refuse it.
func TestOldTLS(t *testing.T) {
	ca := netlab.NewCA(t)
	l := newLab(t)
	l.roots.AddCert(ca.Certificate())
	addr := serveHTTPSWith(t, listen(t), &tls.Config{Certificates: []tls.Certificate{ca.Issue("old.corp.test")},
		MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}, gatewayHandler)
	l.hosts["old.corp.test"] = []string{"127.0.0.1"}
	res := l.run(svc("Old", "rd_gateway", "old.corp.test:"+portOf(addr), ""))
	it := itemOf(t, res, "Old")
	if it.Status != report.Fail || it.Attributes["outcome"] != "tls_error" || !strings.Contains(it.Summary, "the server offers only TLS 1.1, which current apps refuse") {
		t.Fatalf("%s", dump(res))
	}
}

func TestTCP(t *testing.T) {
	l := newLab(t)
	addr := serve(t, listen(t), silent)
	l.own("127.0.0.1", "eth0", false)
	res := l.run(svc("Files", "tcp", addr, "any"))
	it := itemOf(t, res, "Files")
	if it.Status != report.Pass || it.Attributes["outcome"] != "open" || !strings.Contains(it.Summary, "weak evidence") {
		t.Fatalf("%s", dump(res))
	}
	if m, ok := res.Metric(report.KeyServicesReachable); !ok || *m.Value != 1 {
		t.Errorf("reachable %+v", m)
	}
}

// TestAVD: the feed and sign-in over HTTPS, and a STUN Binding to the
// relay over UDP.
func TestAVD(t *testing.T) {
	ca := netlab.NewCA(t)
	ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }
	feed := serveHTTPS(t, listen(t), ca.Issue("rdweb.wvd.test"), ok)
	loginL, loginIP := listenPort(t, 443)
	serveHTTPS(t, loginL, ca.Issue("login.test"), ok)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	relay := addrPort(t, stunServer(t, pc))

	l := newLab(t)
	l.roots.AddCert(ca.Certificate())
	l.hosts["rdweb.wvd.test"] = []string{"127.0.0.1"}
	l.hosts["login.test"] = []string{loginIP}
	l.relay.Port = int(relay.Port())
	l.own("127.0.0.1", "eth0", false)
	res := l.run(svc("Cloud PC", "avd", "https://rdweb.wvd.test:"+portOf(feed)+"/", "direct"))
	it := itemOf(t, res, "Cloud PC")
	if it.Status != report.Pass || it.Attributes["udp_3478"] != "answered" || it.Attributes["login"] != "ok" ||
		!strings.Contains(it.Summary, "UDP 3478 is open: RDP Shortpath can work") {
		t.Fatalf("%s", dump(res))
	}

	// No relay: UDP 3478 refused (a closed loopback port answers ICMP).
	l.relay.Port = 9
	res = l.run(svc("Cloud PC", "avd", "https://rdweb.wvd.test:"+portOf(feed)+"/", "direct"))
	it = itemOf(t, res, "Cloud PC")
	if it.Status != report.Warn || it.Attributes["udp_3478"] != "refused" {
		t.Fatalf("%s", dump(res))
	}
	hasFinding(t, res, report.Warn, "RDP Shortpath cannot be used", "20.202.0.0/16")

	// Forced through the VPN, which IT says it should not be.
	l.relay.Port = int(relay.Port())
	l.own("127.0.0.1", "wg0", true)
	l.own(loginIP, "wg0", true)
	res = l.run(svc("Cloud PC", "avd", "https://rdweb.wvd.test:"+portOf(feed)+"/", "direct"))
	hasFinding(t, res, report.Warn, "goes through the VPN tunnel wg0, though IT says it should be reached directly", "Microsoft advises against")
	hasFinding(t, res, report.Warn, "UDP 3478 to Microsoft's relay goes through the VPN tunnel wg0", "exclude 20.202.0.0/16")
}

// TestCitrixPorts: through the VPN, ICA and CGP are tried on the
// gateway's host.
func TestCitrixPorts(t *testing.T) {
	ca := netlab.NewCA(t)
	l := newLab(t)
	l.roots.AddCert(ca.Certificate())
	ica, ip := listenPort(t, icaPort)
	serve(t, ica, lineServer("\x7f\x7fICA\x00"))
	cgp, err := net.Listen("tcp", net.JoinHostPort(ip, fmt.Sprint(cgpPort)))
	if err != nil {
		t.Skip(err)
	}
	serve(t, cgp, silent)
	web, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	addr := serveHTTPS(t, web, ca.Issue("citrix.corp.test"), func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/vpn/index.html", http.StatusFound)
	})
	l.hosts["citrix.corp.test"] = []string{ip}
	l.own(ip, "wg0", true)
	res := l.run(svc("Citrix", "citrix", "https://citrix.corp.test:"+portOf(addr)+"/", "vpn"))
	it := itemOf(t, res, "Citrix")
	if it.Status != report.Pass || it.Attributes["ica_1494"] != "ok" || it.Attributes["cgp_2598"] != "open" ||
		!strings.Contains(it.Summary, "ICA server") || it.Attributes["citrix_recognised"] != "yes" {
		t.Fatalf("%s", dump(res))
	}
	// Without the VPN rule the session ports are not tried.
	res = l.run(svc("Citrix", "citrix", "https://citrix.corp.test:"+portOf(addr)+"/", "any"))
	if it := itemOf(t, res, "Citrix"); it.Attributes["ica_1494"] != "" {
		t.Errorf("%+v", it.Attributes)
	}
}

// TestVia: the route against what the profile says, and the fix that
// follows.
func TestVia(t *testing.T) {
	l := newLab(t)
	open := serve(t, listen(t), lineServer("SSH-2.0-OpenSSH_9.2p1\r\n"))
	l.hosts["intranet.corp.test"] = []string{"10.20.0.5"}
	l.hosts["public.test"] = []string{"127.0.0.1"}
	l.fake.Routes["10.20.0.5"] = checkstest.Route{Err: os.ErrDeadlineExceeded}
	l.fake.Routes["10.20.0.6"] = checkstest.Route{Refused: true}
	l.fake.Sources = map[netip.Addr]netip.Addr{}
	l.own("192.168.1.20", "eth0", false)
	l.own("127.0.0.1", "eth0", false)
	res := l.run(
		svc("Intranet", "https", "https://intranet.corp.test/", "vpn"),
		svc("Bastion", "ssh", open, "vpn"),
		svc("Unknown name", "rdp", "nowhere.corp.test", "vpn"),
		svc("Public", "ssh", "public.test:"+portOf(open), "direct"),
	)
	if res.Status != report.Fail {
		t.Fatalf("%s", dump(res))
	}
	hasFinding(t, res, report.Fail, "Intranet (web service, https://intranet.corp.test/) is not reachable: no answer in time. Its traffic goes over eth0, not through a VPN.",
		"Connect the VPN first, then run wfh again.")
	hasFinding(t, res, report.Warn, "Bastion (SSH server, "+open+") answers outside the VPN, over eth0, though", "If you are at the office")
	hasFinding(t, res, report.Fail, "Unknown name (remote desktop, nowhere.corp.test) is not reachable: its name does not exist", "Connect the VPN first: company names often resolve only through it")
	if it := itemOf(t, res, "Public"); it.Status != report.Pass {
		t.Errorf("%+v", it)
	}
	if !strings.HasPrefix(res.Summary, "2 of 4 company services reachable; ") {
		t.Errorf("summary %q", res.Summary)
	}
	if res.Facts[report.KeyServicesUnreachable] != "Intranet, Unknown name" {
		t.Errorf("facts %v", res.Facts)
	}

	// Through a tunnel that carries nothing back.
	l.own("192.168.1.20", "wg0", true)
	res = l.run(svc("Intranet", "https", "https://intranet.corp.test/", "vpn"), svc("Direct", "tcp", "intranet.corp.test:445", "direct"))
	hasFinding(t, res, report.Fail, "is not reachable through the VPN tunnel wg0: no answer in time", "Disconnect the VPN and connect again")
	hasFinding(t, res, report.Fail, "Direct (TCP port, intranet.corp.test:445) is not reachable", "exclude it from the tunnel")

	// Refused through the VPN: the service, not the VPN.
	l.hosts["down.corp.test"] = []string{"10.20.0.6"}
	res = l.run(svc("Down", "rdp", "down.corp.test", "vpn"))
	hasFinding(t, res, report.Fail, "connection refused", "the server refuses connections on port 3389")
}

// TestInvalidEntry: an entry the loader would refuse, from a profile
// built another way, is named and not tested.
func TestInvalidEntry(t *testing.T) {
	l := newLab(t)
	res := l.run(svc("Odd", "telnet", "x:23", ""), svc("Bad", "tcp", "nohost", ""))
	if res.Status != report.Warn || len(res.Items) != 2 || itemOf(t, res, "Odd").Attributes["outcome"] != "invalid" {
		t.Fatalf("%s", dump(res))
	}
	hasFinding(t, res, report.Warn, `services[0] in the profile, "Odd", has the kind "telnet", which wfh does not know`, "IT: fix the entry")
	hasFinding(t, res, report.Warn, `services[1] in the profile, "Bad", has an address that has no port`, "")
}

// TestBounded: twenty services that never answer (silent hosts, servers
// that accept and say nothing, names whose DNS hangs) end within the
// check's budget, each within its own.
func TestBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the timeouts")
	}
	l := newLab(t)
	stall := serve(t, listen(t), silent)
	l.fake.Default = &checkstest.Route{Silent: true}
	var list []profile.Service
	for i := range profile.MaxServices {
		switch i % 4 {
		case 0:
			list = append(list, svc(fmt.Sprint("silent", i), "rdp", fmt.Sprintf("10.9.0.%d", i+1), "vpn"))
		case 1:
			list = append(list, svc(fmt.Sprint("stall", i), "smtp", stall, ""))
		case 2:
			list = append(list, svc(fmt.Sprint("gateway", i), "rd_gateway", stall, ""))
		case 3:
			list = append(list, svc(fmt.Sprint("slow dns", i), "ssh", fmt.Sprintf("hang%d.corp.test", i), ""))
		}
	}
	env := l.env(list...)
	res := &checkstest.Resolver{Hang: map[string]bool{}}
	for i := range profile.MaxServices {
		res.Hang[fmt.Sprintf("hang%d.corp.test", i)] = true
	}
	env.Resolver = res
	start := time.Now()
	out := l.check().Run(context.Background(), env)
	took := time.Since(start)
	if took > budget {
		t.Errorf("the check took %s, budget %s", took, budget)
	}
	for _, it := range out.Items {
		if it.Status != report.Fail {
			t.Errorf("%s: %+v", it.Label, it)
		}
		for _, m := range it.Metrics {
			if m.Name == "probe_ms" && *m.Value > float64((itemTimeout+500*time.Millisecond)/time.Millisecond) {
				t.Errorf("%s took %v ms", it.Label, *m.Value)
			}
		}
	}
	t.Logf("20 services that never answer: %s", took.Round(time.Millisecond))
}

// TestStopped: a run stopped with Ctrl-C ends at once and says so.
func TestStopped(t *testing.T) {
	l := newLab(t)
	l.fake.Default = &checkstest.Route{Silent: true}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); time.Sleep(200 * time.Millisecond); cancel() }()
	start := time.Now()
	res := l.check().Run(ctx, l.env(svc("Remote desktop", "rdp", "10.9.0.1", "vpn")))
	wg.Wait()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s after the stop", took)
	}
	if it := itemOf(t, res, "Remote desktop"); it.Attributes["outcome"] != "stopped" {
		t.Errorf("%s", dump(res))
	}
}

// offlineNetwork stands in for the network check finding the computer
// offline.
type offlineNetwork struct{}

func (offlineNetwork) ID() string            { return "network" }
func (offlineNetwork) Title() string         { return "Network" }
func (offlineNetwork) Budget() time.Duration { return time.Second }
func (offlineNetwork) Needs() checks.Needs   { return checks.Needs{} }
func (offlineNetwork) Run(context.Context, *checks.Env) checks.Result {
	return checks.Result{Status: report.Fail, Summary: "Offline"}
}
func (offlineNetwork) Provides() checks.Need { return checks.NeedInternet }
func (offlineNetwork) Unmet(checks.Result) (string, bool) {
	return "offline (see network)", true
}

// TestSkippedOffline: offline, the services are not probed and the check
// gives the network check's reason.
func TestSkippedOffline(t *testing.T) {
	l := newLab(t)
	env := l.env(svc("Remote desktop", "rdp", "10.9.0.1", "vpn"))
	out := (&checks.Runner{Env: *env, Timeout: 5 * time.Second}).Run(context.Background(), []checks.Check{offlineNetwork{}, l.check()})
	res := out.Results[1]
	if res.Status != report.Skipped || res.Summary != "offline (see network)" {
		t.Errorf("%s", dump(res))
	}
	if d := l.fake.Dials(); len(d) != 0 {
		t.Errorf("dialled %v while offline", d)
	}
}
