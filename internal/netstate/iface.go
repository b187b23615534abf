package netstate

import (
	"context"
	"net"
	"net/netip"

	"github.com/wfh-cli/wfh/internal/textutil"
)

// SysInterface is what the OS's own interface list (net.Interfaces) gives,
// kept apart so that tests can fake the list.
type SysInterface struct {
	Index int
	Name  string
	MTU   int
	Flags net.Flags
	// MAC is the hardware address in net.HardwareAddr's form, "" for none.
	MAC   string
	Addrs []netip.Prefix
}

// SystemInterfaces lists this process's interfaces with net.Interfaces
// (netlink on Linux, the routing socket on macOS, GetAdaptersAddresses on
// Windows).
func SystemInterfaces() ([]SysInterface, error) {
	list, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]SysInterface, 0, len(list))
	for _, ni := range list {
		s := SysInterface{Index: ni.Index, Name: ni.Name, MTU: ni.MTU, Flags: ni.Flags, MAC: ni.HardwareAddr.String()}
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

func (t *tools) listInterfaces() ([]SysInterface, error) {
	if t.cfg.ListInterfaces != nil {
		return t.cfg.ListInterfaces()
	}
	return SystemInterfaces()
}

// kindFunc tells an interface's kind on one OS; "" when it cannot.
type kindFunc func(ctx context.Context, t *tools, s SysInterface) Kind

// nameKinds guesses from the name alone, where the OS offers nothing
// better.
func nameKinds(_ context.Context, _ *tools, s SysInterface) Kind {
	return ClassifyName(s.Name, s.Flags&net.FlagPointToPoint != 0)
}

// goInterfaces is the OS's own list with kinds from kind.
type goInterfaces struct {
	t    *tools
	kind kindFunc
}

func (g goInterfaces) Interfaces(ctx context.Context) ([]Interface, error) {
	list, err := g.t.listInterfaces()
	if err != nil {
		return nil, err
	}
	out := make([]Interface, 0, len(list))
	for _, s := range list {
		i := fromSys(s)
		switch {
		case i.Loopback:
			i.Kind = KindLoopback
		default:
			i.Kind = g.kind(ctx, g.t, s)
			if i.Kind == "" {
				i.Kind = ClassifyName(s.Name, i.PointToPoint)
			}
		}
		out = append(out, i)
	}
	return out, nil
}

func fromSys(s SysInterface) Interface {
	return Interface{
		Index: s.Index, Name: textutil.CleanText(s.Name, 64), MTU: s.MTU, MAC: s.MAC,
		Addrs:        s.Addrs,
		Up:           s.Flags&net.FlagUp != 0 && s.Flags&net.FlagRunning != 0,
		PointToPoint: s.Flags&net.FlagPointToPoint != 0,
		Loopback:     s.Flags&net.FlagLoopback != 0,
	}
}
