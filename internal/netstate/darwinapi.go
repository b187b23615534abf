package netstate

import (
	"context"
	"errors"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wfh-cli/wfh/internal/darwinnet"
	"github.com/wfh-cli/wfh/internal/textutil"
)

// macAPI reads macOS's routing socket: internal/darwinnet's readers on
// macOS, values modelled on real Macs in tests on every OS.
type macAPI struct {
	Links  func() ([]darwinnet.Link, []darwinnet.Addr, error)
	Routes func() ([]darwinnet.RouteMsg, error)
}

// The names the snapshot's Origins give the native macOS sources.
const (
	viaRoutingSocket        = "routing socket"
	viaRoutingSocketSummary = "routing socket and ipconfig getsummary"
)

// darwinAPISources puts the routing socket in front of the text sources
// for the interfaces (with `ipconfig getsummary` telling Wi-Fi from
// wired) and the routes; a part whose read fails falls back to ifconfig
// -a -v or netstat -rn, and the snapshot's Origins say so. DNS stays with
// scutil --dns (macOS has no cgo-free API for its resolver scopes), the
// proxy with scutil --proxy.
func darwinAPISources(t *tools, api macAPI, text Sources) Sources {
	r := &macRead{api: api}
	return Sources{
		Interfaces: macInterfaceSource{t, r, text.Interfaces},
		Routes:     macRouteSource{t, r, text.Routes},
		DNS:        text.DNS,
		Proxy:      text.Proxy,
		Egress:     text.Egress,
	}
}

// macRead dumps the interface list once per read: the interfaces and the
// routes' interface names both need it.
type macRead struct {
	api   macAPI
	once  sync.Once
	links []darwinnet.Link
	addrs []darwinnet.Addr
	err   error
}

func (r *macRead) readLinks() ([]darwinnet.Link, []darwinnet.Addr, error) {
	r.once.Do(func() {
		if r.api.Links == nil {
			r.err = darwinnet.ErrUnsupported
			return
		}
		r.links, r.addrs, r.err = r.api.Links()
		if r.err == nil && len(r.links) == 0 {
			r.err = errors.New("the routing socket listed no interface")
		}
	})
	return r.links, r.addrs, r.err
}

type macInterfaceSource struct {
	t    *tools
	r    *macRead
	text InterfaceSource
}

func (s macInterfaceSource) Interfaces(ctx context.Context) ([]Interface, error) {
	return nativeFirst(ctx, s.t, PartInterfaces, "the routing socket", viaRoutingSocketSummary,
		func(ctx context.Context) ([]Interface, error) {
			links, addrs, err := s.r.readLinks()
			if err != nil {
				return nil, err
			}
			return macInterfaces(links, addrs, macSummaries(ctx, s.t, links)), nil
		},
		textSource(s.text, InterfaceSource.Interfaces), func([]Interface) string { return "ifconfig -a -v" })
}

type macRouteSource struct {
	t    *tools
	r    *macRead
	text RouteSource
}

func (s macRouteSource) Routes(ctx context.Context) (Routes, error) {
	return nativeFirst(ctx, s.t, PartRoutes, "the routing socket", viaRoutingSocket,
		func(context.Context) (Routes, error) {
			if s.r.api.Routes == nil {
				return Routes{}, darwinnet.ErrUnsupported
			}
			msgs, err := s.r.api.Routes()
			if err != nil {
				return Routes{}, err
			}
			// Without the links the routes keep their indexes, which the
			// read maps to names.
			links, _, _ := s.r.readLinks()
			return macRoutes(msgs, links), nil
		},
		textSource(s.text, RouteSource.Routes), func(Routes) string { return "netstat -rn" })
}

// macSummary is what `ipconfig getsummary IF` says of an interface.
type macSummary struct {
	// Type is the InterfaceType ("WiFi", "Ethernet"), "" when none.
	Type string
	// Inactive is set when LinkStatusActive says FALSE: no cable, or a
	// Wi-Fi not associated, although the flags may say RUNNING.
	Inactive bool
}

// macNeedsSummary reports whether an interface's kind needs `ipconfig
// getsummary`: an Ethernet-type link that is up and whose name and type do
// not already decide.
func macNeedsSummary(l darwinnet.Link) bool {
	if l.Type != darwinnet.IFTEther || l.Flags&darwinnet.IFFUp == 0 {
		return false
	}
	_, ok := macKind(macLinkOf(l, ""))
	return !ok
}

// macSummaries asks `ipconfig getsummary NAME` for each link that needs it
// (one short configd query each; a laptop has one or two). A link whose
// command fails or says no type is left out, and its kind stays other.
func macSummaries(ctx context.Context, t *tools, links []darwinnet.Link) map[string]macSummary {
	out := map[string]macSummary{}
	for _, l := range links {
		if !macNeedsSummary(l) || ctx.Err() != nil {
			continue
		}
		text, err := t.run(ctx, "ipconfig", "getsummary", l.Name)
		if err != nil {
			continue
		}
		if s := parseIpconfigSummary(text); s.Type != "" {
			out[l.Name] = s
		}
	}
	return out
}

