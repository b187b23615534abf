package network

import (
	"context"

	"github.com/wfh-cli/wfh/checks"
)

// systemProxy reads the proxy settings from the environment; the OS's own
// settings (macOS scutil --proxy, Windows Internet Settings) come with their
// parsers.
func systemProxy(_ context.Context, env *checks.Env) proxyConfig {
	getenv := env.Getenv
	if getenv == nil {
		return proxyConfig{}
	}
	return proxyFromEnv(getenv)
}
