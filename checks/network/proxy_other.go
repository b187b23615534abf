//go:build !linux && !darwin && !windows

package network

import (
	"context"

	"github.com/wfh-cli/wfh/checks"
)

// osProxy on other systems reads nothing beyond the environment.
func osProxy(context.Context, *checks.Env) proxyConfig { return proxyConfig{} }
