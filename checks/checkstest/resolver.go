package checkstest

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Resolver is a fake checks.Resolver. A name in Hosts resolves to its
// addresses, a name in Errs fails with its error, a name in Hang waits until
// the lookup's context ends; any other name does not exist, as the real
// resolver reports NXDOMAIN. Delay holds every answer back, as a slow server
// does. Use it by pointer; it is safe for concurrent use.
type Resolver struct {
	Hosts map[string][]string
	Errs  map[string]error
	Hang  map[string]bool
	Delay time.Duration

	mu      sync.Mutex
	lookups []string
}

// Lookups returns the names looked up so far, in order.
func (r *Resolver) Lookups() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.lookups)
}

// LookupHost implements checks.Resolver.
func (r *Resolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	r.mu.Lock()
	r.lookups = append(r.lookups, host)
	r.mu.Unlock()
	if r.Hang[host] {
		<-ctx.Done()
		return nil, lookupStopped(ctx, host)
	}
	if r.Delay > 0 {
		t := time.NewTimer(r.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, lookupStopped(ctx, host)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, lookupStopped(ctx, host)
	}
	if err, ok := r.Errs[host]; ok {
		return nil, err
	}
	if list, ok := r.Hosts[host]; ok {
		return slices.Clone(list), nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// LookupIPAddr implements checks.Resolver; an entry of Hosts that is not an
// IP address is left out, as the real resolver never returns one.
func (r *Resolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	list, err := r.LookupHost(ctx, host)
	if err != nil {
		return nil, err
	}
	var out []net.IPAddr
	for _, s := range list {
		a, perr := netip.ParseAddr(s)
		if perr != nil {
			continue
		}
		out = append(out, net.IPAddr{IP: a.AsSlice(), Zone: a.Zone()})
	}
	return out, nil
}

// lookupStopped is the error of a lookup whose context ended, in the real
// resolver's form: "i/o timeout" for a deadline, with the context's error
// underneath.
func lookupStopped(ctx context.Context, host string) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return &net.DNSError{Err: "i/o timeout", Name: host, IsTimeout: true, UnwrapErr: err}
	}
	return &net.DNSError{Err: "operation was canceled", Name: host, UnwrapErr: err}
}
