package services

import (
	"net"
	"net/netip"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/netinfo"
)

// ownerFunc maps a local address to the interface that has it, and says
// whether that interface is a VPN's tunnel; ok is false when no interface
// has it. The route a service's traffic takes is the interface of the
// local address of a socket connected to it: policy routing (WireGuard's
// fwmark rules, VPN clients' own tables) defeats a route-table lookup, the
// kernel's choice of source address does not.
type ownerFunc func(local netip.Addr) (name string, tunnel bool, ok bool)

// ifaceAddrs is one interface as the default lookup sees it.
type ifaceAddrs struct {
	Name         string
	PointToPoint bool
	Addrs        []netip.Addr
}

// systemOwner builds the default lookup from the OS's interface list
// (net.Interfaces) once per run, with the kind from sysfs on Linux and the
// name elsewhere (utun, wg, tun, ppp, ...). The network snapshot of a run
// (internal/netstate) replaces it where it is available; this is the
// fallback, and what tests fake through listIfaces.
func systemOwner(env *checks.Env, list func() ([]ifaceAddrs, error)) ownerFunc {
	ifs, err := list()
	if err != nil {
		env.Debugf("interfaces: %v", err)
		return func(netip.Addr) (string, bool, bool) { return "", false, false }
	}
	return func(local netip.Addr) (string, bool, bool) {
		local = local.Unmap().WithZone("")
		for _, i := range ifs {
			for _, a := range i.Addrs {
				if a.Unmap().WithZone("") != local {
					continue
				}
				kind := netinfo.Kind("")
				if env.OS == "linux" {
					if k, ok := netinfo.ClassifySysfs(env.FS, i.Name); ok {
						kind = k
					}
				}
				if kind == "" {
					kind = netinfo.ClassifyName(i.Name, i.PointToPoint)
				}
				return i.Name, kind == netinfo.KindTunnel, true
			}
		}
		return "", false, false
	}
}

// goInterfaces lists this process's interfaces with net.Interfaces.
func goInterfaces() ([]ifaceAddrs, error) {
	list, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]ifaceAddrs, 0, len(list))
	for _, ni := range list {
		i := ifaceAddrs{Name: ni.Name, PointToPoint: ni.Flags&net.FlagPointToPoint != 0}
		addrs, _ := ni.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(ipn.IP); ok {
					i.Addrs = append(i.Addrs, ip.Unmap())
				}
			}
		}
		out = append(out, i)
	}
	return out, nil
}
