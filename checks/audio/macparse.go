package audio

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// parseSPAudioJSON parses `system_profiler SPAudioDataType -json`:
// SPAudioDataType[]._items[], where an entry may nest further _items. A
// device with both inputs and outputs (a USB headset) becomes a microphone
// and a speaker.
func parseSPAudioJSON(data string) ([]device, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(strings.TrimSpace(data)), &top); err != nil {
		return nil, fmt.Errorf("%w: %v", errGarbage, err)
	}
	raw, ok := top["SPAudioDataType"]
	if !ok {
		return nil, fmt.Errorf("%w: no SPAudioDataType", errGarbage)
	}
	var entries []map[string]any
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("%w: %v", errGarbage, err)
	}
	var out []device
	var walk func(items []map[string]any, depth int)
	walk = func(items []map[string]any, depth int) {
		if depth > 8 { // real output nests two levels; deeper is hostile
			return
		}
		for _, it := range items {
			if sub, ok := it["_items"].([]any); ok {
				var next []map[string]any
				for _, s := range sub {
					if m, ok := s.(map[string]any); ok {
						next = append(next, m)
					}
				}
				walk(next, depth+1)
			}
			name := clean(str(it["_name"]))
			transport := str(it["coreaudio_device_transport"])
			bus := strings.TrimPrefix(transport, "coreaudio_device_type_")
			if name == "" {
				continue
			}
			if n := count(it["coreaudio_device_input"]); n > 0 {
				out = append(out, device{Kind: kindMic, Name: name, Label: name, Bus: bus, DefaultKnown: true,
					Default: str(it["coreaudio_default_audio_input_device"]) == "spaudio_yes"})
			}
			if n := count(it["coreaudio_device_output"]); n > 0 {
				out = append(out, device{Kind: kindSpeaker, Name: name, Label: name, Bus: bus, DefaultKnown: true,
					Default: str(it["coreaudio_default_audio_output_device"]) == "spaudio_yes"})
			}
		}
	}
	walk(entries, 0)
	return out, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// count reads a channel count that system_profiler writes as a number (or,
// in some versions, a string).
func count(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case string:
		n, _ := strconv.Atoi(strings.TrimSpace(x))
		return n
	}
	return 0
}

// volumeSettings is `osascript -e 'get volume settings'`. A field is nil
// when macOS answers "missing value" (a device without that control).
type volumeSettings struct {
	Output, Input *int
	OutputMuted   *bool
}

// parseOsascriptVolume parses "output volume:50, input volume:75, alert
// volume:100, output muted:false".
func parseOsascriptVolume(data string) (volumeSettings, error) {
	var v volumeSettings
	found := false
	for _, part := range strings.Split(strings.TrimSpace(data), ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch k {
		case "output volume", "input volume":
			found = true
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 || n > 100 {
				continue
			}
			if k == "output volume" {
				v.Output = &n
			} else {
				v.Input = &n
			}
		case "output muted":
			found = true
			if b, err := strconv.ParseBool(val); err == nil {
				v.OutputMuted = &b
			}
		}
	}
	if !found {
		return v, errors.New("osascript " + errGarbage.Error())
	}
	return v, nil
}
