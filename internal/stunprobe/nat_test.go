package stunprobe

import (
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"
)

// natServers are the test's own RFC 5780 server on loopback: the primary
// address 127.0.0.1:P, and the other address 127.0.0.2 on P and Q.
type natServers struct {
	primary, otherSamePort, other netip.AddrPort
	sockets                       []net.PacketConn
}

// listenNATServers binds the three sockets; on systems where 127.0.0.2 is
// not local (macOS) the test skips.
func listenNATServers(t *testing.T) natServers {
	t.Helper()
	for range 20 { // the primary's port may be taken on 127.0.0.2: retry
		a := listenUDP(t, "127.0.0.1:0")
		p := addrPortOf(a.LocalAddr()).Port()
		b, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.2:%d", p))
		if err != nil {
			_ = a.Close()
			continue
		}
		c := listenUDP(t, "127.0.0.2:0")
		return natServers{
			primary:       addrPortOf(a.LocalAddr()),
			otherSamePort: addrPortOf(b.LocalAddr()),
			other:         addrPortOf(c.LocalAddr()),
			sockets:       []net.PacketConn{a, b, c},
		}
	}
	t.Skip("could not bind one port on both 127.0.0.1 and 127.0.0.2")
	return natServers{}
}

// serve makes each socket answer as a NAT would be seen through: mapped
// says which public address the client appears with when it sends to dst.
func (ns natServers) serve(t *testing.T, offerOther bool, mapped func(dst, from netip.AddrPort) netip.AddrPort) []*udpServer {
	var srvs []*udpServer
	for _, pc := range ns.sockets {
		dst := addrPortOf(pc.LocalAddr())
		srvs = append(srvs, serveUDP(t, pc, func(_ []byte, tx txID, from netip.AddrPort) []out {
			if offerOther {
				return []out{{b: successFor(t, tx, xorMapped(mapped(dst, from)), otherAddress(ns.other))}}
			}
			return []out{{b: successFor(t, tx, xorMapped(mapped(dst, from)))}}
		}))
	}
	return srvs
}

func TestNATMappingRFC5780(t *testing.T) {
	public := netip.MustParseAddr("203.0.113.50")
	for _, tc := range []struct {
		name   string
		mapped func(dst, from netip.AddrPort) netip.AddrPort
		want   Mapping
		says   string
	}{
		{"no NAT", func(_, from netip.AddrPort) netip.AddrPort { return from }, NoNAT, "no NAT"},
		{"endpoint-independent", func(_, from netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(public, from.Port()) }, EndpointIndependent, "endpoint-independent"},
		{"address-dependent", func(dst, from netip.AddrPort) netip.AddrPort {
			return netip.AddrPortFrom(public, from.Port()+uint16(dst.Addr().As4()[3]))
		}, AddressDependent, "symmetric NAT"},
		{"address-and-port-dependent", func(dst, from netip.AddrPort) netip.AddrPort {
			return netip.AddrPortFrom(public, dst.Port()^from.Port()^uint16(dst.Addr().As4()[3]))
		}, AddressAndPortDependent, "symmetric NAT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := listenNATServers(t)
			ns.serve(t, true, tc.mapped)
			rep := (&Prober{}).NATMapping(t.Context(), udpTarget(ns.primary))
			if rep.Mapping != tc.want || rep.Symmetric != tc.want.Symmetric() || !strings.Contains(rep.Reason, tc.says) {
				t.Fatalf("%+v; want %s saying %q", rep, tc.want, tc.says)
			}
			if tc.want != NoNAT && rep.Method != RFC5780 {
				t.Errorf("method %q", rep.Method)
			}
			if tc.want == NoNAT && (rep.Local.Addr().String() != "127.0.0.1" || len(rep.Observations) != 1) {
				t.Errorf("%+v", rep)
			}
			if tc.want == AddressAndPortDependent && len(rep.Observations) != 3 {
				t.Errorf("%d observations", len(rep.Observations))
			}
		})
	}
}

