package camera

import (
	"context"
	"fmt"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// windowsProbe lists cameras with PowerShell's Get-PnpDevice. It only runs
// commands through env.Exec, so its tests run on every OS.
type windowsProbe struct{}

// pnpScript lists present camera and imaging devices as JSON.
//
//   - Get-PnpDevice reports "no device matched" as an error
//     (CmdletizationQuery_NotFound), which would make PowerShell exit 1 on
//     every machine without a camera; that one error means an empty list,
//     and any other error still fails the command, so a broken query never
//     reads as "no camera".
//   - $ErrorActionPreference = 'Stop' also turns a missing Get-PnpDevice
//     (Windows 7) into a failure instead of an empty list.
//   - Output redirected from PowerShell 5.1 is in the OEM code page, which
//     turns non-ASCII names into "?"; UTF-8 without BOM keeps them. Setting
//     it fails when no console is attached (wfh started by a management
//     agent); the names then lose their accents, the list is still right.
//   - -InputObject keeps a list of one a list, -Compress one line.
//
// The script has no double quotes, which Windows' command-line quoting
// would have to escape.
const pnpScript = `$ErrorActionPreference = 'Stop'; ` +
	`try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch {}; ` +
	`try { $d = @(Get-PnpDevice -Class Camera,Image -PresentOnly | Select-Object FriendlyName,Status,InstanceId,Class) } ` +
	`catch { if ([string]$_.FullyQualifiedErrorId -like 'CmdletizationQuery_NotFound*') { $d = @() } else { throw } }; ` +
	`ConvertTo-Json -InputObject $d -Compress`

const (
	pnpSource = "Get-PnpDevice -Class Camera,Image -PresentOnly"

	// winHeldNote: Windows records which app last used the camera, but wfh
	// does not read it yet; say so rather than guess.
	winHeldNote = "wfh cannot yet tell on Windows whether another app is using the camera."
)

func (windowsProbe) cameras(ctx context.Context, env *checks.Env) (scan, error) {
	out, err := probeutil.Run(ctx, env, cmdTimeout, "powershell", "-NoProfile", "-NonInteractive", "-Command", pnpScript)
	if err != nil {
		return scan{}, err
	}
	devs, err := parsePnpDeviceJSON(out)
	if err != nil {
		return scan{}, fmt.Errorf("Get-PnpDevice: %w", err)
	}
	s := scan{Source: pnpSource}
	for _, d := range devs {
		s.Cameras = append(s.Cameras, pnpCamera(d))
	}
	if len(s.Cameras) > 0 {
		s.Notes = append(s.Notes, winHeldNote)
	}
	return s, nil
}
