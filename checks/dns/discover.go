package dns

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
	"github.com/wfh-cli/wfh/internal/oemtext"
)

const (
	// commandTimeout: resolvectl, scutil and ipconfig answer in tens of
	// milliseconds; 1.5 s covers a loaded machine or an antivirus
	// scanning the new process, and leaves the check time to query.
	commandTimeout = 1500 * time.Millisecond
	// powershellTimeout: PowerShell alone takes 0.5-2 s to start; it is
	// only the fallback when ipconfig fails.
	powershellTimeout = 2 * time.Second
	// maxConfigFile bounds a resolv.conf read: real ones are a few hundred
	// bytes, and a link to a device must not hang the check.
	maxConfigFile = 64 << 10
)

// discoverer reads one OS's DNS configuration. Each reads only through
// env.FS and env.Exec, so all of them are tested on every OS.
type discoverer func(ctx context.Context, env *checks.Env) (Config, error)

// discoverers picks the reader by env.OS, not by build tags, so that a test
// can discover a macOS or Windows configuration from fixtures on Linux.
func discoverFor(goos string) discoverer {
	switch goos {
	case "linux":
		return discoverLinux
	case "darwin":
		return discoverDarwin
	case "windows":
		return discoverWindows
	default:
		// The BSDs keep the classic /etc/resolv.conf.
		return func(ctx context.Context, env *checks.Env) (Config, error) {
			return etcResolvConf(ctx, env)
		}
	}
}

// Discover lists the DNS servers this machine uses, with where each is
// configured, and the search domains, without sending any query. Other
// checks use it: the latency check aims at Config.FirstNonLoopback, the
// VPN check reads Config.PerDomainServers. The error says why nothing
// could be read; a partly read configuration comes back with Problems
// (malformed entries, ignored) and Notes.
func Discover(ctx context.Context, env *checks.Env) (Config, error) {
	if env == nil {
		return Config{}, errors.New("dns: no environment to read")
	}
	cfg, err := discoverFor(env.OS)(ctx, env)
	if err != nil {
		return cfg, fmt.Errorf("dns: %w", err)
	}
	return cfg, nil
}

// readResolvConf reads and parses a resolv.conf file; problems are
// prefixed with its path.
func readResolvConf(ctx context.Context, env *checks.Env, name string, src Source) (Config, error) {
	data, err := probeutil.ReadSmall(ctx, env.FS, name, maxConfigFile)
	if err != nil {
		return Config{}, err
	}
	cfg, err := ParseResolvConf(string(data))
	if err != nil {
		return Config{}, fmt.Errorf("/%s %w", name, err)
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
func etcResolvConf(ctx context.Context, env *checks.Env) (Config, error) {
	cfg, err := readResolvConf(ctx, env, "etc/resolv.conf", SourceResolvConf)
	if errors.Is(err, fs.ErrNotExist) {
		return Config{Via: "/etc/resolv.conf", Servers: []Server{{Addr: localDefault, Source: SourceResolvConf}},
			Notes: []string{"/etc/resolv.conf does not exist: programs ask 127.0.0.1"}}, nil
	}
	return cfg, err
}

// discoverLinux reads /etc/resolv.conf. When it points at systemd-resolved's
// stub (127.0.0.53), the servers that answer are the stub's upstreams:
// resolvectl names them per link, with the domains of a VPN's split DNS;
// /run/systemd/resolve/resolv.conf, which resolved writes with the same
// servers, is the fallback when resolvectl is missing or fails. The stub
// stays first in the list: it is what programs ask.
func discoverLinux(ctx context.Context, env *checks.Env) (Config, error) {
	cfg, err := etcResolvConf(ctx, env)
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
	up, uerr := resolvectl(ctx, env)
	if uerr != nil {
		env.Debugf("%v", uerr)
		var ferr error
		up, ferr = readResolvConf(ctx, env, "run/systemd/resolve/resolv.conf", SourceSystemdResolved)
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
		if !s.Stub && s.Addr != localDefault {
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

func resolvectl(ctx context.Context, env *checks.Env) (Config, error) {
	out, err := probeutil.Run(ctx, env, commandTimeout, "resolvectl", "status", "--no-pager")
	if err != nil {
		return Config{}, err
	}
	cfg, err := ParseResolvectl(out)
	if err != nil {
		return Config{}, fmt.Errorf("resolvectl status: %w", err)
	}
	return cfg, nil
}

// discoverDarwin reads scutil --dns, which has the per-domain resolvers VPN
// clients install; /etc/resolv.conf, which macOS generates with the default
// resolver only, is the fallback.
func discoverDarwin(ctx context.Context, env *checks.Env) (Config, error) {
	out, err := probeutil.Run(ctx, env, commandTimeout, "scutil", "--dns")
	if err == nil {
		cfg, perr := ParseScutilDNS(out)
		if perr == nil {
			return cfg, nil
		}
		err = fmt.Errorf("scutil --dns: %w", perr)
	}
	cfg, ferr := etcResolvConf(ctx, env)
	if ferr != nil {
		return cfg, fmt.Errorf("%v; %w", err, ferr)
	}
	cfg.Notes = append(cfg.Notes, fmt.Sprintf("per-domain (VPN) resolvers are not listed: %v", err))
	return cfg, nil
}

// discoverWindows reads ipconfig /all, present on every Windows and quick
// to start; Get-DnsClientServerAddress (Windows 8 and later, through
// PowerShell, which is slow to start) is the fallback when ipconfig fails
// or lists no server.
func discoverWindows(ctx context.Context, env *checks.Env) (Config, error) {
	out, err := probeutil.Run(ctx, env, commandTimeout, "ipconfig", "/all")
	if err == nil {
		// ipconfig writes in the console's code page, not UTF-8.
		cfg, perr := ParseIpconfigAll(oemtext.Decode([]byte(out)))
		if perr == nil && len(cfg.Servers) > 0 {
			return cfg, nil
		}
		err = perr
		if err == nil {
			err = errors.New("no adapter with a DNS server")
		}
		err = fmt.Errorf("ipconfig /all: %w", err)
	}
	// The enumeration limit and width keep PowerShell from cutting lists
	// and rows short with "...".
	ps, perr := probeutil.Run(ctx, env, powershellTimeout, "powershell", "-NoProfile", "-NonInteractive", "-Command",
		"$FormatEnumerationLimit=-1; Get-DnsClientServerAddress | Format-Table -AutoSize | Out-String -Width 4096")
	if perr != nil {
		return Config{}, fmt.Errorf("%v; %w", err, perr)
	}
	cfg, perr := ParseDnsClientServerAddress(ps)
	if perr != nil {
		return Config{}, fmt.Errorf("%v; Get-DnsClientServerAddress: %w", err, perr)
	}
	env.Debugf("%v; used Get-DnsClientServerAddress", err)
	return cfg, nil
}
