//go:build !windows

package network

import (
	"context"

	"github.com/wfh-cli/wfh/checks"
)

// windowsAdapters is Windows-only: elsewhere there is no ipconfig to run,
// whatever env.OS claims.
func windowsAdapters(context.Context, *checks.Env) []adapterInfo { return nil }
