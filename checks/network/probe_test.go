package network

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/checkstest"
	"github.com/wfh-cli/wfh/internal/netstate"
	"github.com/wfh-cli/wfh/internal/profile"
)

func tlsEnv(t *testing.T, srv *httptest.Server, trust bool) *checks.Env {
	pool := x509.NewCertPool()
	if trust {
		pool.AddCert(srv.Certificate())
	}
	return &checks.Env{
		Now:      time.Now,
		Dialer:   &net.Dialer{},
		Resolver: &checkstest.Resolver{Hosts: map[string][]string{"example.com": {"127.0.0.1"}, "anchor.test": {"127.0.0.1"}, "v6only.test": {"::1"}}},
		Roots:    pool,
		Profile:  profile.Default(),
	}
}

func portOf(t *testing.T, addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func TestProbeAnchorClassifiesTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	port := portOf(t, srv.Listener.Addr().String())
	ctx := context.Background()

	// httptest's certificate is for example.com and 127.0.0.1.
	if a := probeAnchor(ctx, tlsEnv(t, srv, true), "https://example.com:"+port+"/", "ipv4"); a.Out != outOK || a.RTT <= 0 {
		t.Errorf("trusted, right name: %+v", a)
	}
	if a := probeAnchor(ctx, tlsEnv(t, srv, true), "https://anchor.test:"+port+"/", "ipv4"); a.Out != outWrongName || !strings.Contains(a.Detail, "example.com") {
		t.Errorf("wrong name: %+v", a)
	}
	if a := probeAnchor(ctx, tlsEnv(t, srv, false), "https://example.com:"+port+"/", "ipv4"); a.Out != outUntrusted {
		t.Errorf("untrusted: %+v", a)
	}
	if a := probeAnchor(ctx, tlsEnv(t, srv, true), "https://nosuch.test:"+port+"/", "ipv4"); a.Out != outDNS {
		t.Errorf("nxdomain: %+v", a)
	}
	if a := probeAnchor(ctx, tlsEnv(t, srv, true), "https://v6only.test:"+port+"/", "ipv4"); a.Out != outNoAddress {
		t.Errorf("no IPv4 address: %+v", a)
	}

	// The company CA in the profile makes an inspected connection a company
	// proxy, not an intercepting one.
	env := tlsEnv(t, srv, true)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	env.Profile = &profile.Profile{CompanyCA: caFile}
	if a := probeAnchor(ctx, env, "https://example.com:"+port+"/", "ipv4"); a.Out != outCompanyCA {
		t.Errorf("company CA: %+v", a)
	}
}

// rawServer accepts TCP connections and does what behave says with each.
func rawServer(t *testing.T, behave func(net.Conn)) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go behave(c)
		}
	}()
	return l.Addr().String()
}

func TestProbeAnchorClassifiesFailures(t *testing.T) {
	env := &checks.Env{Dialer: &net.Dialer{}, Resolver: &checkstest.Resolver{}, Roots: x509.NewCertPool()}
	reset := rawServer(t, func(c net.Conn) {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // RST instead of FIN, like a portal's firewall
		}
		c.Close()
	})
	if a := probeAnchor(context.Background(), env, "https://"+reset+"/", "ipv4"); a.Out != outReset {
		t.Errorf("reset: %+v", a)
	}
	hold := make(chan struct{})
	defer close(hold)
	stall := rawServer(t, func(c net.Conn) { <-hold; c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if a := probeAnchor(ctx, env, "https://"+stall+"/", "ipv4"); a.Out != outTimeout || time.Since(start) > 2*time.Second {
		t.Errorf("stall: %+v after %s", a, time.Since(start))
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	if a := probeAnchor(context.Background(), env, "https://"+closed+"/", "ipv4"); a.Out != outRefused {
		t.Errorf("refused: %+v", a)
	}
}

func TestProbePortal(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/generate_204", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("/portal", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://login.hotel.test/", http.StatusFound)
	})
	mux.HandleFunc("/filter", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "blocked by policy", 404) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	env := &checks.Env{Dialer: &net.Dialer{}}
	if p := probePortal(context.Background(), env, srv.URL+"/generate_204"); !p.answered204() {
		t.Errorf("204: %+v", p)
	}
	if p := probePortal(context.Background(), env, srv.URL+"/portal"); p.Status != 302 || p.Location != "http://login.hotel.test/" {
		t.Errorf("redirect not reported as such (must not be followed): %+v", p)
	}
	if p := probePortal(context.Background(), env, srv.URL+"/filter"); p.Status != 404 || p.BodyLen == 0 {
		t.Errorf("filter: %+v", p)
	}
}

// connectProxy is a minimal HTTP CONNECT proxy on loopback.
func connectProxy(t *testing.T, allow bool) string {
	return rawServer(t, func(c net.Conn) {
		defer c.Close()
		req, err := http.ReadRequest(bufioReader(c))
		if err != nil || req.Method != http.MethodConnect {
			return
		}
		if !allow {
			io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
			return
		}
		// The test resolves every name to loopback, as a proxy would for us.
		_, port, _ := net.SplitHostPort(req.Host)
		up, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err != nil {
			io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
			return
		}
		defer up.Close()
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
		go io.Copy(up, c)
		io.Copy(c, up)
	})
}

func TestProbeAnchorViaProxy(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	port := portOf(t, srv.Listener.Addr().String())
	env := tlsEnv(t, srv, true)
	if a := probeAnchorViaProxy(context.Background(), env, "https://example.com:"+port+"/", "http://"+connectProxy(t, true)); a.Out != outOK {
		t.Errorf("through proxy: %+v", a)
	}
	if a := probeAnchorViaProxy(context.Background(), env, "https://example.com:"+port+"/", "http://"+connectProxy(t, false)); a.Out != outProxyFailed || !strings.Contains(a.Detail, "403") {
		t.Errorf("proxy refusing: %+v", a)
	}
}

func TestObserveSkipsProbesWhenNoWayOut(t *testing.T) {
	c := &check{
		ping: func(context.Context, netip.Addr) (bool, time.Duration, error) {
			t.Error("pinged without a route")
			return false, 0, nil
		},
	}
	state := netstate.FromSnapshot(netstate.Snapshot{Interfaces: []iface{lo, wifiV4}})
	r := c.Run(context.Background(), &checks.Env{Dialer: &net.Dialer{}, Resolver: &checkstest.Resolver{}, Net: state})
	if r.Facts["connectivity"] != stateOffline || !strings.Contains(r.Summary, "no route") {
		t.Errorf("%+v", r)
	}
}
