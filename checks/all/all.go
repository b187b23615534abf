// Package all links every check into the binary; each joins the registry
// from its own init.
package all

import (
	_ "github.com/wfh-cli/wfh/checks/audio"
	_ "github.com/wfh-cli/wfh/checks/bandwidth"
	_ "github.com/wfh-cli/wfh/checks/camera"
	_ "github.com/wfh-cli/wfh/checks/dns"
	_ "github.com/wfh-cli/wfh/checks/latency"
	_ "github.com/wfh-cli/wfh/checks/network"
	_ "github.com/wfh-cli/wfh/checks/system"
	_ "github.com/wfh-cli/wfh/checks/vpn"
	_ "github.com/wfh-cli/wfh/checks/wifi"
)
