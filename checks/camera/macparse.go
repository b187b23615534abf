package camera

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// spCamera is one camera as system_profiler SPCameraDataType lists it.
type spCamera struct {
	Name     string // "_name"
	ModelID  string // "spcamera_model-id"
	UniqueID string // "spcamera_unique-id"
}

// maxSPDepth bounds the _items nesting walked. Real output nests at most
// one extra level; a deeper tree is not system_profiler's.
const maxSPDepth = 16

// parseSPCameraJSON reads `system_profiler SPCameraDataType -json`:
//
//	{"SPCameraDataType": [{"_name": "…", "spcamera_model-id": "…", "spcamera_unique-id": "…"}]}
//
// Some macOS versions put the cameras one level down, in the _items of a
// group entry, so entries with _items are walked instead of read. An empty
// list is no camera; anything else that yields no camera is an error, so a
// changed format never reads as "no camera".
func parseSPCameraJSON(s string) ([]spCamera, error) {
	s = strings.TrimSpace(strings.TrimPrefix(s, "\uFEFF"))
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &top); err != nil {
		return nil, fmt.Errorf("not the JSON system_profiler prints: %w", err)
	}
	raw, ok := top["SPCameraDataType"]
	if !ok {
		return nil, errors.New("the JSON has no SPCameraDataType list")
	}
	var list []any
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("SPCameraDataType is not a list: %w", err)
	}
	var cams []spCamera
	unknown := walkSPItems(list, 0, &cams)
	if len(cams) == 0 && unknown > 0 {
		return nil, fmt.Errorf("SPCameraDataType has %d entries but no camera wfh can read", unknown)
	}
	return cams, nil
}

// walkSPItems appends the cameras in items to cams and returns how many
// entries were not cameras.
func walkSPItems(items []any, depth int, cams *[]spCamera) int {
	unknown := 0
	for _, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			unknown++
			continue
		}
		if sub, ok := obj["_items"]; ok {
			list, ok := sub.([]any)
			if !ok || depth >= maxSPDepth {
				unknown++
				continue
			}
			unknown += walkSPItems(list, depth+1, cams)
			continue
		}
		c := spCamera{Name: jsonText(obj["_name"]), ModelID: jsonText(obj["spcamera_model-id"]), UniqueID: jsonText(obj["spcamera_unique-id"])}
		if c.Name == "" && c.ModelID == "" {
			unknown++
			continue
		}
		*cams = append(*cams, c)
	}
	return unknown
}

