package stunprobe

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v3"
)

const (
	testUser = "alice-7d1e-user"
	testPass = "s3cret-94af-pass"
)

// turnScript answers Allocate like a TURN server with long-term
// credentials: 401 with a realm and nonce to the first request, then final
// to the authenticated one (0: success with a relay address).
func turnScript(t *testing.T, final int) func([]byte, txID, netip.AddrPort) []out {
	return func(req []byte, tx txID, from netip.AddrPort) []out {
		m := new(stun.Message)
		if err := stun.Decode(req, m); err != nil {
			return nil
		}
		typ := stun.NewType(m.Type.Method, stun.ClassSuccessResponse)
		switch {
		case m.Type.Method == stun.MethodRefresh:
			b, _ := stun.Build(stun.NewTransactionIDSetter(tx), typ)
			return []out{{b: b.Raw}}
		case m.Type.Method != stun.MethodAllocate:
			return nil
		case !m.Contains(stun.AttrUsername):
			b, _ := stun.Build(stun.NewTransactionIDSetter(tx), stun.NewType(stun.MethodAllocate, stun.ClassErrorResponse),
				stun.CodeUnauthorized, stun.NewRealm("wfh.test"), stun.NewNonce("nonce-1"))
			return []out{{b: b.Raw}}
		case final != 0:
			b, _ := stun.Build(stun.NewTransactionIDSetter(tx), stun.NewType(stun.MethodAllocate, stun.ClassErrorResponse),
				stun.ErrorCodeAttribute{Code: stun.ErrorCode(final), Reason: []byte("no")})
			return []out{{b: b.Raw}}
		}
		lifetime := make([]byte, 4)
		binary.BigEndian.PutUint32(lifetime, 600)
		relay := &stun.XORMappedAddress{IP: netip.MustParseAddr("198.51.100.9").AsSlice(), Port: 50000}
		b, err := stun.Build(stun.NewTransactionIDSetter(tx), typ, xorAs{relay, stun.AttrXORRelayedAddress},
			xorMapped(from), rawAttr{stun.AttrLifetime, lifetime})
		if err != nil {
			t.Error(err)
			return nil
		}
		return []out{{b: b.Raw}}
	}
}

type xorAs struct {
	a *stun.XORMappedAddress
	t stun.AttrType
}

func (x xorAs) AddTo(m *stun.Message) error { return x.a.AddToAs(m, x.t) }

func TestAllocate(t *testing.T) {
	cred := NewCredentials(testUser, testPass)
	for _, tc := range []struct {
		name  string
		final int
		want  TURNOutcome
		says  string
	}{
		{"allocated", 0, Allocated, "gave a relay over udp"},
		{"wrong password", 401, WrongCredentials, "refused the TURN user name or password (STUN error 401)"},
		{"wrong credentials", 441, WrongCredentials, "STUN error 441"},
		{"quota", 486, QuotaReached, "as many as allowed"},
		{"forbidden", 403, TURNRejected, "STUN error 403"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveUDP(t, listenUDP(t, "127.0.0.1:0"), turnScript(t, tc.final))
			r := (&Prober{Timeout: time.Second}).Allocate(t.Context(), udpTarget(srv.addr()), cred)
			if r.Outcome != tc.want || !strings.Contains(r.Reason, tc.says) || r.Path != Answered {
				t.Fatalf("%+v; want %s saying %q", r, tc.want, tc.says)
			}
			if tc.want == Allocated && r.Relayed != mustAP("198.51.100.9:50000") {
				t.Errorf("relayed %s", r.Relayed)
			}
			if tc.want == Allocated {
				// The allocation is released at once: a Refresh follows.
				deadline := time.Now().Add(time.Second)
				for srv.count() < 3 && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if srv.count() < 3 {
					t.Errorf("%d requests: no Refresh released the allocation", srv.count())
				}
			}
			assertNoSecrets(t, r)
		})
	}
}

func TestAllocateUnreachable(t *testing.T) {
	cred := NewCredentials(testUser, testPass)
	closed := listenUDP(t, "127.0.0.1:0")
	closedAddr := addrPortOf(closed.LocalAddr())
	_ = closed.Close()
	silent := listenUDP(t, "127.0.0.1:0")
	t.Cleanup(func() { _ = silent.Close() })
	garbage := serveUDP(t, listenUDP(t, "127.0.0.1:0"), func([]byte, txID, netip.AddrPort) []out {
		return []out{{b: []byte("not TURN at all")}}
	})
	for _, tc := range []struct {
		name string
		t    Target
		want TURNOutcome
		path Outcome
		says string
	}{
		{"UDP refused", udpTarget(closedAddr), TURNUnreachable, Refused, "was refused"},
		{"TCP refused", Target{Transport: TCP, Host: "127.0.0.1", Port: int(closedAddr.Port())}, TURNUnreachable, Refused, "was refused"},
		{"silent", udpTarget(addrPortOf(silent.LocalAddr())), TURNTimeout, Silent, "no answer over udp"},
		{"garbage", udpTarget(garbage.addr()), TURNTimeout, Garbage, "unreadable"},
		{"no address", Target{Transport: UDP, Host: "relay.invalid", Port: 3478}, TURNUnreachable, NoAddress, "looking up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Prober{Timeout: 700 * time.Millisecond, Resolver: fakeResolver{}}
			r := p.Allocate(t.Context(), tc.t, cred)
			if r.Outcome != tc.want || r.Path != tc.path || !strings.Contains(r.Reason, tc.says) {
				t.Fatalf("%+v; want %s/%s saying %q", r, tc.want, tc.path, tc.says)
			}
			if r.Took > 1500*time.Millisecond {
				t.Errorf("took %v with a 700ms timeout", r.Took)
			}
			assertNoSecrets(t, r)
		})
	}
}

// assertNoSecrets checks every way a result can be printed or stored.
func assertNoSecrets(t *testing.T, v any) {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), string(j)} {
		if strings.Contains(s, testUser) || strings.Contains(s, testPass) {
			t.Errorf("credentials leak: %s", s)
		}
	}
}

func TestCredentialsNeverPrint(t *testing.T) {
	cred := NewCredentials(testUser, testPass)
	assertNoSecrets(t, cred)
	assertNoSecrets(t, TURNServer{Target: Target{Transport: UDP, Host: "h", Port: 1}, Credentials: cred})
	assertNoSecrets(t, Set{TURN: []TURNServer{{Credentials: cred}}})
	for _, f := range []string{"%s", "%v", "%+v", "%#v", "%q", "%x", "%d"} {
		if s := fmt.Sprintf(f, cred); s != redacted {
			t.Errorf("%s: %q", f, s)
		}
	}
	if cred.IsZero() || !NewCredentials("", "").IsZero() {
		t.Error("IsZero")
	}
	if got := scrubSecrets("user alice-7d1e-user failed", testUser, ""); got != "user [redacted] failed" {
		t.Error(got)
	}
}
