package netstate

import (
	"io/fs"
	"path"
	"strings"
)

// tunnelPrefixes are interface names VPN clients and tunnels use on Linux,
// macOS and Windows-with-WSL alike.
var tunnelPrefixes = []string{"tun", "tap", "wg", "utun", "ppp", "ipsec", "gpd", "cscotun", "vpn", "tailscale", "zt", "nordlynx"}

// wifiPrefixes are common wireless names where the OS gives no better source.
var wifiPrefixes = []string{"wlan", "wlp", "wlx", "wifi", "ath", "ra"}

// ClassifySysfs tells the kind of a Linux interface from sysfs, which is
// authoritative: a "wireless" or "phy80211" directory, the tun_flags file
// of TUN/TAP devices (wireguard-go, OpenVPN, openconnect), the link type.
// fsys is rooted at "/". ok is false when sysfs says nothing (no such
// entry, an unknown type).
//
// An Ethernet-type link is wired when it is a network card (a "device"
// link) or stands for one: a veth (how a container or a network namespace
// is connected), a VLAN or macvlan, a bond, or a bridge (how a host with
// virtual machines connects its card). None is a radio this machine could
// move closer to. Links that carry nothing of their own (ifb, dummy) and
// the host-only bridges and overlays of containers and virtual machines
// (docker0, virbr0, cni0) are other: sysfs does not tell a veth from those,
// so they are told by the names their tools give them.
func ClassifySysfs(fsys fs.FS, name string) (k Kind, ok bool) {
	if fsys == nil || name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return "", false
	}
	base := path.Join("sys/class/net", name)
	exists := func(p string) bool {
		_, err := fs.Stat(fsys, path.Join(base, p))
		return err == nil
	}
	for _, radio := range []string{"wireless", "phy80211"} {
		if exists(radio) {
			return KindWiFi, true
		}
	}
	if exists("tun_flags") {
		return KindTunnel, true
	}
	t, err := fs.ReadFile(fsys, path.Join(base, "type"))
	if err != nil {
		return "", false
	}
	switch strings.TrimSpace(string(t)) {
	case "1": // ARPHRD_ETHER
		if !exists("device") && hostOnly(name) {
			return KindOther, true
		}
		return KindWired, true
	case "772": // ARPHRD_LOOPBACK
		return KindLoopback, true
	case "65534", "512", "776", "778", "768", "769": // none (wireguard, tun), PPP, sit, GRE, IPIP, IP6IP6
		return KindTunnel, true
	}
	return "", false
}

// hostOnlyPrefixes name the virtual links that carry no traffic of the
// host's own: traffic-control helpers, dummies, and the bridges and
// overlays container and VM managers create for their guests.
var hostOnlyPrefixes = []string{"ifb", "dummy", "docker", "br-", "virbr", "lxcbr", "lxdbr", "cni", "podman",
	"vmnet", "vboxnet", "flannel", "cali", "weave", "kube", "cilium", "vxlan"}

func hostOnly(name string) bool {
	for _, p := range hostOnlyPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// ClassifyName guesses the kind from the interface name, where the OS gives
// no better source; a point-to-point interface is a tunnel.
func ClassifyName(name string, pointToPoint bool) Kind {
	lower := strings.ToLower(name)
	for _, p := range tunnelPrefixes {
		if strings.HasPrefix(lower, p) {
			return KindTunnel
		}
	}
	if pointToPoint {
		return KindTunnel
	}
	for _, p := range wifiPrefixes {
		if strings.HasPrefix(lower, p) {
			return KindWiFi
		}
	}
	if strings.Contains(lower, "wi-fi") || strings.Contains(lower, "wireless") {
		return KindWiFi
	}
	if strings.HasPrefix(lower, "en") || strings.HasPrefix(lower, "eth") || strings.Contains(lower, "ethernet") {
		return KindWired
	}
	return KindOther
}
