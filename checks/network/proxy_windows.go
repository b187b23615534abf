package network

import (
	"context"

	"github.com/wfh-cli/wfh/checks"
)

// internetSettingsKey holds the current user's WinINet proxy settings (the
// "Proxy" page of Settings and of Internet Options).
const internetSettingsKey = `HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings`

// osProxy reads the per-user Internet Settings with reg.exe, present on
// every Windows and readable without privileges. Machine-wide settings
// (the ProxySettingsPerUser=0 policy) and WinHTTP's own proxy (netsh
// winhttp) are not read: interactive applications follow the user's
// settings.
func osProxy(ctx context.Context, env *checks.Env) proxyConfig {
	if env.Exec == nil {
		return proxyConfig{}
	}
	ctx, cancel := context.WithTimeout(ctx, osProxyTimeout)
	defer cancel()
	out, err := env.Exec.Run(ctx, "reg", "query", internetSettingsKey)
	if err != nil {
		env.Debugf("reg query Internet Settings: %v", err)
		return proxyConfig{}
	}
	return parseRegInternetSettings(string(out))
}
