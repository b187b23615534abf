package network

import (
	"context"

	"github.com/wfh-cli/wfh/checks"
)

// osProxy reads `scutil --proxy`: the proxy settings configd merged from the
// active network services, the ones Safari and CFNetwork use. It needs no
// privileges.
func osProxy(ctx context.Context, env *checks.Env) proxyConfig {
	if env.Exec == nil {
		return proxyConfig{}
	}
	ctx, cancel := context.WithTimeout(ctx, osProxyTimeout)
	defer cancel()
	out, err := env.Exec.Run(ctx, "scutil", "--proxy")
	if err != nil {
		env.Debugf("scutil --proxy: %v", err)
		return proxyConfig{}
	}
	return parseScutilProxy(string(out))
}
