package checkstest

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Dialer is a fake checks.Dialer.
//
// A connection (TCP, or any network but UDP) goes as its Route in Routes
// says, looked up by the address as dialled ("192.0.2.10:443"), then by its
// host alone ("192.0.2.10", every port), then Default; with none of them the
// network is unreachable (ENETUNREACH), as for an address with no route.
//
// A UDP dial sends nothing: code dials UDP to learn which source address the
// route to a destination takes. It answers from Sources by destination
// address, else DefaultSource, with a connection whose local address is that
// source; with neither the network is unreachable.
//
// Use it by pointer; it is safe for concurrent use.
type Dialer struct {
	Routes        map[string]Route
	Default       *Route
	Sources       map[netip.Addr]netip.Addr
	DefaultSource netip.Addr

	mu    sync.Mutex
	dials []string
}

// Route is how dialling one address goes. With no field set the connection
// opens at once.
type Route struct {
	// RTT passes before the answer, as a round trip does.
	RTT time.Duration
	// Refused: the host answers with a reset (ECONNREFUSED), as a closed
	// port does.
	Refused bool
	// Silent: nothing answers until the context ends, as with a host that
	// drops the SYN.
	Silent bool
	// Err fails the dial with this error.
	Err error
	// Loopback dials for real, to a server the test started. An address
	// that is not loopback fails instead, so a test never reaches a real
	// network by mistake.
	Loopback bool
	// Local is the local address of the connection it opens.
	Local netip.Addr
}

// Dials returns what was dialled so far, in order, as "network address".
func (d *Dialer) Dials() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.dials)
}

// DialContext implements checks.Dialer.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	d.mu.Lock()
	d.dials = append(d.dials, network+" "+address)
	d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if strings.HasPrefix(network, "udp") {
		return d.source(network, address)
	}
	r, ok := d.route(address)
	if !ok {
		return nil, sysErr(network, syscall.ENETUNREACH)
	}
	if r.Silent {
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
	if r.RTT > 0 {
		t := time.NewTimer(r.RTT)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
		}
	}
	switch {
	case r.Err != nil:
		return nil, r.Err
	case r.Refused:
		return nil, sysErr(network, syscall.ECONNREFUSED)
	case r.Loopback:
		host, _, err := net.SplitHostPort(address)
		if ip, perr := netip.ParseAddr(host); err != nil || perr != nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("checkstest: %s is not a loopback address; tests dial only their own servers", address)
		}
		var nd net.Dialer
		return nd.DialContext(ctx, network, address)
	}
	return newConn(network, r.Local, address), nil
}

func (d *Dialer) route(address string) (Route, bool) {
	if r, ok := d.Routes[address]; ok {
		return r, true
	}
	if host, _, err := net.SplitHostPort(address); err == nil {
		if r, ok := d.Routes[host]; ok {
			return r, true
		}
	}
	if d.Default != nil {
		return *d.Default, true
	}
	return Route{}, false
}

func (d *Dialer) source(network, address string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	src, ok := d.Sources[ap.Addr()]
	if !ok {
		src = d.DefaultSource
	}
	if !src.IsValid() {
		return nil, sysErr(network, syscall.ENETUNREACH)
	}
	return newConn(network, src, address), nil
}

// sysErr is a dial error as the net package returns it.
func sysErr(network string, errno syscall.Errno) error {
	return &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", errno)}
}

// conn is an open connection to nobody: writes succeed, reads wait for the
// deadline or Close, as with a host that accepts and stays quiet.
type conn struct {
	local, remote net.Addr

	mu       sync.Mutex
	deadline time.Time
	closed   chan struct{}
	once     sync.Once
}

func newConn(network string, local netip.Addr, remote string) *conn {
	c := &conn{local: sockAddr(network, netip.AddrPortFrom(local, 0)), remote: nameAddr(remote), closed: make(chan struct{})}
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		c.remote = sockAddr(network, ap)
	}
	return c
}

// nameAddr is an address by host name, which no socket reports but a dial
// may ask for.
type nameAddr string

func (a nameAddr) Network() string { return "tcp" }
func (a nameAddr) String() string  { return string(a) }

// sockAddr is ap as the net package's address type of network, as a real
// socket reports it.
func sockAddr(network string, ap netip.AddrPort) net.Addr {
	if strings.HasPrefix(network, "udp") {
		return net.UDPAddrFromAddrPort(ap)
	}
	return net.TCPAddrFromAddrPort(ap)
}

func (c *conn) LocalAddr() net.Addr  { return c.local }
func (c *conn) RemoteAddr() net.Addr { return c.remote }

func (c *conn) Write(b []byte) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
		return len(b), nil
	}
}

func (c *conn) Read([]byte) (int, error) {
	c.mu.Lock()
	deadline := c.deadline
	c.mu.Unlock()
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	case <-timeout:
		return 0, os.ErrDeadlineExceeded
	}
}

func (c *conn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

func (c *conn) SetDeadline(t time.Time) error { return c.SetReadDeadline(t) }

func (c *conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return nil
}

func (c *conn) SetWriteDeadline(time.Time) error { return nil }
