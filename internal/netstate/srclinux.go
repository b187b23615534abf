package netstate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// linuxSources read the kernel's own files through Config.FS (/proc/net,
// /sys/class/net, /etc/resolv.conf) and systemd-resolved's state through
// resolvectl; they run on any OS against fixture trees. Interfaces come
// from the OS list (netlink), their kinds from sysfs.
func linuxSources(t *tools) Sources {
	return Sources{
		Interfaces: goInterfaces{t, sysfsKinds},
		Routes:     procRoutes{t},
		DNS:        linuxDNS{t},
	}
}

// sysfsKinds asks sysfs, which is authoritative.
func sysfsKinds(_ context.Context, t *tools, s SysInterface) Kind {
	if k, ok := ClassifySysfs(t.cfg.FS, s.Name); ok {
		return k
	}
	return ""
}

// procRoutes reads /proc/net/route and /proc/net/ipv6_route: the main
// table, as the kernel prints it, without privileges.
type procRoutes struct{ t *tools }

func (p procRoutes) Routes(ctx context.Context) (Routes, error) {
	data, err := p.t.readFile(ctx, "proc/net/route")
	if err != nil {
		return Routes{}, err
	}
	v4, err := ParseProcNetRoute(string(data))
	if err != nil {
		return Routes{}, err
	}
	rt := Routes{V4: v4}
	// A kernel without IPv6 has no ipv6_route: no IPv6 routes, no error.
	if data, err := p.t.readFile(ctx, "proc/net/ipv6_route"); err == nil {
		rt.V6 = ParseProcNetIPv6Route(string(data))
	}
	return rt, nil
}

// resolvConfSource reads /etc/resolv.conf alone (the BSDs).
type resolvConfSource struct{ t *tools }

func (r resolvConfSource) DNS(ctx context.Context) (DNSConfig, error) {
	return etcResolvConf(ctx, r.t)
}

// readResolvConf reads and parses a resolv.conf file; problems are
// prefixed with its path.
func readResolvConf(ctx context.Context, t *tools, name string, src DNSSource) (DNSConfig, error) {
	data, err := t.readFile(ctx, name)
	if err != nil {
		return DNSConfig{}, err
	}
	cfg, err := ParseResolvConf(string(data))
	if err != nil {
		return DNSConfig{}, fmt.Errorf("/%s %w", name, err)
	}
	cfg.Via = "/" + name
	for i := range cfg.Servers {
		cfg.Servers[i].Source = src
	}
	for i, p := range cfg.Problems {
		cfg.Problems[i] = "/" + name + " " + p
	}
	for i, n := range cfg.Notes {
		cfg.Notes[i] = "/" + name + " " + n
	}
	return cfg, nil
}

// etcResolvConf reads /etc/resolv.conf. A missing file is a valid
// configuration (programs then ask 127.0.0.1), reported in Notes.
func etcResolvConf(ctx context.Context, t *tools) (DNSConfig, error) {
	cfg, err := readResolvConf(ctx, t, "etc/resolv.conf", DNSSourceResolvConf)
	if errors.Is(err, fs.ErrNotExist) {
		return DNSConfig{Via: "/etc/resolv.conf", Servers: []DNSServer{{Addr: LocalDNS, Source: DNSSourceResolvConf}},
			Notes: []string{"/etc/resolv.conf does not exist: programs ask 127.0.0.1"}}, nil
	}
	return cfg, err
}

// linuxDNS reads /etc/resolv.conf. When it points at systemd-resolved's
// stub (127.0.0.53), the servers that answer are the stub's upstreams:
// resolvectl names them per link, with the domains of a VPN's split DNS;
// /run/systemd/resolve/resolv.conf, which resolved writes with the same
// servers, is the fallback when resolvectl is missing or fails. The stub
// stays first in the list: it is what programs ask.
type linuxDNS struct{ t *tools }

func (l linuxDNS) DNS(ctx context.Context) (DNSConfig, error) {
	cfg, err := etcResolvConf(ctx, l.t)
	if err != nil {
		return cfg, err
	}
	stub := false
	for _, s := range cfg.Servers {
		stub = stub || s.Stub
	}
	if !stub {
		return cfg, nil
	}
	up, uerr := resolvectl(ctx, l.t)
	if uerr != nil {
		var ferr error
		up, ferr = readResolvConf(ctx, l.t, "run/systemd/resolve/resolv.conf", DNSSourceSystemdResolved)
		if ferr != nil {
			cfg.Notes = append(cfg.Notes, fmt.Sprintf("the servers behind systemd-resolved could not be read (%v; %v)", uerr, ferr))
			return cfg, nil
		}
		// That file never names the local machine: "no nameserver" there
		// means resolved has nothing to forward to, said below.
		up.Notes = slices.DeleteFunc(up.Notes, func(p string) bool { return strings.HasSuffix(p, noteNoNameserver) })
	}
	n := 0
	for _, s := range up.Servers {
		if !s.Stub && s.Addr != LocalDNS {
			cfg.add(s)
			n++
		}
	}
	if n == 0 {
		cfg.Notes = append(cfg.Notes, "systemd-resolved has no DNS server to forward to ("+up.Via+" lists none)")
	}
	cfg.addSearch(up.Search...)
	cfg.Problems = append(cfg.Problems, up.Problems...)
	cfg.Notes = append(cfg.Notes, up.Notes...)
	cfg.Via += " and " + up.Via
	return cfg, nil
}

func resolvectl(ctx context.Context, t *tools) (DNSConfig, error) {
	out, err := t.run(ctx, "resolvectl", "status", "--no-pager")
	if err != nil {
		return DNSConfig{}, err
	}
	cfg, err := ParseResolvectl(out)
	if err != nil {
		return DNSConfig{}, fmt.Errorf("resolvectl status: %w", err)
	}
	return cfg, nil
}
