package netstate

import (
	"context"
	"errors"
	"fmt"

	"github.com/wfh-cli/wfh/internal/textutil"
)

// windowsSources read Windows' own tools through Config.Exec: the OS list
// for the interfaces, with `route print`'s interface list and `ipconfig
// /all` for the adapter descriptions that tell their kinds; `route print`
// for the routes; `ipconfig /all` (PowerShell's Get-DnsClientServerAddress
// as the fallback) for DNS; reg.exe for the proxy. Each command runs once
// per read although two parts parse it. They run on any OS against captured
// output; none needs privileges.
func windowsSources(t *tools) Sources {
	return Sources{
		Interfaces: windowsInterfaces{goInterfaces{t, windowsKinds}},
		Routes:     routePrintRoutes{t},
		DNS:        ipconfigDNS{t},
		Proxy:      regProxy{t},
	}
}

// windowsKinds tells the kind from the adapter's description: route
// print's interface list matched by index, else ipconfig's blocks (with
// the type their headers' words say) matched by name or hardware address.
// The connection name is the user's ("Wi-Fi", "Ethernet 2", "Local Area
// Connection* 1"); the description names the hardware or the VPN driver,
// which tells the kind far better.
func windowsKinds(ctx context.Context, t *tools, s SysInterface) Kind {
	if out, err := t.runConsole(ctx, "route", "print"); err == nil {
		for _, a := range ParseRoutePrint(out).Interfaces {
			if a.Index == s.Index && s.Index > 0 {
				if k := windowsKind(winAdapter{Description: a.Description, Name: s.Name}); k != "" {
					return k
				}
			}
		}
	}
	if out, err := t.runConsole(ctx, "ipconfig", "/all"); err == nil {
		if a, ok := matchAdapter(parseIpconfig(out).Adapters, s.Name, s.MAC); ok {
			return a.kind()
		}
	}
	return ""
}

// windowsDescriptions adds the adapter descriptions to the list, for the
// vpn check's "which client is this tunnel", and recognises the tunnels
// the descriptions do not name by route print's routes
// (routedLikeTunnel), as the API source does.
func windowsDescriptions(ctx context.Context, t *tools, list []Interface) {
	out, err := t.runConsole(ctx, "route", "print")
	if err != nil {
		return
	}
	rp := ParseRoutePrint(out)
	for _, a := range rp.Interfaces {
		for k := range list {
			if list[k].Index == a.Index && a.Index > 0 {
				list[k].Description = textutil.CleanText(a.Description, 120)
			}
		}
	}
	tunnelsByRoutes(list, nameRoutes(Routes{V4: rp.V4, V6: rp.V6}, list))
}

// windowsInterfaces is goInterfaces with descriptions.
type windowsInterfaces struct{ goInterfaces }

func (w windowsInterfaces) Interfaces(ctx context.Context) ([]Interface, error) {
	list, err := w.goInterfaces.Interfaces(ctx)
	if err == nil {
		windowsDescriptions(ctx, w.t, list)
	}
	return list, err
}

// routePrintRoutes reads `route print`, present on every Windows since NT.
type routePrintRoutes struct{ t *tools }

func (r routePrintRoutes) Routes(ctx context.Context) (Routes, error) {
	out, err := r.t.runConsole(ctx, "route", "print")
	if err != nil {
		return Routes{}, err
	}
	rp := ParseRoutePrint(out)
	if len(rp.V4) == 0 && len(rp.V6) == 0 && len(rp.Interfaces) == 0 {
		return Routes{}, errors.New("route print printed no route table")
	}
	return Routes{V4: rp.V4, V6: rp.V6}, nil
}

// ipconfigDNS reads ipconfig /all, present on every Windows and quick to
// start; Get-DnsClientServerAddress (Windows 8 and later, through
// PowerShell, which is slow to start) is the fallback when ipconfig fails
// or lists no server.
type ipconfigDNS struct{ t *tools }

func (d ipconfigDNS) DNS(ctx context.Context) (DNSConfig, error) {
	out, err := d.t.runConsole(ctx, "ipconfig", "/all")
	if err == nil {
		text, terr := asText(out)
		all := parseIpconfig(text)
		switch {
		case terr != nil:
			err = terr
		case len(all.Adapters) == 0:
			err = errors.New("no adapter section in the output")
		default:
			// The OS list names adapters whose header is in a language
			// whose type words wfh does not know.
			var names []string
			if list, lerr := d.t.listInterfaces(); lerr == nil {
				for _, i := range list {
					names = append(names, i.Name)
				}
			}
			if cfg := all.dnsConfig(names); len(cfg.Servers) > 0 {
				return cfg, nil
			}
			err = errors.New("no adapter with a DNS server")
		}
		err = fmt.Errorf("ipconfig /all: %w", err)
	}
	// The enumeration limit and width keep PowerShell from cutting lists
	// and rows short with "...".
	ps, perr := d.t.runConsole(ctx, "powershell", "-NoProfile", "-NonInteractive", "-Command",
		"$FormatEnumerationLimit=-1; Get-DnsClientServerAddress | Format-Table -AutoSize | Out-String -Width 4096")
	if perr != nil {
		return DNSConfig{}, fmt.Errorf("%v; %w", err, perr)
	}
	cfg, perr := ParseDnsClientServerAddress(ps)
	if perr != nil {
		return DNSConfig{}, fmt.Errorf("%v; Get-DnsClientServerAddress: %w", err, perr)
	}
	cfg.Notes = append(cfg.Notes, fmt.Sprintf("read with Get-DnsClientServerAddress because %v", err))
	return cfg, nil
}

// internetSettingsKey holds the current user's WinINet proxy settings (the
// "Proxy" page of Settings and of Internet Options).
const internetSettingsKey = `HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings`

// regProxy reads the per-user Internet Settings with reg.exe, present on
// every Windows and readable without privileges. Machine-wide settings
// (the ProxySettingsPerUser=0 policy) and WinHTTP's own proxy (netsh
// winhttp) are not read: interactive applications follow the user's
// settings.
type regProxy struct{ t *tools }

func (r regProxy) Proxy(ctx context.Context) (Proxy, error) {
	out, err := r.t.runConsole(ctx, "reg", "query", internetSettingsKey)
	if err != nil {
		return Proxy{}, err
	}
	return ParseRegInternetSettings(out), nil
}
