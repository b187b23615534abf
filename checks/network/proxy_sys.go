package network

import (
	"context"
	"time"

	"github.com/wfh-cli/wfh/checks"
)

// osProxyTimeout bounds the one command that reads the OS proxy settings
// (scutil --proxy, reg query): both answer from memory in milliseconds, so
// 2 s only guards against a hung configd or a process an antivirus holds.
const osProxyTimeout = 2 * time.Second

// systemProxy reads the proxy settings from the environment and from the OS
// (macOS scutil --proxy, Windows Internet Settings; see osProxy per OS).
func systemProxy(ctx context.Context, env *checks.Env) proxyConfig {
	var fromEnv proxyConfig
	if env.Getenv != nil {
		fromEnv = proxyFromEnv(env.Getenv)
	}
	return mergeProxy(fromEnv, osProxy(ctx, env))
}

// mergeProxy puts the environment first: it is what command-line tools and
// wfh's own HTTP client use, so a proxy set there is the one wfh probes
// through. The OS settings (what browsers use) fill in when the environment
// sets none. A PAC/WPAD configuration of the OS is reported either way,
// because it may route the user's browser elsewhere than the environment
// routes the terminal.
func mergeProxy(fromEnv, fromOS proxyConfig) proxyConfig {
	if !fromEnv.set() {
		return fromOS
	}
	if fromEnv.PAC == "" {
		fromEnv.PAC = fromOS.PAC
	}
	return fromEnv
}