// jsonText is a JSON string or number as text; anything else is "".
func jsonText(v any) string {
	switch v := v.(type) {
	case string:
		return clean(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// parseSPCameraText reads the plain form, `system_profiler SPCameraDataType`,
// used when the JSON form is not available (before macOS 10.15) or fails:
//
//	Camera:
//
//	    FaceTime HD Camera:
//
//	      Model ID: UVC Camera VendorID_1452 ProductID_34068
//	      Unique ID: 0x8020000005ac8514
//
// It goes by layout, not words: the section header is the first line at
// the left margin ending in ":", each camera a less indented line ending in
// ":", its properties the more indented "Label: value" lines. Labels may be
// translated; only the English ones fill ModelID and UniqueID. Log lines
// (system_profiler's warnings, when stderr is mixed in) are skipped. Empty
// output is no camera: system_profiler prints nothing for an empty section.
func parseSPCameraText(s string) ([]spCamera, error) {
	s = strings.TrimPrefix(s, "\uFEFF")
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	header := -1
	stray := 0
	for i, l := range lines {
		t := strings.TrimRightFunc(l, unicode.IsSpace)
		if strings.TrimSpace(t) == "" || isLogLine(t) {
			continue
		}
		if indent(t) == 0 && strings.HasSuffix(t, ":") {
			header = i
			break
		}
		stray++
	}
	if header < 0 {
		if stray > 0 {
			return nil, errors.New("the output has no section header such as \"Camera:\"")
		}
		return nil, nil
	}

	var cams []spCamera
	var cur *spCamera
	nameIndent := -1
	unknown := 0
	for _, l := range lines[header+1:] {
		t := strings.TrimRightFunc(l, unicode.IsSpace)
		if strings.TrimSpace(t) == "" || isLogLine(t) {
			continue
		}
		ind := indent(t)
		if ind == 0 {
			break // the next data type's section; wfh asks for one only
		}
		text := strings.TrimSpace(t)
		if cur != nil && ind > nameIndent {
			label, value, ok := strings.Cut(text, ": ")
			if !ok {
				continue // a nested heading ("Formats:"); nothing wfh reads
			}
			switch strings.TrimSpace(label) {
			case "Model ID":
				cur.ModelID = clean(value)
			case "Unique ID":
				cur.UniqueID = clean(value)
			}
			continue
		}
		if strings.HasSuffix(text, ":") && (nameIndent < 0 || ind <= nameIndent) {
			cams = append(cams, spCamera{Name: clean(strings.TrimSuffix(text, ":"))})
			cur = &cams[len(cams)-1]
			nameIndent = ind
			continue
		}
		unknown++
	}
	if len(cams) == 0 && unknown > 0 {
		return nil, errors.New("the camera section has lines wfh cannot read")
	}
	return cams, nil
}

// logLine matches the prefix of a line macOS's logging writes:
// "2025-07-13 12:14:41.491 system_profiler[72462:47572963] WARNING: …".
var logLine = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? \S+\[\d+(:\d+)?\] `)

func isLogLine(s string) bool { return logLine.MatchString(s) }

// indent counts the leading spaces of a line, a tab as eight.
func indent(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case ' ':
			n++
		case '\t':
			n += 8
		default:
			return n
		}
	}
	return n
}

// continuityModel matches the model ID of an iPhone or iPad used as a
// Continuity Camera ("iPhone15,2").
var continuityModel = regexp.MustCompile(`^(iPhone|iPad)\d+,\d+$`)

// macModelCamera matches the name recent macOS gives a Mac's own camera
// after the Mac's model ("MacBook Pro Camera", "MacBook Air Camera",
// "iMac Camera"), where older releases said "FaceTime HD Camera".
var macModelCamera = regexp.MustCompile(`(?i)^(MacBook( Air| Pro)?|iMac( Pro)?|Mac) Camera$`)

// uvcModel matches the model ID macOS gives a USB (UVC) camera:
// "UVC Camera VendorID_1133 ProductID_2141", decimal or 0x-prefixed hex.
var uvcModel = regexp.MustCompile(`VendorID_(0x[0-9A-Fa-f]+|\d+) ProductID_(0x[0-9A-Fa-f]+|\d+)`)

// macCamera classifies a system_profiler entry.
func macCamera(sp spCamera) camera {
	c := camera{Name: sp.Name, ModelID: sp.ModelID}
	if c.Name == "" {
		c.Name = sp.ModelID
	}
	if m := uvcModel.FindStringSubmatch(sp.ModelID); m != nil {
		v, vok := usbID(m[1])
		p, pok := usbID(m[2])
		if vok && pok {
			c.VendorID, c.ProductID = v, p
		}
	}
	both := strings.ToLower(sp.Name + " " + sp.ModelID)
	switch {
	case looksVirtual(sp.Name) || looksVirtual(sp.ModelID):
		c.Connection = connVirtual
	case continuityModel.MatchString(sp.ModelID) || strings.Contains(both, "iphone") || strings.Contains(both, "ipad") ||
		strings.Contains(both, "continuity"):
		c.Connection = connContinuity
		// Continuity Cameras are named after the phone, which is named
		// after its owner ("Jane's iPhone Camera"): label it by kind, and
		// keep the name where redaction removes it.
		device := "iPhone"
		if strings.HasPrefix(sp.ModelID, "iPad") || (!strings.Contains(both, "iphone") && strings.Contains(both, "ipad")) {
			device = "iPad"
		}
		c.OwnerName = sp.Name
		c.Name = device + " Continuity Camera"
		if strings.Contains(both, "desk view") {
			c.Name += " (Desk View)"
		}
	case strings.Contains(both, "display"):
		// An external display's camera, Apple's included ("FaceTime HD
		// Camera (Display)" of a Thunderbolt Display, "Studio Display
		// Camera"): attached over Thunderbolt or USB, never the Mac's own,
		// though its name may say FaceTime.
		c.Connection = connUSB
	case strings.Contains(both, "facetime") || strings.Contains(both, "built-in") || macModelCamera.MatchString(sp.Name):
		c.Connection = connBuiltIn
	case c.VendorID == "05ac":
		// Apple's own UVC camera that is not a display's: the Mac's.
		c.Connection = connBuiltIn
	case c.VendorID != "" || strings.HasPrefix(sp.ModelID, "UVC Camera"):
		c.Connection = connUSB
	}
	c.Infrared = looksInfrared(sp.Name)
	return c
}

// usbID renders a decimal or 0x-hex USB ID as four lower-case hex digits.
func usbID(s string) (string, bool) {
	base := 10
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		s, base = h, 16
	}
	v, err := strconv.ParseUint(s, base, 16)
	if err != nil {
		return "", false
	}
	return fmt.Sprintf("%04x", v), true
}
