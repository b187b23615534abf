package services

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/profile"
	"github.com/wfh-cli/wfh/internal/reportschema"
	"github.com/wfh-cli/wfh/internal/stunprobe"
	"github.com/wfh-cli/wfh/report"
	"github.com/wfh-cli/wfh/report/render"
)

// These tests prove each kind against real servers in network
// namespaces, and run the check where a teleworker would: in the home
// namespace, in a process of its own (this test binary started again with
// `ip netns exec`), so that it sees that namespace's interfaces and sysfs
// and its route to each service is the kernel's own:
//
//	home ── router ── gw ══ company
//	  ╚═════ WireGuard ═════╝
//
// gw (10.200.2.1) is reached directly; the company network (10.201.0.0/24)
// only through the tunnel: the router answers "unreachable" for it. Real
// servers: xrdp (Debian xrdp), OpenSSH's sshd (Debian openssh-server),
// coturn (Debian coturn) as Microsoft's relay; the test's own: a
// protocol-true RDP server that requires NLA, SMTP and IMAP servers with
// STARTTLS and TLS, Remote Desktop Gateways with good, expired and
// wrong-name certificates from the test's CA (the profile's company_ca).

const (
	helperProfileEnv = "WFH_SERVICES_HELPER_PROFILE"
	helperOutEnv     = "WFH_SERVICES_HELPER_OUT"
	helperRelayEnv   = "WFH_SERVICES_HELPER_RELAY"
	helperLoginEnv   = "WFH_SERVICES_HELPER_LOGIN"
	companyIPv4      = "10.201.0.2"
	// runLimit bounds one run of the check process: the check's budget
	// (8 s) and the process's start.
	runLimit = 12 * time.Second
)

