package vpn

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/netinfo"
)

// iface is one network interface as this check sees it.
type iface struct {
	Index int
	Name  string
	// Description is the Windows adapter description ("WireGuard Tunnel"),
	// "" elsewhere.
	Description  string
	Kind         netinfo.Kind
	Up           bool
	PointToPoint bool
	Loopback     bool
	MTU          int
	Addrs        []netip.Prefix
}

// usable reports whether the interface has an address a connection can
// use: not loopback, link-local or multicast. macOS keeps several utun
// interfaces with link-local IPv6 addresses only for its own services;
// a VPN's tunnel always has more.
func (i iface) usable() bool {
	for _, p := range i.Addrs {
		a := p.Addr()
		if !a.IsLoopback() && !a.IsLinkLocalUnicast() && !a.IsMulticast() && !a.IsUnspecified() {
			return true
		}
	}
	return false
}

// has reports whether a is one of the interface's addresses.
func (i iface) has(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, p := range i.Addrs {
		if p.Addr().WithZone("") == a {
			return true
		}
	}
	return false
}

// systemTunnelPrefixes and systemTunnelPhrases name tunnel devices the OS
// makes on its own, never a VPN: Linux's fallback devices of the sit, gre,
// ipip and vti modules; Windows' IPv6 transition adapters.
var (
	systemTunnelPrefixes = []string{"sit", "gre", "gretap", "erspan", "tunl", "ip6tnl", "ip6gre", "ip_vti", "ip6_vti"}
	systemTunnelPhrases  = []string{"teredo", "isatap", "6to4", "ip-https", "wan miniport"}
)

// vpnTunnel reports whether the interface is a VPN's tunnel that is up:
// a tunnel kind, up, with a usable address, and not one the OS makes.
func (i iface) vpnTunnel() bool {
	if i.Kind != netinfo.KindTunnel || !i.Up || i.Loopback || !i.usable() {
		return false
	}
	lower := strings.ToLower(i.Name)
	for _, p := range systemTunnelPrefixes {
		if lower == p+"0" {
			return false
		}
	}
	desc := strings.ToLower(i.Description)
	for _, p := range systemTunnelPhrases {
		if strings.Contains(desc, p) || strings.Contains(lower, p) {
			return false
		}
	}
	return true
}

// sysIface is what the OS's interface list gives (net.Interfaces), kept
// apart so that tests can fake it.
type sysIface struct {
	Index int
	Name  string
	MTU   int
	Flags net.Flags
	Addrs []netip.Prefix
}

// goInterfaces lists the interfaces of this process's network namespace
// with net.Interfaces.
func goInterfaces() ([]sysIface, error) {
	list, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]sysIface, 0, len(list))
	for _, ni := range list {
		s := sysIface{Index: ni.Index, Name: ni.Name, MTU: ni.MTU, Flags: ni.Flags}
		addrs, _ := ni.Addrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if !ok {
				continue
			}
			ones, _ := ipn.Mask.Size()
			s.Addrs = append(s.Addrs, netip.PrefixFrom(ip.Unmap(), ones))
		}
		out = append(out, s)
	}
	return out, nil
}

// ifconfigTimeout: ifconfig answers in milliseconds; 2 s covers a loaded
// machine.
const ifconfigTimeout = 2 * time.Second

// interfaces lists the interfaces with their kind. macOS reads
// `ifconfig -a` (so its parser runs on the real format and tests drive
// it with fixtures), falling back to the OS list; Linux classifies with
// sysfs; Windows names the adapters with route print's interface list,
// which the route table read already fetched.
func (c *check) interfaces(ctx context.Context, env *checks.Env, adapters []netinfo.AdapterEntry) ([]iface, error) {
	if env.OS == "darwin" {
		out, err := probeutil.Run(ctx, env, ifconfigTimeout, "ifconfig", "-a")
		if err == nil {
			if list := fromIfconfig(netinfo.ParseIfconfig(out)); len(list) > 0 {
				return list, nil
			}
			err = errors.New("it listed no interface")
		}
		env.Debugf("ifconfig -a: %v; using the system's interface list", err)
	}
	sys, err := c.listInterfaces()
	if err != nil {
		return nil, err
	}
	out := make([]iface, 0, len(sys))
	for _, s := range sys {
		i := iface{
			Index: s.Index, Name: probeutil.CleanText(s.Name, 64), MTU: s.MTU, Addrs: s.Addrs,
			Up:           s.Flags&net.FlagUp != 0 && s.Flags&net.FlagRunning != 0,
			PointToPoint: s.Flags&net.FlagPointToPoint != 0,
			Loopback:     s.Flags&net.FlagLoopback != 0,
		}
		for _, a := range adapters {
			if a.Index == s.Index && s.Index > 0 {
				i.Description = probeutil.CleanText(a.Description, 120)
			}
		}
		switch {
		case i.Loopback:
			i.Kind = netinfo.KindOther
		case env.OS == "linux":
			if k, ok := netinfo.ClassifySysfs(env.FS, s.Name); ok {
				i.Kind = k
			}
		case env.OS == "windows" && i.Description != "":
			i.Kind = netinfo.ClassifyWindows(i.Description)
		}
		if i.Kind == "" {
			i.Kind = netinfo.ClassifyName(s.Name, i.PointToPoint)
		}
		out = append(out, i)
	}
	return out, nil
}

// fromIfconfig converts macOS ifconfig blocks. macOS has no sysfs and no
// descriptions: the name and the point-to-point flag tell the kind.
func fromIfconfig(list []netinfo.IfconfigInterface) []iface {
	out := make([]iface, 0, len(list))
	for _, b := range list {
		i := iface{
			Name: probeutil.CleanText(b.Name, 64), MTU: b.MTU, Addrs: b.Addrs,
			Up:           b.Has("UP") && b.Has("RUNNING"),
			PointToPoint: b.Has("POINTOPOINT"),
			Loopback:     b.Has("LOOPBACK"),
		}
		i.Kind = netinfo.ClassifyName(b.Name, i.PointToPoint)
		if i.Loopback {
			i.Kind = netinfo.KindOther
		}
		out = append(out, i)
	}
	return out
}

// byName finds an interface.
func byName(list []iface, name string) (iface, bool) {
	for _, i := range list {
		if i.Name == name {
			return i, true
		}
	}
	return iface{}, false
}

// owner returns the interface that has address a, "" when none does.
func owner(list []iface, a netip.Addr) string {
	for _, i := range list {
		if i.has(a) {
			return i.Name
		}
	}
	return ""
}
