package network

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/report"
)

// These tests build a home, a router and "the internet" in network
// namespaces (internal/netlab) and run the real wfh binary in the home
// namespace with a profile whose targets live in the server namespace. They
// prove each verdict against a real kernel, real sockets and real TLS.

const (
	anchor1 = "anchor1.wfh.test"
	anchor2 = "anchor2.wfh.test"
	portal  = "portal.wfh.test"
	// offlineLimit is the issue's promise: an offline run ends in under 10 s.
	offlineLimit = 10 * time.Second
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func wfhBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wfh-netlab-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "wfh")
		if out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/wfh").CombinedOutput(); err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("build wfh: %v", binErr)
	}
	return binPath
}

// world is a home connected through a router to a server that plays the
// internet: DNS, HTTPS anchors and the portal probe.
type world struct {
	lab                  *netlab.Lab
	home, router, server *netlab.NS
	ca                   *netlab.CA
	caFile               string
	extraProfile         string // YAML lines added at the top of the profile
}

func newWorld(t *testing.T) *world {
	lab := netlab.New(t)
	w := &world{lab: lab, ca: netlab.NewCA(t)}
	w.home, w.router, w.server = lab.HomeAndInternet()
	w.caFile = w.ca.WritePEM(t.TempDir())
	w.serveDNS(t)
	// No resolver options: the defaults (5 s, 2 attempts) are what a real
	// machine has, and wfh must stay inside its own bounds regardless.
	w.home.ResolvConf("nameserver " + netlab.ServerIPv4 + "\n")
	return w
}

// serveDNS answers the test names with the server's addresses, both
// families, from inside the server namespace.
func (w *world) serveDNS(t *testing.T) {
	pc, err := w.server.ListenPacket("udp", net.JoinHostPort(netlab.ServerIPv4, "53"))
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc("wfh.test.", func(rw dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			switch question.Qtype {
			case dns.TypeA:
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.ParseIP(netlab.ServerIPv4)})
			case dns.TypeAAAA:
				m.Answer = append(m.Answer, &dns.AAAA{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeAAAA, Class: dns.ClassINET, Ttl: 60}, AAAA: net.ParseIP(netlab.ServerIPv6)})
			}
		}
		rw.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
}

// serveInternet starts the healthy anchors and portal probe.
func (w *world) serveInternet() {
	w.server.ServeTLS("[::]:443", w.ca.Issue(anchor1, anchor2), http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		io.WriteString(rw, "hello")
	}))
	w.server.ServeHTTP("[::]:80", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/generate_204" {
			rw.WriteHeader(http.StatusNoContent)
			return
		}
		http.NotFound(rw, r)
	}))
}

func (w *world) profile(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "lab.yaml")
	body := "name: netlab\n" + w.extraProfile +
		"system:\n  ntp_server: time.wfh.test\n  time_url: http://" + portal + "/generate_204\n" +
		"network:\n  anchors:\n    - https://" + anchor1 + "/\n    - https://" + anchor2 + "/\n" +
		"  portal_url: http://" + portal + "/generate_204\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type run struct {
	raw    []byte
	report report.Report
	code   int
	took   time.Duration
}

// doctor runs wfh doctor in ns and returns its report; env adds variables.
func doctor(t *testing.T, w *world, ns *netlab.NS, env ...string) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := ns.Command(ctx, wfhBinary(t), "doctor", "--only", "network,system", "--profile", w.profile(t), "--format", "json")
	// The test CA is trusted the way a company would deploy a root: in
	// the system store (SSL_CERT_FILE), not as the profile's company_ca.
	cmd.Env = append(os.Environ(), append([]string{"SSL_CERT_FILE=" + w.caFile, "HTTPS_PROXY=", "HTTP_PROXY=", "ALL_PROXY=", "https_proxy=", "http_proxy=", "all_proxy="}, env...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := run{took: time.Since(start)}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		r.code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("run wfh: %v\n%s", err, errOut.String())
	}
	r.raw = out.Bytes()
	if err := reportschema.Validate(r.raw); err != nil {
		t.Errorf("report does not match docs/report.schema.json: %v", err)
	}
	if err := json.Unmarshal(out.Bytes(), &r.report); err != nil {
		t.Fatalf("wfh printed no report (exit %d): %v\nstdout: %s\nstderr: %s", r.code, err, out.String(), errOut.String())
	}
	return r
}

