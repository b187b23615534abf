package netstate

import "github.com/wfh-cli/wfh/internal/darwinnet"

// platformSources returns the sources the real machine uses on macOS: the
// routing socket (internal/darwinnet) for the interfaces, with `ipconfig
// getsummary` telling Wi-Fi from wired, and for the routes, each falling
// back to ifconfig -a -v and netstat -rn when it fails; scutil for DNS and
// the proxy.
func platformSources(t *tools, text Sources) Sources {
	return darwinAPISources(t, macAPI{Links: darwinnet.FetchLinks, Routes: darwinnet.FetchRoutes}, text)
}
