package network

import (
	"context"
	"fmt"

	"github.com/wfh-cli/wfh/checks"
)

// systemRoutes reads `route print`, present on every Windows since NT.
func systemRoutes(ctx context.Context, env *checks.Env) routes {
	out, err := env.Exec.Run(ctx, "route", "print")
	if err != nil {
		return routes{Err: fmt.Errorf("route print: %w", err)}
	}
	v4, v6 := parseRoutePrint(string(out))
	return routes{V4: v4, V6: v6}
}
