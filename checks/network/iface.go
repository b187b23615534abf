package network

import (
	"context"

	"io/fs"
	"net"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/wfh-cli/wfh/checks"
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

// tunnelPrefixes are interface names VPN clients and tunnels use on Linux,
// macOS and Windows-with-WSL alike.
var tunnelPrefixes = []string{"tun", "tap", "wg", "utun", "ppp", "ipsec", "gpd", "cscotun", "vpn", "tailscale", "zt", "nordlynx"}

// wifiPrefixes are common wireless names where the OS gives no better source.
var wifiPrefixes = []string{"wlan", "wlp", "wlx", "wifi", "ath", "ra"}

// classify tells wired, Wi-Fi and tunnel apart. On Linux, sysfs is
// authoritative (a "wireless" directory, the tun_flags file, the link type);
// elsewhere the name is the best cheap hint, and the per-OS Wi-Fi facts of a
// later check refine it.
func classify(env *checks.Env, name string, flags net.Flags) ifaceKind {
	if flags&net.FlagLoopback != 0 {
		return kindOther
	}
	if env.FS != nil && env.OS == "linux" {
		base := path.Join("sys/class/net", name)
		if _, err := fs.Stat(env.FS, path.Join(base, "wireless")); err == nil {
			return kindWiFi
		}
		if _, err := fs.Stat(env.FS, path.Join(base, "tun_flags")); err == nil {
			return kindTunnel
		}
		if t, err := fs.ReadFile(env.FS, path.Join(base, "type")); err == nil {
			switch strings.TrimSpace(string(t)) {
			case "1": // ARPHRD_ETHER
				if _, err := fs.Stat(env.FS, path.Join(base, "device")); err == nil {
					return kindWired
				}
				return kindOther // bridges, veths, docker0: virtual
			case "65534", "512", "776", "778", "768", "769": // none (wireguard, tun), PPP, sit, GRE, IPIP, IP6IP6
				return kindTunnel
			}
		}
	}
	return classifyByName(name, flags)
}

func classifyByName(name string, flags net.Flags) ifaceKind {
	lower := strings.ToLower(name)
	for _, p := range tunnelPrefixes {
		if strings.HasPrefix(lower, p) {
			return kindTunnel
		}
	}
	if flags&net.FlagPointToPoint != 0 {
		return kindTunnel
	}
	for _, p := range wifiPrefixes {
		if strings.HasPrefix(lower, p) {
			return kindWiFi
		}
	}
	if strings.Contains(lower, "wi-fi") || strings.Contains(lower, "wireless") {
		return kindWiFi
	}
	if strings.HasPrefix(lower, "en") || strings.HasPrefix(lower, "eth") || strings.Contains(lower, "ethernet") {
		return kindWired
	}
	return kindOther
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