func TestNATMappingTwoServers(t *testing.T) {
	public := netip.MustParseAddr("203.0.113.50")
	for _, tc := range []struct {
		name   string
		mapped func(dst, from netip.AddrPort) netip.AddrPort
		want   Mapping
	}{
		{"same mapping", func(_, from netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(public, from.Port()) }, EndpointIndependent},
		{"different mappings", func(dst, from netip.AddrPort) netip.AddrPort {
			return netip.AddrPortFrom(public, from.Port()+uint16(dst.Addr().As4()[3]))
		}, DestinationDependent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := listenNATServers(t)
			ns.serve(t, false, tc.mapped)
			rep := (&Prober{}).NATMapping(t.Context(), udpTarget(ns.primary), udpTarget(ns.other))
			if rep.Mapping != tc.want || rep.Method != TwoServers || len(rep.Observations) != 2 {
				t.Fatalf("%+v; want %s", rep, tc.want)
			}
		})
	}
}

func TestNATMappingUnknown(t *testing.T) {
	public := netip.MustParseAddr("203.0.113.50")
	ns := listenNATServers(t)
	ns.serve(t, false, func(_, from netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(public, from.Port()) })
	p := &Prober{Timeout: 600 * time.Millisecond}
	if rep := p.NATMapping(t.Context(), udpTarget(ns.primary)); rep.Mapping != MappingUnknown || !strings.Contains(rep.Reason, "no second address") {
		t.Errorf("one plain server: %+v", rep)
	}
	if rep := p.NATMapping(t.Context(), Target{Transport: TCP, Host: "127.0.0.1", Port: 1}); rep.Mapping != MappingUnknown || rep.First != Failed {
		t.Errorf("no UDP server: %+v", rep)
	}
	// The second server is silent.
	silent := listenUDP(t, "127.0.0.2:0")
	t.Cleanup(func() { _ = silent.Close() })
	rep := p.NATMapping(t.Context(), udpTarget(ns.primary), udpTarget(addrPortOf(silent.LocalAddr())))
	if rep.Mapping != MappingUnknown || !strings.Contains(rep.Reason, "did not answer") || rep.Took > 2*time.Second {
		t.Errorf("silent second server: %+v", rep)
	}
}

// TestNATMappingIgnoresOtherSources: the unconnected socket of the NAT
// probe does see answers from another address; they are counted and
// never taken as the answer.
func TestNATMappingIgnoresOtherSources(t *testing.T) {
	ns := listenNATServers(t)
	liar := ns.sockets[2]
	serveUDP(t, ns.sockets[0], func(_ []byte, tx txID, from netip.AddrPort) []out {
		return []out{{via: liar, b: successFor(t, tx, xorMapped(from))}}
	})
	rep := (&Prober{Timeout: 600 * time.Millisecond}).NATMapping(t.Context(), udpTarget(ns.primary))
	if rep.Mapping != MappingUnknown || rep.First != Garbage || rep.Ignored.WrongSource < 1 || !strings.Contains(rep.Reason, "from another address") {
		t.Fatalf("%+v", rep)
	}
}

func TestMappingSymmetric(t *testing.T) {
	for m, want := range map[Mapping]bool{
		MappingUnknown: false, NoNAT: false, EndpointIndependent: false,
		AddressDependent: true, AddressAndPortDependent: true, DestinationDependent: true,
	} {
		if m.Symmetric() != want {
			t.Errorf("%s.Symmetric() = %v", m, !want)
		}
	}
}

// TestNATMappingRefused: a closed port answers ICMP port unreachable; on
// Linux the NAT probe's unconnected socket hears it (IP_RECVERR) and stops
// at once, elsewhere it waits for its deadline and reads silence.
func TestNATMappingRefused(t *testing.T) {
	pc := listenUDP(t, "127.0.0.1:0")
	addr := addrPortOf(pc.LocalAddr())
	_ = pc.Close()
	// A refusal must end the probe well before this deadline.
	const deadline = 2 * time.Second
	rep := (&Prober{Timeout: deadline}).NATMapping(t.Context(), udpTarget(addr))
	want, quick := Silent, false
	if runtime.GOOS == "linux" {
		want, quick = Refused, true
	}
	if rep.First != want || rep.Mapping != MappingUnknown || (quick && rep.Took > deadline/2) {
		t.Fatalf("%+v; want first %s", rep, want)
	}
}
