package netstate

import (
	"context"
	"errors"
	"fmt"

	"github.com/wfh-cli/wfh/internal/textutil"
)

// darwinSources read macOS's own tools through Config.Exec: ifconfig -a -v
// (the OS list when it fails), netstat -rn, scutil --dns and
// scutil --proxy; they run on any OS against captured output. None needs
// privileges.
func darwinSources(t *tools) Sources {
	return Sources{
		Interfaces: darwinInterfaces{t},
		Routes:     netstatRoutes{t},
		DNS:        scutilDNS{t},
		Proxy:      scutilProxy{t},
	}
}

// darwinInterfaces reads `ifconfig -a -v`, whose "type:" line is the
// kernel's functional type of each interface (Wi-Fi or Ethernet, which the
// name en0 does not tell) and whose first line carries the index; the OS
// list alone, with kinds from the names, when ifconfig fails.
type darwinInterfaces struct{ t *tools }

func (d darwinInterfaces) Interfaces(ctx context.Context) ([]Interface, error) {
	out, err := d.t.run(ctx, "ifconfig", "-a", "-v")
	var blocks []IfconfigInterface
	if err == nil {
		if blocks = ParseIfconfig(out); len(blocks) == 0 {
			err = errors.New("ifconfig -a -v listed no interface")
		}
	}
	if err != nil {
		list, serr := goInterfaces{d.t, nameKinds}.Interfaces(ctx)
		if serr != nil {
			return nil, fmt.Errorf("%v; %w", err, serr)
		}
		return list, nil
	}
	list := make([]Interface, 0, len(blocks))
	for _, b := range blocks {
		i := Interface{
			Name: textutil.CleanText(b.Name, 64), Index: b.Index, MTU: b.MTU, Addrs: b.Addrs, MAC: b.MAC,
			// A Wi-Fi or Ethernet port without a link still says RUNNING on
			// some releases; its media status says whether it has one.
			Up:           b.Has("UP") && b.Has("RUNNING") && b.Status != "inactive",
			PointToPoint: b.Has("POINTOPOINT"),
			Loopback:     b.Has("LOOPBACK"),
		}
		i.Kind = ifconfigKind(b)
		list = append(list, i)
	}
	return list, nil
}

// netstatRoutes reads `netstat -rn`, which every macOS has and which needs
// no privileges.
type netstatRoutes struct{ t *tools }

func (n netstatRoutes) Routes(ctx context.Context) (Routes, error) {
	out, err := n.t.run(ctx, "netstat", "-rn")
	if err != nil {
		return Routes{}, err
	}
	v4, v6 := ParseNetstatRN(out)
	if len(v4) == 0 && len(v6) == 0 {
		return Routes{}, errors.New("netstat -rn printed no route table")
	}
	return Routes{V4: v4, V6: v6}, nil
}

// scutilDNS reads scutil --dns, which has the per-domain resolvers VPN
// clients install; /etc/resolv.conf, which macOS generates with the default
// resolver only, is the fallback.
type scutilDNS struct{ t *tools }

func (s scutilDNS) DNS(ctx context.Context) (DNSConfig, error) {
	out, err := s.t.run(ctx, "scutil", "--dns")
	if err == nil {
		cfg, perr := ParseScutilDNS(out)
		if perr == nil {
			return cfg, nil
		}
		err = fmt.Errorf("scutil --dns: %w", perr)
	}
	cfg, ferr := etcResolvConf(ctx, s.t)
	if ferr != nil {
		return cfg, fmt.Errorf("%v; %w", err, ferr)
	}
	cfg.Notes = append(cfg.Notes, fmt.Sprintf("per-domain (VPN) resolvers are not listed: %v", err))
	return cfg, nil
}

// scutilProxy reads `scutil --proxy`: the proxy settings configd merged
// from the active network services, the ones Safari and CFNetwork use.
type scutilProxy struct{ t *tools }

func (s scutilProxy) Proxy(ctx context.Context) (Proxy, error) {
	out, err := s.t.run(ctx, "scutil", "--proxy")
	if err != nil {
		return Proxy{}, err
	}
	return ParseScutilProxy(out), nil
}
