package services

import (
	"context"
	"net/netip"
	"sync"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/netstate"
)

// ownerFunc maps a local address to the interface that has it, and says
// whether that interface is a VPN's tunnel; ok is false when no interface
// has it. The route a service's traffic takes is the interface of the
// local address of a socket connected to it: policy routing (WireGuard's
// fwmark rules, VPN clients' own tables) defeats a route-table lookup, the
// kernel's choice of source address does not.
type ownerFunc func(local netip.Addr) (name string, tunnel bool, ok bool)

// snapshotOwner looks local addresses up in the run's network state
// (env.Net), the interfaces every other section of the report names. An
// address no interface of the snapshot has belongs to an interface that
// came up since it was read (a VPN that connects on demand when a company
// name is first used): then, once per run, it asks for a fresh read.
func snapshotOwner(ctx context.Context, env *checks.Env) ownerFunc {
	var (
		mu        sync.Mutex
		ifaces    []netstate.Interface
		read      bool
		refreshed bool
	)
	lookup := func(local netip.Addr) (netstate.Interface, bool) {
		for _, i := range ifaces {
			if i.Has(local) {
				return i, true
			}
		}
		return netstate.Interface{}, false
	}
	return func(local netip.Addr) (string, bool, bool) {
		local = local.Unmap().WithZone("")
		mu.Lock()
		defer mu.Unlock()
		if !read {
			read = true
			list, err := env.Net.Interfaces(ctx)
			if err != nil {
				env.Debugf("interfaces: %v", err)
			}
			ifaces = list
		}
		i, ok := lookup(local)
		if !ok && !refreshed {
			refreshed = true
			if list, err := env.Net.Fresh(ctx).Interfaces(ctx); err == nil {
				ifaces = list
				i, ok = lookup(local)
			}
		}
		if !ok {
			return "", false, false
		}
		return i.Name, i.Kind == netstate.KindTunnel, true
	}
}
