package audio

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// pactlJSON is one sink or source in `pactl -f json list sinks|sources`
// (PulseAudio 16 and pipewire-pulse). Only the fields wfh reads are named.
type pactlJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	State       string `json:"state"`
	Mute        *bool  `json:"mute"`
	Volume      map[string]struct {
		ValuePercent string `json:"value_percent"`
	} `json:"volume"`
	SampleSpec string            `json:"sample_specification"`
	ActivePort *string           `json:"active_port"`
	Properties map[string]string `json:"properties"`
	Ports      []struct {
		Name         string `json:"name"`
		Availability string `json:"availability"`
	} `json:"ports"`
}

// errGarbage marks output wfh does not recognise as a device list.
var errGarbage = errors.New("printed something that is not a device list")

// parsePactlJSON parses `pactl -f json list sinks` (kind speaker) or
// `... sources` (kind microphone). Monitor sources (the sound a sink plays,
// offered as an input for recording) are dropped: they are no microphone.
func parsePactlJSON(data, kind string) ([]device, error) {
	data = strings.TrimSpace(data)
	if !strings.HasPrefix(data, "[") {
		return nil, errGarbage
	}
	var raw []pactlJSON
	if err := json.Unmarshal([]byte(data), &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", errGarbage, err)
	}
	var out []device
	for _, r := range raw {
		// JSON has no "Monitor of Sink" (its monitor_source names the sink
		// for a monitor, and the monitor for a sink), so the name and class
		// decide.
		if isMonitor(r.Name, "", r.Properties["device.class"]) {
			continue
		}
		d := device{Kind: kind, Name: clean(r.Name), Label: cleanLabel(r.Description), SampleSpec: clean(r.SampleSpec)}
		if r.Mute != nil {
			d.Muted, d.MuteKnown = *r.Mute, true
		}
		var pcts []string
		for _, v := range r.Volume {
			pcts = append(pcts, v.ValuePercent)
		}
		d.Volume, d.VolumeKnown = maxPercent(pcts)
		d.State = pulseState(r.State)
		if r.ActivePort != nil {
			d.ActivePort = clean(*r.ActivePort)
			for _, p := range r.Ports {
				if p.Name == *r.ActivePort && p.Availability == "not available" {
					d.State = "unavailable"
				}
			}
		}
		d.Bus, d.Profile = busProfile(r.Properties)
		if d.Label == "" {
			d.Label = d.Name
		}
		out = append(out, d)
	}
	return out, nil
}

// isMonitor reports whether a source only repeats what a sink plays.
func isMonitor(name, monitorOf, class string) bool {
	if strings.HasSuffix(name, ".monitor") || class == "monitor" {
		return true
	}
	return monitorOf != "" && monitorOf != "n/a"
}

// busProfile reads the connection and the Bluetooth profile from the
// properties PulseAudio (bluetooth.protocol) or PipeWire (api.bluez5.profile)
// set.
func busProfile(props map[string]string) (bus, prof string) {
	bus = clean(props["device.bus"])
	for _, k := range []string{"bluetooth.protocol", "api.bluez5.profile", "bluez5.profile"} {
		if v := props[k]; v != "" {
			return bus, clean(v)
		}
	}
	return bus, ""
}

// maxPercent returns the loudest channel: a device is silent only when every
// channel is at 0 %.
func maxPercent(vals []string) (int, bool) {
	best, ok := 0, false
	for _, v := range vals {
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "%")))
		if err != nil || n < 0 {
			continue
		}
		if !ok || n > best {
			best, ok = n, true
		}
	}
	return best, ok
}

// pulseState maps PulseAudio's states to the report's words.
func pulseState(s string) string {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "RUNNING":
		return "running"
	case "IDLE":
		return "idle"
	case "SUSPENDED":
		return "suspended"
	case "":
		return ""
	}
	return "unavailable"
}

// parsePactlText parses the English text form of `pactl list` (whole, or
// only sinks or sources), which pactl before 16 prints and which wfh asks
// for when -f json is refused. It returns sinks and sources in order; other
// sections (modules, cards, clients) are skipped.
func parsePactlText(data string) ([]device, error) {
	var out []device
	var cur *device
	var props map[string]string
	var monitorOf, section string
	var ports map[string]string
	found := false
	flush := func() {
		if cur == nil {
			return
		}
		if cur.Kind == kindMic && isMonitor(cur.Name, monitorOf, props["device.class"]) {
			cur = nil
			return
		}
		cur.Bus, cur.Profile = busProfile(props)
		if ports[cur.ActivePort] == "not available" {
			cur.State = "unavailable"
		}
		if cur.Label == "" {
			cur.Label = cur.Name
		}
		out = append(out, *cur)
		cur = nil
	}
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		if line[0] != '\t' && line[0] != ' ' {
			flush()
			section = ""
			switch {
			case strings.HasPrefix(line, "Sink #"):
				cur = &device{Kind: kindSpeaker}
			case strings.HasPrefix(line, "Source #"):
				cur = &device{Kind: kindMic}
			}
			if cur != nil {
				found = true
				props, ports, monitorOf = map[string]string{}, map[string]string{}, ""
			}
			continue
		}
		if cur == nil {
			continue
		}
		depth := len(line) - len(strings.TrimLeft(line, "\t"))
		text := strings.TrimSpace(line)
		if depth >= 2 {
			switch section {
			case "Properties":
				if k, v, ok := strings.Cut(text, " = "); ok {
					props[k] = strings.Trim(v, `"`)
				}
			case "Ports":
				if name, rest, ok := strings.Cut(text, ": "); ok {
					switch {
					case strings.HasSuffix(rest, "not available)"):
						ports[name] = "not available"
					case strings.HasSuffix(rest, "available)"):
						ports[name] = "available"
					}
				}
			}
			continue
		}
		key, val, _ := strings.Cut(text, ":")
		val = strings.TrimSpace(val)
		section = key
		switch key {
		case "State":
			cur.State = pulseState(val)
		case "Name":
			cur.Name = clean(val)
		case "Description":
			cur.Label = cleanLabel(val)
		case "Mute":
			cur.Muted, cur.MuteKnown = val == "yes", val == "yes" || val == "no"
		case "Volume":
			cur.Volume, cur.VolumeKnown = maxPercent(percents(val))
		case "Sample Specification":
			cur.SampleSpec = clean(val)
		case "Active Port":
			cur.ActivePort = clean(val)
		case "Monitor of Sink":
			monitorOf = val
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", errGarbage, err)
	}
	if !found && strings.TrimSpace(data) != "" {
		return nil, errGarbage
	}
	return out, nil
}

// percents picks the "NN%" figures of a volume line in either form:
// "0:  23% 1:  23%" (PulseAudio < 5) or "front-left: 65536 / 100% / 0.00 dB".
func percents(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		if strings.HasSuffix(f, "%") {
			out = append(out, f)
		}
	}
	return out
}

// parsePactlDefaults reads "Default Sink:" and "Default Source:" from
// `pactl info`, for pactl versions without get-default-sink.
func parsePactlDefaults(data string) (sink, source string) {
	for _, line := range strings.Split(data, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		switch k {
		case "Default Sink":
			sink = strings.TrimSpace(v)
		case "Default Source":
			source = strings.TrimSpace(v)
		}
	}
	return sink, source
}