// TestHelperRunServices is not a test: it is the check's process inside a
// lab namespace, started by runInNamespace.
func TestHelperRunServices(t *testing.T) {
	path := os.Getenv(helperProfileEnv)
	if path == "" {
		t.Skip("helper process for the lab tests; runs only when started by them")
	}
	p, err := profile.Load(path, profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env, err := checks.SystemEnv(p)
	if err != nil {
		t.Fatal(err)
	}
	c := New().(*check)
	if relay := os.Getenv(helperRelayEnv); relay != "" {
		host, port, _ := net.SplitHostPort(relay)
		n, _ := strconv.Atoi(port)
		c.avd.Relay = stunprobe.Target{Transport: stunprobe.UDP, Host: host, Port: n}
	}
	if login := os.Getenv(helperLoginEnv); login != "" {
		c.avd.Login = login
	}
	out := (&checks.Runner{Env: *env, Timeout: 30 * time.Second}).Run(context.Background(), []checks.Check{c})
	data, err := json.Marshal(out.Results[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(os.Getenv(helperOutEnv), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// need skips unless the programs are installed.
func need(t *testing.T, pkg string, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not found: install Debian package %s", p, pkg)
		}
	}
}

// daemon is a long-running program in a namespace, stopped at cleanup.
type daemon struct {
	name string
	cmd  *exec.Cmd
	logs *bytes.Buffer
	done chan struct{}
	// after runs once the program has ended (xrdp's lock, pid file).
	after func()
}

// start runs name in ns in the foreground.
func start(t *testing.T, ns *netlab.NS, name string, args ...string) *daemon {
	t.Helper()
	d := &daemon{name: name, logs: &bytes.Buffer{}, done: make(chan struct{})}
	d.cmd = ns.Command(context.Background(), name, args...)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() { _ = d.cmd.Wait(); close(d.done) }()
	t.Cleanup(d.stop)
	return d
}

// stop ends the program gracefully, by force after 3 s.
func (d *daemon) stop() {
	if d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(3 * time.Second):
			_ = d.cmd.Process.Kill()
			<-d.done
		}
	}
	if d.after != nil {
		d.after()
		d.after = nil
	}
}

// waitPort waits until addr accepts connections from ns, failing when
// the daemon ends first.
func (d *daemon) waitPort(t *testing.T, ns *netlab.NS, addr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := ns.DialContext(ctx, "tcp", addr)
		cancel()
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-d.done:
			t.Fatalf("%s ended before listening on %s: %s", d.name, addr, d.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: nothing listens on %s after 15 s: %s", d.name, addr, d.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// xrdpLock serialises xrdp across test processes: it keeps its pid file
// in /var/run/xrdp and its keys in /etc/xrdp, one for the machine.
const xrdpLock = "/run/wfh-test-xrdp.lock"

// startXRDP runs Debian's xrdp in ns on port 3389 with the test's own
// certificate, after removing a stale pid file (with one, xrdp exits 0 as
// "already running"), and waits until it listens on ip.
func startXRDP(t *testing.T, ns *netlab.NS, ip string, cert tls.Certificate) *daemon {
	t.Helper()
	need(t, "xrdp", "xrdp")
	lock, err := os.OpenFile(xrdpLock, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	const pidFile = "/var/run/xrdp/xrdp.pid"
	unlock := func() {
		_ = os.Remove(pidFile)
		_ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		lock.Close()
	}
	ok := false
	defer func() {
		if !ok { // skipped or failed before xrdp ran
			unlock()
		}
	}()
	if b, err := os.ReadFile(pidFile); err == nil {
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && strings.TrimSpace(string(comm)) == "xrdp" {
			t.Skipf("an xrdp already runs on this machine (pid %d)", pid)
		}
		_ = os.Remove(pidFile)
	}
	if _, err := os.Stat("/etc/xrdp/rsakeys.ini"); err != nil {
		// Standard RDP security's keys, which the package makes at install.
		if out, err := exec.Command("xrdp-keygen", "xrdp", "/etc/xrdp/rsakeys.ini").CombinedOutput(); err != nil {
			t.Fatalf("xrdp-keygen: %v: %s", err, out)
		}
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certFile, keyFile, cert)
	base, err := os.ReadFile("/etc/xrdp/xrdp.ini")
	if err != nil {
		t.Skipf("xrdp's configuration: %v", err)
	}
	var cfg strings.Builder
	for _, line := range strings.Split(string(base), "\n") {
		switch {
		case strings.HasPrefix(line, "port="):
			line = "port=3389"
		case strings.HasPrefix(line, "certificate="):
			line = "certificate=" + certFile
		case strings.HasPrefix(line, "key_file="):
			line = "key_file=" + keyFile
		case strings.HasPrefix(line, "LogFile="):
			line = "LogFile=" + filepath.Join(dir, "xrdp.log")
		case strings.HasPrefix(line, "EnableSyslog="):
			line = "EnableSyslog=false"
		}
		cfg.WriteString(line + "\n")
	}
	cfgFile := filepath.Join(dir, "xrdp.ini")
	if err := os.WriteFile(cfgFile, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	d := start(t, ns, "xrdp", "--nodaemon", "-c", cfgFile)
	d.after, ok = unlock, true
	d.waitPort(t, ns, net.JoinHostPort(ip, "3389"))
	return d
}

// writePEM writes cert's chain and key for a server program.
func writePEM(t *testing.T, certFile, keyFile string, cert tls.Certificate) {
	t.Helper()
	var certs []byte
	for _, der := range cert.Certificate {
		certs = append(certs, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, certs, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startSSHD runs Debian's OpenSSH server in ns on ip:port with a host key
// and configuration of the test's own.
func startSSHD(t *testing.T, ns *netlab.NS, ip string, port int) *daemon {
	t.Helper()
	need(t, "openssh-server", "sshd")
	need(t, "openssh-client", "ssh-keygen")
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // sshd's privilege separation directory
		t.Fatal(err)
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "host_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	cfg := filepath.Join(dir, "sshd_config")
	body := fmt.Sprintf("Port %d\nListenAddress %s\nHostKey %s\nPidFile %s\nUsePAM no\nStrictModes no\nPasswordAuthentication no\n",
		port, ip, key, filepath.Join(dir, "sshd.pid"))
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	sshd, _ := exec.LookPath("sshd")
	d := start(t, ns, sshd, "-D", "-e", "-f", cfg, "-h", key)
	d.waitPort(t, ns, net.JoinHostPort(ip, strconv.Itoa(port)))
	return d
}

// servicesLab is the network of these tests.
type servicesLab struct {
	lab                    *netlab.Lab
	home, router, gw, corp *netlab.NS
	homeWG                 *netlab.WireGuard
	// homeIf is home's interface toward the router.
	homeIf string
	ca     *netlab.CA
	caFile string
}

func newServicesLab(t *testing.T) *servicesLab {
	lab := netlab.New(t)
	netlab.NeedWireGuard(t)
	hops := lab.Chain("home", "router", "gw")
	v := &servicesLab{lab: lab, home: hops[0].NS, router: hops[1].NS, gw: hops[2].NS, corp: lab.Namespace("company"), ca: netlab.NewCA(t),
		homeIf: hops[0].Next.Iface}
	lab.Link(v.gw, []string{"10.201.0.1/24"}, v.corp, []string{companyIPv4 + "/24"})
	v.corp.Route("default", "10.201.0.1")
	v.gw.Forwarding()
	v.router.Run("ip", "route", "add", "unreachable", "10.201.0.0/24")
	homeKey, gwKey := netlab.NewWireGuardKey(t), netlab.NewWireGuardKey(t)
	v.gw.StartWireGuard(netlab.WireGuardName(t, "wfs")).Configure(netlab.WireGuardConfig{
		Key: gwKey, PeerPublic: homeKey.Public, AllowedIPs: "10.202.0.2/32", Address: "10.202.0.1/24"})
	v.homeWG = v.home.StartWireGuard(netlab.WireGuardName(t, "wfs"))
	v.homeWG.Configure(netlab.WireGuardConfig{Key: homeKey, PeerPublic: gwKey.Public, Endpoint: netlab.ServerIPv4 + ":51820",
		AllowedIPs: "10.201.0.0/24,10.202.0.1/32", Address: "10.202.0.2/32", Routes: []string{"10.201.0.0/24"}})
	v.caFile = v.ca.WritePEM(t.TempDir())
	return v
}

// listen opens a TCP listener in ns.
func listenIn(t *testing.T, ns *netlab.NS, addr string) net.Listener {
	t.Helper()
	l, err := ns.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// run writes a profile with the services and runs the check in home.
func (v *servicesLab) run(t *testing.T, relay, login string, services ...profile.Service) (report.Result, time.Duration) {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "name: services lab\ncompany_ca: %s\nservices:\n", v.caFile)
	for _, s := range services {
		fmt.Fprintf(&b, "  - name: %q\n    kind: %s\n", s.Name, s.Kind)
		if s.Address != "" {
			fmt.Fprintf(&b, "    address: %q\n", s.Address)
		}
		if s.Via != "" {
			fmt.Fprintf(&b, "    via: %s\n", s.Via)
		}
	}
	path := filepath.Join(dir, "services.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "result.json")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := v.home.Command(ctx, os.Args[0], "-test.run=^TestHelperRunServices$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperProfileEnv+"="+path, helperOutEnv+"="+out, helperRelayEnv+"="+relay, helperLoginEnv+"="+login,
		"HTTPS_PROXY=", "HTTP_PROXY=", "ALL_PROXY=", "https_proxy=", "http_proxy=", "all_proxy=")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	began := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("check process: %v\n%s", err, logs.String())
	}
	took := time.Since(began)
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no result: %v\n%s", err, logs.String())
	}
	var res report.Result
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	reportschema.CheckResults(t, "services", "Company services", []report.Result{res})
	if took > runLimit {
		t.Errorf("the check process took %s, limit %s", took, runLimit)
	}
	if testing.Verbose() {
		var buf bytes.Buffer
		_ = render.Render(&buf, report.Report{SchemaVersion: report.SchemaVersion, Results: []report.Result{res}, Overall: res.Status},
			render.FormatText, render.Options{Verbose: true})
		t.Logf("check %.2f s, process %s:\n%s", res.DurationSeconds, took.Round(time.Millisecond), buf.String())
	}
	return res, took
}

// expect asserts one service's verdict: its status, outcome, a part of
// its summary, and its route (interface "" skips that).
func expect(t *testing.T, res report.Result, name string, status report.Status, out outcome, summary, iface, route string) report.Item {
	t.Helper()
	for _, it := range res.Items {
		if it.Label != name {
			continue
		}
		if it.Status != status || it.Attributes["outcome"] != string(out) || !strings.Contains(it.Summary, summary) ||
			iface != "" && it.Attributes["interface"] != iface || route != "" && it.Attributes["route"] != route {
			b, _ := json.MarshalIndent(it, "", "  ")
			t.Errorf("%s: got\n%s\nwant %s / %s / %q over %s (%s)", name, b, status, out, summary, iface, route)
		}
		return it
	}
	t.Errorf("no item %q", name)
	return report.Item{}
}

func TestLabServices(t *testing.T) {
	v := newServicesLab(t)
	gw, corp, ca := v.gw, v.corp, v.ca
	server := netlab.ServerIPv4

	// In the company network, through the tunnel only.
	xrdp := startXRDP(t, corp, companyIPv4, ca.Issue("desktop.corp.test", companyIPv4))
	nla := &rdpServer{mode: rdpNLARequired, cert: ca.Issue("win.corp.test", companyIPv4)}
	serve(t, listenIn(t, corp, companyIPv4+":3390"), nla.handle)
	startSSHD(t, corp, companyIPv4, 2222)
	mailCert := ca.Issue("mail.corp.test", companyIPv4)
	serve(t, listenIn(t, corp, companyIPv4+":587"), (&mailServer{cert: mailCert}).handle)
	serve(t, listenIn(t, corp, companyIPv4+":993"), (&mailServer{imap: true, implicitTLS: true, cert: mailCert}).handle)
	serveHTTPS(t, listenIn(t, corp, companyIPv4+":8444"), ca.Issue(companyIPv4), func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	// On gw, reached directly.
	plain := listenIn(t, gw, server+":3389")
	serve(t, plain, silent)
	serveHTTPS(t, listenIn(t, gw, server+":443"), ca.Issue(server), gatewayHandler)
	serveHTTPS(t, listenIn(t, gw, server+":8443"), ca.IssueValid(time.Now().Add(-30*24*time.Hour), time.Now().Add(-24*time.Hour), server), gatewayHandler)
	serveHTTPS(t, listenIn(t, gw, server+":9443"), ca.Issue("rdgw.other.test"), gatewayHandler)
	serveHTTPS(t, listenIn(t, gw, server+":4443"), ca.Issue(server), func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	turn := gw.StartCoturn(netlab.CoturnConfig{IPs: []string{server}})
	relay := turn.Addr(0).String()

	wg, eth := v.homeWG.Name, v.homeIf
	res, _ := v.run(t, relay, server,
		svc("Remote desktop", "rdp", companyIPv4, "vpn"),
		svc("Windows desktop", "rdp", companyIPv4+":3390", "vpn"),
		svc("Not a desktop", "rdp", server, "any"),
		svc("Build server", "ssh", companyIPv4+":2222", "vpn"),
		svc("Outgoing mail", "smtp", companyIPv4+":587", "vpn"),
		svc("Incoming mail", "imap", companyIPv4+":993", "vpn"),
		svc("Gateway", "rd_gateway", "https://"+server+"/", "direct"),
		svc("Old gateway", "rd_gateway", server+":8443", "direct"),
		svc("Misnamed gateway", "rd_gateway", server+":9443", "direct"),
		svc("Cloud PC", "avd", "https://"+server+":4443/", "direct"),
		svc("Intranet", "https", "https://"+companyIPv4+":8444/", "direct"),
	)
	expect(t, res, "Remote desktop", report.Pass, outOK, "RDP server, TLS (no NLA); through the VPN tunnel "+wg, wg, "tunnel")
	expect(t, res, "Windows desktop", report.Pass, outOK, "RDP server, requires NLA", wg, "tunnel")
	expect(t, res, "Not a desktop", report.Fail, outNotService, "something answers on port 3389, but it is not an RDP server", eth, "direct")
	expect(t, res, "Build server", report.Pass, outOK, "SSH server (OpenSSH_", wg, "tunnel")
	expect(t, res, "Outgoing mail", report.Pass, outOK, "mail server (SMTP), STARTTLS works", wg, "tunnel")
	expect(t, res, "Incoming mail", report.Pass, outOK, "mail server (IMAP), TLS works", wg, "tunnel")
	expect(t, res, "Gateway", report.Pass, outOK, "Remote Desktop Gateway, asks for sign-in (Negotiate, NTLM)", eth, "direct")
	expect(t, res, "Old gateway", report.Fail, outExpired, "its certificate expired on", eth, "direct")
	expect(t, res, "Misnamed gateway", report.Fail, outWrongName, "its certificate is for rdgw.other.test, not "+server, eth, "direct")
	cloud := expect(t, res, "Cloud PC", report.Pass, outOK, "UDP 3478 is open: RDP Shortpath can work", eth, "direct")
	if cloud.Attributes["udp_3478"] != "answered" || cloud.Attributes["login"] != "ok" {
		t.Errorf("Cloud PC: %+v", cloud.Attributes)
	}
	expect(t, res, "Intranet", report.Warn, outOK, "web service, answers 200 OK", wg, "tunnel")
	hasFinding(t, res, report.Fail, "Old gateway (Remote Desktop Gateway, "+server+":8443): its certificate expired", "The Remote Desktop Gateway's certificate expired: tell IT.")
	hasFinding(t, res, report.Warn, "Intranet (web service, https://"+companyIPv4+":8444/) goes through the VPN tunnel "+wg+", though IT says it should be reached directly", "split tunnelling")
	if fmt.Sprint(nla.asked()) != fmt.Sprint([]uint32{clientProtocols, protoSSL}) {
		t.Errorf("NLA server asked %x", nla.asked())
	}

	// xrdp moves to gw, reached directly; the company desktop is down;
	// the router drops UDP 3478 (RDP Shortpath blocked).
	xrdp.stop()
	plain.Close()
	startXRDP(t, gw, server, ca.Issue(server))
	v.router.Nft(`table inet wfhblock { chain shortpath { type filter hook forward priority 0; udp dport 3478 drop; }; }`)
	res, _ = v.run(t, relay, server,
		svc("Direct desktop", "rdp", server, "any"),
		svc("Remote desktop", "rdp", companyIPv4, "vpn"),
		svc("Cloud PC", "avd", "https://"+server+":4443/", "direct"),
	)
	expect(t, res, "Direct desktop", report.Pass, outOK, "RDP server, TLS (no NLA); over "+eth+", not through a VPN", eth, "direct")
	expect(t, res, "Remote desktop", report.Fail, outRefused, "connection refused", wg, "tunnel")
	hasFinding(t, res, report.Fail, "Remote desktop", "the server refuses connections on port 3389")
	cloud = expect(t, res, "Cloud PC", report.Warn, outOK, "Azure Virtual Desktop endpoint, answers 200 OK", eth, "direct")
	if cloud.Attributes["udp_3478"] != "silent" {
		t.Errorf("Cloud PC: %+v", cloud.Attributes)
	}
	hasFinding(t, res, report.Warn, "no answer over UDP 3478 from Microsoft's relay", "allow UDP port 3478")

	// The VPN goes down: the company desktop is not reachable, and the
	// fix is to connect the VPN.
	v.homeWG.Stop()
	res, _ = v.run(t, relay, server, svc("Remote desktop", "rdp", companyIPv4, "vpn"))
	expect(t, res, "Remote desktop", report.Fail, outUnreachable, "over "+eth+", not through a VPN", eth, "direct")
	hasFinding(t, res, report.Fail, "Its traffic goes over "+eth+", not through a VPN.", "Connect the VPN first, then run wfh again.")
	if !strings.Contains(res.Summary, "Remote desktop: connect the VPN first") {
		t.Errorf("summary %q", res.Summary)
	}
}