func (r run) network(t *testing.T) report.Result {
	t.Helper()
	for _, res := range r.report.Results {
		if res.ID == "network" {
			return res
		}
	}
	t.Fatalf("no network result: %+v", r.report.Results)
	return report.Result{}
}

func expect(t *testing.T, r run, status report.Status, state string, limit time.Duration) report.Result {
	t.Helper()
	res := r.network(t)
	if res.Status != status || res.Facts["connectivity"] != state {
		b, _ := json.MarshalIndent(res, "", "  ")
		t.Fatalf("network = %s/%s, want %s/%s\n%s", res.Status, res.Facts["connectivity"], status, state, b)
	}
	if r.took > limit {
		t.Errorf("wfh doctor took %s, limit %s", r.took, limit)
	}
	t.Logf("wfh doctor: %s in %s: %s", state, r.took.Round(time.Millisecond), res.Summary)
	return res
}

func TestLabOnline(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.serveInternet()
	r := doctor(t, w, w.home)
	res := expect(t, r, report.Pass, stateOnline, offlineLimit)
	if !strings.Contains(res.Summary, "IPv4 and IPv6") {
		t.Errorf("both families should be proven: %q", res.Summary)
	}
	if res.Facts["default_gateway_ipv4"] == "" {
		t.Errorf("no gateway fact: %v", res.Facts)
	}
	if m, ok := res.Metric("gateway_rtt_ms"); !ok || m.Value == nil {
		t.Errorf("the router answers ICMP: %+v", m)
	}
}

func TestLabOfflineNoDefaultRoute(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	alone := w.lab.Namespace("noroute")
	peer := w.lab.Namespace("peer")
	w.lab.Link(alone, []string{"10.201.0.2/24"}, peer, []string{"10.201.0.1/24"})
	r := doctor(t, w, alone)
	res := expect(t, r, report.Fail, stateOffline, offlineLimit)
	if !strings.Contains(res.Summary, "no route") || r.code != 1 {
		t.Errorf("exit %d, summary %q", r.code, res.Summary)
	}
}

func TestLabOfflineOnlyLoopback(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := doctor(t, w, w.lab.Namespace("loonly"))
	res := expect(t, r, report.Fail, stateOffline, offlineLimit)
	if !strings.Contains(res.Summary, "no network connection") {
		t.Errorf("summary %q", res.Summary)
	}
}

func TestLabOfflineGatewayDropsEverything(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.serveInternet()
	// The router still answers for itself, but forwards nothing: the DNS
	// server behind it never answers either.
	w.router.Nft(`table inet wfh { chain forward_drop { type filter hook forward priority 0; policy drop; }; }`)
	r := doctor(t, w, w.home)
	expect(t, r, report.Fail, stateOffline, offlineLimit)
}

func TestLabCaptivePortal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// Plain HTTP is redirected to a sign-in page; HTTPS is reset.
	w.server.ServeHTTP("[::]:80", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, "http://login.hotel.test/?continue="+r.URL.Path, http.StatusFound)
	}))
	resetAll(t, w.server, "[::]:443")
	r := doctor(t, w, w.home)
	res := expect(t, r, report.Fail, stateCaptive, offlineLimit)
	if len(res.Findings) == 0 || !strings.Contains(res.Findings[0].Fix, "browser") {
		t.Errorf("findings %+v", res.Findings)
	}
}