// parseIpconfigSummary reads `ipconfig getsummary`'s output, a dictionary
// printed as
//
//	<dictionary> {
//	  InterfaceType : WiFi
//	  LinkStatusActive : TRUE
//	  ...
//	}
//
// Its keys are configd's, not localised. Only the outer dictionary's keys
// count: nested dictionaries are indented further.
func parseIpconfigSummary(out string) macSummary {
	var s macSummary
	depth := 0
	for _, raw := range strings.Split(out, "\n") {
		line := strings.TrimSpace(strings.TrimRight(raw, "\r"))
		if depth == 1 {
			if k, v, ok := strings.Cut(line, " : "); ok {
				v = strings.TrimSpace(v)
				switch strings.TrimSpace(k) {
				case "InterfaceType":
					if v != "" && !strings.ContainsAny(v, "{}<> ") && len(v) <= 32 {
						s.Type = textutil.CleanText(v, 32)
					}
				case "LinkStatusActive":
					s.Inactive = v == "FALSE"
				}
			}
		}
		if strings.HasSuffix(line, "{") {
			depth++
		} else if line == "}" && depth > 0 {
			depth--
		}
	}
	return s
}

func macLinkOf(l darwinnet.Link, functionalType string) macLink {
	return macLink{Name: l.Name, IFT: l.Type, Loopback: l.Flags&darwinnet.IFFLoopback != 0,
		PointToPoint: l.Flags&darwinnet.IFFPointToPoint != 0, Type: functionalType}
}

// macInterfaces converts the routing socket's links and addresses, in the
// kernel's order. summaries are what `ipconfig getsummary` said of the
// links that needed asking (macSummaries).
func macInterfaces(links []darwinnet.Link, addrs []darwinnet.Addr, summaries map[string]macSummary) []Interface {
	out := make([]Interface, 0, len(links))
	for _, l := range links {
		sum := summaries[l.Name]
		i := Interface{
			Index: l.Index, Name: textutil.CleanText(l.Name, 64), MTU: l.MTU, MAC: l.MAC,
			Up:           l.Flags&darwinnet.IFFUp != 0 && l.Flags&darwinnet.IFFRunning != 0 && !sum.Inactive,
			PointToPoint: l.Flags&darwinnet.IFFPointToPoint != 0,
			Loopback:     l.Flags&darwinnet.IFFLoopback != 0 || l.Type == darwinnet.IFTLoop,
		}
		i.Kind, _ = macKind(macLinkOf(l, sum.Type))
		for _, a := range addrs {
			if a.Index == l.Index && a.Addr.IsValid() {
				i.Addrs = append(i.Addrs, netip.PrefixFrom(a.Addr.WithZone(""), macPrefixLen(a.Addr, a.Mask)))
			}
		}
		out = append(out, i)
	}
	return out
}

// macRoutes converts the kernel's route messages, in table order; a
// route's Metric is its position in its family's table, as with netstat
// -rn (macOS keeps no metric). An interface-scoped route (RTF_IFSCOPE,
// netstat's "I": one default per network service, for traffic bound to
// that interface) is marked Scoped and so is never a default. Neighbour
// entries (ARP and NDP rows with a link-layer gateway), routes that are
// not up, and reject and blackhole routes are left out: none is a way
// anywhere.
func macRoutes(msgs []darwinnet.RouteMsg, links []darwinnet.Link) Routes {
	names := make(map[int]string, len(links))
	for _, l := range links {
		names[l.Index] = textutil.CleanText(l.Name, 64)
	}
	var rt Routes
	for _, m := range msgs {
		switch {
		case !m.Dst.IsValid(), m.GatewayMAC != "",
			m.Flags&darwinnet.RTFLLInfo != 0 && m.Flags&darwinnet.RTFWasCloned != 0,
			m.Flags&darwinnet.RTFUp == 0, m.Flags&(darwinnet.RTFReject|darwinnet.RTFBlackhole) != 0:
			continue
		}
		dst := m.Dst.Unmap().WithZone("")
		n := dst.BitLen()
		if m.Flags&darwinnet.RTFHost == 0 && m.Mask.IsValid() {
			n = macPrefixLen(dst, m.Mask)
		}
		name, ok := names[m.Index]
		if !ok {
			name = "if" + strconv.Itoa(m.Index)
		}
		r := Route{Dst: netip.PrefixFrom(dst, n).Masked(), Interface: name, Scoped: m.Flags&darwinnet.RTFIfScope != 0}
		if m.Gateway.IsValid() && !m.Gateway.IsUnspecified() && m.Flags&darwinnet.RTFGateway != 0 {
			r.Gateway = m.Gateway.Unmap().WithZone("")
		}
		if dst.Is4() {
			r.Metric = len(rt.V4)
			rt.V4 = append(rt.V4, r)
		} else {
			r.Metric = len(rt.V6)
			rt.V6 = append(rt.V6, r)
		}
	}
	return rt
}

// macPrefixLen is the prefix length of a netmask for addr: the leading
// ones of a contiguous mask of addr's family. A mask of the other family
// (the kernel's short form can look like one) or a non-contiguous mask
// gives the full length, a host.
func macPrefixLen(addr, mask netip.Addr) int {
	full := addr.BitLen()
	if !mask.IsValid() || mask.BitLen() != full {
		return full
	}
	b := mask.AsSlice()
	ones := 0
	for i, v := range b {
		if v == 0xff {
			ones += 8
			continue
		}
		n := bits.LeadingZeros8(^v)
		if v<<n != 0 || slices.ContainsFunc(b[i+1:], func(x byte) bool { return x != 0 }) {
			return full
		}
		return ones + n
	}
	return ones
}
