package stunprobe

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/stun/v3"
	"github.com/wfh-cli/wfh/internal/netlab"
)

// requestMethod reads a request's method from its first two bytes.
func requestMethod(b []byte) stun.Method {
	var m stun.MessageType
	m.ReadValue(binary.BigEndian.Uint16(b[0:2]))
	return m.Method
}

// TestKnock: a relay that answers only TURN (as Teams' Transport Relays
// may) still proves the path through the knock's Allocate, a server
// answering the Binding is taken as usual, an answer of the wrong method
// under a request's ID is ignored, and an Allocate granted without
// credentials is released at once.
func TestKnock(t *testing.T) {
	mapped := mustAP("203.0.113.9:41000")
	for _, tc := range []struct {
		name        string
		answer      func(method stun.Method, tx txID) []byte
		outcome     Outcome
		viaAllocate bool
		says        string
		released    bool
	}{
		{"TURN-only relay: 401 to the Allocate", func(m stun.Method, tx txID) []byte {
			if m != stun.MethodAllocate {
				return nil
			}
			b, _ := stun.Build(stun.NewTransactionIDSetter(tx), stun.NewType(stun.MethodAllocate, stun.ClassErrorResponse),
				stun.ErrorCodeAttribute{Code: 401, Reason: []byte("Unauthorized")})
			return b.Raw
		}, Answered, true, "answered the TURN Allocate", false},
		{"a STUN server answers the Binding", func(m stun.Method, tx txID) []byte {
			if m != stun.MethodBinding {
				return nil
			}
			return successFor(t, tx, xorMapped(mapped))
		}, Answered, false, "answered over udp", false},
		{"an open relay grants the Allocate", func(m stun.Method, tx txID) []byte {
			if m != stun.MethodAllocate {
				return nil
			}
			b, _ := stun.Build(stun.NewTransactionIDSetter(tx), stun.NewType(stun.MethodAllocate, stun.ClassSuccessResponse), xorMapped(mapped))
			return b.Raw
		}, Answered, true, "answered", true},
		{"a Binding answer under the Allocate's ID", func(m stun.Method, tx txID) []byte {
			if m != stun.MethodAllocate {
				return nil
			}
			return successFor(t, tx, xorMapped(mapped))
		}, Garbage, false, "unreadable", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			methods := map[stun.Method]int{}
			pc := listenUDP(t, "127.0.0.1:0")
			srv := serveUDPRaw(t, pc, func(req []byte) []byte {
				tx, ok := requestTx(req)
				if !ok {
					return nil
				}
				m := requestMethod(req)
				mu.Lock()
				methods[m]++
				mu.Unlock()
				return tc.answer(m, tx)
			})
			r := shortProber().Knock(t.Context(), udpTarget(srv))
			t.Logf("%s: %s", r.Outcome, r.Reason)
			if r.Outcome != tc.outcome || r.ViaAllocate != tc.viaAllocate || !strings.Contains(r.Reason, tc.says) {
				t.Fatalf("%s (via allocate %v) %q; want %s (%v) saying %q", r.Outcome, r.ViaAllocate, r.Reason, tc.outcome, tc.viaAllocate, tc.says)
			}
			time.Sleep(50 * time.Millisecond) // the release is sent, not awaited
			mu.Lock()
			defer mu.Unlock()
			if methods[stun.MethodBinding] == 0 || methods[stun.MethodAllocate] == 0 {
				t.Errorf("requests seen %v: want Binding and Allocate", methods)
			}
			if got := methods[stun.MethodRefresh] > 0; got != tc.released {
				t.Errorf("release sent %v, want %v", got, tc.released)
			}
		})
	}
	// Binding does not knock.
	var mu sync.Mutex
	var seen []stun.Method
	srv := serveUDPRaw(t, listenUDP(t, "127.0.0.1:0"), func(req []byte) []byte {
		tx, _ := requestTx(req)
		mu.Lock()
		seen = append(seen, requestMethod(req))
		mu.Unlock()
		return successFor(t, tx, xorMapped(mapped))
	})
	if r := shortProber().Binding(t.Context(), udpTarget(srv)); r.Outcome != Answered {
		t.Fatalf("%+v", r)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range seen {
		if m != stun.MethodBinding {
			t.Errorf("Binding sent a %s request", m)
		}
	}
}

// serveUDPRaw answers each datagram on pc with what answer returns (nil:
// nothing), until the test ends.
func serveUDPRaw(t *testing.T, pc net.PacketConn, answer func(req []byte) []byte) netip.AddrPort {
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if b := answer(append([]byte(nil), buf[:n]...)); b != nil {
				_, _ = pc.WriteTo(b, from)
			}
		}
	}()
	t.Cleanup(func() { _ = pc.Close(); <-done })
	return addrPortOf(pc.LocalAddr())
}

// TestConnect: the fallback probe is up when TCP connects (and TLS
// completes), sends nothing, and says why not otherwise.
func TestConnect(t *testing.T) {
	ca := netlab.NewCA(t)
	cert := ca.Issue("app.wfh.test", "127.0.0.1")
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	quiet := func(c net.Conn) {
		// A server of its own protocol: it waits for the client.
		buf := make([]byte, 1)
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		if n, _ := c.Read(buf); n > 0 {
			t.Errorf("the connect probe sent data")
		}
	}
	plain := tcpServer(t, nil, quiet)
	// A server that accepts and never answers, as a filter holding the
	// connection does.
	hold := tcpServer(t, nil, func(net.Conn) { time.Sleep(1500 * time.Millisecond) })
	secure := tcpServer(t, tlsCfg, func(c net.Conn) { _ = c.(*tls.Conn).Handshake(); quiet(c) })
	closed := func() int {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		return port
	}()
	trusted := &Prober{Timeout: 800 * time.Millisecond, TLS: &tls.Config{RootCAs: ca.Pool()}}
	untrusted := &Prober{Timeout: 800 * time.Millisecond, TLS: &tls.Config{RootCAs: x509.NewCertPool()}}
	for _, tc := range []struct {
		name    string
		p       *Prober
		target  Target
		outcome Outcome
		says    string
	}{
		{"TCP", trusted, Target{TCP, "127.0.0.1", int(plain.Port())}, Answered, "TCP connect to"},
		{"TLS", trusted, Target{TLS, "127.0.0.1", int(secure.Port())}, Answered, "TLS handshake with"},
		{"TLS to a server that holds the connection", trusted, Target{TLS, "127.0.0.1", int(hold.Port())}, Silent, "timed out"},
		{"TLS untrusted", untrusted, Target{TLS, "127.0.0.1", int(secure.Port())}, TLSFailed, "certificate"},
		{"refused", trusted, Target{TCP, "127.0.0.1", closed}, Refused, "refused"},
		{"UDP target", trusted, Target{UDP, "127.0.0.1", 3478}, Failed, "needs a TCP or TLS target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.p.Connect(t.Context(), tc.target)
			t.Logf("%s: %s", r.Outcome, r.Reason)
			if r.Outcome != tc.outcome || !strings.Contains(r.Reason, tc.says) {
				t.Fatalf("%s %q; want %s saying %q", r.Outcome, r.Reason, tc.outcome, tc.says)
			}
			if r.Outcome == Answered && (r.RTT <= 0 || r.Connect < r.RTT || r.Sends != 0) {
				t.Errorf("rtt %v connect %v sends %d", r.RTT, r.Connect, r.Sends)
			}
			if r.Took > 1500*time.Millisecond {
				t.Errorf("took %v with an 800ms timeout", r.Took)
			}
		})
	}
}
