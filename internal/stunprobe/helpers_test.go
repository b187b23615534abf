package stunprobe

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/pion/stun/v3"
)

// reply builders for the test's own STUN servers.

// successFor builds a Binding success response to tx with the attributes.
func successFor(t testing.TB, tx txID, setters ...stun.Setter) []byte {
	t.Helper()
	all := append([]stun.Setter{stun.NewTransactionIDSetter(tx), stun.BindingSuccess}, setters...)
	m, err := stun.Build(all...)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), m.Raw...)
}

func xorMapped(ap netip.AddrPort) stun.Setter {
	return &stun.XORMappedAddress{IP: ap.Addr().AsSlice(), Port: int(ap.Port())}
}

func plainMapped(ap netip.AddrPort) stun.Setter {
	return &stun.MappedAddress{IP: ap.Addr().AsSlice(), Port: int(ap.Port())}
}

func otherAddress(ap netip.AddrPort) stun.Setter {
	return &stun.OtherAddress{IP: ap.Addr().AsSlice(), Port: int(ap.Port())}
}

// rawAttrBytes appends an attribute with any value, however malformed.
func rawAttrBytes(t stun.AttrType, v []byte) stun.Setter { return rawAttr{t, v} }

// errorFor builds a Binding error response.
func errorFor(t testing.TB, tx txID, code int, reason string) []byte {
	t.Helper()
	m, err := stun.Build(stun.NewTransactionIDSetter(tx), stun.NewType(stun.MethodBinding, stun.ClassErrorResponse),
		stun.ErrorCodeAttribute{Code: stun.ErrorCode(code), Reason: []byte(reason)})
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), m.Raw...)
}

// requestTx reads the transaction ID of a request; ok is false for
// anything that is not a STUN request.
func requestTx(b []byte) (txID, bool) {
	var tx txID
	if len(b) < headerSize || binary.BigEndian.Uint32(b[4:8]) != magicCookie || b[0]&0x01 != 0 || b[1]&0x10 != 0 {
		return tx, false
	}
	copy(tx[:], b[8:20])
	return tx, true
}

// out is one datagram a test server sends: from via (nil: the socket the
// request came in on) to the requester.
type out struct {
	via net.PacketConn
	b   []byte
}

// serveUDP answers every request on pc with what answer returns, until
// the test ends. It records how many requests came.
type udpServer struct {
	pc       net.PacketConn
	mu       sync.Mutex
	requests int
}

func serveUDP(t testing.TB, pc net.PacketConn, answer func(req []byte, tx txID, from netip.AddrPort) []out) *udpServer {
	s := &udpServer{pc: pc}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			tx, ok := requestTx(buf[:n])
			if !ok {
				continue
			}
			s.mu.Lock()
			s.requests++
			s.mu.Unlock()
			src := addrPortOf(from)
			for _, o := range answer(append([]byte(nil), buf[:n]...), tx, src) {
				via := o.via
				if via == nil {
					via = pc
				}
				_, _ = via.WriteTo(o.b, from)
			}
		}
	}()
	t.Cleanup(func() {
		_ = pc.Close()
		<-done
	})
	return s
}

func (s *udpServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *udpServer) addr() netip.AddrPort { return addrPortOf(s.pc.LocalAddr()) }

// listenUDP opens a loopback UDP socket, or skips where the address is
// not local (only Linux treats all of 127/8 as loopback).
func listenUDP(t testing.TB, addr string) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && addr != "127.0.0.1:0" {
			t.Skipf("cannot listen on %s here: %v", addr, err)
		}
		t.Fatal(err)
	}
	return pc
}

func mustAP(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
