//go:build !linux

package icmpprobe

import "context"

// Conn is not implemented on this system yet; Open returns ErrUnsupported.
type Conn struct{}

// Open returns ErrUnsupported: hop discovery and path-MTU probes are
// reported as not measured on this system.
func Open(Mode, bool) (*Conn, error) { return nil, ErrUnsupported }

// Mode is never called on this system.
func (*Conn) Mode() Mode { return 0 }

// Close does nothing.
func (*Conn) Close() error { return nil }

// Probe returns ErrUnsupported.
func (*Conn) Probe(context.Context, Probe) (Reply, error) { return Reply{}, ErrUnsupported }
