package wifi

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// windowsProbe reads `netsh wlan show interfaces`, present on every Windows
// since Vista and readable without elevation. Its logic has no OS suffix so
// that its tests run on every OS.
type windowsProbe struct{}

// netshTimeout: netsh answers in a fraction of a second; 3 s allows for a
// loaded machine with an antivirus scanning every new process and stays
// inside the 4 s budget.
const netshTimeout = 3 * time.Second

func (windowsProbe) read(ctx context.Context, env *checks.Env) reading {
	var r reading
	out, err := probeutil.Run(ctx, env, netshTimeout, "netsh", "wlan", "show", "interfaces")
	ifaces := parseNetshWlan(out)
	for _, ifc := range ifaces {
		if ifc.Connected {
			r.state = stateOn
			return r.withLink(netshLink(ifc, &r))
		}
	}
	switch {
	case len(ifaces) > 0:
		r.state = stateOff // an adapter, but not connected
	case err != nil && (errors.Is(err, probeutil.ErrNotInstalled) || ctx.Err() != nil || strings.TrimSpace(out) == ""):
		r.note("Could not read the Wi-Fi state: %v", err)
	case strings.Contains(strings.ToLower(out), "location"):
		// Windows 11 24H2 and later refuse WLAN details to programs
		// without Location access; the message is localised, so only the
		// English one is recognised here.
		r.note("netsh needs Location permission to show Wi-Fi details (%s). Turn on Settings > Privacy & security > Location > \"Let desktop apps access your location\", then run wfh again.", firstLine(out))
	default:
		// "There is no wireless interface on the system." or "The
		// Wireless AutoConfig Service (wlansvc) is not running.", in the
		// display language: both mean this machine does not use Wi-Fi.
		r.state = stateOff
		if line := firstLine(out); line != "" {
			r.note("netsh: %s", line)
		}
	}
	return r
}

// netshLink turns netsh's figures into the report's. When Windows prints no
// RSSI line, the signal in dBm is estimated from its signal quality with
// the mapping Microsoft documents for WLAN_ASSOCIATION_ATTRIBUTES: 0 % is
// -100 dBm, 100 % is -50 dBm, linear in between.
func netshLink(ifc netshInterface, r *reading) link {
	l := link{
		Interface: ifc.Name,
		Adapter:   ifc.Description,
		SSID:      ifc.SSID,
		BSSID:     ifc.BSSID,
		Channel:   ifc.Channel,
		Band:      ifc.Band,
		Source:    "netsh",
	}
	if l.Band == "" {
		l.Band = bandFromChannel(ifc.Channel)
	}
	if f := freqOf(l.Channel, l.Band); f > 0 {
		l.Freq = ptr(f)
	}
	l.Standard = standardFromPHY(ifc.RadioType, l.Band)
	if l.Standard == "" {
		l.Standard = ifc.RadioType // an amendment wfh does not know yet
	}
	if ifc.TxMbps > 0 {
		l.TxRate = ptr(ifc.TxMbps)
	}
	if ifc.RxMbps > 0 {
		l.RxRate = ptr(ifc.RxMbps)
	}
	if ifc.SignalPercent >= 0 {
		l.SignalPercent = ptr(float64(ifc.SignalPercent))
	}
	switch {
	case ifc.HasRSSI:
		l.Signal = ptr(float64(ifc.RSSI))
	case ifc.SignalPercent >= 0:
		l.Signal = ptr(float64(ifc.SignalPercent)/2 - 100)
		l.SignalEstimate = ptr(float64(ifc.SignalPercent))
		r.note("The signal in dBm is estimated from Windows's signal quality of %d %%, with Microsoft's documented mapping (0 %% = -100 dBm, 100 %% = -50 dBm, linear in between); a signal stronger than -50 dBm also reads 100 %%.", ifc.SignalPercent)
	}
	l.missing("noise_dbm", "netsh does not report noise")
	l.missing("channel_width_mhz", "netsh does not report the channel width")
	return l
}
