package wifi

import (
	"context"
	"fmt"

	"github.com/wfh-cli/wfh/checks"
)

// probe is the only OS-specific part of the check: each OS finds the active
// Wi-Fi connection its own way and fills a link; wifi.go turns the link into
// a verdict. The probes live in files without an OS suffix so that their
// tests (fake commands, fixture trees) run on every OS; probe_GOOS.go only
// picks one.
type probe interface {
	read(ctx context.Context, env *checks.Env) reading
}

// state says whether the machine is on Wi-Fi.
type state int

const (
	// stateUnknown: the probe could not tell (its tool failed).
	stateUnknown state = iota
	// stateOff: no Wi-Fi connection (wired, or no wireless adapter).
	stateOff
	// stateOn: connected to a Wi-Fi network; link holds what was read.
	stateOn
	// stateUnsupported: wfh cannot read Wi-Fi on this OS yet.
	stateUnsupported
)

// reading is what a probe found.
type reading struct {
	state state
	link  link
	// notes say what could not be read and why, for the reader of the
	// report; they become findings without a fix.
	notes []string
}

func (r reading) withLink(l link) reading {
	r.link = l
	return r
}

func (r *reading) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// link is the Wi-Fi connection as the OS describes it. Nil numbers were not
// read; Missing may say why.
type link struct {
	Interface string
	Adapter   string // the adapter's model, where the OS names it
	// SSID is the network name, "" when unknown.
	SSID string
	// BSSID is the access point's radio (lower case, colons).
	BSSID string
	// Signal is the received signal in dBm.
	Signal *float64
	// SignalEstimate holds Windows's signal quality in percent when Signal
	// was derived from it rather than read in dBm.
	SignalEstimate *float64
	// SignalPercent is Windows's signal quality, shown as it is.
	SignalPercent *float64
	// SignalRaw is a level a Linux driver reports on its own scale (a
	// percentage or 0–255) instead of in dBm; it is kept out of the dBm
	// figures and only explained.
	SignalRaw *float64
	Noise     *float64 // dBm
	TxRate    *float64 // Mbit/s, this computer to the access point
	RxRate    *float64 // Mbit/s, the access point to this computer
	Freq      *float64 // MHz
	Channel   int
	Width     int // MHz
	Band      string
	Standard  string
	// MLOLinks is the number of links of a Wi-Fi 7 multi-link connection,
	// 0 for an ordinary one; MLOBands lists their bands in iw's order.
	MLOLinks int
	MLOBands []string
	// Source names the tool the figures came from, for "not reported by".
	Source string
	// Missing says, per metric name, why it was not measured when that is
	// not simply that Source does not report it.
	Missing map[string]string
	// TrafficVia names a wired interface that carries the default route
	// instead of this one: the Wi-Fi is connected but idle, and its quality
	// does not affect calls. It comes from the run's default path.
	TrafficVia string
}

func (l *link) missing(metric, why string) {
	if l.Missing == nil {
		l.Missing = map[string]string{}
	}
	l.Missing[metric] = why
}

// empty reports whether nothing at all was read about the connection beyond
// its interface name.
func (l link) empty() bool {
	return l.SSID == "" && l.BSSID == "" && l.Signal == nil && l.SignalPercent == nil && l.SignalRaw == nil &&
		l.Noise == nil && l.TxRate == nil && l.RxRate == nil && l.Freq == nil &&
		l.Channel == 0 && l.Band == "" && l.Standard == ""
}

func ptr(v float64) *float64 { return &v }

// unsupportedProbe serves every OS without a probe of its own. It lives here
// rather than in probe_other.go so that it is tested on every OS.
type unsupportedProbe struct{}

func (unsupportedProbe) read(context.Context, *checks.Env) reading {
	return reading{state: stateUnsupported}
}
