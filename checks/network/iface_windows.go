package network

import (
	"context"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/internal/oemtext"
)

// ipconfigTimeout bounds `ipconfig /all`, which answers in well under a
// second even with many adapters; 2 s covers a loaded machine without
// letting a hung process eat the check's budget.
const ipconfigTimeout = 2 * time.Second

// windowsAdapters lists the adapters `ipconfig /all` shows, for their
// descriptions. On failure the kinds fall back to the connection names.
func windowsAdapters(parent context.Context, env *checks.Env) []adapterInfo {
	if env.Exec == nil {
		return nil
	}
	// systemInterfaces gets no context from the check; the timeout is the
	// bound.
	ctx, cancel := context.WithTimeout(parent, ipconfigTimeout)
	defer cancel()
	out, err := env.Exec.Run(ctx, "ipconfig", "/all")
	if err != nil {
		env.Debugf("ipconfig /all: %v", err)
		return nil
	}
	// ipconfig writes in the console's code page, not UTF-8.
	return parseIpconfigAll(oemtext.Decode(out))
}
