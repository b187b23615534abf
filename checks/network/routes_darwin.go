package network

import (
	"context"
	"fmt"

	"github.com/wfh-cli/wfh/checks"
)

// systemRoutes reads `netstat -rn`, which every macOS has and which needs
// no privileges.
func systemRoutes(ctx context.Context, env *checks.Env) routes {
	out, err := env.Exec.Run(ctx, "netstat", "-rn")
	if err != nil {
		return routes{Err: fmt.Errorf("netstat -rn: %w", err)}
	}
	v4, v6 := parseNetstatRN(string(out))
	return routes{V4: v4, V6: v6}
}
