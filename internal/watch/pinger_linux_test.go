package watch

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/internal/netlab"
)

// TestPingerPingSocket: where net.ipv4.ping_group_range lets this user
// ping, the pinger uses a ping socket (no privileges), and the replies
// still find their probes; a destination without a route is the
// computer's own problem (NoRoute), not a loss.
func TestPingerPingSocket(t *testing.T) {
	lab := netlab.New(t)
	home, _, _ := lab.HomeAndInternet()
	home.Sysctl("net.ipv4.ping_group_range", "0 2147483647")
	var p *Pinger
	if err := home.Do(func() (err error) { p, err = NewPinger(); return err }); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Method() != MethodICMP {
		t.Fatalf("method %s, want a ping socket", p.Method())
	}
	for _, tc := range []struct {
		addr string
		want Outcome
	}{
		{netlab.ServerIPv4, Answered},
		{netlab.RouterHomeIPv4, Answered},
		{"10.200.2.77", Lost}, // routed, nobody there
	} {
		res := p.Probe(context.Background(), Rung{Addr: netip.MustParseAddr(tc.addr)}, 500*time.Millisecond)
		if res.Outcome != tc.want {
			t.Errorf("%s: %+v, want %v", tc.addr, res, tc.want)
		}
	}
	home.Run("ip", "route", "del", "default")
	if res := p.Probe(context.Background(), Rung{Addr: netip.MustParseAddr(netlab.ServerIPv4)}, 500*time.Millisecond); res.Outcome != NoRoute {
		t.Errorf("without a default route: %+v, want no_route", res)
	}
}
