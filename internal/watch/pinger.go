package watch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Pinger sends ICMP echo requests with no data (28 bytes for IPv4, 48
// for IPv6: the least a ping can be, which keeps a watch of hours inside
// its data budget) over one socket per family, and matches the replies by
// sequence number and sender, so any number of probes run at once.
//
// It uses ping sockets where the system allows them without privileges
// (Linux within net.ipv4.ping_group_range, macOS) and raw sockets
// otherwise (root or CAP_NET_RAW on Linux; Windows, where they need no
// elevation).
type Pinger struct {
	raw bool
	id  int
	seq atomic.Uint32
	mu  sync.Mutex
	c4  *pingConn
	c6  *pingConn
}

type pingConn struct {
	pc      *icmp.PacketConn
	v6      bool
	mu      sync.Mutex
	waiting map[uint16]*pingWaiter
}

type pingWaiter struct {
	dst netip.Addr
	got chan time.Time
}

// Echo sizes: the IP header and the 8-byte ICMP header, no data.
const (
	echoBytes4 = 20 + 8
	echoBytes6 = 40 + 8
)

// NewPinger opens the IPv4 socket to learn which kind this process may
// use; the IPv6 one opens on the first IPv6 probe. The error says why
// neither kind is allowed (callers then measure with TCP connects).
func NewPinger() (*Pinger, error) {
	p := &Pinger{id: os.Getpid() & 0xffff}
	var errs []error
	kinds := []bool{false, true} // ping socket, then raw
	if runtime.GOOS == "windows" {
		kinds = []bool{true} // Windows has raw ICMP only, and allows it
	}
	for _, raw := range kinds {
		c, err := openPing(raw, false, p.id)
		if err == nil {
			p.raw, p.c4 = raw, c
			return p, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

func openPing(raw, v6 bool, id int) (*pingConn, error) {
	network, addr := "udp4", "0.0.0.0"
	switch {
	case raw && !v6:
		network = "ip4:icmp"
	case raw && v6:
		network, addr = "ip6:ipv6-icmp", "::"
	case v6:
		network, addr = "udp6", "::"
	}
	pc, err := icmp.ListenPacket(network, addr)
	if err != nil {
		return nil, fmt.Errorf("%s socket: %w", network, err)
	}
	c := &pingConn{pc: pc, v6: v6, waiting: map[uint16]*pingWaiter{}}
	go c.read(raw, id)
	return c, nil
}

// Method is icmp for ping sockets, icmp_raw for raw sockets.
func (p *Pinger) Method() Method {
	if p.raw {
		return MethodICMPRaw
	}
	return MethodICMP
}

// Cost is one echo and its reply.
func (p *Pinger) Cost(r Rung) int {
	if r.Addr.Is6() && !r.Addr.Is4In6() {
		return 2 * echoBytes6
	}
	return 2 * echoBytes4
}

// Close closes the sockets; probes in flight end as lost.
func (p *Pinger) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, c := range []*pingConn{p.c4, p.c6} {
		if c != nil {
			errs = append(errs, c.pc.Close())
		}
	}
	return errors.Join(errs...)
}

func (p *Pinger) conn(v6 bool) (*pingConn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !v6 {
		return p.c4, nil
	}
	if p.c6 == nil {
		c, err := openPing(p.raw, true, p.id)
		if err != nil {
			return nil, err
		}
		p.c6 = c
	}
	return p.c6, nil
}

// Probe sends one echo to r.Addr and waits up to timeout for its reply.
func (p *Pinger) Probe(ctx context.Context, r Rung, timeout time.Duration) Result {
	dst := r.Addr.Unmap()
	v6 := dst.Is6()
	size := echoBytes4
	if v6 {
		size = echoBytes6
	}
	c, err := p.conn(v6)
	if err != nil {
		return Result{Outcome: LocalError, Err: err}
	}
	seq := uint16(p.seq.Add(1))
	w := &pingWaiter{dst: dst, got: make(chan time.Time, 1)}
	c.mu.Lock()
	c.waiting[seq] = w
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, seq)
		c.mu.Unlock()
	}()

	var typ icmp.Type = ipv4.ICMPTypeEcho
	if v6 {
		typ = ipv6.ICMPTypeEchoRequest
	}
	msg, err := (&icmp.Message{Type: typ, Body: &icmp.Echo{ID: p.id, Seq: int(seq)}}).Marshal(nil)
	if err != nil {
		return Result{Outcome: LocalError, Err: err}
	}
	var to net.Addr = &net.UDPAddr{IP: dst.AsSlice(), Zone: dst.Zone()}
	if p.raw {
		to = &net.IPAddr{IP: dst.AsSlice(), Zone: dst.Zone()}
	}
	start := time.Now()
	if _, err := c.pc.WriteTo(msg, to); err != nil {
		if noRoute(err) {
			return Result{Outcome: NoRoute, Err: err}
		}
		return Result{Outcome: LocalError, Err: err}
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case at := <-w.got:
		return Result{Outcome: Answered, RTT: at.Sub(start), Bytes: 2 * size}
	case <-timer.C:
		return Result{Outcome: Lost, Bytes: size}
	case <-ctx.Done():
		return Result{Outcome: LocalError, Err: ctx.Err(), Bytes: size}
	}
}

// read delivers echo replies to their waiting probes until the socket
// closes.
func (c *pingConn) read(raw bool, id int) {
	proto := 1 // ICMP
	want := icmp.Type(ipv4.ICMPTypeEchoReply)
	if c.v6 {
		proto, want = 58, ipv6.ICMPTypeEchoReply
	}
	buf := make([]byte, 1500)
	for {
		n, from, err := c.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // a bad packet or a transient error; the socket is still good
		}
		at := time.Now()
		m, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil || m.Type != want {
			continue
		}
		echo, ok := m.Body.(*icmp.Echo)
		if !ok || (raw && echo.ID != id) {
			continue // a raw socket sees every echo reply of the machine
		}
		src := addrOf(from)
		c.mu.Lock()
		w := c.waiting[uint16(echo.Seq)]
		c.mu.Unlock()
		if w == nil || (src.IsValid() && src != w.dst) {
			continue
		}
		select {
		case w.got <- at:
		default:
		}
	}
}

func addrOf(a net.Addr) netip.Addr {
	var ip net.IP
	var zone string
	switch v := a.(type) {
	case *net.UDPAddr:
		ip, zone = v.IP, v.Zone
	case *net.IPAddr:
		ip, zone = v.IP, v.Zone
	}
	addr, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}
	}
	addr = addr.Unmap()
	if zone != "" {
		addr = addr.WithZone(zone)
	}
	return addr
}
