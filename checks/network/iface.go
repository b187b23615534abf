package network

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/netinfo"
)

// systemInterfaces lists the machine's interfaces with their addresses and
// kind. net.Interfaces works the same on every OS; only the kind needs help.
func systemInterfaces(ctx context.Context, env *checks.Env) ([]iface, error) {
	list, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	// On Windows the connection name is the user's ("Wi-Fi", "Ethernet 2",
	// "Local Area Connection* 1"); the adapter description ipconfig prints
	// names the hardware or the VPN driver, which tells the kind far better.
	var adapters []adapterInfo
	if env.OS == "windows" {
		adapters = windowsAdapters(ctx, env)
	}
	var out []iface
	for _, ni := range list {
		i := iface{
			Index:    ni.Index,
			Name:     ni.Name,
			Up:       ni.Flags&net.FlagUp != 0 && ni.Flags&net.FlagRunning != 0,
			Loopback: ni.Flags&net.FlagLoopback != 0,
			MAC:      ni.HardwareAddr.String(),
		}
		addrs, _ := ni.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				ip, ok := netip.AddrFromSlice(ipn.IP)
				if !ok {
					continue
				}
				ones, _ := ipn.Mask.Size()
				i.Addrs = append(i.Addrs, netip.PrefixFrom(ip.Unmap(), ones))
			}
		}
		i.Kind = classify(env, ni.Name, ni.Flags)
		if k := adapterKind(adapters, ni.Name, i.MAC); k != "" && !i.Loopback {
			i.Kind = k
		}
		out = append(out, i)
	}
	return out, nil
}

// classify tells wired, Wi-Fi and tunnel apart. On Linux, sysfs is
// authoritative; elsewhere the name is the best cheap hint, and the per-OS
// Wi-Fi facts of a later check refine it.
func classify(env *checks.Env, name string, flags net.Flags) netinfo.Kind {
	if flags&net.FlagLoopback != 0 {
		return netinfo.KindOther
	}
	if env.OS == "linux" {
		if k, ok := netinfo.ClassifySysfs(env.FS, name); ok {
			return k
		}
	}
	return classifyByName(name, flags)
}

func classifyByName(name string, flags net.Flags) netinfo.Kind {
	return netinfo.ClassifyName(name, flags&net.FlagPointToPoint != 0)
}

// nameRouteInterfaces replaces the interface references some route tables
// use (Windows: the interface's address for IPv4, "if<index>" for IPv6) with
// the interface's name, so every OS reports "via Wi-Fi", not "via 12".
func nameRouteInterfaces(r *routes, list []iface) {
	for _, rs := range [][]defaultRoute{r.V4, r.V6} {
		for k := range rs {
			ref := rs[k].Interface
			for _, i := range list {
				if strings.HasPrefix(ref, "if") && ref == "if"+strconv.Itoa(i.Index) {
					rs[k].Interface = i.Name
				}
				if a, err := netip.ParseAddr(ref); err == nil {
					for _, p := range i.Addrs {
						if p.Addr() == a {
							rs[k].Interface = i.Name
						}
					}
				}
			}
		}
	}
}
