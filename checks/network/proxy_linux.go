package network

import (
	"context"

	"github.com/wfh-cli/wfh/checks"
)

// osProxy on Linux adds nothing to the environment, which is where the
// command line and most programs look: there is no system-wide proxy
// setting. The desktops keep their own (GNOME in gsettings
// org.gnome.system.proxy, KDE in kioslaverc), followed by their browsers;
// reading those is left out, as it needs a desktop session to be right.
func osProxy(context.Context, *checks.Env) proxyConfig { return proxyConfig{} }
