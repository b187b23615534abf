package network

import (
	"context"
	"io/fs"

	"github.com/wfh-cli/wfh/checks"
)

// systemRoutes reads the kernel's route tables through env.FS.
func systemRoutes(_ context.Context, env *checks.Env) routes {
	var r routes
	data, err := fs.ReadFile(env.FS, "proc/net/route")
	if err != nil {
		r.Err = err
		return r
	}
	if r.V4, err = parseProcNetRoute(string(data)); err != nil {
		r.Err = err
	}
	if data, err := fs.ReadFile(env.FS, "proc/net/ipv6_route"); err == nil {
		r.V6 = parseProcNetIPv6Route(string(data))
	}
	return r
}
