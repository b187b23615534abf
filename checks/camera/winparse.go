package camera

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// pnpDevice is one device as Get-PnpDevice lists it.
type pnpDevice struct {
	FriendlyName string
	Status       string // "OK", "Error", "Degraded", "Unknown"
	InstanceID   string // "USB\VID_046D&PID_0825&MI_00\6&2C2A4F5&0&0000"
	Class        string // "Camera" or "Image"
}

// parsePnpDeviceJSON reads what ConvertTo-Json prints for the selected
// Get-PnpDevice properties: an array, a single object (PowerShell unwraps an
// array of one when it is piped), or nothing or "null" when no device
// matched. PowerShell 5.1 may also wrap an array as {"value": […],
// "Count": n}. A document that yields no device although it holds entries
// is an error, so a changed format never reads as "no camera".
func parsePnpDeviceJSON(s string) ([]pnpDevice, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "\uFEFF"))
	if s == "" || s == "null" {
		return nil, nil
	}
	var doc any
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return nil, fmt.Errorf("not the JSON PowerShell prints: %w", err)
	}
	var items []any
	switch v := doc.(type) {
	case []any:
		items = v
	case map[string]any:
		if inner, ok := v["value"].([]any); ok && len(v) <= 2 {
			items = inner
		} else {
			items = []any{v}
		}
	default:
		return nil, errors.New("the JSON is neither a device nor a list of devices")
	}
	var devs []pnpDevice
	unknown := 0
	for _, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			unknown++
			continue
		}
		d := pnpDevice{
			FriendlyName: jsonText(field(obj, "FriendlyName")),
			Status:       jsonText(field(obj, "Status")),
			InstanceID:   jsonText(field(obj, "InstanceId")),
			Class:        jsonText(field(obj, "Class")),
		}
		if d.FriendlyName == "" && d.InstanceID == "" {
			unknown++
			continue
		}
		devs = append(devs, d)
	}
	if len(devs) == 0 && unknown > 0 {
		return nil, fmt.Errorf("the JSON has %d entries but no device wfh can read", unknown)
	}
	return devs, nil
}

// field looks a property up the way PowerShell names are matched: ignoring
// case.
func field(obj map[string]any, name string) any {
	if v, ok := obj[name]; ok {
		return v
	}
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// usbInstance matches the vendor and product IDs in a USB instance ID.
var usbInstance = regexp.MustCompile(`VID_([0-9A-F]{4})&PID_([0-9A-F]{4})`)

// pnpCamera classifies a Get-PnpDevice entry.
func pnpCamera(d pnpDevice) camera {
	c := camera{Name: d.FriendlyName, Class: d.Class, OSStatus: d.Status}
	if c.Name == "" {
		c.Name = "Unnamed camera"
	}
	id := strings.ToUpper(d.InstanceID)
	if m := usbInstance.FindStringSubmatch(id); m != nil {
		c.VendorID, c.ProductID = strings.ToLower(m[1]), strings.ToLower(m[2])
	}
	enumerator, _, _ := strings.Cut(id, `\`)
	switch {
	case looksVirtual(d.FriendlyName) || enumerator == "ROOT" || strings.HasPrefix(id, `SWD\VCAM`):
		// Root-enumerated devices are installed by software, and SWD\VCAM
		// is the Windows 11 virtual camera API.
		c.Connection = connVirtual
	case enumerator == "USB" || enumerator == "USBVIDEO":
		c.Connection = connUSB
	case enumerator == "ACPI" || enumerator == "PCI":
		// MIPI cameras are described by the firmware or sit on a PCI
		// function: they are part of the machine.
		c.Connection = connBuiltIn
	}
	c.Infrared = looksInfrared(d.FriendlyName)
	switch strings.ToLower(d.Status) {
	case "error", "degraded":
		c.Fault = &fault{
			Msg: fmt.Sprintf("Windows reports a problem with %s (status %s): it may be disabled, or its driver failed.", c.Name, d.Status),
			Fix: "Open Device Manager and find the camera under Cameras or Imaging devices: if it is disabled, choose Enable device; otherwise choose Uninstall device and restart the computer to reinstall its driver.",
		}
	}
	return c
}
