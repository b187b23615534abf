package winetest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/wfh-cli/wfh/internal/netlab"
	"github.com/wfh-cli/wfh/internal/winetest"
	"github.com/wfh-cli/wfh/report"
)

// The vpn check of wfh.exe under Wine, with a real WireGuard VPN built out
// of namespaces, as checks/vpn's lab tests build it for the Linux binary:
//
//	home ── router ── gw ══ company
//	  ╚══════ WireGuard ══════╝
//
// home reaches the VPN gateway gw (10.200.2.1:51820) over the router; the
// company network (10.201.0.0/24: a web server and the DNS server of
// corp.test) is behind gw and reachable only through the tunnel (the
// router answers "unreachable" for it, as a provider does for private
// addresses). Wine sees home's wireguard-go device as an adapter of type
// "other" with no hardware address and a name that says nothing ("wfh"
// and hex digits): netstate recognises it by its routes (a /32 address,
// the company's prefix on the link). Wine's PATH has no wg, so the
// verdict rests on what came back through the tunnel.

const (
	vpnCompanyIPv4 = "10.201.0.2"
	vpnCompanyName = "intranet.corp.test"
	vpnGatewayPort = "51820"
)

// wgPeerKey is one WireGuard key pair: the private key in a file (as
// wg set reads it) and the public key.
type wgPeerKey struct{ file, public string }

func wgGenKey(t *testing.T) wgPeerKey {
	t.Helper()
	priv, err := exec.Command("wg", "genkey").Output()
	if err != nil {
		t.Fatalf("wg genkey: %v", err)
	}
	cmd := exec.Command("wg", "pubkey")
	cmd.Stdin = bytes.NewReader(priv)
	pub, err := cmd.Output()
	if err != nil {
		t.Fatalf("wg pubkey: %v", err)
	}
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	return wgPeerKey{file: file, public: strings.TrimSpace(string(pub))}
}

// wgTunnel is one running wireguard-go in a namespace.
type wgTunnel struct {
	ns   *netlab.NS
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

// startWireGuard runs wireguard-go in the foreground in ns under a unique
// name ("wfh" and 8 hex digits: the control sockets of every namespace
// share /var/run/wireguard) and waits for its device. It is stopped at
// cleanup, before netlab removes the namespace.
func startWireGuard(t *testing.T, ns *netlab.NS) *wgTunnel {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "wfh" + hex.EncodeToString(b[:])
	cmd := ns.Command(context.Background(), "wireguard-go", "-f", name)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("wireguard-go: %v", err)
	}
	w := &wgTunnel{ns: ns, name: name, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(w.done) }()
	t.Cleanup(func() {
		w.stop()
		// A killed wireguard-go leaves its socket behind, which every
		// later wg show on the machine would trip over.
		_ = os.Remove(filepath.Join("/var/run/wireguard", name+".sock"))
	})
	// wireguard-go makes its device within milliseconds; 10 s is a busy
	// machine's margin.
	deadline := time.Now().Add(10 * time.Second)
	for exec.Command("ip", "-n", ns.Name(), "link", "show", name).Run() != nil {
		select {
		case <-w.done:
			t.Fatalf("wireguard-go %s ended: %s", name, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("wireguard-go made no device %s in %s: %s", name, ns, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return w
}

// stop ends wireguard-go (SIGTERM, then SIGKILL after 3 s), which removes
// its device: the far end of a tunnel that stops answering.
func (w *wgTunnel) stop() {
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(3 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.done
	}
}

// configure gives the device its key, its peer, its address and routes
// on the link.
func (w *wgTunnel) configure(key wgPeerKey, peer, endpoint, allowed, addr string, routes ...string) {
	args := []string{"set", w.name, "private-key", key.file, "listen-port", vpnGatewayPort, "peer", peer, "allowed-ips", allowed}
	if endpoint != "" {
		args = append(args, "endpoint", endpoint)
	}
	w.ns.Run("wg", args...)
	w.ns.Run("ip", "addr", "add", addr, "dev", w.name)
	w.ns.Run("ip", "link", "set", w.name, "up")
	for _, r := range routes {
		w.ns.Run("ip", "route", "add", r, "dev", w.name)
	}
}

// wineVPNLab is the VPN network with a Wine prefix in home.
type wineVPNLab struct {
	home, gw     *netlab.NS
	homeWG, gwWG *wgTunnel
	prefix       *winetest.Prefix
	dir          string
}

func newWineVPNLab(t *testing.T) *wineVPNLab {
	t.Helper()
	lab := netlab.New(t)
	winetest.Require(t)
	for _, tool := range []string{"wg", "wireguard-go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found (install the Debian packages wireguard-tools and wireguard-go)", tool)
		}
	}
	hops := lab.Chain("home", "router", "gw")
	v := &wineVPNLab{home: hops[0].NS, gw: hops[2].NS, dir: t.TempDir()}
	router, corp := hops[1].NS, lab.Namespace("company")
	lab.Link(v.gw, []string{"10.201.0.1/24"}, corp, []string{vpnCompanyIPv4 + "/24"})
	corp.Route("default", "10.201.0.1")
	v.gw.Forwarding()
	router.Run("ip", "route", "add", "unreachable", "10.201.0.0/24")

	homeKey, gwKey := wgGenKey(t), wgGenKey(t)
	v.homeWG, v.gwWG = startWireGuard(t, v.home), startWireGuard(t, v.gw)
	v.gwWG.configure(gwKey, homeKey.public, "", "10.202.0.2/32", "10.202.0.1/24")
	v.homeWG.configure(homeKey, gwKey.public, netlab.ServerIPv4+":"+vpnGatewayPort, "10.201.0.0/24,10.202.0.1/32", "10.202.0.2/32", "10.201.0.0/24")

	// The company's web server and DNS server; home asks the company's
	// DNS server, as a VPN client sets it.
	corp.ServeHTTP(vpnCompanyIPv4+":8080", http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(rw, "intranet")
	}))
	serveCompanyDNS(t, corp)
	v.home.ResolvConf("nameserver " + vpnCompanyIPv4 + "\n")

	profile := fmt.Sprintf("name: wine vpn lab\nvpn:\n  gateway: \"%s:%s\"\n  gateway_type: udp-silent\n  targets:\n    - http://%s:8080/\n    - \"%s:8080\"\n"+
		"dns:\n  company_names:\n    - name: %s\n      vpn_only: true\n", netlab.ServerIPv4, vpnGatewayPort, vpnCompanyName, vpnCompanyIPv4, vpnCompanyName)
	if err := os.WriteFile(filepath.Join(v.dir, "vpn.yaml"), []byte(profile), 0o644); err != nil {
		t.Fatal(err)
	}
	v.prefix = winetest.NewPrefix(t, v.home)
	return v
}

