package camera

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wfh-cli/wfh/checks/probeutil"
)

func TestParsePnpDeviceJSON(t *testing.T) {
	long := "A very long camera name that a cheap no-name USB device reports in its string descriptor because the vendor filled every byte it had room for and then some more, and then some more again"
	laptop := []pnpDevice{
		{"Integrated Camera", "OK", `USB\VID_04F2&PID_B6DD&MI_00\6&2A2E5E5&0&0000`, "Camera"},
		{"Integrated IR Camera", "OK", `USB\VID_04F2&PID_B6DD&MI_02\6&2A2E5E5&0&0002`, "Camera"},
	}
	tests := []struct {
		name string
		in   string
		want []pnpDevice
	}{
		{"list with BOM and CRLF", fixture(t, "windows/pnp-laptop-bom-crlf.json"), laptop},
		{"BOM already decoded", "\uFEFF" + probeutil.DecodeText([]byte(fixture(t, "windows/pnp-laptop-bom-crlf.json"))), laptop},
		{"single object", fixture(t, "windows/pnp-single.json"),
			[]pnpDevice{{"Logitech BRIO", "OK", `USB\VID_046D&PID_085E&MI_00\7&1A2B3C4D&0&0000`, "Camera"}}},
		{"empty list", fixture(t, "windows/pnp-empty-list.json"), nil},
		{"null", "null\r\n", nil},
		{"nothing", "", nil},
		{"only a BOM and a line end", "\uFEFF\r\n", nil},
		{"problems and a virtual camera", fixture(t, "windows/pnp-error-and-virtual.json"), []pnpDevice{
			{"USB2.0 HD UVC WebCam", "Error", `USB\VID_13D3&PID_56DD&MI_00\6&12AB34CD&0&0000`, "Camera"},
			{"Windows Virtual Camera", "OK", `SWD\VCAMDEVAPI\B486E21F1D4BC97087EA831093E840AD2177E046699EFBF62B27304F5CCAEF57`, "Camera"},
			{"Intel(R) AVStream Camera", "Degraded", `ACPI\INT3474\0`, "Image"}}},
		{"odd names", fixture(t, "windows/pnp-odd-names.json"), []pnpDevice{
			{"Cam \"Pro\" 4K 📷", "OK", `USB\VID_1E4E&PID_0110&MI_00\6&1&0&0000`, "Camera"},
			{"<b>Bold</b> Cam", "Unknown", `USB\VID_0C45&PID_64AB&MI_00\6&2&0&0000`, "Image"},
			{strings.TrimSpace(long[:maxText]) + "…", "OK", `USB\VID_1BCF&PID_2B8A&MI_00\6&3&0&0000`, "Camera"}}},
		{"value and Count wrapper", fixture(t, "windows/pnp-wrapped.json"),
			[]pnpDevice{{"HP TrueVision HD Camera", "OK", `USB\VID_0408&PID_5365&MI_00\6&C0FFEE&0&0000`, "Camera"}}},
		{"other case, numbers and nulls", `[{"friendlyname":"Cam","status":0,"instanceid":null,"class":"Camera"}]`,
			[]pnpDevice{{FriendlyName: "Cam", Status: "0", Class: "Camera"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePnpDeviceJSON(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParsePnpDeviceJSONErrors(t *testing.T) {
	for in, want := range map[string]string{
		"Get-PnpDevice : The term 'Get-PnpDevice' is not recognized": "not the JSON PowerShell prints",
		"[{]":               "not the JSON PowerShell prints",
		`"Camera"`:          "neither a device nor a list",
		"42":                "neither a device nor a list",
		`[1, null, "x"]`:    "3 entries but no device",
		`[{"Status":"OK"}]`: "1 entries but no device",
		`{"Name":"x"}`:      "1 entries but no device",
	} {
		if _, err := parsePnpDeviceJSON(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
}

func TestPnpCamera(t *testing.T) {
	tests := []struct {
		in   pnpDevice
		want camera
	}{
		{pnpDevice{"Integrated Camera", "OK", `USB\VID_04F2&PID_B6DD&MI_00\6&2A2E5E5&0&0000`, "Camera"},
			camera{Name: "Integrated Camera", Connection: connUSB, VendorID: "04f2", ProductID: "b6dd", Class: "Camera", OSStatus: "OK"}},
		{pnpDevice{"Integrated IR Camera", "OK", `USB\VID_04F2&PID_B6DD&MI_02\6&2A2E5E5&0&0002`, "Camera"},
			camera{Name: "Integrated IR Camera", Connection: connUSB, Infrared: true, VendorID: "04f2", ProductID: "b6dd", Class: "Camera", OSStatus: "OK"}},
		{pnpDevice{"Windows Virtual Camera", "OK", `SWD\VCAMDEVAPI\B486`, "Camera"},
			camera{Name: "Windows Virtual Camera", Connection: connVirtual, Class: "Camera", OSStatus: "OK"}},
		{pnpDevice{"Broadcast Camera", "OK", `ROOT\IMAGE\0000`, "Image"},
			camera{Name: "Broadcast Camera", Connection: connVirtual, Class: "Image", OSStatus: "OK"}},
		{pnpDevice{"Intel(R) AVStream Camera", "Degraded", `ACPI\INT3474\0`, "Image"},
			camera{Name: "Intel(R) AVStream Camera", Connection: connBuiltIn, Class: "Image", OSStatus: "Degraded", Fault: &fault{
				Msg: "Windows reports a problem with Intel(R) AVStream Camera (status Degraded): it may be disabled, or its driver failed.",
				Fix: "Open Device Manager and find the camera under Cameras or Imaging devices: if it is disabled, choose Enable device; otherwise choose Uninstall device and restart the computer to reinstall its driver."}}},
		{pnpDevice{InstanceID: `BTHENUM\{0000}`, Status: "Unknown"}, camera{Name: "Unnamed camera", OSStatus: "Unknown"}},
	}
	for _, tt := range tests {
		if got := pnpCamera(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("pnpCamera(%+v)\n= %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

func FuzzParsePnpDeviceJSON(f *testing.F) {
	for _, name := range []string{"pnp-laptop-bom-crlf.json", "pnp-single.json", "pnp-empty-list.json", "pnp-error-and-virtual.json", "pnp-odd-names.json", "pnp-wrapped.json"} {
		f.Add(fixture(f, "windows/"+name))
	}
	for _, s := range []string{"", "null", "[]", "{}", `{"value":[],"Count":0}`, `[{"FriendlyName":"\u0000\ud800","InstanceId":"USB\\VID_ZZZZ"}]`, "\uFEFF[1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		devs, err := parsePnpDeviceJSON(in)
		if err != nil {
			return
		}
		for _, d := range devs {
			for _, s := range []string{d.FriendlyName, d.Status, d.InstanceID, d.Class} {
				displayable(t, s)
			}
			if d.FriendlyName == "" && d.InstanceID == "" {
				t.Errorf("device without name or ID: %+v", d)
			}
			c := pnpCamera(d)
			displayable(t, c.Name)
			if c.Name == "" || (c.VendorID != "" && !hex4(c.VendorID)) {
				t.Errorf("camera %+v", c)
			}
		}
	})
}
