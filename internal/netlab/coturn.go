package netlab

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Coturn timing.
const (
	// coturnStartTimeout bounds the wait for a started turnserver to
	// answer: it is ready in well under a second, but a busy test machine
	// may take a few.
	coturnStartTimeout = 15 * time.Second
	// coturnStopTimeout is how long SIGTERM gets before SIGKILL; coturn
	// exits at once on SIGTERM.
	coturnStopTimeout = 3 * time.Second
	// coturnPoll is the interval of readiness probes.
	coturnPoll = 100 * time.Millisecond
)

// CoturnConfig is what StartCoturn runs. The zero value (with IPs) is a
// STUN server and an open TURN server on port 3478, UDP and TCP.
type CoturnConfig struct {
	// IPs are the addresses to listen on, assigned in the namespace
	// already. Two of one family make coturn offer RFC 5780 NAT behaviour
	// discovery: OTHER-ADDRESS in Binding answers and CHANGE-REQUEST.
	IPs []string
	// Port is the UDP and TCP port; 0 means 3478. coturn also listens on
	// Port+1, the RFC 5780 alternative port.
	Port int
	// TLSPort, when non-zero, adds a TLS listener (5349 by convention, 443
	// to stand in for a relay that accepts only web-looking traffic);
	// Cert is then required.
	TLSPort int
	// Cert is the TLS server certificate, for example CA.Issue(ip).
	Cert *tls.Certificate
	// Users are long-term credentials (user name → password), which make
	// TURN require them (lt-cred-mech); nil leaves TURN open.
	Users map[string]string
	// Realm of the long-term credentials; "" means "wfh.test".
	Realm string
	// UserQuota limits concurrent allocations per user; 0 means none.
	UserQuota int
	// NoRFC5780 turns the NAT discovery off even with two addresses, as
	// production servers are advised to: then the addresses are just two
	// ordinary STUN servers.
	NoRFC5780 bool
}

// Coturn is a running turnserver (Debian package coturn) inside a
// namespace. It is stopped when the test ends, also when it fails.
type Coturn struct {
	Port    int // UDP and TCP
	AltPort int // the RFC 5780 alternative port
	TLSPort int // 0 without TLS
	// IPs are the listening addresses, in the order given.
	IPs   []netip.Addr
	Realm string

	dir    string
	pid    int
	exited chan struct{}
	err    error // Wait's result, set before exited closes
}

// StartCoturn runs turnserver inside the namespace with a configuration
// written to a temporary directory (no CLI, no DTLS, TLS only with
// cfg.TLSPort, log, pid file and user database in that directory, so the
// machine's own coturn setup is never touched), waits until it answers a
// STUN Binding on every address, and stops it at cleanup. The test skips
// when turnserver is not installed (Debian package coturn; the package
// does not start its daemon here, and tests do not need it to).
func (ns *NS) StartCoturn(cfg CoturnConfig) *Coturn {
	t := ns.lab.t
	t.Helper()
	bin, err := exec.LookPath("turnserver")
	if err != nil {
		t.Skip("netlab: `turnserver` not found (install Debian package coturn)")
	}
	c := &Coturn{Port: cfg.Port, TLSPort: cfg.TLSPort, Realm: cfg.Realm, exited: make(chan struct{})}
	if c.Port == 0 {
		c.Port = 3478
	}
	c.AltPort = c.Port + 1
	if c.Realm == "" {
		c.Realm = "wfh.test"
	}
	if len(cfg.IPs) == 0 {
		t.Fatalf("netlab: coturn: no listening IPs")
	}
	for _, s := range cfg.IPs {
		a, err := netip.ParseAddr(s)
		if err != nil {
			t.Fatalf("netlab: coturn: listening IP %q: %v", s, err)
		}
		c.IPs = append(c.IPs, a)
	}
	if cfg.TLSPort != 0 && cfg.Cert == nil {
		t.Fatalf("netlab: coturn: TLSPort %d without a Cert", cfg.TLSPort)
	}
	dir, err := os.MkdirTemp("", "wfh-coturn-")
	if err != nil {
		t.Fatalf("netlab: coturn: %v", err)
	}
	c.dir = dir
	t.Cleanup(func() { _ = os.RemoveAll(dir) })

	conf, err := c.config(cfg)
	if err != nil {
		t.Fatalf("netlab: coturn: %v", err)
	}
	confPath := filepath.Join(dir, "turnserver.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatalf("netlab: coturn: %v", err)
	}
	cmd := ns.Command(context.Background(), bin, "-c", confPath)
	var out bytes.Buffer // coturn logs to its file; this keeps start-up failures
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("netlab: coturn: %v", err)
	}
	c.pid = cmd.Process.Pid
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-c.exited:
			return
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(coturnStopTimeout):
			_ = cmd.Process.Kill()
			<-c.exited
		}
	})
	if err := c.waitReady(ns); err != nil {
		t.Fatalf("netlab: coturn did not start in %s: %v\n%s\n%s", ns.name, err, out.String(), c.Log())
	}
	return c
}

