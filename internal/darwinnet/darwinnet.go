// Package darwinnet reads macOS's network state from the kernel's routing
// socket, which does not change with the system's language or release,
// instead of the text of netstat -rn and ifconfig:
//
//   - FetchLinks: interfaces (name, index, IFT_ type, flags, MTU, MAC) and
//     their addresses, from the interface list (NET_RT_IFLIST);
//   - FetchRoutes: the routing table (NET_RT_DUMP), with each route's
//     flags, so that interface-scoped routes (RTF_IFSCOPE) are told from
//     the machine's defaults.
//
// As internal/winnet does for Windows, the Fetch functions (darwin-only
// files, through golang.org/x/net/route, which builds only on darwin and
// the BSDs) copy the kernel's messages into the plain structs of this file
// and nothing else. What they mean for wfh (an interface's kind, the
// machine's default routes) is internal/netstate's, which converts them
// into its snapshot in code tested on every OS, and asks `ipconfig
// getsummary` whether an Ethernet-type interface is Wi-Fi (the routing
// socket gives Wi-Fi, wired ports and AWDL the same IFT_ETHER type). This
// package imports nothing of wfh. Off darwin the Fetch functions return
// ErrUnsupported.
package darwinnet

import (
	"errors"
	"net/netip"
)

// ErrUnsupported is what the Fetch functions return off macOS.
var ErrUnsupported = errors.New("darwinnet: only macOS has these sources")

// Interface types (IFT_* of net/if_types.h) macOS reports in Link.Type.
const (
	IFTOther     = 0x1  // utun, ipsec
	IFTEther     = 0x6  // wired ports, Wi-Fi, awdl0, llw0, bridge members, the T2 link
	IFTPPP       = 0x17 // ppp0 of L2TP and PPTP VPNs
	IFTLoop      = 0x18
	IFTIEEE80211 = 0x47 // not used by Apple's own Wi-Fi, which says IFTEther
	IFTGIF       = 0x37
	IFTSTF       = 0x39
	IFTL2VLAN    = 0x87
	IFTBond      = 0x88 // IFT_IEEE8023ADLAG
	IFTBridge    = 0xd1
	IFTCellular  = 0xff
)

// Interface flags (IFF_* of net/if.h).
const (
	IFFUp           = 0x1
	IFFBroadcast    = 0x2
	IFFLoopback     = 0x8
	IFFPointToPoint = 0x10
	IFFRunning      = 0x40
	IFFMulticast    = 0x8000
)

// Route flags (RTF_* of net/route.h).
const (
	RTFUp        = 0x1
	RTFGateway   = 0x2
	RTFHost      = 0x4
	RTFReject    = 0x8
	RTFStatic    = 0x800
	RTFBlackhole = 0x1000
	RTFLLInfo    = 0x400
	RTFWasCloned = 0x20000
	RTFIfScope   = 0x1000000
	RTFGlobal    = 0x40000000
)

// Link is one interface of the routing socket's interface list.
type Link struct {
	Index int
	Name  string
	// Type is the IFT_* interface type; Flags the IFF_* flags.
	Type, Flags int
	MTU         int
	// MAC is the link-layer address in net.HardwareAddr's form, "" when
	// the interface has none.
	MAC string
}

// Addr is one address of an interface.
type Addr struct {
	// Index is the interface's.
	Index int
	// Addr is the address, without zone; Mask its netmask, invalid when
	// the kernel gave none.
	Addr, Mask netip.Addr
	// Peer is the far end of a point-to-point interface (a utun's
	// "inet A --> B"), invalid when there is none.
	Peer netip.Addr
}

// RouteMsg is one route of the kernel's table, as the routing socket
// gives it.
type RouteMsg struct {
	// Flags are the RTF_* flags; Index the interface's index.
	Flags, Index int
	// Dst is the destination; Mask the netmask, invalid when the kernel
	// gave none (a host route).
	Dst, Mask netip.Addr
	// Gateway is the next hop's address, invalid when the gateway is a
	// link (an on-link route, "link#11" in netstat, or a neighbour's
	// link-layer address).
	Gateway netip.Addr
	// GatewayMAC is the neighbour's link-layer address of an ARP or NDP
	// entry (a host route with RTF_LLINFO), "" otherwise.
	GatewayMAC string
}
