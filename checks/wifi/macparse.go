package wifi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// airportInterface is one entry of spairport_airport_interfaces in
// `system_profiler SPAirPortDataType -json`.
type airportInterface struct {
	Name string // "en0"
	// Connected is true when the entry has a current network.
	Connected bool
	SSID      string
	// SSIDRedacted: macOS printed "<redacted>" for the network name, as it
	// does (macOS 14.4 and later) for a process without Location Services
	// access. The other figures are still real.
	SSIDRedacted bool
	BSSID        string
	Channel      int
	Band         string
	WidthMHz     int
	PHYMode      string  // "802.11ax"
	RateMbps     float64 // the transmit rate; 0 when not given
	SignalDBM    float64
	HasSignal    bool
	NoiseDBM     float64
	HasNoise     bool
}

// macRedacted is what macOS prints in place of an SSID or BSSID it hides.
const macRedacted = "<redacted>"

var (
	// "36 (5GHz, 80MHz)", "1 (2GHz, 20MHz)", "149,80" or just "44".
	macChannelRE = regexp.MustCompile(`^\s*(\d{1,3})\b`)
	macBandRE    = regexp.MustCompile(`(\d(?:\.\d)?)\s*GHz`)
	macWidthRE   = regexp.MustCompile(`(\d{2,3})\s*MHz`)
	// "-56 dBm / -94 dBm"
	macDBMRE = regexp.MustCompile(`(-\d{1,3})\s*dBm`)
)

// errNoAirPort means the JSON had no SPAirPortDataType interfaces list: a
// Mac without a Wi-Fi card, or output that is not system_profiler's.
var errNoAirPort = errors.New("no spairport_airport_interfaces in the output")

// parseSystemProfilerAirPort reads the interfaces of
// SPAirPortDataType[*].spairport_airport_interfaces. Each interface is
// decoded field by field, so that one field of an unexpected type (a number
// where a string was expected, as between macOS releases) loses only that
// field.
func parseSystemProfilerAirPort(data []byte) ([]airportInterface, error) {
	var doc struct {
		Items []map[string]json.RawMessage `json:"SPAirPortDataType"`
	}
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), &doc); err != nil {
		return nil, fmt.Errorf("not system_profiler JSON: %w", err)
	}
	var out []airportInterface
	found := false
	for _, item := range doc.Items {
		raw, ok := item["spairport_airport_interfaces"]
		if !ok {
			continue
		}
		var ifaces []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &ifaces); err != nil {
			continue
		}
		found = true
		for _, m := range ifaces {
			out = append(out, airportFrom(m))
		}
	}
	if !found {
		return nil, errNoAirPort
	}
	return out, nil
}

// macStatusConnected is spairport_status_information of an interface
// joined to a network; a radio that is off says spairport_status_off.
const macStatusConnected = "spairport_status_connected"

// airportFrom reads one interface. It is connected when its status says so.
// Apple's peer links are never the Wi-Fi connection: real output lists
// awdl0 (and llw0), often first, with a current-network block holding
// only its network type and no status, even when the Wi-Fi radio is off.
// Without a status (older releases), a current-network block with more
// than the network type counts as connected.
func airportFrom(m map[string]json.RawMessage) airportInterface {
	a := airportInterface{Name: clean(jsonString(m["_name"]))}
	var cur map[string]json.RawMessage
	if err := json.Unmarshal(m["spairport_current_network_information"], &cur); err != nil || len(cur) == 0 {
		return a
	}
	if peerLink(a.Name) {
		return a
	}
	if raw, ok := m["spairport_status_information"]; ok {
		if jsonString(raw) != macStatusConnected {
			return a
		}
	} else if _, typed := cur["spairport_network_type"]; typed && len(cur) == 1 {
		return a
	}
	a.Connected = true
	switch ssid := jsonString(cur["_name"]); ssid {
	case macRedacted:
		a.SSIDRedacted = true
	default:
		a.SSID = clean(ssid)
	}
	if b := jsonString(cur["spairport_network_bssid"]); isMAC(b) {
		a.BSSID = normMAC(b)
	}
	a.PHYMode = clean(jsonString(cur["spairport_network_phymode"]))
	if v, ok := jsonNumber(cur["spairport_network_rate"]); ok && v > 0 && v <= 100000 {
		a.RateMbps = v
	}

	ch := jsonString(cur["spairport_network_channel"])
	if ch == "" {
		if v, ok := jsonNumber(cur["spairport_network_channel"]); ok && v == float64(int(v)) {
			ch = strconv.Itoa(int(v))
		}
	}
	if mm := macChannelRE.FindStringSubmatch(ch); mm != nil {
		n, _ := strconv.Atoi(mm[1])
		if n >= 1 && n <= 233 {
			a.Channel = n
		}
	}
	if mm := macBandRE.FindStringSubmatch(ch); mm != nil {
		a.Band = parseBandText(mm[1] + "GHz")
	}
	if mm := macWidthRE.FindStringSubmatch(ch); mm != nil {
		n, _ := strconv.Atoi(mm[1])
		if n >= 20 && n <= 320 {
			a.WidthMHz = n
		}
	}
	if a.Band == "" && a.Channel > 0 {
		a.Band = bandFromChannel(a.Channel)
	}

	// "-56 dBm / -94 dBm": signal first, then noise.
	sn := macDBMRE.FindAllStringSubmatch(jsonString(cur["spairport_signal_noise"]), 2)
	if len(sn) >= 1 {
		a.SignalDBM, _ = strconv.ParseFloat(sn[0][1], 64)
		a.HasSignal = a.SignalDBM < 0 && a.SignalDBM > -150
	}
	if len(sn) >= 2 {
		a.NoiseDBM, _ = strconv.ParseFloat(sn[1][1], 64)
		a.HasNoise = a.NoiseDBM < 0 && a.NoiseDBM > -150
	}
	return a
}

// peerLink reports whether name is one of Apple's peer-to-peer links
// (awdl0 for AirDrop and Continuity, llw0 its low-latency companion),
// which ride on the Wi-Fi radio without being a Wi-Fi connection.
func peerLink(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(lower, "awdl") || strings.HasPrefix(lower, "llw")
}

// jsonString is raw as a string, "" when it is missing or not a string.
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// jsonNumber is raw as a number, whether written as one (866) or as a
// string ("866").
func jsonNumber(raw json.RawMessage) (float64, bool) {
	var v float64
	if json.Unmarshal(raw, &v) == nil {
		return v, true
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(jsonString(raw)), 64)
	return v, err == nil
}