// config writes the certificate files and returns turnserver.conf.
func (c *Coturn) config(cfg CoturnConfig) (string, error) {
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	line("# written by a wfh test (internal/netlab)")
	for _, a := range c.IPs {
		line("listening-ip=" + a.String())
	}
	line("listening-port=" + strconv.Itoa(c.Port))
	line("alt-listening-port=" + strconv.Itoa(c.AltPort))
	line("realm=" + c.Realm)
	line("fingerprint")
	line("no-cli")
	line("no-dtls")
	line("verbose")
	line("simple-log")
	line("log-file=" + filepath.Join(c.dir, "turn.log"))
	line("pidfile=" + filepath.Join(c.dir, "turnserver.pid"))
	line("userdb=" + filepath.Join(c.dir, "turndb"))
	if cfg.NoRFC5780 {
		line("no-rfc5780")
	}
	if cfg.UserQuota > 0 {
		line("user-quota=" + strconv.Itoa(cfg.UserQuota))
	}
	if len(cfg.Users) > 0 {
		line("lt-cred-mech")
		names := make([]string, 0, len(cfg.Users))
		for u := range cfg.Users {
			names = append(names, u)
		}
		sort.Strings(names)
		for _, u := range names {
			if strings.ContainsAny(u+cfg.Users[u], ":\n\r") {
				return "", fmt.Errorf("user %q: no ':' or line breaks in test credentials", u)
			}
			line("user=" + u + ":" + cfg.Users[u])
		}
	} else {
		line("no-auth")
	}
	if cfg.TLSPort == 0 {
		line("no-tls")
		return b.String(), nil
	}
	line("tls-listening-port=" + strconv.Itoa(cfg.TLSPort))
	line("alt-tls-listening-port=" + strconv.Itoa(cfg.TLSPort+1))
	certPath, keyPath := filepath.Join(c.dir, "cert.pem"), filepath.Join(c.dir, "key.pem")
	var certPEM []byte
	for _, der := range cfg.Cert.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cfg.Cert.PrivateKey)
	if err != nil {
		return "", fmt.Errorf("TLS key: %w", err)
	}
	if err := os.WriteFile(certPath, certPEM, 0o600); err != nil {
		return "", err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600); err != nil {
		return "", err
	}
	line("cert=" + certPath)
	line("pkey=" + keyPath)
	return b.String(), nil
}

// Addr returns the UDP/TCP listening address on the i-th IP.
func (c *Coturn) Addr(i int) netip.AddrPort { return netip.AddrPortFrom(c.IPs[i], uint16(c.Port)) }

// Log returns coturn's log so far, for a failing test's output.
func (c *Coturn) Log() string {
	b, err := os.ReadFile(filepath.Join(c.dir, "turn.log"))
	if err != nil {
		return "(no coturn log: " + err.Error() + ")"
	}
	return string(b)
}

// PID is the process id of `ip netns exec`, which execs turnserver.
func (c *Coturn) PID() int { return c.pid }

// Exited tells whether turnserver has stopped (it should not, until
// cleanup).
func (c *Coturn) Exited() bool {
	select {
	case <-c.exited:
		return true
	default:
		return false
	}
}

// waitReady polls until every listening address answers a STUN Binding
// over UDP and, with TLS, accepts TCP on the TLS port.
func (c *Coturn) waitReady(ns *NS) error {
	deadline := time.Now().Add(coturnStartTimeout)
	for _, a := range c.IPs {
		for {
			err := ns.Do(func() error { return bindingAnswered(netip.AddrPortFrom(a, uint16(c.Port))) })
			if err == nil {
				break
			}
			if c.Exited() {
				return fmt.Errorf("turnserver exited: %v", c.err)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("no STUN answer on %s within %v: %v", netip.AddrPortFrom(a, uint16(c.Port)), coturnStartTimeout, err)
			}
			time.Sleep(coturnPoll)
		}
		if c.TLSPort == 0 {
			continue
		}
		for {
			addr := netip.AddrPortFrom(a, uint16(c.TLSPort)).String()
			err := ns.Do(func() error {
				conn, err := net.DialTimeout("tcp", addr, coturnPoll)
				if err == nil {
					_ = conn.Close()
				}
				return err
			})
			if err == nil {
				break
			}
			if c.Exited() {
				return fmt.Errorf("turnserver exited: %v", c.err)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("TLS port %s not open within %v: %v", addr, coturnStartTimeout, err)
			}
			time.Sleep(coturnPoll)
		}
	}
	return nil
}

// bindingAnswered sends one minimal STUN Binding request (RFC 8489 §5:
// type 0x0001, no attributes, magic cookie, a fixed transaction ID) and
// waits one poll interval for any STUN answer. It runs inside Do, so it
// dials directly.
func bindingAnswered(to netip.AddrPort) error {
	conn, err := net.DialTimeout("udp", to.String(), coturnPoll)
	if err != nil {
		return err
	}
	defer conn.Close()
	req := make([]byte, 20)
	binary.BigEndian.PutUint16(req[0:2], 0x0001)
	binary.BigEndian.PutUint32(req[4:8], 0x2112A442)
	copy(req[8:], "wfh-netlab-1")
	if _, err := conn.Write(req); err != nil {
		return err
	}
	_ = conn.SetReadDeadline(time.Now().Add(coturnPoll))
	buf := make([]byte, 1500)
	n, err := conn.Read(buf)
	if err != nil {
		return err
	}
	if n < 20 || binary.BigEndian.Uint16(buf[0:2]) != 0x0101 || !bytes.Equal(buf[8:20], req[8:20]) {
		return fmt.Errorf("not a Binding success answer (%d bytes)", n)
	}
	return nil
}

// AddAddress gives the namespace's interface dev more addresses
// ("10.200.2.11/32"), for example a server's second IP for RFC 5780. A
// /32 (/128) from a link's subnet is reachable from the link at once:
// Linux answers ARP and neighbour discovery for every local address.
func (ns *NS) AddAddress(dev string, cidrs ...string) {
	ns.lab.t.Helper()
	ns.configure(dev, cidrs)
}
