package darwinnet

import (
	"net/netip"
	"slices"
	"testing"

	"golang.org/x/net/route"
	"golang.org/x/sys/unix"
)

// TestConstantsMatchDarwin keeps the portable copies of the kernel's
// values equal to x/sys's, which only build on darwin.
func TestConstantsMatchDarwin(t *testing.T) {
	pairs := []struct {
		name      string
		ours, sys int
	}{
		{"IFTOther", IFTOther, unix.IFT_OTHER}, {"IFTEther", IFTEther, unix.IFT_ETHER},
		{"IFTPPP", IFTPPP, unix.IFT_PPP}, {"IFTLoop", IFTLoop, unix.IFT_LOOP},
		{"IFTGIF", IFTGIF, unix.IFT_GIF}, {"IFTSTF", IFTSTF, unix.IFT_STF},
		{"IFTL2VLAN", IFTL2VLAN, unix.IFT_L2VLAN}, {"IFTBond", IFTBond, unix.IFT_IEEE8023ADLAG},
		{"IFTBridge", IFTBridge, unix.IFT_BRIDGE}, {"IFTCellular", IFTCellular, unix.IFT_CELLULAR},
		{"IFFUp", IFFUp, unix.IFF_UP}, {"IFFLoopback", IFFLoopback, unix.IFF_LOOPBACK},
		{"IFFPointToPoint", IFFPointToPoint, unix.IFF_POINTOPOINT}, {"IFFRunning", IFFRunning, unix.IFF_RUNNING},
		{"RTFUp", RTFUp, unix.RTF_UP}, {"RTFGateway", RTFGateway, unix.RTF_GATEWAY}, {"RTFHost", RTFHost, unix.RTF_HOST},
		{"RTFReject", RTFReject, unix.RTF_REJECT}, {"RTFBlackhole", RTFBlackhole, unix.RTF_BLACKHOLE},
		{"RTFLLInfo", RTFLLInfo, unix.RTF_LLINFO}, {"RTFWasCloned", RTFWasCloned, unix.RTF_WASCLONED},
		{"RTFIfScope", RTFIfScope, unix.RTF_IFSCOPE}, {"RTFStatic", RTFStatic, unix.RTF_STATIC}, {"RTFGlobal", RTFGlobal, unix.RTF_GLOBAL},
	}
	for _, p := range pairs {
		if p.ours != p.sys {
			t.Errorf("%s = %#x, the kernel says %#x", p.name, p.ours, p.sys)
		}
	}
}

func TestConvertRoutes(t *testing.T) {
	addrs := func(a ...route.Addr) []route.Addr { return append(a, make([]route.Addr, unix.RTAX_MAX-len(a))...) }
	msgs := []route.Message{
		&route.RouteMessage{Flags: RTFUp | RTFGateway | RTFIfScope, Index: 8, Addrs: addrs(
			&route.Inet4Addr{}, &route.Inet4Addr{IP: [4]byte{192, 168, 1, 1}}, &route.Inet4Addr{})},
		&route.RouteMessage{Flags: RTFUp | RTFHost | RTFLLInfo, Index: 8, Addrs: addrs(
			&route.Inet4Addr{IP: [4]byte{192, 168, 1, 1}}, &route.LinkAddr{Index: 8, Addr: []byte{0xa4, 0x91, 0xb1, 0x2e, 0x7f, 0x10}})},
		&route.RouteMessage{Flags: RTFUp, Index: 16, Addrs: addrs(
			&route.Inet6Addr{IP: netip.MustParseAddr("fe80::").As16(), ZoneID: 16}, &route.LinkAddr{Index: 16},
			&route.Inet6Addr{IP: netip.MustParseAddr("ffff:ffff:ffff:ffff::").As16()})},
		&route.RouteMessage{Flags: RTFUp, Index: 9, Addrs: addrs(&route.LinkAddr{Index: 9})},
	}
	got := convertRoutes(msgs)
	if len(got) != 3 {
		t.Fatalf("%+v", got)
	}
	if got[0].Dst != netip.MustParseAddr("0.0.0.0") || got[0].Mask != netip.MustParseAddr("0.0.0.0") || got[0].Gateway != netip.MustParseAddr("192.168.1.1") {
		t.Errorf("default: %+v", got[0])
	}
	if got[1].GatewayMAC != "a4:91:b1:2e:7f:10" || got[1].Gateway.IsValid() {
		t.Errorf("neighbour entry: %+v", got[1])
	}
	if got[2].Dst != netip.MustParseAddr("fe80::") || got[2].Gateway.IsValid() || got[2].GatewayMAC != "" {
		t.Errorf("on-link IPv6: %+v", got[2])
	}
}

// TestFetchThisMac reads the Mac the test runs on: lo0 is there with
// 127.0.0.1, and there is a route. What netstate makes of it is tested in
// netstate's own test on macOS.
func TestFetchThisMac(t *testing.T) {
	links, addrs, err := FetchLinks()
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := FetchRoutes()
	if err != nil {
		t.Fatal(err)
	}
	lo := slices.IndexFunc(links, func(l Link) bool { return l.Name == "lo0" })
	if lo < 0 || links[lo].Type != IFTLoop {
		t.Errorf("lo0: %+v", links)
	}
	if !slices.ContainsFunc(addrs, func(a Addr) bool {
		return lo >= 0 && a.Index == links[lo].Index && a.Addr == netip.MustParseAddr("127.0.0.1")
	}) {
		t.Errorf("127.0.0.1 on lo0: %+v", addrs)
	}
	if len(msgs) == 0 {
		t.Error("no route")
	}
	for _, l := range links {
		t.Logf("%d %s type %#x flags %#x mtu %d", l.Index, l.Name, l.Type, l.Flags, l.MTU)
	}
	for _, m := range msgs {
		t.Logf("route %v/%v via %v on %d flags %#x", m.Dst, m.Mask, m.Gateway, m.Index, m.Flags)
	}
}