func TestLabIntercepted(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// A middlebox answers every connection: HTTP 404, TLS with a valid
	// certificate for another name.
	w.server.ServeHTTP("[::]:80", http.NotFoundHandler())
	w.server.ServeTLS("[::]:443", w.ca.Issue("filter.isp.test"), http.NotFoundHandler())
	r := doctor(t, w, w.home)
	res := expect(t, r, report.Fail, stateIntercepted, offlineLimit)
	if !strings.Contains(res.Findings[0].Message, "filter.isp.test") {
		t.Errorf("the finding should name the certificate's name: %+v", res.Findings[0])
	}
}

func TestLabCompanyProxyIsNotInterception(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// The company's inspecting proxy re-signs every site with the company
	// CA, which is not in the system store but is named in the profile.
	company := netlab.NewCA(t)
	w.extraProfile = "company_ca: " + company.WritePEM(t.TempDir()) + "\n"
	w.server.ServeTLS("[::]:443", company.Issue(anchor1, anchor2), http.NotFoundHandler())
	w.server.ServeHTTP("[::]:80", http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { rw.WriteHeader(204) }))
	r := doctor(t, w, w.home)
	res := expect(t, r, report.Pass, stateOnline, offlineLimit)
	found := false
	for _, f := range res.Findings {
		found = found || strings.Contains(f.Message, "company")
	}
	if !found {
		t.Errorf("no company-proxy note: %+v", res.Findings)
	}

	// Without the profile's CA the same network is an interception.
	w.extraProfile = ""
	r = doctor(t, w, w.home)
	expect(t, r, report.Fail, stateIntercepted, offlineLimit)
}

func TestLabOnlyThroughProxy(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.serveInternet()
	// Direct traffic is dropped at the router; a proxy on the router may
	// reach the server.
	w.router.Nft(`table inet wfh { chain forward_drop { type filter hook forward priority 0; policy drop; }; }`)
	proxy := connectProxyIn(t, w.router, net.JoinHostPort(netlab.RouterHomeIPv4, "3128"), netlab.ServerIPv4)
	r := doctor(t, w, w.home, "HTTPS_PROXY=http://"+proxy)
	res := expect(t, r, report.Pass, stateViaProxy, offlineLimit)
	if res.Facts["proxy_source"] != "environment" {
		t.Errorf("facts %v", res.Facts)
	}
}

func TestLabStallingProxyEndsInBudget(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.router.Nft(`table inet wfh { chain forward_drop { type filter hook forward priority 0; policy drop; }; }`)
	ln, err := w.router.Listen("tcp", net.JoinHostPort(netlab.RouterHomeIPv4, "3128"))
	if err != nil {
		t.Fatal(err)
	}
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-hold; c.Close() }() // accepts, never answers
		}
	}()
	r := doctor(t, w, w.home, "HTTPS_PROXY=http://"+ln.Addr().String())
	expect(t, r, report.Fail, stateOffline, offlineLimit)
}

func TestLabBrokenIPv6(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.serveInternet()
	w.router.Nft(`table ip6 wfh { chain forward_drop { type filter hook forward priority 0; policy drop; }; }`)
	r := doctor(t, w, w.home)
	res := expect(t, r, report.Warn, stateOnline, offlineLimit)
	if !strings.Contains(res.Summary, "IPv6 is broken") {
		t.Errorf("summary %q", res.Summary)
	}
}

// resetAll accepts connections on addr in ns and resets each at once.
func resetAll(t *testing.T, ns *netlab.NS, addr string) {
	ln, err := ns.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			c.Close()
		}
	}()
}

// connectProxyIn runs an HTTP CONNECT proxy in ns that sends every tunnel
// to upstreamIP (it plays the proxy's own DNS, which knows the test names).
func connectProxyIn(t *testing.T, ns *netlab.NS, addr, upstreamIP string) string {
	ln, err := ns.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(20 * time.Second))
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil || req.Method != http.MethodConnect {
					return
				}
				_, port, _ := net.SplitHostPort(req.Host)
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				up, err := ns.DialContext(ctx, "tcp", net.JoinHostPort(upstreamIP, port))
				cancel()
				if err != nil {
					io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
					return
				}
				defer up.Close()
				up.SetDeadline(time.Now().Add(20 * time.Second))
				io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	return ln.Addr().String()
}
