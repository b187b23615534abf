// Package all lists every check wfh runs. It is the one place a check joins
// the binary: a check package registers nothing itself.
package all

import (
	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/audio"
	"github.com/wfh-cli/wfh/checks/bandwidth"
	"github.com/wfh-cli/wfh/checks/calls"
	"github.com/wfh-cli/wfh/checks/camera"
	"github.com/wfh-cli/wfh/checks/dns"
	"github.com/wfh-cli/wfh/checks/latency"
	"github.com/wfh-cli/wfh/checks/network"
	"github.com/wfh-cli/wfh/checks/services"
	"github.com/wfh-cli/wfh/checks/system"
	"github.com/wfh-cli/wfh/checks/vpn"
	"github.com/wfh-cli/wfh/checks/wifi"
)

// Checks returns a new instance of every check, in the order reports show
// them: the order a support agent asks the questions. Is the machine online
// and do names resolve; is the VPN up and are the company's services
// reachable; how are the Wi-Fi and the latency; do call apps get their
// media through; how is the speed; then the machine itself and its
// devices. The runner runs them
// concurrently (bandwidth alone, last), so this order is only the report's.
func Checks() []checks.Check {
	list := []checks.Check{
		network.New(),
		dns.New(),
		vpn.New(),
		services.New(),
		wifi.New(),
		latency.New(),
		calls.New(),
		bandwidth.New(),
		system.New(),
		audio.New(),
		camera.New(),
	}
	return append(list, testChecks()...)
}
