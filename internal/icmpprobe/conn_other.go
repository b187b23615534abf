//go:build !linux

package icmpprobe

import (
	"context"
	"net/netip"
	"time"
)

// Conn is not implemented on this system yet; Open returns ErrUnsupported.
type Conn struct{}

// Open returns ErrUnsupported: hop discovery, path-MTU probes and echo
// sessions are reported as not measured on this system (the latency check
// sends its echoes with pro-bing here).
func Open(Mode, bool) (*Conn, error) { return nil, ErrUnsupported }

// Mode is never called on this system.
func (*Conn) Mode() Mode { return 0 }

// Close does nothing.
func (*Conn) Close() error { return nil }

// Probe returns ErrUnsupported.
func (*Conn) Probe(context.Context, Probe) (Reply, error) { return Reply{}, ErrUnsupported }

// SendEcho returns ErrUnsupported.
func (*Conn) SendEcho(netip.Addr, uint16, int, []byte) (time.Time, error) {
	return time.Time{}, ErrUnsupported
}

// ReadEvents returns ErrUnsupported.
func (*Conn) ReadEvents(_ time.Time, buf []Event) ([]Event, error) { return buf, ErrUnsupported }