func (v *wineVPNLab) profile() string { return winetest.WinPath(filepath.Join(v.dir, "vpn.yaml")) }

// serveCompanyDNS answers corp.test names with the web server's address,
// over UDP and TCP.
func serveCompanyDNS(t *testing.T, ns *netlab.NS) {
	t.Helper()
	mux := dns.NewServeMux()
	mux.HandleFunc("corp.test.", func(rw dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			if question.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A: net.ParseIP(vpnCompanyIPv4)})
			}
		}
		_ = rw.WriteMsg(m)
	})
	pc, err := ns.ListenPacket("udp", net.JoinHostPort(vpnCompanyIPv4, "53"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := ns.Listen("tcp", net.JoinHostPort(vpnCompanyIPv4, "53"))
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: mux}, {Listener: ln, Handler: mux}} {
		go func() { _ = srv.ActivateAndServe() }()
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
}

// The verdict words of the vpn_state fact (docs/checks.md).
const (
	vpnConnected = "connected"
	vpnNoTraffic = "connected, not passing traffic"
)

// TestWfhExeVPN: wfh.exe's vpn check sees the live tunnel as connected,
// with the company services answering through it, then, once the far
// end's wireguard-go is stopped (home keeps its interface and route), as
// connected but not passing traffic.
func TestWfhExeVPN(t *testing.T) {
	v := newWineVPNLab(t)

	rep, _ := doctor(t, v.prefix, 2*time.Minute, "--only", "vpn", "--profile", v.profile(), "--no-redact")
	live := result(t, rep, "vpn")
	t.Logf("live tunnel: %s: %s", live.Status, live.Summary)
	if live.Status != report.Pass || live.Facts["vpn_state"] != vpnConnected || live.Facts["tunnel_interface"] != v.homeWG.name {
		t.Errorf("live tunnel: %s, vpn_state %q, tunnel %q: %s\nfindings %+v", live.Status, live.Facts["vpn_state"], live.Facts["tunnel_interface"], live.Summary, live.Findings)
	}
	if live.Facts["tunnel_mode"] != "split" || !strings.Contains(live.Facts["tunnel_routes"], "10.201.0.0/24") {
		t.Errorf("live tunnel: facts %v", live.Facts)
	}
	for _, label := range []string{"http://" + vpnCompanyName + ":8080/", vpnCompanyIPv4 + ":8080"} {
		it, ok := vpnItem(live, "vpn_target", label)
		if !ok || it.Status != report.Pass || it.Attributes["interface"] != v.homeWG.name {
			t.Errorf("target %s through the tunnel: %+v", label, it)
		}
	}
	if it, ok := vpnItem(live, "vpn_only_name", vpnCompanyName); !ok || it.Status != report.Pass {
		t.Errorf("the company name on the VPN: %+v", it)
	}

	// Dead: the gateway's WireGuard stops; home keeps its interface and
	// route, and what it sends into the tunnel goes nowhere.
	v.gwWG.stop()
	rep, _ = doctor(t, v.prefix, 2*time.Minute, "--only", "vpn", "--profile", v.profile(), "--no-redact")
	dead := result(t, rep, "vpn")
	t.Logf("dead tunnel: %s: %s", dead.Status, dead.Summary)
	if dead.Status != report.Fail || dead.Facts["vpn_state"] != vpnNoTraffic || dead.Facts["tunnel_interface"] != v.homeWG.name {
		t.Errorf("dead tunnel: %s, vpn_state %q, tunnel %q: %s\nfindings %+v", dead.Status, dead.Facts["vpn_state"], dead.Facts["tunnel_interface"], dead.Summary, dead.Findings)
	}
	if !hasFix(dead, "Disconnect the VPN and connect again") {
		t.Errorf("dead tunnel: findings %+v", dead.Findings)
	}
}

func vpnItem(res report.Result, kind, label string) (report.Item, bool) {
	for _, it := range res.Items {
		if it.Kind == kind && it.Label == label {
			return it, true
		}
	}
	return report.Item{}, false
}

func hasFix(res report.Result, s string) bool {
	for _, f := range res.Findings {
		if strings.Contains(f.Fix, s) {
			return true
		}
	}
	return false
}
