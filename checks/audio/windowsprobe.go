package audio

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// winTimeout bounds PowerShell, which takes 1–3 s to start and query on a
// loaded machine, and still ends inside the 5 s budget.
const winTimeout = 4 * time.Second

// endpointScript lists audio endpoints; "no device matched" is not an error
// for wfh (a machine without sound), so errors are silenced and an empty
// answer is an empty list.
const endpointScript = "Get-PnpDevice -Class AudioEndpoint -PresentOnly -ErrorAction SilentlyContinue | Select-Object FriendlyName,Status,InstanceId | ConvertTo-Json"

type windowsProbe struct{}

func (windowsProbe) devices(ctx context.Context, env *checks.Env) (scan, error) {
	out, err := probeutil.Run(ctx, env, winTimeout, "powershell", "-NoProfile", "-NonInteractive", "-Command", endpointScript)
	if err != nil && !strings.Contains(err.Error()+out, "No matching") {
		return scan{}, fmt.Errorf("list the sound devices: %w", err)
	}
	if err != nil {
		out = ""
	}
	devs, err := parseAudioEndpointJSON(out)
	if err != nil {
		return scan{}, fmt.Errorf("PowerShell %w", err)
	}
	return scan{
		Devices: devs,
		Source:  "Get-PnpDevice -Class AudioEndpoint",
		Notes:   []string{"Windows' device list does not say which device is the default, nor whether it is muted or how loud it is; wfh does not guess."},
	}, nil
}
