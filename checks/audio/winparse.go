package audio

import (
	"encoding/json"
	"fmt"
	"strings"
)

// endpointJSON is one row of Get-PnpDevice -Class AudioEndpoint.
type endpointJSON struct {
	FriendlyName string `json:"FriendlyName"`
	Status       string `json:"Status"`
	InstanceId   string `json:"InstanceId"`
}

// parseAudioEndpointJSON parses ConvertTo-Json output: an array, a single
// object (one endpoint), or nothing at all (no endpoint). The kind comes
// from the endpoint ID: render endpoints are {0.0.0.00000000}, capture
// endpoints {0.0.1.00000000}.
func parseAudioEndpointJSON(data string) ([]device, error) {
	data = strings.TrimSpace(strings.TrimPrefix(data, "\uFEFF"))
	if data == "" || data == "null" {
		return nil, nil
	}
	var rows []endpointJSON
	switch data[0] {
	case '[':
		if err := json.Unmarshal([]byte(data), &rows); err != nil {
			return nil, fmt.Errorf("%w: %v", errGarbage, err)
		}
	case '{':
		var one endpointJSON
		if err := json.Unmarshal([]byte(data), &one); err != nil {
			return nil, fmt.Errorf("%w: %v", errGarbage, err)
		}
		rows = []endpointJSON{one}
	default:
		return nil, errGarbage
	}
	var out []device
	for _, r := range rows {
		id := strings.ToUpper(r.InstanceId)
		d := device{Name: clean(r.InstanceId), Label: cleanLabel(r.FriendlyName), Status: clean(r.Status)}
		switch {
		case strings.Contains(id, "{0.0.1."):
			d.Kind = kindMic
		case strings.Contains(id, "{0.0.0."):
			d.Kind = kindSpeaker
		default:
			continue // not an endpoint ID wfh knows; guessing would mislead
		}
		if d.Label == "" {
			d.Label = d.Name
		}
		if !strings.EqualFold(d.Status, "OK") {
			// Windows marks an endpoint whose device is unplugged or
			// disabled "Unknown" (or "Error").
			d.State = "unavailable"
		}
		out = append(out, d)
	}
	return out, nil
}
