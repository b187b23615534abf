package wifi

import (
	"context"
	"errors"
	"time"

	"github.com/wfh-cli/wfh/checks"
	"github.com/wfh-cli/wfh/checks/probeutil"
)

// darwinProbe asks system_profiler, the one source that needs no sudo and
// still exists: airport was removed in macOS 14.4 and `wdutil info` needs
// root. Its logic has no OS suffix so that its tests run on every OS.
type darwinProbe struct{}

// spTimeout: system_profiler SPAirPortDataType takes 1–3 s; 3.5 s allows
// for a slow Mac and still leaves half a second of the 4 s budget to report
// that it hung instead of being cut off by the runner.
const spTimeout = 3500 * time.Millisecond

func (darwinProbe) read(ctx context.Context, env *checks.Env) reading {
	var r reading
	out, err := probeutil.Run(ctx, env, spTimeout, "system_profiler", "SPAirPortDataType", "-json")
	if err != nil {
		r.note("Could not read the Wi-Fi state: %v", err)
		return r
	}
	ifaces, err := parseSystemProfilerAirPort([]byte(out))
	switch {
	case errors.Is(err, errNoAirPort):
		r.state = stateOff // no Wi-Fi hardware: system_profiler lists none
		return r
	case err != nil:
		r.note("Could not read the Wi-Fi state: system_profiler SPAirPortDataType -json: %v", err)
		return r
	}
	for _, a := range ifaces {
		if a.Connected {
			r.state = stateOn
			return r.withLink(airportLink(a, &r))
		}
	}
	r.state = stateOff
	return r
}

// airportLink turns system_profiler's figures into the report's; r receives
// the note about a hidden SSID.
func airportLink(a airportInterface, r *reading) link {
	l := link{
		Interface: a.Name,
		SSID:      a.SSID,
		BSSID:     a.BSSID,
		Channel:   a.Channel,
		Band:      a.Band,
		Width:     a.WidthMHz,
		Source:    "system_profiler",
	}
	if a.SSIDRedacted {
		r.note("macOS hides the Wi-Fi network name from programs without Location Services access (recent macOS releases), so the SSID is unknown; the signal and rate figures are not affected.")
	}
	l.Standard = standardFromPHY(a.PHYMode, a.Band)
	if l.Standard == "" && a.PHYMode != "" {
		l.Standard = a.PHYMode
	}
	if f := freqOf(a.Channel, a.Band); f > 0 {
		l.Freq = ptr(f)
	}
	if a.RateMbps > 0 {
		l.TxRate = ptr(a.RateMbps)
	}
	l.missing("rx_rate_mbps", "macOS reports only the transmit rate")
	if a.HasSignal {
		l.Signal = ptr(a.SignalDBM)
	}
	if a.HasNoise {
		l.Noise = ptr(a.NoiseDBM)
	}
	return l
}
